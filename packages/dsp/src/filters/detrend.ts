/**
 * Removal of a linear or constant trend (as scipy.signal.detrend without breakpoints).
 */

/**
 * `x` minus its least-squares line (`'linear'`, the default) or minus its mean (`'constant'`).
 * The line is fitted in closed form on centred sample indices, which is exactly the
 * least-squares solution scipy computes and well conditioned for long signals. Signals of one
 * sample have no defined slope: their linear trend is the sample itself (the result is 0, as
 * scipy). Returns a new array; a NaN anywhere makes the whole result NaN (scipy raises instead).
 */
export function detrend(
  x: ArrayLike<number>,
  type: 'linear' | 'constant' = 'linear',
): Float64Array {
  if (type !== 'linear' && type !== 'constant') {
    throw new RangeError(`detrend: type must be 'linear' or 'constant', got ${String(type)}`);
  }
  const n = x.length;
  const y = new Float64Array(n);
  if (n === 0) return y;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i];
  const mean = sum / n;
  if (type === 'constant' || n === 1) {
    for (let i = 0; i < n; i++) y[i] = x[i] - mean;
    return y;
  }
  // slope = Σ (t − t̄)(x − x̄) / Σ (t − t̄)², t̄ = (n − 1)/2
  const tm = (n - 1) / 2;
  let sxy = 0;
  for (let i = 0; i < n; i++) sxy += (i - tm) * (x[i] - mean);
  const sxx = (n * (n * n - 1)) / 12; // Σ (i − t̄)² in closed form
  const slope = sxy / sxx;
  for (let i = 0; i < n; i++) y[i] = x[i] - mean - slope * (i - tm);
  return y;
}
