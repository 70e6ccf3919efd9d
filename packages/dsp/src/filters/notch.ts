/**
 * Second-order IIR notch filter (as scipy.signal.iirnotch): the standard bilinear-transform
 * design of a notch at w0 with -3 dB bandwidth w0/Q (S. J. Orfanidis, "Introduction to Signal
 * Processing", 1996, §11.3), b = g·[1, −2cos ω0, 1], a = [1, −2g·cos ω0, 2g − 1] with
 * g = 1 / (1 + tan(Δω/2)), ω0 = 2π·w0/fs, Δω = ω0/Q.
 */

/** Rows [b0, b1, b2, a0, a1, a2] of second-order sections (the same shape as butter's Sos). */
type SosRows = readonly (readonly number[])[];

function checkNotchArgs(w0: number, Q: number, fs: number): void {
  if (!Number.isFinite(fs) || fs <= 0) {
    throw new RangeError(`iirnotch: fs must be a positive finite number, got ${fs}`);
  }
  if (!Number.isFinite(w0) || w0 <= 0 || w0 >= fs / 2) {
    throw new RangeError(`iirnotch: w0 must satisfy 0 < w0 < fs/2 = ${fs / 2}, got ${w0}`);
  }
  if (!Number.isFinite(Q) || Q <= 0) {
    throw new RangeError(`iirnotch: Q must be a positive finite number, got ${Q}`);
  }
}

/**
 * Notch (band-stop) filter at `w0` Hz with quality factor `Q` (= w0 / bandwidth) for a signal
 * sampled at `fs` Hz. Returns the transfer function b/a with a[0] = 1, as scipy.signal.iirnotch.
 */
export function iirnotch(w0: number, Q: number, fs: number): { b: number[]; a: number[] } {
  checkNotchArgs(w0, Q, fs);
  const wn = (2 * w0) / fs; // relative to Nyquist
  const bw = (wn / Q) * Math.PI;
  const w = wn * Math.PI;
  // gain at the band edges is 1/√2 (−3 dB): β = (√(1 − gb²) / gb) · tan(bw/2) = tan(bw/2)
  const gb = Math.SQRT1_2;
  const beta = (Math.sqrt(1 - gb * gb) / gb) * Math.tan(bw / 2);
  const g = 1 / (1 + beta);
  const cw = Math.cos(w);
  return { b: [g, -2 * g * cw, g], a: [1, -2 * g * cw, 2 * g - 1] };
}

/** The same notch as one second-order section [b0, b1, b2, 1, a1, a2] (for sosfilt/sosfiltfilt). */
export function notchSos(w0: number, Q: number, fs: number): SosRows {
  const { b, a } = iirnotch(w0, Q, fs);
  return [[b[0], b[1], b[2], a[0], a[1], a[2]]];
}
