/**
 * HRV against tools/fixtures/make_hrv_fixtures.py (numpy/scipy on the same definitions).
 *
 * Tolerances: 1e-9 relative everywhere the computation is the same. Two things are computed by
 * a different algorithm than scipy's and still agree far inside that bound, so they keep it:
 * the natural cubic spline (we solve for second derivatives, scipy for first derivatives) and
 * the FFT (fft.js radix-4 vs pocketfft). PSD bins are compared relative to the PSD's maximum,
 * because bins far from the spectral peaks are ~1e-6 of it and carry absolute, not relative,
 * rounding error from the FFT.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { realPowerSpectrum } from './fft.js';
import {
  hrv,
  hrvFrequency,
  hrvNonlinear,
  hrvTime,
  intervalsFromPeaks,
  resampleEven,
  welch,
  type HrvFrequencyOptions,
} from './index.js';

interface FixtureCase {
  name: string;
  fs: number;
  options: HrvFrequencyOptions;
  peaks: number[];
  nIntervals: number;
  time: Record<string, number>;
  nonlinear: Record<string, number>;
  frequency: Record<string, number | null> & {
    resampled: {
      n: number;
      t0: number;
      sum: number;
      sumSq: number;
      idx: number[];
      values: number[];
    };
    welch: {
      nperseg: number;
      noverlap: number;
      nfft: number;
      nSegments: number;
      nFreqs: number;
      idx: number[];
      freqs: number[];
      psd: number[];
      psdSum: number;
      psdMax: number;
    };
  };
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/hrv.json', import.meta.url), 'utf8'),
) as { cases: FixtureCase[] };

const REL = 1e-9;

function expectRel(actual: number | null | undefined, expected: number, label: string, rel = REL) {
  if (typeof actual !== 'number' || !Number.isFinite(actual)) {
    throw new Error(`${label}: expected ${expected}, got ${actual}`);
  }
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
  if (!(err <= rel))
    throw new Error(`${label}: ${actual} vs ${expected} (rel ${err.toExponential(2)})`);
}

function expectNumberOrNull(actual: number | null, expected: number | null, label: string) {
  if (expected === null) expect({ label, actual }).toEqual({ label, actual: null });
  else expectRel(actual, expected, label);
}

const FREQ_KEYS = ['VLF', 'LF', 'HF', 'TP', 'LFHF', 'LFn', 'HFn', 'LnHF'] as const;

describe.each(fixture.cases.map((c) => [c.name, c] as const))('fixture %s', (_name, c) => {
  const { rrMs } = intervalsFromPeaks(c.peaks, c.fs);

  it('time domain matches numpy', () => {
    const t = hrvTime(rrMs);
    for (const [k, v] of Object.entries(c.time)) {
      expectRel(t[k as keyof typeof t], v, `${c.name}.${k}`);
    }
    expect(Object.keys(t).sort()).toEqual(Object.keys(c.time).sort());
  });

  it('Poincaré indices match numpy', () => {
    const nl = hrvNonlinear(rrMs);
    for (const [k, v] of Object.entries(c.nonlinear)) {
      expectRel(nl[k as keyof typeof nl], v, `${c.name}.${k}`);
    }
  });

  it('resampled series, Welch PSD and band powers match scipy', () => {
    const f = hrvFrequency({ peaks: c.peaks, fs: c.fs }, c.options);
    const r = c.frequency.resampled;
    expect(f.resampled.values.length).toBe(r.n);
    expectRel(f.resampled.t0, r.t0, 't0');
    let sum = 0;
    let sumSq = 0;
    for (const v of f.resampled.values) {
      sum += v;
      sumSq += v * v;
    }
    expectRel(sum, r.sum, 'resampled sum');
    expectRel(sumSq, r.sumSq, 'resampled sum of squares');
    r.idx.forEach((i, j) => expectRel(f.resampled.values[i], r.values[j], `resampled[${i}]`));

    const w = c.frequency.welch;
    expect(f.params).toMatchObject({
      nperseg: w.nperseg,
      noverlap: w.noverlap,
      nfft: w.nfft,
      nSegments: w.nSegments,
    });
    const psd = f.psd;
    if (!psd) throw new Error('no PSD');
    expect(psd.power.length).toBe(w.nFreqs);
    let psdSum = 0;
    let psdMax = 0;
    for (const p of psd.power) {
      psdSum += p;
      psdMax = Math.max(psdMax, p);
    }
    expectRel(psdSum, w.psdSum, 'psd sum');
    expectRel(psdMax, w.psdMax, 'psd max');
    w.idx.forEach((i, j) => {
      if (w.freqs[j] === 0) expect(psd.freqs[i]).toBe(0);
      else expectRel(psd.freqs[i], w.freqs[j], `freq[${i}]`);
      const err = Math.abs(psd.power[i] - w.psd[j]) / w.psdMax;
      if (!(err <= REL)) throw new Error(`psd[${i}]: ${psd.power[i]} vs ${w.psd[j]}`);
    });

    for (const k of FREQ_KEYS) expectNumberOrNull(f[k], c.frequency[k], `${c.name}.${k}`);
    const nullBands = (['VLF', 'LF', 'HF'] as const).filter((b) => c.frequency[b] === null);
    expect(f.warnings.length).toBe(nullBands.length);
    nullBands.forEach((b, i) => expect(f.warnings[i]).toMatch(new RegExp(`^${b} \\(.* is null`)));
  });

  it('hrv() gives the same values in one flat object', () => {
    const h = hrv(c.peaks, c.fs, c.options);
    expect(h.nIntervals).toBe(c.nIntervals);
    for (const [k, v] of Object.entries({ ...c.time, ...c.nonlinear })) {
      expectRel(h[k as keyof typeof h] as number, v, `hrv.${k}`);
    }
    for (const k of FREQ_KEYS) expectNumberOrNull(h[k], c.frequency[k], `hrv.${k}`);
    for (const [k, v] of Object.entries(h)) {
      if (typeof v === 'number')
        expect({ k, finite: Number.isFinite(v) }).toEqual({ k, finite: true });
    }
  });
});

describe('warnings for short recordings', () => {
  it('a 40-s recording has HF but no LF or VLF, and says why', () => {
    const c = fixture.cases.find((x) => x.name === 'short40');
    if (!c) throw new Error('fixture short40 missing');
    const h = hrv(c.peaks, c.fs);
    expect(h.VLF).toBeNull();
    expect(h.LF).toBeNull();
    expect(h.LFHF).toBeNull();
    expect(h.LFn).toBeNull();
    expect(h.HF).toBeGreaterThan(0);
    expect(h.warnings).toHaveLength(2);
    expect(h.warnings[0]).toMatch(
      /^VLF \(0\.0033–0\.04 Hz\) is null: 2 cycles of 0\.0033 Hz need 606\.1 s/,
    );
    expect(h.warnings[1]).toMatch(
      /^LF \(0\.04–0\.15 Hz\) is null: 2 cycles of 0\.04 Hz need 50\.0 s/,
    );
  });

  it('5 minutes: VLF is null, LF and HF are there', () => {
    const c = fixture.cases.find((x) => x.name === 'rest300');
    if (!c) throw new Error('fixture rest300 missing');
    const h = hrv(c.peaks, c.fs);
    expect(h.VLF).toBeNull();
    expect(h.TP).toBeNull();
    expect(h.warnings).toHaveLength(1);
    expect(h.LFn! + h.HFn!).toBeCloseTo(1, 12);
  });

  it('a segment set shorter than the recording allows says how to get the band back', () => {
    const c = fixture.cases.find((x) => x.name === 'long720');
    if (!c) throw new Error('fixture long720 missing');
    const f = hrvFrequency({ peaks: c.peaks, fs: c.fs }, { segmentSeconds: 300 });
    expect(f.VLF).toBeNull();
    const m = /raise segmentSeconds to ≥ ([\d.]+)/.exec(f.warnings[0]);
    if (!m) throw new Error(`no advice in: ${f.warnings[0]}`);
    expect(m[1]).toBe('606.3');
    // and the advice works
    const g = hrvFrequency({ peaks: c.peaks, fs: c.fs }, { segmentSeconds: Number(m[1]) });
    expect(g.VLF).toBeGreaterThan(0);
  });

  it('a band above the Nyquist frequency of the resampling is null with a warning', () => {
    const c = fixture.cases[0];
    const f = hrvFrequency({ peaks: c.peaks, fs: c.fs }, { resampleHz: 0.7 });
    expect(f.HF).toBeNull();
    expect(f.warnings.some((w) => /^HF .* Nyquist frequency 0\.35 Hz/.test(w))).toBe(true);
  });
});

describe('inputs and errors', () => {
  const c = fixture.cases[0];
  const { rrMs, timesS } = intervalsFromPeaks(c.peaks, c.fs);

  it('RR with times, RR alone (times = cumulative sum) and peaks agree', () => {
    const a = hrvFrequency({ peaks: c.peaks, fs: c.fs });
    const b = hrvFrequency({ rrMs, timesS });
    const d = hrvFrequency({ rrMs: Array.from(rrMs) });
    for (const k of FREQ_KEYS) {
      expect(b[k]).toBe(a[k]);
      // only the time origin differs: the grid shifts by peaks[0] / fs, same to rounding
      if (a[k] === null) expect(d[k]).toBeNull();
      else expectRel(d[k], a[k] as number, `cumsum ${k}`, 1e-9);
    }
  });

  it('fewer than 3 intervals is an error that says so', () => {
    expect(() => hrv([0, 100, 200], 100)).toThrow(
      'hrv: need at least 3 RR intervals (4 peaks), got 2',
    );
    expect(() => hrvTime([800, 810])).toThrow(/hrvTime: need at least 3 RR intervals/);
    expect(() => hrvNonlinear([800])).toThrow(/hrvNonlinear: need at least 3/);
    expect(() => hrvFrequency({ rrMs: [] })).toThrow(/hrvFrequency: need at least 3/);
  });

  it('bad peaks, intervals, rates and options are errors', () => {
    expect(() => hrv([0, 100, 100, 300, 400], 100)).toThrow(/strictly increasing; peak 2/);
    expect(() => hrv([0, 100, 200, 300], 0)).toThrow(/sampling rate must be a positive/);
    expect(() => hrv([0, 100, NaN, 300], 100)).toThrow(/peak 2 is not a finite/);
    expect(() => hrvTime([800, -1, 810])).toThrow(/RR interval 1 must be a positive/);
    expect(() => hrvFrequency({ rrMs: [800, 810, 820], timesS: [1, 2] })).toThrow(/timesS has 2/);
    expect(() => hrvFrequency({ rrMs, timesS }, { nfft: 3000 })).toThrow(/power of two/);
    expect(() => hrvFrequency({ rrMs, timesS }, { nfft: 512 })).toThrow(/power of two ≥ 1195/);
    expect(() => hrvFrequency({ rrMs, timesS }, { bands: { LF: [0.15, 0.04] } })).toThrow(
      /band LF must satisfy 0 < lo < hi/,
    );
    expect(() => hrvFrequency({ rrMs, timesS }, { overlap: 1 })).toThrow(/overlap/);
  });

  it('constant intervals give zeros and nulls, never NaN', () => {
    const peaks = Array.from({ length: 400 }, (_, i) => i * 80);
    const h = hrv(peaks, 100);
    expect(h.SDNN).toBe(0);
    expect(h.RMSSD).toBe(0);
    expect(h.SD1).toBe(0);
    expect(h.SD1SD2).toBeNull();
    expect(h.CSI).toBeNull();
    expect(h.CVI).toBeNull();
    expect(h.LF).toBe(0);
    expect(h.HF).toBe(0);
    expect(h.LFHF).toBeNull();
    expect(h.LFn).toBeNull();
    expect(h.LnHF).toBeNull();
    expect(h.warnings).toEqual(
      expect.arrayContaining([
        'HF power is zero: LFHF is null',
        'LF + HF power is zero: LFn and HFn are null',
      ]),
    );
    for (const v of Object.values(h))
      if (typeof v === 'number') expect(Number.isNaN(v)).toBe(false);
  });
});

describe('time-domain definitions by hand', () => {
  it('small series', () => {
    const rr = [800, 860, 790, 800, 830];
    const t = hrvTime(rr);
    // differences 60, −70, 10, 30
    expect(t.MeanNN).toBe(816);
    expect(t.RMSSD).toBeCloseTo(Math.sqrt((3600 + 4900 + 100 + 900) / 4), 12);
    expect(t.pNN50).toBe(50); // 2 of 4 differences
    expect(t.pNN20).toBe(75); // 3 of 4
    expect(t.MedianNN).toBe(800);
    expect(t.MinNN).toBe(790);
    expect(t.MaxNN).toBe(860);
    expect(t.MeanHR).toBeCloseTo(60000 / 816, 12);
    // exactly 50 ms is not counted (strictly greater)
    expect(hrvTime([800, 850, 800, 850]).pNN50).toBe(0);
  });
});

describe('building blocks', () => {
  it('realPowerSpectrum equals a direct DFT for every size 2 … 1024, zero-padded', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    for (let n = 2; n <= 1024; n *= 2) {
      for (const len of [n, Math.max(1, n - 3)]) {
        const x = Array.from({ length: len }, rnd);
        const p = realPowerSpectrum(x, n);
        expect(p.length).toBe(n / 2 + 1);
        let scale = 0;
        for (const v of x) scale += v * v;
        for (let k = 0; k <= n / 2; k++) {
          let re = 0;
          let im = 0;
          for (let j = 0; j < len; j++) {
            re += x[j] * Math.cos((2 * Math.PI * j * k) / n);
            im -= x[j] * Math.sin((2 * Math.PI * j * k) / n);
          }
          expect(Math.abs(p[k] - (re * re + im * im)) / (scale * n)).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('Welch density obeys Parseval: Σ PSD·Δf = Σ (x·w)² / Σ w² for one segment', () => {
    const x = Array.from({ length: 300 }, (_, j) => Math.sin(j / 5) * 30 + (j % 7) - 3);
    const fs = 4;
    const psd = welch(x, fs, { nperseg: 300, noverlap: 0, nfft: 512, detrend: 'none' });
    let area = 0;
    for (const p of psd.power) area += p * (fs / 512);
    // one-sided sum counts DC and Nyquist once, the others twice: equals the two-sided sum
    let num = 0;
    let den = 0;
    for (let j = 0; j < 300; j++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / 300);
      num += (x[j] * w) ** 2;
      den += w * w;
    }
    expectRel(area, num / den, 'Parseval', 1e-12);
  });

  it('a sinusoid of amplitude A in the RR series gives A²/2 ms² in its band', () => {
    const fs = 4;
    const n = 1200;
    const x = Array.from(
      { length: n },
      (_, j) => 800 + 40 * Math.sin(2 * Math.PI * 0.1 * (j / fs)),
    );
    const t = Float64Array.from({ length: n }, (_, j) => j / fs);
    const f = hrvFrequency({ rrMs: x, timesS: t });
    expect(f.LF! / 800).toBeCloseTo(1, 3); // 40² / 2 = 800, within 0.1 %
    expect(f.HF! / 800).toBeLessThan(1e-6);
  });

  it('the natural spline interpolates the knots and reproduces straight lines', () => {
    const x = Float64Array.from([0, 0.7, 1.9, 2.4, 3.5, 5]);
    const line = Float64Array.from(x, (v) => 3 * v - 2);
    const r = resampleEven(x, line, 10, 'cubic');
    expect(r.values.length).toBe(51);
    r.values.forEach((v, k) => expect(v).toBeCloseTo(3 * (k / 10) - 2, 12));
    const y = Float64Array.from([1, 4, -2, 0, 3, 3]);
    const knots = resampleEven(Float64Array.from([0, 1, 2, 3, 4, 5]), y, 1, 'cubic');
    knots.values.forEach((v, k) => expect(v).toBeCloseTo(y[k], 12));
  });
});
