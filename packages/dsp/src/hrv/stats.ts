/** Small descriptive statistics on Float64Arrays (definitions as numpy's). */

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Standard deviation with `ddof` degrees of freedom removed (two-pass, like numpy.std). */
export function std(x: ArrayLike<number>, ddof = 1): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - m;
    s += d * d;
  }
  return Math.sqrt(s / (x.length - ddof));
}

/** An ascending sorted copy. */
export function sorted(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x).sort();
}

/** Percentile q ∈ [0, 100] of an ascending array, numpy's default ('linear') definition. */
export function percentileSorted(s: Float64Array, q: number): number {
  const pos = (q / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function median(x: ArrayLike<number>): number {
  return percentileSorted(sorted(x), 50);
}

/** Successive differences x[i+1] − x[i]. */
export function diff(x: ArrayLike<number>): Float64Array {
  const d = new Float64Array(Math.max(0, x.length - 1));
  for (let i = 0; i < d.length; i++) d[i] = x[i + 1] - x[i];
  return d;
}

/** rr[i] − rr[i−1] for every i that is not a break (the first interval of a run). */
export function successiveDifferences(
  rr: ArrayLike<number>,
  breaks: Iterable<number> = [],
): Float64Array {
  const skip = new Set(breaks);
  const d: number[] = [];
  for (let i = 1; i < rr.length; i++) if (!skip.has(i)) d.push(rr[i] - rr[i - 1]);
  return Float64Array.from(d);
}
