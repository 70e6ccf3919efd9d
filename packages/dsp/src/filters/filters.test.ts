/**
 * Golden tests of the filters against scipy.signal (fixtures/filters.json, written by
 * tools/fixtures/make_dsp_fixtures.py). The error measure is the relative error
 * max|ours − ref| / max|ref| over an output (for second-order sections: over each section's b
 * and a separately); every comparison must be ≤ 1e-9. The worst value per function is printed.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { butter } from './butter.js';
import type { BandType, Sos } from './butter.js';
import { sosfilt, sosfiltZi, sosfiltfilt } from './sosfilt.js';
import type { PadType } from './sosfilt.js';
import { iirnotch, notchSos } from './notch.js';
import { detrend } from './detrend.js';
import { besselI0, firwinLowpass, kaiserWindow } from './firwin.js';
import type { ResamplePadtype } from './resample.js';
import {
  bestRational,
  resampleFactors,
  resamplePoly,
  resampleTo,
  upfirdnRange,
} from './resample.js';

interface Design {
  order: number;
  Wn: number | [number, number];
  btype: BandType;
  fs: number;
  sos: number[][];
}
interface Fixtures {
  scipy: string;
  signals: { long: number[]; short: number[] };
  butter: Design[];
  sosfiltfilt: (Design & {
    signal: 'long' | 'short';
    padtype?: PadType;
    padlen?: number | null;
    y: number[];
  })[];
  sosfiltfiltTooShort: (Omit<Design, 'sos'> & { minLength: number })[];
  sosfilt: (Design & { signal: 'long'; zi: number[] | null; zf: number[] | null; y: number[] })[];
  sosfilt_zi: (Design & { zi: number[] })[];
  iirnotch: { w0: number; Q: number; fs: number; b: number[]; a: number[] }[];
  detrend: { linear: number[]; constant: number[]; shortLinear: number[] };
  resample_poly: {
    signal: 'long' | 'short';
    fsIn?: number;
    fsOut?: number;
    up: number;
    down: number;
    beta?: number;
    fir?: number[];
    cval?: number;
    padtype?: ResamplePadtype;
    y: number[];
  }[];
  firwin: { numtaps: number; cutoff: number; beta: number; h: number[] }[];
  kaiser: { m: number; beta: number; w: number[] }[];
  i0: { x: number[]; y: number[] };
}

const fx = JSON.parse(
  readFileSync(new URL('../../fixtures/filters.json', import.meta.url), 'utf8'),
) as Fixtures;
const signals = fx.signals;

const TOL = 1e-9;
const worst = new Map<string, number>();

/** max|ours − ref| / max|ref| (the absolute error when ref is all zeros). */
function relErr(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  expect(ours.length).toBe(ref.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num = Math.max(num, Math.abs(ours[i] - ref[i]));
    den = Math.max(den, Math.abs(ref[i]));
  }
  const e = den > 0 ? num / den : num;
  return Number.isNaN(e) ? Infinity : e;
}

function expectClose(fn: string, ours: ArrayLike<number>, ref: ArrayLike<number>): void {
  const e = relErr(ours, ref);
  worst.set(fn, Math.max(worst.get(fn) ?? 0, e));
  expect(e).toBeLessThanOrEqual(TOL);
}

function expectSosClose(fn: string, ours: Sos, ref: readonly (readonly number[])[]): void {
  expect(ours.length).toBe(ref.length);
  ours.forEach((row, i) => {
    expectClose(fn, row.slice(0, 3), ref[i].slice(0, 3));
    expectClose(fn, row.slice(3), ref[i].slice(3));
  });
}

const label = (d: Omit<Design, 'sos'>) =>
  `${d.btype} order ${d.order} ${JSON.stringify(d.Wn)} Hz at ${d.fs} Hz`;
const design = (d: Omit<Design, 'sos'>) =>
  butter(d.order, Array.isArray(d.Wn) ? [d.Wn[0], d.Wn[1]] : d.Wn, d.btype, d.fs);

afterAll(() => {
  const lines = [...worst].map(([k, v]) => `  ${k.padEnd(14)} ${v.toExponential(2)}`);
  console.log(
    `worst relative error vs scipy ${fx.scipy} (max|ours−ref|/max|ref|):\n${lines.join('\n')}`,
  );
});

describe('butter (vs scipy.signal.butter(..., output="sos", fs=fs))', () => {
  test.each(fx.butter.map((d) => [label(d), d] as const))('%s', (_, d) => {
    expectSosClose('butter', design(d), d.sos);
  });
});

describe('sosfilt and sosfilt_zi', () => {
  test.each(fx.sosfilt_zi.map((d) => [label(d), d] as const))('sosfiltZi %s', (_, d) => {
    expectClose('sosfilt_zi', sosfiltZi(d.sos), d.zi);
  });

  test.each(fx.sosfilt.map((d) => [label(d), d] as const))('sosfilt %s', (_, d) => {
    const x = signals[d.signal];
    if (d.zi) {
      const state = Float64Array.from(d.zi);
      expectClose('sosfilt', sosfilt(d.sos, x, state), d.y);
      expectClose('sosfilt zf', state, d.zf as number[]);
    } else {
      expectClose('sosfilt', sosfilt(d.sos, x), d.y);
    }
    // with our own design too
    expectClose('sosfilt', sosfilt(design(d), x, d.zi ? Float64Array.from(d.zi) : undefined), d.y);
  });
});

describe('sosfilt kernels', () => {
  /** The textbook recurrence, one section after the other (direct form II transposed). */
  function reference(sos: Sos, x: ArrayLike<number>, zi: Float64Array): Float64Array {
    const y = Float64Array.from(x);
    sos.forEach((r, s) => {
      const [b0, b1, b2, a1, a2] = [
        r[0] / r[3],
        r[1] / r[3],
        r[2] / r[3],
        r[4] / r[3],
        r[5] / r[3],
      ];
      let [z0, z1] = [zi[2 * s], zi[2 * s + 1]];
      for (let i = 0; i < y.length; i++) {
        const u = b0 * y[i] + z0;
        z0 = b1 * y[i] - a1 * u + z1;
        z1 = b2 * y[i] - a2 * u;
        y[i] = u;
      }
      zi.set([z0, z1], 2 * s);
    });
    return y;
  }
  test('grouped sections give bit-identical results for 1 to 12 sections', () => {
    const x = signals.long;
    for (let order = 1; order <= 12; order++) {
      for (const sos of [
        butter(order, [1, 20], 'bandpass', 128),
        butter(order, 5, 'lowpass', 128),
      ]) {
        const zi = Float64Array.from({ length: 2 * sos.length }, (_, i) => 0.1 * i - 0.3);
        const ziRef = Float64Array.from(zi);
        expect(Array.from(sosfilt(sos, x, zi))).toEqual(Array.from(reference(sos, x, ziRef)));
        expect(Array.from(zi)).toEqual(Array.from(ziRef));
      }
    }
  });
});

describe('sosfiltfilt (vs scipy.signal.sosfiltfilt)', () => {
  test.each(
    fx.sosfiltfilt.map(
      (d) =>
        [
          `${label(d)}, ${d.signal} signal, padtype ${d.padtype ?? 'odd'}, padlen ${d.padlen ?? 'default'}`,
          d,
        ] as const,
    ),
  )('%s', (_, d) => {
    const x = signals[d.signal];
    const opts = {
      ...(d.padtype ? { padtype: d.padtype } : {}),
      ...(d.padlen !== undefined && d.padlen !== null ? { padlen: d.padlen } : {}),
    };
    // scipy's coefficients, then our own design
    expectClose('sosfiltfilt', sosfiltfilt(d.sos, x, opts), d.y);
    expectClose('butter+filtfilt', sosfiltfilt(design(d), x, opts), d.y);
  });

  test.each(fx.sosfiltfiltTooShort.map((d) => [label(d), d] as const))(
    'refuses a signal not longer than padlen: %s',
    (_, d) => {
      const sos = design(d);
      const x = signals.short;
      expect(() => sosfiltfilt(sos, x.slice(0, d.minLength - 1))).toThrow(/padlen/);
      expect(() => sosfiltfilt(sos, x.slice(0, d.minLength - 1))).toThrow(RangeError);
      expect(sosfiltfilt(sos, x.slice(0, d.minLength))).toHaveLength(d.minLength);
    },
  );

  test('refuses an explicit padlen not shorter than the signal', () => {
    const sos = butter(2, 10, 'lowpass', 128);
    expect(() => sosfiltfilt(sos, signals.short, { padlen: 40 })).toThrow(/padlen/);
    expect(sosfiltfilt(sos, signals.short, { padlen: 39 })).toHaveLength(40);
  });
});

describe('butter argument errors', () => {
  test('cut-off at or above Nyquist, or not above 0', () => {
    expect(() => butter(4, 64, 'lowpass', 128)).toThrow(RangeError);
    expect(() => butter(4, 80, 'highpass', 128)).toThrow(/Nyquist/);
    expect(() => butter(4, [0.5, 64], 'bandpass', 128)).toThrow(RangeError);
    expect(() => butter(4, 0, 'lowpass', 128)).toThrow(RangeError);
    expect(() => butter(4, -1, 'lowpass', 128)).toThrow(RangeError);
    expect(() => butter(4, [8, 0.5], 'bandpass', 128)).toThrow(RangeError);
  });
  test('order below 1 or not an integer', () => {
    expect(() => butter(0, 3, 'lowpass', 128)).toThrow(/order/);
    expect(() => butter(-2, 3, 'lowpass', 128)).toThrow(RangeError);
    expect(() => butter(2.5, 3, 'lowpass', 128)).toThrow(RangeError);
  });
  test('bad sampling rate or band shape', () => {
    expect(() => butter(2, 3, 'lowpass', 0)).toThrow(RangeError);
    expect(() => butter(2, 3, 'bandpass', 128)).toThrow(RangeError);
  });
});

describe('iirnotch and notchSos (vs scipy.signal.iirnotch)', () => {
  test.each(fx.iirnotch.map((d) => [`${d.w0} Hz, Q ${d.Q}, fs ${d.fs} Hz`, d] as const))(
    '%s',
    (_, d) => {
      const { b, a } = iirnotch(d.w0, d.Q, d.fs);
      expectClose('iirnotch', b, d.b);
      expectClose('iirnotch', a, d.a);
      const [row, ...rest] = notchSos(d.w0, d.Q, d.fs);
      expect(rest).toHaveLength(0);
      expectClose('iirnotch', row, [...d.b, ...d.a]);
    },
  );
  test('removes the notch frequency and keeps DC', () => {
    const fs = 360;
    const sos = notchSos(50, 30, fs);
    const x = Array.from({ length: 7200 }, (_, i) => 1 + Math.sin((2 * Math.PI * 50 * i) / fs));
    const y = sosfiltfilt(sos, x);
    for (let i = 1000; i < 6200; i++) expect(Math.abs(y[i] - 1)).toBeLessThan(1e-3);
  });
  test('argument errors', () => {
    expect(() => iirnotch(180, 30, 360)).toThrow(/w0/);
    expect(() => iirnotch(0, 30, 360)).toThrow(RangeError);
    expect(() => iirnotch(50, 0, 360)).toThrow(/Q/);
    expect(() => iirnotch(50, 30, -1)).toThrow(/fs/);
    expect(() => notchSos(50, Number.NaN, 360)).toThrow(RangeError);
  });
});

describe('detrend (vs scipy.signal.detrend)', () => {
  test('linear and constant', () => {
    expectClose('detrend', detrend(signals.long), fx.detrend.linear);
    expectClose('detrend', detrend(signals.long, 'linear'), fx.detrend.linear);
    expectClose('detrend', detrend(signals.long, 'constant'), fx.detrend.constant);
    expectClose('detrend', detrend(signals.short), fx.detrend.shortLinear);
  });
  test('edge cases', () => {
    expect(detrend([])).toHaveLength(0);
    expect(Array.from(detrend([5]))).toEqual([0]);
    expect(Array.from(detrend([1, 3]))).toEqual([0, 0]);
    const line = Array.from({ length: 100 }, (_, i) => 3 + 0.25 * i);
    for (const v of detrend(line)) expect(Math.abs(v)).toBeLessThan(1e-12);
    expect(() => detrend([1, 2], 'quadratic' as 'linear')).toThrow(/type/);
  });
});

describe('firwin, Kaiser window and I0', () => {
  test('besselI0 (vs scipy.special.i0)', () => {
    fx.i0.x.forEach((x, i) => {
      const e = Math.abs(besselI0(x) - fx.i0.y[i]) / fx.i0.y[i];
      worst.set('i0', Math.max(worst.get('i0') ?? 0, e));
      expect(e).toBeLessThanOrEqual(1e-13);
    });
  });
  test.each(fx.kaiser.map((d) => [`m ${d.m}, beta ${d.beta}`, d] as const))(
    'kaiserWindow %s',
    (_, d) => {
      expectClose('kaiser', kaiserWindow(d.m, d.beta), d.w);
    },
  );
  test.each(fx.firwin.map((d) => [`${d.numtaps} taps, cutoff ${d.cutoff}`, d] as const))(
    'firwinLowpass %s',
    (_, d) => {
      expectClose('firwin', firwinLowpass(d.numtaps, d.cutoff, { beta: d.beta }), d.h);
    },
  );
  test('argument errors', () => {
    expect(() => firwinLowpass(0, 0.5)).toThrow(/numtaps/);
    expect(() => firwinLowpass(11, 1)).toThrow(/cutoff/);
    expect(() => firwinLowpass(11, 30, { fs: 60 })).toThrow(/cutoff/);
    expect(() => kaiserWindow(3, -1)).toThrow(/beta/);
  });
});

describe('resamplePoly and resampleTo (vs scipy.signal.resample_poly)', () => {
  test.each(
    fx.resample_poly.map(
      (d) =>
        [
          `${d.signal} signal, up ${d.up}, down ${d.down}${d.fsIn ? ` (${d.fsIn} → ${d.fsOut} Hz)` : ''}${d.padtype ? `, padtype ${d.padtype}` : ''}${d.cval !== undefined ? `, cval ${d.cval}` : ''}${d.beta !== undefined ? `, beta ${d.beta}` : ''}${d.fir ? ', explicit FIR' : ''}`,
          d,
        ] as const,
    ),
  )('%s', (_, d) => {
    const x = signals[d.signal];
    const opts = {
      ...(d.beta !== undefined ? { window: d.beta } : {}),
      ...(d.fir ? { window: d.fir } : {}),
      ...(d.cval !== undefined ? { cval: d.cval } : {}),
      ...(d.padtype ? { padtype: d.padtype } : {}),
    };
    expectClose('resample_poly', resamplePoly(x, d.up, d.down, opts), d.y);
    if (d.fsIn !== undefined && d.fsOut !== undefined) {
      expect(resampleFactors(d.fsIn, d.fsOut)).toEqual({ up: d.up, down: d.down });
      expectClose('resample_poly', resampleTo(x, d.fsIn, d.fsOut), d.y);
    }
  });

  test('factors: integer rates by gcd, others by a bounded rational approximation', () => {
    expect(resampleFactors(360, 128)).toEqual({ up: 16, down: 45 });
    expect(resampleFactors(1000, 128)).toEqual({ up: 16, down: 125 });
    expect(resampleFactors(128, 4)).toEqual({ up: 1, down: 32 });
    expect(resampleFactors(128, 128)).toEqual({ up: 1, down: 1 });
    expect(resampleFactors(250.5, 128)).toEqual({ up: 256, down: 501 });
    // the closest fractions with denominator ≤ 1000 (as Python's Fraction.limit_denominator)
    expect(resampleFactors(29.97, 128)).toEqual({ up: 867, down: 203 });
    expect(resampleFactors(Math.PI * 100, 128)).toEqual({ up: 405, down: 994 });
    expect(resampleFactors(29.97, 128, 3000)).toEqual({ up: 12800, down: 2997 });
    expect(bestRational(Math.PI, 1000)).toEqual({ p: 355, q: 113 });
    expect(bestRational(Math.PI, 100)).toEqual({ p: 311, q: 99 });
    expect(bestRational(0.75, 1000)).toEqual({ p: 3, q: 4 });
    expect(bestRational(1 / 3, 2)).toEqual({ p: 1, q: 2 });
  });

  test('same rate returns a copy; output length is ceil(n·up/down)', () => {
    const x = signals.short;
    const y = resampleTo(x, 128, 128);
    expect(Array.from(y)).toEqual(x);
    expect(resamplePoly(x, 3, 3)).not.toBe(x);
    expect(resamplePoly(x, 2, 7)).toHaveLength(Math.ceil((40 * 2) / 7));
    expect(resamplePoly([], 2, 3)).toHaveLength(0);
  });

  test('upfirdnRange is the plain up-sample, convolve, down-sample', () => {
    const h = [1, 2, 3, 4, 5];
    const x = [1, -1, 2, 0.5];
    const up = 3;
    const down = 2;
    const u = new Float64Array((x.length - 1) * up + 1);
    x.forEach((v, i) => (u[i * up] = v));
    const full = new Float64Array(u.length + h.length - 1);
    for (let i = 0; i < u.length; i++)
      for (let j = 0; j < h.length; j++) full[i + j] += u[i] * h[j];
    const ref = full.filter((_, i) => i % down === 0);
    expect(Array.from(upfirdnRange(h, x, up, down, 0, ref.length))).toEqual(Array.from(ref));
  });

  test('argument errors', () => {
    expect(() => resamplePoly([1, 2], 0, 2)).toThrow(/up must be a positive integer, got 0/);
    expect(() => resamplePoly([1, 2], 2, -3)).toThrow(/down/);
    expect(() => resamplePoly([1, 2], 1.5, 2)).toThrow(RangeError);
    expect(() => resamplePoly([1, 2], 2, 3, { padtype: 'mean', cval: 1 })).toThrow(/cval/);
    expect(() => resamplePoly([1, 2], 2, 3, { window: [] })).toThrow(/window/);
    expect(() => resampleTo([1, 2], 0, 128)).toThrow(
      /fsIn must be a positive finite number, got 0/,
    );
    expect(() => resampleTo([1, 2], 128, -4)).toThrow(/fsOut/);
    expect(() => resampleTo([1, 2], Number.NaN, 4)).toThrow(RangeError);
    expect(() => bestRational(0.5, 0)).toThrow(/maxDenominator/);
  });
});
