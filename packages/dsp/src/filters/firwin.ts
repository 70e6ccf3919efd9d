/**
 * Windowed-sinc FIR design (the window method, as scipy.signal.firwin for a low-pass with
 * scale=True), the Kaiser window and the modified Bessel function I0 it needs.
 */

/**
 * Modified Bessel function of the first kind, order 0: I0(x) = Σₖ ((x/2)^k / k!)².
 * The series has positive terms only, so summing until a term no longer changes the sum is
 * accurate to a few ulps; it converges quickly for the arguments windows use (|x| ≲ 50).
 * For larger |x| the asymptotic expansion e^|x| / √(2π|x|) · Σ ((2k−1)!!)² / (k! (8|x|)^k).
 */
export function besselI0(x: number): number {
  const ax = Math.abs(x);
  if (!Number.isFinite(ax)) return ax; // NaN or +Infinity
  if (ax <= 50) {
    const q = (ax * ax) / 4;
    let term = 1;
    let sum = 1;
    for (let k = 1; k < 500; k++) {
      term *= q / (k * k);
      const next = sum + term;
      if (next === sum) break;
      sum = next;
    }
    return sum;
  }
  // asymptotic series: terms decrease while k < 2|x|; 30 terms are far below one ulp here
  let term = 1;
  let sum = 1;
  for (let k = 1; k <= 30; k++) {
    term *= ((2 * k - 1) * (2 * k - 1)) / (k * 8 * ax);
    sum += term;
  }
  return (Math.exp(ax) / Math.sqrt(2 * Math.PI * ax)) * sum;
}

/**
 * Symmetric Kaiser window of `m` points (as scipy.signal.windows.kaiser(m, beta, sym=True)):
 * w[n] = I0(β·√(1 − ((n − α)/α)²)) / I0(β), α = (m − 1)/2.
 */
export function kaiserWindow(m: number, beta: number): Float64Array {
  if (!Number.isInteger(m) || m < 1) {
    throw new RangeError(`kaiserWindow: m must be a positive integer, got ${m}`);
  }
  if (!Number.isFinite(beta) || beta < 0) {
    throw new RangeError(`kaiserWindow: beta must be a finite number ≥ 0, got ${beta}`);
  }
  const w = new Float64Array(m);
  if (m === 1) {
    w[0] = 1;
    return w;
  }
  const alpha = (m - 1) / 2;
  const den = besselI0(beta);
  for (let n = 0; n < m; n++) {
    const r = (n - alpha) / alpha;
    w[n] = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / den;
  }
  return w;
}

/** sin(πx)/(πx), 1 at 0. */
function sinc(x: number): number {
  if (x === 0) return 1;
  const y = Math.PI * x;
  return Math.sin(y) / y;
}

/**
 * Linear-phase low-pass FIR filter of `numtaps` taps by the window method, with the
 * Kaiser window of parameter `beta` (default 5.0): the ideal low-pass impulse response
 * fc·sinc(fc·(n − α)), α = (numtaps − 1)/2, times the window, scaled to unit gain at 0 Hz —
 * what scipy.signal.firwin(numtaps, cutoff, window=('kaiser', beta), fs=fs) returns.
 * `cutoff` is in the units of `fs` (default fs = 2, i.e. cutoff relative to Nyquist) and must lie
 * strictly between 0 and fs/2.
 */
export function firwinLowpass(
  numtaps: number,
  cutoff: number,
  opts: { beta?: number; fs?: number } = {},
): Float64Array {
  const fs = opts.fs ?? 2;
  const beta = opts.beta ?? 5.0;
  if (!Number.isInteger(numtaps) || numtaps < 1) {
    throw new RangeError(`firwinLowpass: numtaps must be a positive integer, got ${numtaps}`);
  }
  if (!Number.isFinite(fs) || fs <= 0) {
    throw new RangeError(`firwinLowpass: fs must be a positive finite number, got ${fs}`);
  }
  const fc = cutoff / (fs / 2); // relative to Nyquist
  if (!Number.isFinite(fc) || fc <= 0 || fc >= 1) {
    throw new RangeError(
      `firwinLowpass: cutoff must satisfy 0 < cutoff < fs/2 = ${fs / 2}, got ${cutoff}`,
    );
  }
  const alpha = 0.5 * (numtaps - 1);
  const win = kaiserWindow(numtaps, beta);
  const h = new Float64Array(numtaps);
  let s = 0;
  for (let n = 0; n < numtaps; n++) {
    h[n] = fc * sinc(fc * (n - alpha)) * win[n];
    s += h[n];
  }
  for (let n = 0; n < numtaps; n++) h[n] /= s; // unit gain at 0 Hz
  return h;
}
