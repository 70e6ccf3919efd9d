/**
 * Digital Butterworth filters as second-order sections, designed the way scipy.signal does
 * (`butter(N, Wn, btype, fs=fs, output='sos')`): the analogue prototype's poles, a frequency
 * transformation with pre-warped edges, the bilinear transform, then the poles and zeros paired
 * into sections with the 'nearest' strategy (the sections whose poles are closest to the unit
 * circle come last; the gain goes into the first section). Checked against scipy's coefficients
 * and outputs in filters.test.ts.
 */
import type { Complex } from './complex.js';
import { abs, add, c, conj, div, isReal, mul, neg, prod, scale, sqrt, sub } from './complex.js';

/** Second-order sections: rows [b0, b1, b2, a0, a1, a2]. */
export type Sos = readonly (readonly number[])[];

export type BandType = 'lowpass' | 'highpass' | 'bandpass' | 'bandstop';

interface Zpk {
  z: Complex[];
  p: Complex[];
  k: number;
}

/** Analogue Butterworth prototype of order n (cut-off 1 rad/s). */
function prototype(n: number): Zpk {
  const p: Complex[] = [];
  for (let m = -n + 1; m < n; m += 2) {
    const theta = (Math.PI * m) / (2 * n);
    p.push(neg(c(Math.cos(theta), Math.sin(theta))));
  }
  return { z: [], p, k: 1 };
}

function lowpass({ z, p, k }: Zpk, wo: number): Zpk {
  const degree = p.length - z.length;
  return { z: z.map((x) => scale(x, wo)), p: p.map((x) => scale(x, wo)), k: k * wo ** degree };
}

function highpass({ z, p, k }: Zpk, wo: number): Zpk {
  const degree = p.length - z.length;
  const gain = div(prod(z.map(neg)), prod(p.map(neg))).re;
  return {
    z: [...z.map((x) => div(c(wo), x)), ...Array.from({ length: degree }, () => c(0))],
    p: p.map((x) => div(c(wo), x)),
    k: k * gain,
  };
}

/** x ± sqrt(x² − wo²) for each x: the two roots a band transformation maps x to. */
function split(xs: readonly Complex[], wo: number): Complex[] {
  const roots = xs.map((x) => sqrt(sub(mul(x, x), c(wo * wo))));
  return [...xs.map((x, i) => add(x, roots[i])), ...xs.map((x, i) => sub(x, roots[i]))];
}

function bandpass({ z, p, k }: Zpk, wo: number, bw: number): Zpk {
  const degree = p.length - z.length;
  return {
    z: [
      ...split(
        z.map((x) => scale(x, bw / 2)),
        wo,
      ),
      ...Array.from({ length: degree }, () => c(0)),
    ],
    p: split(
      p.map((x) => scale(x, bw / 2)),
      wo,
    ),
    k: k * bw ** degree,
  };
}

function bandstop({ z, p, k }: Zpk, wo: number, bw: number): Zpk {
  const degree = p.length - z.length;
  const gain = div(prod(z.map(neg)), prod(p.map(neg))).re;
  const zeros = split(
    z.map((x) => div(c(bw / 2), x)),
    wo,
  );
  for (let i = 0; i < degree; i++) zeros.push(c(0, wo));
  for (let i = 0; i < degree; i++) zeros.push(c(0, -wo));
  return {
    z: zeros,
    p: split(
      p.map((x) => div(c(bw / 2), x)),
      wo,
    ),
    k: k * gain,
  };
}

/** Bilinear transform with the design sampling rate fs = 2 (edges are pre-warped for it). */
function bilinear({ z, p, k }: Zpk): Zpk {
  const fs2 = c(4);
  const degree = p.length - z.length;
  const gain = div(prod(z.map((x) => sub(fs2, x))), prod(p.map((x) => sub(fs2, x)))).re;
  return {
    z: [
      ...z.map((x) => div(add(fs2, x), sub(fs2, x))),
      ...Array.from({ length: degree }, () => c(-1)),
    ],
    p: p.map((x) => div(add(fs2, x), sub(fs2, x))),
    k: k * gain,
  };
}

const TOL = 100 * Number.EPSILON;

/**
 * One of each conjugate pair (positive imaginary part, sorted by real part) followed by the
 * real values (sorted), as scipy's `_cplxreal`; values within a relative 100 ε of the real axis
 * count as real.
 */
function complexThenReal(xs: readonly Complex[]): Complex[] {
  const sorted = [...xs].sort((a, b) => a.re - b.re || Math.abs(a.im) - Math.abs(b.im));
  const real = sorted.filter((x) => Math.abs(x.im) <= TOL * abs(x)).map((x) => c(x.re));
  const rest = sorted.filter((x) => Math.abs(x.im) > TOL * abs(x));
  const pos = rest.filter((x) => x.im > 0);
  const negs = rest.filter((x) => x.im < 0);
  if (pos.length !== negs.length) {
    throw new Error('filter design: complex values without conjugates');
  }
  // within runs of (nearly) equal real part, order by |imag|, as scipy does
  const byImag = (list: Complex[]) => {
    let start = 0;
    for (let i = 1; i <= list.length; i++) {
      if (i === list.length || !(list[i].re - list[i - 1].re <= TOL * abs(list[i - 1]))) {
        const run = list.slice(start, i).sort((a, b) => Math.abs(a.im) - Math.abs(b.im));
        list.splice(start, run.length, ...run);
        start = i;
      }
    }
  };
  byImag(pos);
  byImag(negs);
  const paired = pos.map((x, i) => scale(add(x, conj(negs[i])), 0.5));
  return [...paired, ...real.sort((a, b) => a.re - b.re)];
}

/** Index in `from` of the value nearest to `to`, restricted to real or complex values. */
function nearest(from: readonly Complex[], to: Complex, which: 'real' | 'complex' | 'any'): number {
  const order = from
    .map((x, i) => ({ i, d: abs(sub(x, to)) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((o) => o.i);
  if (which === 'any') return order[0];
  const found = order.find((i) => isReal(from[i]) === (which === 'real'));
  if (found === undefined) throw new Error(`filter design: no ${which} zero left to pair`);
  return found;
}

/** Coefficients of prod(x − r) for 0–2 roots, as [1, c1, c2] padded at the front to length 3. */
function poly2(roots: readonly Complex[]): number[] {
  if (roots.length === 0) return [0, 0, 1];
  if (roots.length === 1) return [0, 1, -roots[0].re];
  const [r1, r2] = roots;
  return [1, -add(r1, r2).re, mul(r1, r2).re];
}

function section(z: readonly Complex[], p: readonly Complex[]): number[] {
  return [...poly2(z), ...poly2(p)];
}

/** scipy's zpk2sos with pairing 'nearest'. */
function zpk2sos({ z: z0, p: p0, k }: Zpk): number[][] {
  if (z0.length === 0 && p0.length === 0) return [[k, 0, 0, 1, 0, 0]];
  let p = [...p0, ...Array.from({ length: Math.max(z0.length - p0.length, 0) }, () => c(0))];
  let z = [...z0, ...Array.from({ length: Math.max(p.length - z0.length, 0) }, () => c(0))];
  const nSections = Math.floor((Math.max(p.length, z.length) + 1) / 2);
  if (p.length % 2 === 1) {
    p.push(c(0));
    z.push(c(0));
  }
  z = complexThenReal(z);
  p = complexThenReal(p);
  const take = (list: Complex[], i: number): Complex => list.splice(i, 1)[0];
  const sos: number[][] = [];
  for (let s = 0; s < nSections; s++) {
    // the "worst" remaining pole: closest to the unit circle
    let worst = 0;
    for (let i = 1; i < p.length; i++) {
      if (Math.abs(1 - abs(p[i])) < Math.abs(1 - abs(p[worst]))) worst = i;
    }
    const p1 = take(p, worst);
    const realPoles = p.filter(isReal).length;
    if (isReal(p1) && realPoles === 0) {
      // the last real pole, with the nearest real zero
      const z1 = take(z, nearest(z, p1, 'real'));
      sos.push(section([z1, c(0)], [p1, c(0)]));
    } else if (
      p.length + 1 === z.length &&
      !isReal(p1) &&
      realPoles === 1 &&
      z.filter(isReal).length === 1
    ) {
      // one real pole and one real zero left: pair this complex pole with a complex zero
      const z1 = take(z, nearest(z, p1, 'complex'));
      sos.push(section([z1, conj(z1)], [p1, conj(p1)]));
    } else {
      let p2: Complex;
      if (isReal(p1)) {
        let best = -1;
        for (let i = 0; i < p.length; i++) {
          if (!isReal(p[i])) continue;
          if (best < 0 || Math.abs(abs(p[i]) - 1) < Math.abs(abs(p[best]) - 1)) best = i;
        }
        p2 = take(p, best);
      } else {
        p2 = conj(p1);
      }
      if (z.length > 0) {
        const z1 = take(z, nearest(z, p1, 'any'));
        if (!isReal(z1)) {
          sos.push(section([z1, conj(z1)], [p1, p2]));
        } else if (z.length > 0) {
          const z2 = take(z, nearest(z, p1, 'real'));
          sos.push(section([z1, z2], [p1, p2]));
        } else {
          sos.push(section([z1], [p1, p2]));
        }
      } else {
        sos.push(section([], [p1, p2]));
      }
    }
  }
  sos.reverse();
  for (let i = 0; i < 3; i++) sos[0][i] *= k;
  return sos;
}

function checkCutoff(name: string, f: number, fs: number): number {
  if (!Number.isFinite(f) || f <= 0 || f >= fs / 2) {
    throw new RangeError(
      `butter: ${name} ${f} Hz must be above 0 and below the Nyquist frequency ${fs / 2} Hz (fs ${fs} Hz)`,
    );
  }
  return f / (fs / 2);
}

/**
 * A Butterworth filter of order `order` as second-order sections (scipy's
 * `butter(order, cutoff, btype, fs=fs, output='sos')`). `cutoff` in Hz: one frequency for low-
 * and high-pass, [low, high] for band-pass and band-stop.
 */
export function butter(
  order: number,
  cutoff: number | readonly [number, number],
  btype: BandType,
  fs: number,
): Sos {
  if (!Number.isInteger(order) || order < 1 || order > 40) {
    throw new RangeError(`butter: order must be an integer from 1 to 40, got ${order}`);
  }
  if (!Number.isFinite(fs) || fs <= 0) {
    throw new RangeError(`butter: sampling rate must be positive, got ${fs}`);
  }
  const band = btype === 'bandpass' || btype === 'bandstop';
  if (band !== Array.isArray(cutoff)) {
    throw new RangeError(
      `butter: ${btype} needs ${band ? 'two cut-off frequencies [low, high]' : 'one cut-off frequency'}`,
    );
  }
  // pre-warp the normalised edges for the bilinear transform at fs = 2
  const warp = (wn: number) => 4 * Math.tan((Math.PI * wn) / 2);
  const proto = prototype(order);
  let zpk: Zpk;
  if (typeof cutoff === 'number') {
    const w = warp(checkCutoff('cut-off', cutoff, fs));
    zpk = btype === 'lowpass' ? lowpass(proto, w) : highpass(proto, w);
  } else {
    const [lo, hi] = cutoff as readonly [number, number];
    if (!(lo < hi)) throw new RangeError(`butter: band [${lo}, ${hi}] Hz must have low < high`);
    const w1 = warp(checkCutoff('low edge', lo, fs));
    const w2 = warp(checkCutoff('high edge', hi, fs));
    const wo = Math.sqrt(w1 * w2);
    zpk = btype === 'bandpass' ? bandpass(proto, wo, w2 - w1) : bandstop(proto, wo, w2 - w1);
  }
  return zpk2sos(bilinear(zpk));
}
