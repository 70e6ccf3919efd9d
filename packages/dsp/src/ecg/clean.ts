/**
 * ECG cleaning: baseline-wander removal and power-line suppression.
 *
 * - Baseline wander (breathing, movement, electrode drift; mostly < 0.5 Hz) is removed with a
 *   Butterworth high-pass, by default 5th order at 0.5 Hz, applied forward and backward
 *   (zero phase, so QRS complexes are not shifted). 0.5 Hz is the cut-off recommended for
 *   monitoring-grade ECG (AHA: Kligfield et al., Circulation 2007;115:1306–1324) and the one
 *   NeuroKit2 uses by default (Makowski et al., Behav Res Methods 2021;53:1689–1696).
 * - Power-line interference is suppressed with a second-order IIR notch (quality factor 30,
 *   ≈ 1.7 Hz wide at 50 Hz) at 50 Hz by default, or 60 Hz, or not at all. The notch is applied
 *   only when the whole notch band lies below the Nyquist frequency (fs > 2·f0·(1 + 1/Q), e.g.
 *   fs > 103.4 Hz for 50 Hz): at DEAP/AMIGOS's 128 Hz a 50 Hz notch is applied, at 100 Hz it
 *   is not (50 Hz is then the Nyquist frequency, where the signal has no content to remove).
 */
import { butter, notchSos, sosfiltfilt } from '../filters/index.js';
import { checkFs } from './internal.js';

/** Power-line frequency to suppress, or 'none'. */
export type Powerline = 50 | 60 | 'none';

export interface EcgCleanOptions {
  /** High-pass cut-off in Hz for baseline-wander removal; `null` skips it. Default 0.5. */
  readonly highpassHz?: number | null;
  /** Order of the Butterworth high-pass (applied twice: zero phase). Default 5. */
  readonly order?: number;
  /** Power-line frequency to notch out (50 Hz, 60 Hz or 'none'). Default 50. */
  readonly powerline?: Powerline;
  /** Quality factor of the notch (centre frequency / −3 dB width). Default 30. */
  readonly notchQ?: number;
}

/** Whether ecgClean applies its power-line notch at this sampling rate. */
export function powerlineNotchApplies(powerline: Powerline, fs: number, q = 30): boolean {
  return powerline !== 'none' && 2 * powerline * (1 + 1 / q) < fs;
}

/**
 * Cleaned copy of the ECG `x` sampled at `fs` Hz: baseline wander removed by a zero-phase
 * Butterworth high-pass and power-line interference by a zero-phase notch (see the module
 * comment for the defaults and when the notch applies). Every sample must be finite (ecgPeaks
 * interpolates missing samples before it cleans); a clear RangeError says which one is not.
 */
export function ecgClean(
  x: ArrayLike<number>,
  fs: number,
  opts: EcgCleanOptions = {},
): Float64Array {
  checkFs('ecgClean', fs, 1, 100_000, 'an ECG');
  const highpass = opts.highpassHz === undefined ? 0.5 : opts.highpassHz;
  const order = opts.order ?? 5;
  const powerline = opts.powerline ?? 50;
  const q = opts.notchQ ?? 30;
  if (powerline !== 50 && powerline !== 60 && powerline !== 'none') {
    throw new RangeError(`ecgClean: powerline must be 50, 60 or 'none', got ${String(powerline)}`);
  }
  if (highpass !== null && !(highpass > 0 && highpass < fs / 2)) {
    throw new RangeError(`ecgClean: highpassHz must be in (0, fs/2 = ${fs / 2}), got ${highpass}`);
  }
  if (!Number.isInteger(order) || order < 1 || order > 10) {
    throw new RangeError(`ecgClean: order must be an integer from 1 to 10, got ${order}`);
  }
  if (!(q > 0) || !Number.isFinite(q)) {
    throw new RangeError(`ecgClean: notchQ must be a positive number, got ${q}`);
  }
  for (let i = 0; i < x.length; i++) {
    if (x[i] - x[i] !== 0) {
      throw new RangeError(
        `ecgClean: sample ${i} is ${x[i]}; clean finite samples only (ecgPeaks fills gaps first)`,
      );
    }
  }
  let y: Float64Array = Float64Array.from(x);
  if (y.length === 0) return y;
  if (highpass !== null) y = sosfiltfilt(butter(order, highpass, 'highpass', fs), y);
  if (powerlineNotchApplies(powerline, fs, q) && powerline !== 'none') {
    y = sosfiltfilt(notchSos(powerline, q, fs), y);
  }
  return y;
}
