/**
 * Fixed windows over a trial after its pre-trial baseline, and quality checks of the raw
 * samples in each window (NaN runs, flat lines, clipping).
 */

export interface WindowSpan {
  /** Window index within the trial. */
  readonly index: number;
  /** First sample (inclusive) and last (exclusive), in trial samples (baseline included). */
  readonly start: number;
  readonly end: number;
  /** Seconds from the end of the baseline. */
  readonly t0: number;
  readonly t1: number;
}

/**
 * Windows of `windowSec` every `stepSec` over samples [baseline, length). A trial shorter than
 * one window gives none (the caller reports it).
 */
export function windowSpans(
  length: number,
  fs: number,
  baselineSamples: number,
  windowSec: number,
  stepSec: number,
): WindowSpan[] {
  if (!(fs > 0) || !(windowSec > 0) || !(stepSec > 0)) {
    throw new RangeError(
      `windows: fs (${fs}), window (${windowSec} s) and step (${stepSec} s) must be positive`,
    );
  }
  const win = Math.round(windowSec * fs);
  const step = Math.round(stepSec * fs);
  const out: WindowSpan[] = [];
  for (let start = baselineSamples, i = 0; start + win <= length; start += step, i++) {
    out.push({
      index: i,
      start,
      end: start + win,
      t0: (start - baselineSamples) / fs,
      t1: (start + win - baselineSamples) / fs,
    });
  }
  return out;
}

export interface QualityOptions {
  /**
   * A window is flat when the SD of its raw samples is at most this share of `trialStats.sd`
   * (the dsp stage passes the trial's typical window SD, `typicalWindowSd`).
   */
  readonly flatRatio?: number;
  /** A window is clipped when more than this share of its samples sit at the trial's extremes. */
  readonly clippedShare?: number;
}

/**
 * Problems of one raw signal in one window: 'nan' (missing samples), 'flat' (no variation),
 * 'clipped' (stuck at the recording's extremes). Empty when the window is clean.
 */
export function windowProblems(
  raw: ArrayLike<number>,
  span: WindowSpan,
  trialStats: { sd: number; min: number; max: number },
  opts: QualityOptions = {},
): string[] {
  const flatRatio = opts.flatRatio ?? 0.01;
  const clippedShare = opts.clippedShare ?? 0.05;
  let nan = 0;
  let atExtreme = 0;
  let sum = 0;
  let sum2 = 0;
  let n = 0;
  const range = trialStats.max - trialStats.min;
  const tol = range * 1e-6;
  for (let i = span.start; i < span.end; i++) {
    const v = raw[i];
    if (!Number.isFinite(v)) {
      nan++;
      continue;
    }
    if (range > 0 && (v >= trialStats.max - tol || v <= trialStats.min + tol)) atExtreme++;
    sum += v;
    sum2 += v * v;
    n++;
  }
  const problems: string[] = [];
  if (nan > 0) problems.push(`nan ${nan} samples`);
  if (n > 1) {
    const mean = sum / n;
    const sd = Math.sqrt(Math.max(0, sum2 / n - mean * mean));
    if (sd <= flatRatio * trialStats.sd || sd === 0) problems.push('flat');
    if (atExtreme > clippedShare * n) problems.push(`clipped ${atExtreme} samples`);
  } else {
    problems.push('no finite samples');
  }
  return problems;
}

/** SD, min and max of the finite samples. */
export function finiteStats(x: ArrayLike<number>): { sd: number; min: number; max: number } {
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    sum2 += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0) return { sd: 0, min: 0, max: 0 };
  const mean = sum / n;
  return { sd: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), min, max };
}

/**
 * The median of the windows' SDs (finite samples): the signal's typical variation over one
 * window. A window is "flat" against this, not against the whole trial's SD, which a slow drift
 * over a long trial (GSR over a 20-min AMIGOS video) inflates until every window looks flat.
 */
export function typicalWindowSd(
  x: Float32Array | Float64Array,
  spans: readonly WindowSpan[],
): number {
  const sds = spans.map((s) => finiteStats(x.subarray(s.start, s.end)).sd).sort((a, b) => a - b);
  if (sds.length === 0) return 0;
  const m = sds.length >> 1;
  return sds.length % 2 ? sds[m] : (sds[m - 1] + sds[m]) / 2;
}

/**
 * Replace NaN runs by straight lines between their finite neighbours (the filters need finite
 * samples); returns how many samples were filled. Windows over filled samples are flagged by
 * `windowProblems` on the raw signal.
 */
export function fillGaps(x: Float64Array): number {
  let filled = 0;
  let i = 0;
  while (i < x.length) {
    if (Number.isFinite(x[i])) {
      i++;
      continue;
    }
    let j = i;
    while (j < x.length && !Number.isFinite(x[j])) j++;
    const left = i > 0 ? x[i - 1] : j < x.length ? x[j] : 0;
    const right = j < x.length ? x[j] : left;
    for (let k = i; k < j; k++) x[k] = left + ((right - left) * (k - i + 1)) / (j - i + 1);
    filled += j - i;
    i = j;
  }
  return filled;
}
