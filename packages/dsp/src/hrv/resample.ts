/** Even resampling of an unevenly sampled series (the RR tachogram). */

export type Interpolation = 'cubic' | 'linear';

/** An evenly sampled series: values[k] at t0 + k / fs seconds. */
export interface EvenSeries {
  readonly t0: number;
  readonly fs: number;
  readonly values: Float64Array;
}

/**
 * Second derivatives of the natural cubic spline through (x, y) (zero at both ends), by the
 * tridiagonal (Thomas) algorithm. x strictly increasing, at least 2 points.
 */
function naturalSplineM(x: Float64Array, y: Float64Array): Float64Array {
  const n = x.length;
  const m = new Float64Array(n);
  if (n < 3) return m;
  // unknowns m[1 … n−2]; row i: h[i−1] m[i−1] + 2 (h[i−1] + h[i]) m[i] + h[i] m[i+1] = r[i]
  const cp = new Float64Array(n);
  const rp = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) {
    const h0 = x[i] - x[i - 1];
    const h1 = x[i + 1] - x[i];
    const r = 6 * ((y[i + 1] - y[i]) / h1 - (y[i] - y[i - 1]) / h0);
    const a = i > 1 ? h0 : 0;
    const b = 2 * (h0 + h1) - a * cp[i - 1];
    cp[i] = h1 / b;
    rp[i] = (r - a * rp[i - 1]) / b;
  }
  m[n - 2] = rp[n - 2];
  for (let i = n - 3; i >= 1; i--) m[i] = rp[i] - cp[i] * m[i + 1];
  return m;
}

/**
 * Resample (x, y) on t0 + k / fs, k = 0 … ⌊(x_last − x_0) · fs⌋, t0 = x_0: the natural cubic
 * spline (scipy's `CubicSpline(bc_type='natural')`) or linear interpolation (`np.interp`).
 */
export function resampleEven(
  x: Float64Array,
  y: Float64Array,
  fs: number,
  method: Interpolation,
): EvenSeries {
  const n = x.length;
  if (n < 2) throw new Error('resampleEven: need at least 2 points');
  const t0 = x[0];
  const count = Math.floor((x[n - 1] - t0) * fs + 1e-9) + 1;
  const out = new Float64Array(count);
  const m = method === 'cubic' ? naturalSplineM(x, y) : null;
  let i = 0;
  for (let k = 0; k < count; k++) {
    const t = t0 + k / fs;
    while (i < n - 2 && t > x[i + 1]) i++;
    const h = x[i + 1] - x[i];
    const b = (t - x[i]) / h;
    const a = 1 - b;
    let v = a * y[i] + b * y[i + 1];
    if (m) v += ((a * a * a - a) * m[i] + (b * b * b - b) * m[i + 1]) * ((h * h) / 6);
    out[k] = v;
  }
  return { t0, fs, values: out };
}
