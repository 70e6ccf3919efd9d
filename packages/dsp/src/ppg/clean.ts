/**
 * PPG cleaning as in M. Elgendi, I. Norton, M. Brearley, D. Abbott, D. Schuurmans, "Systolic
 * peak detection in acceleration photoplethysmograms measured from emergency responders in
 * tropical conditions", PLoS ONE 2013;8(10):e76585: a second-order Butterworth band-pass,
 * 0.5–8 Hz, applied forward and backward (zero phase). The band keeps the pulse wave and its
 * first harmonics and removes the offset, slow drift (respiration, vasomotion, sensor
 * pressure) and high-frequency noise, so any offset or scale of the raw signal (DEAP's
 * plethysmograph runs from about −16000 to −1500) gives the same shape.
 */
import { butter, sosfiltfilt } from '../filters/index.js';
import { checkFs } from '../ecg/internal.js';

export interface PpgCleanOptions {
  /** Pass band in Hz. Default [0.5, 8]. */
  readonly bandHz?: readonly [number, number];
  /** Butterworth order (applied twice: zero phase). Default 2. */
  readonly order?: number;
}

/** Lowest and highest sampling rates accepted (the 8 Hz band edge needs fs ≥ 20 Hz). */
export const PPG_FS_RANGE: readonly [number, number] = [20, 100_000];

/**
 * Band-passed copy of the plethysmograph `x` sampled at `fs` Hz. Every sample must be finite
 * (ppgPeaks interpolates missing samples before it cleans).
 */
export function ppgClean(
  x: ArrayLike<number>,
  fs: number,
  opts: PpgCleanOptions = {},
): Float64Array {
  checkFs('ppgClean', fs, PPG_FS_RANGE[0], PPG_FS_RANGE[1], 'the 0.5–8 Hz pulse band');
  const [lo, hi] = opts.bandHz ?? [0.5, 8];
  const order = opts.order ?? 2;
  if (!(lo > 0 && hi > lo && hi < fs / 2)) {
    throw new RangeError(`ppgClean: bandHz must satisfy 0 < lo < hi < fs/2, got [${lo}, ${hi}]`);
  }
  if (!Number.isInteger(order) || order < 1 || order > 10) {
    throw new RangeError(`ppgClean: order must be an integer from 1 to 10, got ${order}`);
  }
  for (let i = 0; i < x.length; i++) {
    if (x[i] - x[i] !== 0) {
      throw new RangeError(
        `ppgClean: sample ${i} is ${x[i]}; clean finite samples only (ppgPeaks fills gaps first)`,
      );
    }
  }
  if (x.length === 0) return new Float64Array(0);
  return sosfiltfilt(butter(order, [lo, hi], 'bandpass', fs), x);
}
