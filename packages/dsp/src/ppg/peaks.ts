/**
 * Systolic peak detection in the photoplethysmogram: M. Elgendi, I. Norton, M. Brearley,
 * D. Abbott, D. Schuurmans, "Systolic peak detection in acceleration photoplethysmograms
 * measured from emergency responders in tropical conditions", PLoS ONE 2013;8(10):e76585.
 *
 *  1. band-pass 0.5–8 Hz (ppgClean: Butterworth order 2, zero phase);
 *  2. clip at zero (keep the systolic half-waves) and square: y = max(S, 0)²;
 *  3. MA_peak = moving average over W1 = 111 ms (a systolic peak), MA_beat = moving average
 *     over W2 = 667 ms (a beat);
 *  4. blocks of interest where MA_peak > MA_beat + β·mean(y), β = 0.02;
 *  5. a block at least W1 wide holds one systolic peak: the maximum of the cleaned signal in it.
 *
 * Windows are in seconds, so the detector behaves the same at 128 Hz as at 1000 Hz, and the
 * threshold is relative, so any offset or scale of the input works. Added here: β multiplies
 * the median over 3-s windows of the mean of y rather than its mean over the whole record (one
 * motion artefact cannot raise the threshold everywhere); two peaks
 * closer than 300 ms (200 bpm) keep the larger one; `invert` flips the signal for sensors whose
 * pulse points down; bad input is handled as ecgPeaks does (gaps interpolated with no peak
 * reported inside, flat segments excluded, clipping reported; a constant or all-NaN signal, a
 * signal shorter than 2 s and an impossible fs throw a RangeError).
 */
import { ppgClean, PPG_FS_RANGE } from './clean.js';
import {
  blocksAbove,
  beatWarnings,
  checkDuration,
  checkFs,
  inspectSignal,
  type SignalDefects,
  makeRunTest,
  movingAverage,
  robustMean,
  toFloat64,
} from '../ecg/internal.js';

export interface PpgPeaksOptions {
  /** Systolic-peak window W1 in seconds. Default 0.111. */
  readonly peakWindowS?: number;
  /** Beat window W2 in seconds. Default 0.667. */
  readonly beatWindowS?: number;
  /** Threshold offset β (fraction of the mean squared clipped signal). Default 0.02. */
  readonly beta?: number;
  /** Shortest allowed interval between two peaks in seconds. Default 0.3. */
  readonly refractoryS?: number;
  /** Negate the signal first (a pulse that points down). Default false. */
  readonly invert?: boolean;
}

export interface PpgPeaksResult {
  /** Systolic peak sample indices of the input, increasing. */
  readonly peaks: Int32Array;
  /** The band-passed plethysmograph (missing samples interpolated; negated when `invert`). */
  readonly cleaned: Float64Array;
  /** Missing, flat and clipped sample runs of the input (no peak is reported in the first two). */
  readonly defects: SignalDefects;
  /** What was odd about the input. */
  readonly warnings: string[];
}

const MIN_S = 2;
const SHORT_S = 5;

function positiveOption(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!(v > 0) || !Number.isFinite(v)) {
    throw new RangeError(`ppgPeaks: ${name} must be a positive number, got ${v}`);
  }
  return v;
}

/**
 * Systolic peaks of the plethysmograph `x` sampled at `fs` Hz (see the module comment).
 */
export function ppgPeaks(
  x: ArrayLike<number>,
  fs: number,
  opts: PpgPeaksOptions = {},
): PpgPeaksResult {
  checkFs('ppgPeaks', fs, PPG_FS_RANGE[0], PPG_FS_RANGE[1], 'the 0.5–8 Hz pulse band');
  const raw = toFloat64('ppgPeaks', x);
  const n = raw.length;
  checkDuration('ppgPeaks', n, fs, MIN_S);
  const duration = n / fs;
  const w1 = positiveOption('peakWindowS', opts.peakWindowS, 0.111) * fs;
  const w2 = positiveOption('beatWindowS', opts.beatWindowS, 0.667) * fs;
  const beta = positiveOption('beta', opts.beta, 0.02);
  const refractory = positiveOption('refractoryS', opts.refractoryS, 0.3) * fs;

  const { x: filled, excluded, defects, warnings } = inspectSignal('ppgPeaks', raw, fs);
  if (duration < SHORT_S) {
    warnings.push(
      `the signal is short (${duration.toFixed(2)} s < ${SHORT_S} s): too few beats for the ` +
        'adaptive threshold to be reliable',
    );
  }
  const cleaned = ppgClean(filled, fs);
  if (opts.invert) for (let i = 0; i < n; i++) cleaned[i] = -cleaned[i];

  const inExcluded = makeRunTest(excluded, Math.round(0.1 * fs));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = cleaned[i] > 0 ? cleaned[i] : 0;
    y[i] = v * v;
  }
  const maPeak = movingAverage(y, w1);
  const maBeat = movingAverage(y, w2);
  const offset = beta * robustMean(y, 3 * fs, inExcluded);
  for (let i = 0; i < n; i++) maBeat[i] += offset;
  const blocks = blocksAbove(maPeak, maBeat, Math.max(1, Math.round(w1)));

  const clipped = defects.clipped;
  const isClipped = makeRunTest(clipped, 0);
  const peaks: number[] = [];
  for (const { start, end } of blocks) {
    let p = start;
    for (let i = start + 1; i < end; i++) if (cleaned[i] > cleaned[p]) p = i;
    if (isClipped(p)) {
      const run = clipped.find((r) => r.start <= p && p < r.end);
      if (run) p = (run.start + run.end - 1) >> 1;
    }
    if (inExcluded(p)) continue;
    const last = peaks.length - 1;
    if (last >= 0 && p - peaks[last] < refractory) {
      if (cleaned[p] > cleaned[peaks[last]]) peaks[last] = p;
      continue;
    }
    peaks.push(p);
  }

  warnings.push(...beatWarnings(peaks, fs, 'pulse peak', 'pulse', 200));

  return { peaks: Int32Array.from(peaks), cleaned, warnings, defects };
}
