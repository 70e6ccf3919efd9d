/**
 * The QRS segmentation of NeuroKit2's default R-peak detector (`ecg_findpeaks(method=
 * "neurokit")`; D. Makowski et al., "NeuroKit2: A Python toolbox for neurophysiological signal
 * processing", Behav Res Methods 2021;53:1689–1696; the detector comes from J. C. Brammer's
 * biopeaks, validated in J. C. Brammer, "biopeaks: a graphical user interface for feature
 * extraction from heart- and breathing biosignals", JOSS 2020;5(54):2621). Implemented here
 * from its published description, not from its code:
 *
 *  1. the absolute gradient of the (cleaned) ECG, smoothed by a moving average over
 *     `smoothwindow` = 0.1 s;
 *  2. its local average: a moving average of the smoothed gradient over `avgwindow` = 0.75 s;
 *  3. QRS complexes are where the smoothed gradient exceeds `gradthreshweight` = 1.5 times
 *     its local average;
 *  4. complexes shorter than `minlenweight` = 0.4 times the mean complex duration are
 *     discarded;
 *  5. the R peak is the most prominent local maximum of the ECG inside each complex;
 *  6. an R peak that follows the previous one by less than `mindelay` = 0.3 s is discarded.
 *
 * Steps 5–6 live in rpeaks.ts (with polarity, clipping and gap handling shared with the
 * Elgendi path); this module holds the segmentation and the prominence search.
 *
 * Choices of this implementation (the description leaves them open): the gradient is the
 * central difference (one-sided at the two ends), the moving averages are centred and shrink
 * at the ends of the record, and a complex still above threshold at either end of the record
 * is kept, cut there (a truncated QRS yields a peak only if it has an interior local maximum).
 * On NeuroKit2's bio_resting_5min_100hz example this reproduces its documented HRV to the
 * second decimal (see hrv.realdata.test.ts).
 */
import { movingAverage, type Run } from './internal.js';

/** |dx/dt| in units per sample: central differences inside, one-sided at the two ends. */
export function absGradient(x: Float64Array): Float64Array {
  const n = x.length;
  const g = new Float64Array(n);
  if (n < 2) return g;
  g[0] = Math.abs(x[1] - x[0]);
  g[n - 1] = Math.abs(x[n - 1] - x[n - 2]);
  for (let i = 1; i < n - 1; i++) g[i] = Math.abs((x[i + 1] - x[i - 1]) / 2);
  return g;
}

export interface GradientRegionOptions {
  /** Smoothing window of the absolute gradient, in samples. */
  readonly smoothWindow: number;
  /** Window of its local average, in samples. */
  readonly averageWindow: number;
  /** The threshold: this many times the local average. */
  readonly thresholdWeight: number;
  /** Complexes shorter than this fraction of the mean complex duration are dropped. */
  readonly minLengthWeight: number;
}

/**
 * QRS complexes of the ECG `x` (steps 1–4 of the module comment): half-open runs of samples,
 * increasing. Returns [] when nothing crosses the threshold.
 */
export function gradientQrsRegions(x: Float64Array, o: GradientRegionOptions): Run[] {
  const n = x.length;
  const smooth = movingAverage(absGradient(x), o.smoothWindow);
  const avg = movingAverage(smooth, o.averageWindow);
  const w = o.thresholdWeight;
  const runs: Run[] = [];
  let start = -1;
  for (let i = 0; i < n; i++) {
    if (smooth[i] > w * avg[i]) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      runs.push({ start, end: i });
      start = -1;
    }
  }
  if (start >= 0) runs.push({ start, end: n });
  if (runs.length === 0) return runs;
  let total = 0;
  for (const r of runs) total += r.end - r.start;
  const minLen = (o.minLengthWeight * total) / runs.length;
  return runs.filter((r) => r.end - r.start >= minLen);
}

/**
 * The most prominent local maximum of sign·y inside [a, b), or −1 when there is none.
 *
 * A local maximum is a sample, or the middle (rounded down) of a run of equal samples, higher
 * than the samples on either side; the first and last samples of [a, b) cannot be one. Its
 * prominence is its height above the higher of the two lowest points found going left and
 * right from it until a higher sample or the end of [a, b). Ties go to the first.
 */
export function mostProminentMaximum(y: Float64Array, a: number, b: number, sign: number): number {
  let best = -1;
  let bestProm = -Infinity;
  let i = a + 1;
  while (i < b - 1) {
    const v = sign * y[i];
    if (sign * y[i - 1] < v) {
      let ahead = i + 1;
      while (ahead < b - 1 && sign * y[ahead] === v) ahead++;
      if (sign * y[ahead] < v) {
        const peak = (i + ahead - 1) >> 1;
        let leftMin = v;
        for (let j = peak - 1; j >= a && sign * y[j] <= v; j--) {
          if (sign * y[j] < leftMin) leftMin = sign * y[j];
        }
        let rightMin = v;
        for (let j = peak + 1; j < b && sign * y[j] <= v; j++) {
          if (sign * y[j] < rightMin) rightMin = sign * y[j];
        }
        const prom = v - Math.max(leftMin, rightMin);
        if (prom > bestProm) {
          bestProm = prom;
          best = peak;
        }
      }
      i = ahead;
    } else {
      i++;
    }
  }
  return best;
}
