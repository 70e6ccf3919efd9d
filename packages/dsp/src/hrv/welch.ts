/**
 * Welch's power spectral density, defined as scipy.signal.welch with `window='hann'` (the
 * periodic Hann window, scipy's default for spectral analysis), `scaling='density'`,
 * `average='mean'`, no boundary extension or padding: segments of `nperseg` samples start every
 * `nperseg − noverlap` samples (a remainder at the end is dropped), each is detrended, windowed,
 * zero-padded to `nfft` and transformed; the one-sided density is
 * 2 |X_k|² / (fs Σ w²) (DC and Nyquist not doubled), averaged over the segments.
 */
import { isPowerOfTwo, realPowerSpectrum } from './fft.js';

export type Detrend = 'linear' | 'constant' | 'none';

export interface WelchOptions {
  nperseg: number;
  noverlap: number;
  /** A power of two ≥ nperseg. */
  nfft: number;
  detrend: Detrend;
}

export interface Psd {
  /** k · fs / nfft, k = 0 … nfft/2 (Hz). */
  readonly freqs: Float64Array;
  /** Units² / Hz. */
  readonly power: Float64Array;
  readonly nSegments: number;
}

/** Remove the mean or the least-squares line of `seg` in place. */
export function detrendInPlace(seg: Float64Array, how: Detrend): void {
  const n = seg.length;
  if (how === 'none' || n === 0) return;
  let m = 0;
  for (let j = 0; j < n; j++) m += seg[j];
  m /= n;
  if (how === 'constant' || n < 2) {
    for (let j = 0; j < n; j++) seg[j] -= m;
    return;
  }
  const jm = (n - 1) / 2;
  let sxy = 0;
  let sxx = 0;
  for (let j = 0; j < n; j++) {
    sxy += (j - jm) * (seg[j] - m);
    sxx += (j - jm) * (j - jm);
  }
  const slope = sxy / sxx;
  for (let j = 0; j < n; j++) seg[j] -= m + slope * (j - jm);
}

/** The periodic Hann window of n points: 0.5 − 0.5 cos(2πj / n). */
export function hannPeriodic(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let j = 0; j < n; j++) w[j] = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / n);
  return w;
}

export function welch(x: ArrayLike<number>, fs: number, o: WelchOptions): Psd {
  const { nperseg, noverlap, nfft, detrend } = o;
  if (!(Number.isInteger(nperseg) && nperseg >= 2 && nperseg <= x.length)) {
    throw new Error(`welch: nperseg must be an integer in [2, ${x.length}], got ${nperseg}`);
  }
  if (!(Number.isInteger(noverlap) && noverlap >= 0 && noverlap < nperseg)) {
    throw new Error(`welch: noverlap must be an integer in [0, nperseg), got ${noverlap}`);
  }
  if (!isPowerOfTwo(nfft) || nfft < nperseg) {
    throw new Error(`welch: nfft must be a power of two ≥ nperseg (${nperseg}), got ${nfft}`);
  }
  const w = hannPeriodic(nperseg);
  let wss = 0;
  for (let j = 0; j < nperseg; j++) wss += w[j] * w[j];
  const step = nperseg - noverlap;
  const nSegments = Math.floor((x.length - noverlap) / step);
  const half = nfft / 2;
  const acc = new Float64Array(half + 1);
  const seg = new Float64Array(nperseg);
  for (let s = 0; s < nSegments; s++) {
    const off = s * step;
    for (let j = 0; j < nperseg; j++) seg[j] = x[off + j];
    detrendInPlace(seg, detrend);
    for (let j = 0; j < nperseg; j++) seg[j] *= w[j];
    realPowerSpectrum(seg, nfft, acc);
  }
  const scale = 1 / (fs * wss * nSegments);
  const freqs = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) {
    freqs[k] = (k * fs) / nfft;
    acc[k] *= k === 0 || k === half ? scale : 2 * scale;
  }
  return { freqs, power: acc, nSegments };
}
