/**
 * Seeded percentile bootstrap intervals for accuracy, macro F1 and Cohen's kappa.
 *
 * With `groups` (e.g. the subject of each sample) whole groups are drawn with replacement and
 * every sample of a drawn group enters the resample (a cluster bootstrap: the unit that varies
 * between people is the person). Without, single samples are drawn. Each group's confusion
 * matrix is counted once; a resample's statistics come from the sum of its groups' matrices.
 * Bounds are the (1−level)/2 and (1+level)/2 percentiles with linear interpolation (numpy's
 * default); with fewer than two groups there is nothing to resample and the bounds are null.
 */
import { Rng } from '@emo/datasets';
import type { Interval } from '../types.js';
import { checkLabels, summaryOfConfusion } from './classification.js';

export interface BootstrapInput {
  readonly yTrue: ArrayLike<number>;
  readonly yPred: ArrayLike<number>;
  readonly numClasses: number;
  /** The group of each sample (resampled whole), or null to resample samples. */
  readonly groups: readonly string[] | null;
  readonly iterations: number;
  readonly seed: number;
  /** Confidence level, e.g. 0.95. */
  readonly level: number;
}

export interface BootstrapIntervals {
  readonly accuracy: Interval;
  readonly macroF1: Interval;
  readonly kappa: Interval;
}

/** numpy.percentile (linear) of sorted values at q in [0, 1]. */
export function percentile(sorted: readonly number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function bootstrapIntervals(input: BootstrapInput): BootstrapIntervals {
  const { yTrue, yPred, numClasses: k, groups, iterations, level } = input;
  checkLabels(yTrue, yPred, k);
  if (groups && groups.length !== yTrue.length) {
    throw new RangeError(`${groups.length} groups for ${yTrue.length} samples`);
  }
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  // one confusion matrix per group (a sample is its own group without `groups`)
  const index = new Map<string, number>();
  const matrices: Float64Array[] = [];
  for (let i = 0; i < yTrue.length; i++) {
    const g = groups ? groups[i] : String(i);
    let m = index.get(g);
    if (m === undefined) {
      m = matrices.length;
      index.set(g, m);
      matrices.push(new Float64Array(k * k));
    }
    matrices[m][yTrue[i] * k + yPred[i]]++;
  }
  const total = new Float64Array(k * k);
  for (const m of matrices) for (let j = 0; j < m.length; j++) total[j] += m[j];
  const estimate = summaryOfConfusion(total, k);
  const none = (e: number): Interval => ({ estimate: e, lower: null, upper: null });
  if (matrices.length < 2 || iterations < 1) {
    return {
      accuracy: none(estimate.accuracy),
      macroF1: none(estimate.macroF1),
      kappa: none(estimate.kappa),
    };
  }
  const rng = new Rng(input.seed).fork('bootstrap');
  const stats = { accuracy: [] as number[], macroF1: [] as number[], kappa: [] as number[] };
  const sum = new Float64Array(k * k);
  for (let it = 0; it < iterations; it++) {
    sum.fill(0);
    for (let d = 0; d < matrices.length; d++) {
      const m = matrices[rng.int(0, matrices.length - 1)];
      for (let j = 0; j < m.length; j++) sum[j] += m[j];
    }
    const s = summaryOfConfusion(sum, k);
    stats.accuracy.push(s.accuracy);
    stats.macroF1.push(s.macroF1);
    stats.kappa.push(s.kappa);
  }
  const interval = (values: number[], e: number): Interval => {
    values.sort((a, b) => a - b);
    return {
      estimate: e,
      lower: percentile(values, (1 - level) / 2),
      upper: percentile(values, (1 + level) / 2),
    };
  };
  return {
    accuracy: interval(stats.accuracy, estimate.accuracy),
    macroF1: interval(stats.macroF1, estimate.macroF1),
    kappa: interval(stats.kappa, estimate.kappa),
  };
}
