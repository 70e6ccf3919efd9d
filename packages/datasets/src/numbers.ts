/** Numbers from 1 to the largest of `present` that are not in it (e.g. missing participants). */
export function missingNumbers(present: readonly number[]): number[] {
  const have = new Set(present);
  const max = Math.max(0, ...present);
  const out: number[] = [];
  for (let n = 1; n <= max; n++) if (!have.has(n)) out.push(n);
  return out;
}
