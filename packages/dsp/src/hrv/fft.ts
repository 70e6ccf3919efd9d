/**
 * Power spectrum of a real sequence through fft.js (radix-4, power-of-two sizes). One FFT
 * object and its buffers are kept per size.
 */
import FFT from 'fft.js';

interface Plan {
  fft: FFT;
  input: Float64Array;
  output: Float64Array;
}

const plans = new Map<number, Plan>();

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0 && n <= 2 ** 30;
}

/** The smallest power of two ≥ n (and ≥ 2). */
export function nextPowerOfTwo(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

function plan(n: number): Plan {
  let p = plans.get(n);
  if (!p) {
    if (!isPowerOfTwo(n)) throw new Error(`FFT size must be a power of two ≥ 2, got ${n}`);
    p = { fft: new FFT(n), input: new Float64Array(n), output: new Float64Array(2 * n) };
    plans.set(n, p);
  }
  return p;
}

/**
 * |X_k|² for k = 0 … n/2, where X is the DFT (Σ x_j e^{-2πijk/n}, unscaled) of `x` zero-padded
 * to `n` points (`n` a power of two, `x.length ≤ n`), like numpy's `abs(rfft(x, n)) ** 2`.
 * Adds into `acc` when given (for averaging), otherwise returns a new array.
 */
export function realPowerSpectrum(
  x: ArrayLike<number>,
  n: number,
  acc?: Float64Array,
): Float64Array {
  if (x.length > n) throw new Error(`realPowerSpectrum: ${x.length} samples exceed n = ${n}`);
  const { fft, input, output } = plan(n);
  input.fill(0);
  for (let i = 0; i < x.length; i++) input[i] = x[i];
  fft.realTransform(output, input);
  const half = n / 2;
  const out = acc ?? new Float64Array(half + 1);
  if (out.length !== half + 1) throw new Error(`realPowerSpectrum: acc must hold ${half + 1}`);
  for (let k = 0; k <= half; k++) {
    const re = output[2 * k];
    const im = output[2 * k + 1];
    out[k] += re * re + im * im;
  }
  return out;
}
