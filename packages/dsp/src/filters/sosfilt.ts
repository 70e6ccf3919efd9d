/**
 * Filtering with second-order sections, as scipy.signal's `sosfilt`, `sosfilt_zi` and
 * `sosfiltfilt` (zero-phase: forward and backward, odd padding by default, initial conditions
 * scaled to the edge samples so a step at the start does not ring).
 */
import type { Sos } from './butter.js';

function check(sos: Sos): void {
  if (sos.length === 0) throw new RangeError('sosfilt: no sections');
  for (const row of sos) {
    if (row.length !== 6) throw new RangeError('sosfilt: each section needs 6 coefficients');
    if (row[3] === 0) throw new RangeError('sosfilt: a section has a0 = 0');
  }
}

/** Sections normalised to a0 = 1, flattened [b0 b1 b2 a1 a2] per section. */
function normalised(sos: Sos): Float64Array {
  const out = new Float64Array(sos.length * 5);
  sos.forEach((r, s) => {
    const a0 = r[3];
    out.set([r[0] / a0, r[1] / a0, r[2] / a0, r[4] / a0, r[5] / a0], s * 5);
  });
  return out;
}

/**
 * Filter `x` through the sections (direct form II transposed). `zi` (2 values per section) is
 * the initial state; it is updated in place to the final state when given.
 */
export function sosfilt(sos: Sos, x: ArrayLike<number>, zi?: Float64Array): Float64Array {
  check(sos);
  const n = sos.length;
  const coef = normalised(sos);
  const state = zi ?? new Float64Array(2 * n);
  if (state.length !== 2 * n) {
    throw new RangeError(`sosfilt: zi needs ${2 * n} values (2 per section), got ${state.length}`);
  }
  const y = Float64Array.from(x);
  for (let s = 0; s < n; s++) {
    const b0 = coef[s * 5];
    const b1 = coef[s * 5 + 1];
    const b2 = coef[s * 5 + 2];
    const a1 = coef[s * 5 + 3];
    const a2 = coef[s * 5 + 4];
    let z0 = state[2 * s];
    let z1 = state[2 * s + 1];
    for (let i = 0; i < y.length; i++) {
      const xi = y[i];
      const yi = b0 * xi + z0;
      z0 = b1 * xi - a1 * yi + z1;
      z1 = b2 * xi - a2 * yi;
      y[i] = yi;
    }
    state[2 * s] = z0;
    state[2 * s + 1] = z1;
  }
  return y;
}

/** Steady-state initial conditions for a unit step (scipy's `sosfilt_zi`), 2 per section. */
export function sosfiltZi(sos: Sos): Float64Array {
  check(sos);
  const coef = normalised(sos);
  const zi = new Float64Array(2 * sos.length);
  let gain = 1;
  for (let s = 0; s < sos.length; s++) {
    const [b0, b1, b2, a1, a2] = coef.subarray(s * 5, s * 5 + 5);
    // solve (I − companion(a)ᵀ) z = b[1:] − a[1:]·b0 for the 2×2 case
    const r0 = b1 - a1 * b0;
    const r1 = b2 - a2 * b0;
    const z0 = (r0 + r1) / (1 + a1 + a2);
    const z1 = r1 - a2 * z0;
    zi[2 * s] = z0 * gain;
    zi[2 * s + 1] = z1 * gain;
    gain *= (b0 + b1 + b2) / (1 + a1 + a2);
  }
  return zi;
}

export type PadType = 'odd' | 'even' | 'constant' | 'none';

export interface FiltFiltOptions {
  /** Samples added at each end before filtering (default 3 × the effective number of taps). */
  readonly padlen?: number;
  readonly padtype?: PadType;
}

function extend(x: ArrayLike<number>, edge: number, type: PadType): Float64Array {
  const n = x.length;
  const out = new Float64Array(n + 2 * edge);
  for (let i = 0; i < n; i++) out[edge + i] = x[i];
  for (let i = 1; i <= edge; i++) {
    const left = type === 'odd' ? 2 * x[0] - x[i] : type === 'even' ? x[i] : x[0];
    const right =
      type === 'odd' ? 2 * x[n - 1] - x[n - 1 - i] : type === 'even' ? x[n - 1 - i] : x[n - 1];
    out[edge - i] = left;
    out[edge + n - 1 + i] = right;
  }
  return out;
}

/** Zero-phase filtering (scipy's `sosfiltfilt` with the 'pad' method). */
export function sosfiltfilt(
  sos: Sos,
  x: ArrayLike<number>,
  opts: FiltFiltOptions = {},
): Float64Array {
  check(sos);
  const type = opts.padtype ?? 'odd';
  const zeroB2 = sos.filter((r) => r[2] === 0).length;
  const zeroA2 = sos.filter((r) => r[5] === 0).length;
  const ntaps = 2 * sos.length + 1 - Math.min(zeroB2, zeroA2);
  const edge = type === 'none' ? 0 : (opts.padlen ?? 3 * ntaps);
  if (!Number.isInteger(edge) || edge < 0) {
    throw new RangeError(`sosfiltfilt: padlen must be a non-negative integer, got ${edge}`);
  }
  if (x.length <= edge) {
    throw new RangeError(
      `sosfiltfilt: the signal (${x.length} samples) must be longer than the padding (padlen ${edge})`,
    );
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new RangeError(`sosfiltfilt: sample ${i} is ${x[i]}; filter finite values only`);
    }
  }
  const ext = edge > 0 ? extend(x, edge, type) : Float64Array.from(x);
  const zi = sosfiltZi(sos);
  const fwdState = zi.map((v) => v * ext[0]);
  const fwd = sosfilt(sos, ext, fwdState);
  fwd.reverse();
  const bwdState = zi.map((v) => v * fwd[0]);
  const bwd = sosfilt(sos, fwd, bwdState);
  bwd.reverse();
  return edge > 0 ? bwd.slice(edge, bwd.length - edge) : bwd;
}
