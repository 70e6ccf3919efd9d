/**
 * How a subject's trials are shared among worker processes: longest first, each to the least
 * loaded worker (ties: the lower-numbered one), so the workers finish close together. The cost
 * of a trial is its crops (windows × frames): detection, the costly step, runs on a fixed
 * number of frames per crop. Deterministic, and the results do not depend on it anyway.
 */

export interface TrialCost {
  readonly trial: number;
  readonly cost: number;
}

/** Trials per worker (at most `workers` groups, none empty), each group in trial order. */
export function splitTrials(trials: readonly TrialCost[], workers: number): number[][] {
  if (!(Number.isInteger(workers) && workers >= 1)) {
    throw new RangeError(`splitTrials: workers must be an integer ≥ 1, got ${workers}`);
  }
  const groups = Array.from({ length: Math.min(workers, trials.length) }, () => ({
    load: 0,
    trials: [] as number[],
  }));
  const order = [...trials].sort((a, b) => b.cost - a.cost || a.trial - b.trial);
  for (const t of order) {
    let best = 0;
    for (let g = 1; g < groups.length; g++) if (groups[g].load < groups[best].load) best = g;
    groups[best].load += t.cost;
    groups[best].trials.push(t.trial);
  }
  return groups.map((g) => g.trials.sort((a, b) => a - b));
}
