/**
 * Poincaré-plot indices (NeuroKit2's names, ms). With x = RR[0 … N−2] and y = RR[1 … N−1]:
 *
 * - SD1 = SD(y − x) / √2: the spread across the identity line (short-term variability).
 * - SD2 = SD(y + x) / √2: the spread along it (long-term variability).
 *   Both use the sample standard deviation (ddof = 1).
 * - SD1SD2 = SD1 / SD2, CSI = SD2 / SD1, S = π · SD1 · SD2 (ellipse area, ms²),
 *   CVI = log10(4·SD1 · 4·SD2). A ratio or logarithm that would be undefined (a zero
 *   denominator or argument) is null, never NaN or Infinity.
 */
import { checkedRr } from './intervals.js';
import { std } from './stats.js';

export interface HrvNonlinear {
  SD1: number;
  SD2: number;
  SD1SD2: number | null;
  S: number;
  CSI: number | null;
  CVI: number | null;
}

/**
 * Poincaré indices of RR intervals in ms (at least 3). `breaks` lists the intervals that do not
 * follow the one before them (see hrvTime): pairs are taken within runs only.
 */
export function hrvNonlinear(rrMs: ArrayLike<number>, breaks: Iterable<number> = []): HrvNonlinear {
  const rr = checkedRr(rrMs, 'hrvNonlinear');
  const skip = new Set(breaks);
  const difs: number[] = [];
  const sums: number[] = [];
  for (let i = 1; i < rr.length; i++) {
    if (skip.has(i)) continue;
    difs.push(rr[i] - rr[i - 1]);
    sums.push(rr[i] + rr[i - 1]);
  }
  if (difs.length < 2)
    throw new Error(
      `hrvNonlinear: need at least 2 successive pairs within runs, got ${difs.length}`,
    );
  const dif = Float64Array.from(difs);
  const sum = Float64Array.from(sums);
  const sd1 = std(dif, 1) / Math.SQRT2;
  const sd2 = std(sum, 1) / Math.SQRT2;
  return {
    SD1: sd1,
    SD2: sd2,
    SD1SD2: sd2 > 0 ? sd1 / sd2 : null,
    S: Math.PI * sd1 * sd2,
    CSI: sd1 > 0 ? sd2 / sd1 : null,
    CVI: sd1 > 0 && sd2 > 0 ? Math.log10(16 * sd1 * sd2) : null,
  };
}
