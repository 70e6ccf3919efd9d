/**
 * Polyphase rational resampling (as scipy.signal.resample_poly) and resampling between two
 * sampling rates.
 *
 * resamplePoly(x, up, down): up-sample by `up` (zero insertion), filter with a linear-phase
 * low-pass FIR, down-sample by `down`. The filter, its length and the delay compensation are
 * those of scipy.signal.resample_poly, so the outputs agree to rounding: with the default window
 * the filter is firwin(2·half_len + 1, 1/max(up, down), window=('kaiser', 5.0)) with
 * half_len = 10·max(up, down), scaled by `up`; it is zero-padded in front so that its centre
 * falls on an output sample, and the first (half_len + pre-pad) / down outputs of the full
 * upfirdn convolution are dropped. The output has ⌈n·up/down⌉ samples.
 */
import { firwinLowpass } from './firwin.js';

/** How the signal is extended beyond its ends before filtering (scipy's padtype). */
export type ResamplePadtype = 'constant' | 'mean' | 'median' | 'minimum' | 'maximum';

export interface ResamplePolyOptions {
  /**
   * The Kaiser window's β for the default filter design (default 5.0, scipy's ('kaiser', 5.0)),
   * or the FIR filter's coefficients themselves (scipy's array `window`: used as is, times up).
   */
  window?: number | ArrayLike<number>;
  /**
   * 'constant' (default): the signal is taken as `cval` (default 0) outside its ends.
   * 'mean' | 'median' | 'minimum' | 'maximum': that statistic of the signal is subtracted before
   * filtering (zero padding) and added back after, which avoids edge transients on signals with
   * an offset.
   */
  padtype?: ResamplePadtype;
  /** The value outside the signal for padtype 'constant' (default 0). */
  cval?: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function checkPositiveInt(name: string, v: number, fn: string): void {
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new RangeError(`${fn}: ${name} must be a positive integer, got ${v}`);
  }
}

function background(x: ArrayLike<number>, padtype: ResamplePadtype): number {
  const n = x.length;
  if (n === 0) return 0;
  switch (padtype) {
    case 'mean': {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i];
      return s / n;
    }
    case 'median': {
      const s = Float64Array.from(x).sort();
      return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
    case 'minimum': {
      let m = Infinity;
      for (let i = 0; i < n; i++) m = Math.min(m, x[i]);
      return m;
    }
    case 'maximum': {
      let m = -Infinity;
      for (let i = 0; i < n; i++) m = Math.max(m, x[i]);
      return m;
    }
    default:
      return 0;
  }
}

/**
 * Samples [first, first + count) of upfirdn(h, x, up, down): x up-sampled by zero insertion,
 * convolved (full) with h, down-sampled — y[k] = Σᵢ h[k·down − i·up]·x[i] — with x taken as
 * `cval` outside [0, n). Only the needed output samples are computed (polyphase).
 */
export function upfirdnRange(
  h: ArrayLike<number>,
  x: ArrayLike<number>,
  up: number,
  down: number,
  first: number,
  count: number,
  cval = 0,
): Float64Array {
  const nh = h.length;
  const nx = x.length;
  const y = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const m = (first + k) * down; // position on the up-sampled grid
    // input samples i with 0 ≤ m − i·up < nh
    const iHi = Math.floor(m / up);
    const iLo = Math.ceil((m - nh + 1) / up);
    const lo = Math.max(iLo, 0);
    const hi = Math.min(iHi, nx - 1);
    let acc = 0;
    let j = m - iHi * up; // tap index for i = iHi, growing by `up` as i decreases
    let i = iHi;
    for (; i > hi && i >= iLo; i--, j += up) acc += h[j] * cval; // beyond the end
    for (; i >= lo; i--, j += up) acc += h[j] * x[i];
    for (; i >= iLo; i--, j += up) acc += h[j] * cval; // before the start
    y[k] = acc;
  }
  return y;
}

/**
 * Resample `x` by the rational factor up/down with a polyphase FIR filter, as
 * scipy.signal.resample_poly(x, up, down) (default window ('kaiser', 5.0), padtype 'constant').
 * up and down are reduced by their gcd first; up = down returns a copy.
 */
export function resamplePoly(
  x: ArrayLike<number>,
  up: number,
  down: number,
  opts: ResamplePolyOptions = {},
): Float64Array {
  checkPositiveInt('up', up, 'resamplePoly');
  checkPositiveInt('down', down, 'resamplePoly');
  const padtype = opts.padtype ?? 'constant';
  if (!['constant', 'mean', 'median', 'minimum', 'maximum'].includes(padtype)) {
    throw new RangeError(
      `resamplePoly: padtype must be 'constant', 'mean', 'median', 'minimum' or 'maximum', got ${String(padtype)}`,
    );
  }
  if (opts.cval !== undefined && padtype !== 'constant') {
    throw new RangeError(`resamplePoly: cval applies to padtype 'constant' only, got ${padtype}`);
  }
  const cval = opts.cval ?? 0;
  if (!Number.isFinite(cval))
    throw new RangeError(`resamplePoly: cval must be finite, got ${cval}`);
  const g = gcd(up, down);
  up /= g;
  down /= g;
  if (up === 1 && down === 1) return Float64Array.from(x);

  const nIn = x.length;
  const nOut = Math.ceil((nIn * up) / down);

  let h: Float64Array;
  let halfLen: number;
  const window = opts.window ?? 5.0;
  if (typeof window === 'number') {
    if (!Number.isFinite(window) || window < 0) {
      throw new RangeError(
        `resamplePoly: window (Kaiser β) must be a finite number ≥ 0, got ${window}`,
      );
    }
    const maxRate = Math.max(up, down);
    halfLen = 10 * maxRate;
    h = firwinLowpass(2 * halfLen + 1, 1 / maxRate, { beta: window });
  } else {
    if (window.length < 1) throw new RangeError('resamplePoly: window (FIR coefficients) is empty');
    h = Float64Array.from(window);
    halfLen = Math.floor((h.length - 1) / 2);
  }
  for (let i = 0; i < h.length; i++) h[i] *= up;

  // put the filter's centre on an output sample: pad in front, drop the first outputs
  const nPrePad = down - (halfLen % down);
  const nPreRemove = Math.floor((halfLen + nPrePad) / down);
  const outputLen = (lenH: number) => Math.floor(((nIn - 1) * up + lenH - 1) / down) + 1;
  let nPostPad = 0;
  while (outputLen(h.length + nPrePad + nPostPad) < nOut + nPreRemove) nPostPad++;
  const hp = new Float64Array(nPrePad + h.length + nPostPad);
  hp.set(h, nPrePad);

  if (padtype === 'constant') return upfirdnRange(hp, x, up, down, nPreRemove, nOut, cval);
  const bg = background(x, padtype);
  const xc = new Float64Array(nIn);
  for (let i = 0; i < nIn; i++) xc[i] = x[i] - bg;
  const y = upfirdnRange(hp, xc, up, down, nPreRemove, nOut, 0);
  for (let i = 0; i < nOut; i++) y[i] += bg;
  return y;
}

/**
 * The best rational approximation p/q of `r` > 0 with q ≤ maxDenominator (continued-fraction
 * convergents, then the best semiconvergent; exact when r is such a fraction).
 */
export function bestRational(r: number, maxDenominator: number): { p: number; q: number } {
  if (!Number.isFinite(r) || r <= 0) {
    throw new RangeError(`bestRational: r must be a positive finite number, got ${r}`);
  }
  checkPositiveInt('maxDenominator', maxDenominator, 'bestRational');
  // convergents p1/q1 (current) and p0/q0 (previous)
  let p0 = 0;
  let q0 = 1;
  let p1 = 1;
  let q1 = 0;
  let v = r;
  for (let it = 0; it < 64; it++) {
    const a = Math.floor(v);
    const q2 = q0 + a * q1;
    if (q2 > maxDenominator) {
      // best semiconvergent (p0 + k·p1)/(q0 + k·q1) with the largest admissible k
      const k = Math.floor((maxDenominator - q0) / q1);
      const ps = p0 + k * p1;
      const qs = q0 + k * q1;
      if (Math.abs(r - ps / qs) < Math.abs(r - p1 / q1)) return { p: ps, q: qs };
      return { p: p1, q: q1 };
    }
    const p2 = p0 + a * p1;
    [p0, q0, p1, q1] = [p1, q1, p2, q2];
    const frac = v - a;
    if (Math.abs(r - p1 / q1) <= 4 * Number.EPSILON * r || frac === 0) break;
    v = 1 / frac;
  }
  const g = gcd(p1, q1);
  return { p: p1 / g, q: q1 / g };
}

/**
 * The up/down factors resampleTo uses for fsIn → fsOut. Integer rates: fsOut/g and fsIn/g with
 * g = gcd(fsIn, fsOut) (exact; e.g. 360 → 128 gives up 16, down 45). Otherwise the best rational
 * approximation up/down of fsOut/fsIn with down ≤ maxDenominator (default 1000): the closest
 * such fraction (continued fractions). It is exact when the ratio is a fraction with a small
 * enough denominator (250.5 → 128 gives 256/501); otherwise the rate obtained, fsIn·up/down,
 * differs slightly from fsOut (29.97 → 128 gives 867/203, 1.6e-6 off the exact 12800/2997
 * with the default bound, which needs maxDenominator ≥ 2997) — call resampleFactors to know it. The filter has 20·max(up, down) + 1 taps, so very large factors are slow.
 */
export function resampleFactors(
  fsIn: number,
  fsOut: number,
  maxDenominator = 1000,
): { up: number; down: number } {
  if (!Number.isFinite(fsIn) || fsIn <= 0) {
    throw new RangeError(`resampleTo: fsIn must be a positive finite number, got ${fsIn}`);
  }
  if (!Number.isFinite(fsOut) || fsOut <= 0) {
    throw new RangeError(`resampleTo: fsOut must be a positive finite number, got ${fsOut}`);
  }
  if (Number.isSafeInteger(fsIn) && Number.isSafeInteger(fsOut)) {
    const g = gcd(fsIn, fsOut);
    return { up: fsOut / g, down: fsIn / g };
  }
  const { p, q } = bestRational(fsOut / fsIn, maxDenominator);
  return { up: p, down: q };
}

/**
 * Resample `x` from `fsIn` Hz to `fsOut` Hz with resamplePoly and the factors of
 * resampleFactors (see there for non-integer rates). Same rates return a copy.
 */
export function resampleTo(
  x: ArrayLike<number>,
  fsIn: number,
  fsOut: number,
  opts: ResamplePolyOptions & { maxDenominator?: number } = {},
): Float64Array {
  const { maxDenominator, ...rest } = opts;
  const { up, down } = resampleFactors(fsIn, fsOut, maxDenominator);
  return resamplePoly(x, up, down, rest);
}
