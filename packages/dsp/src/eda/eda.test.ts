import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { describeRealdata, readNumericCsv, realdataPath } from '../testing/realdata.js';
import {
  EDA_FEATURE_NAMES,
  EdaError,
  checkEdaSignal,
  edaClean,
  edaFeatures,
  edaPeaks,
  edaPhasic,
  edaProcess,
  guessEdaUnit,
  looksLikeResistance,
  resistanceToConductance,
} from './index.js';

// ---------------------------------------------------------------- synthetic signals

/** Seeded uniform [0, 1) (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const TAU0 = 0.75;
const TAU1 = 2;
/** Time to peak of the Bateman function exp(−t/τ1) − exp(−t/τ0). */
const T_PEAK = (Math.log(TAU1 / TAU0) * TAU0 * TAU1) / (TAU1 - TAU0);
const bateman = (t: number) => (t <= 0 ? 0 : Math.exp(-t / TAU1) - Math.exp(-t / TAU0));
const B_PEAK = bateman(T_PEAK);
/** An SCR shaped as a Bateman function (Alexander et al. 2005; Benedek & Kaernbach 2010). */
const scr = (t: number, onset: number, amp: number) => (amp * bateman(t - onset)) / B_PEAK;
/** Peak to half recovery of one isolated Bateman SCR (s). */
const HALF_RECOVERY = (() => {
  let t = T_PEAK;
  while (bateman(t) / B_PEAK > 0.5) t += 1e-5;
  return t - T_PEAK;
})();

interface Scr {
  onset: number;
  amp: number;
}

function synth(
  fs: number,
  durationS: number,
  scrs: Scr[],
  opts: { level?: number; slope?: number; noise?: number; seed?: number } = {},
): Float64Array {
  const n = Math.round(durationS * fs);
  const rand = rng(opts.seed ?? 1);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / fs;
    let v = (opts.level ?? 5) + (opts.slope ?? 0) * t;
    for (const s of scrs) v += scr(t, s.onset, s.amp);
    x[i] = v + (opts.noise ?? 0) * gaussian(rand);
  }
  return x;
}

const expectEdaError = (f: () => unknown, problem: string, text: RegExp) => {
  let err: unknown = null;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EdaError);
  expect((err as EdaError).problem).toBe(problem);
  expect((err as EdaError).message).toMatch(text);
};

const allFinite = (x: ArrayLike<number>) => Array.from(x).every(Number.isFinite);

// ---------------------------------------------------------------- units

describe('resistanceToConductance', () => {
  it('converts Ω to µS (1e6 / Ω)', () => {
    expect(Array.from(resistanceToConductance([1e6, 2e5, 50_000]))).toEqual([1, 5, 20]);
  });

  it('throws a clear error for values ≤ 0, naming the first', () => {
    expectEdaError(
      () => resistanceToConductance([1e5, 1e5, 0, -3]),
      'non-positive',
      /2 of 4 values .*sample 2 = 0 Ω/,
    );
  });

  it("marks them missing with onNonPositive 'nan', and keeps NaN as NaN", () => {
    const g = resistanceToConductance([1e5, -1, Number.NaN], { onNonPositive: 'nan' });
    expect(g[0]).toBeCloseTo(10);
    expect(Number.isNaN(g[1]) && Number.isNaN(g[2])).toBe(true);
    expect(Number.isNaN(resistanceToConductance([Number.NaN, 1e6])[0])).toBe(true);
  });
});

describe('looksLikeResistance', () => {
  const us = synth(128, 60, [
    { onset: 10, amp: 0.8 },
    { onset: 30, amp: 0.5 },
    { onset: 45, amp: 1 },
  ]);
  const ohm = us.map((g) => 1e6 / g);

  it('tells conductance (µS) from resistance (Ω) by shape', () => {
    expect(looksLikeResistance(us)).toBe(false);
    expect(looksLikeResistance(ohm)).toBe(true);
    expect(guessEdaUnit(ohm).reason).toMatch(/fast falls/);
  });

  it('uses the magnitude when the shape says nothing (no SCR)', () => {
    const quietOhm = synth(128, 60, [], { level: 2e5, noise: 50 });
    expect(looksLikeResistance(quietOhm)).toBe(true);
    expect(looksLikeResistance(synth(128, 60, [], { level: 8, noise: 0.01 }))).toBe(false);
  });

  it('says conductance for large conductance-shaped values (ADC counts, nS)', () => {
    expect(looksLikeResistance(us.map((g) => g * 500))).toBe(false);
  });

  it('never calls values ≤ 0 or too short a signal resistance', () => {
    expect(looksLikeResistance(ohm.map((v, i) => (i === 5 ? -1 : v)))).toBe(false);
    expect(looksLikeResistance([1e5, 1e5])).toBe(false);
  });
});

// ---------------------------------------------------------------- quality and cleaning

describe('edaClean', () => {
  const fs = 128;
  const base = synth(fs, 30, [{ onset: 10, amp: 0.5 }]);

  it('removes high-frequency noise and keeps the SCR amplitude', () => {
    const noisy = base.map((v, i) => v + 0.05 * Math.sin((2 * Math.PI * 25 * i) / fs));
    const c = edaClean(noisy, fs);
    expect(c.length).toBe(noisy.length);
    // the 25 Hz ripple of 0.05 µS is gone: the result is the cleaned noise-free signal
    const ref = edaClean(base, fs);
    let ripple = 0;
    for (let i = fs / 2; i < c.length - fs / 2; i++)
      ripple = Math.max(ripple, Math.abs(c[i] - ref[i]));
    expect(ripple).toBeLessThan(1e-3);
    // the low-pass only rounds the SCR's sharp onset: everywhere else within 0.005 µS
    for (let i = fs; i < c.length - fs; i++) {
      if (Math.abs(i / fs - 10) > 0.5) expect(Math.abs(c[i] - base[i])).toBeLessThan(0.005);
    }
    expect(Math.max(...c) - 5).toBeCloseTo(0.5, 2);
  });

  it('bridges a short NaN run with a warning', () => {
    const x = Float64Array.from(base);
    x.fill(Number.NaN, 640, 704); // 0.5 s
    const warnings: string[] = [];
    const c = edaClean(x, fs, { warnings });
    expect(allFinite(c)).toBe(true);
    expect(warnings.join('\n')).toMatch(/64 missing .*longest 0\.5 s.*bridged/);
  });

  it('rejects a long NaN run, too many NaN, or only NaN', () => {
    const x = Float64Array.from(base);
    x.fill(Number.NaN, 640, 640 + 5 * fs);
    expectEdaError(() => edaClean(x, fs), 'non-finite', /640 NaN.*\(5 s\) at 5 s.*maxGapS/);
    const y = Float64Array.from(base).map((v, i) => (i % 3 === 0 ? Number.NaN : v));
    expectEdaError(() => edaClean(y, fs), 'non-finite', /more than the 20 %/);
    expectEdaError(
      () => edaClean(new Float64Array(1000).fill(Number.NaN), fs),
      'non-finite',
      /every sample/,
    );
  });

  it('rejects a flat line and reports flat stretches and clipping', () => {
    expectEdaError(() => edaClean(new Float64Array(1000).fill(3.2), fs), 'flat', /flat line.*3\.2/);
    const x = Float64Array.from(base);
    const top = 5.3;
    for (let i = 0; i < x.length; i++) x[i] = Math.min(x[i], top); // the SCR clipped at 5.3
    x.fill(x[2000], 2000, 2000 + 6 * fs); // 6 s stuck
    const warnings: string[] = [];
    edaClean(x, fs, { warnings });
    const w = warnings.join('\n');
    expect(w).toMatch(/possible clipping: the signal stays at its maximum 5\.3/);
    expect(w).toMatch(/flat stretches .* at 15\.6\d* s \(6 s\)/);
  });

  it('rejects a wrong sampling rate with a clear message', () => {
    expectEdaError(() => edaClean(base, 0), 'sampling-rate', /positive, finite/);
    expectEdaError(() => edaClean(base, Number.NaN), 'sampling-rate', /positive, finite/);
    expectEdaError(() => edaClean(base, 1 / 128), 'sampling-rate', /sampling period\? .*128 Hz/);
    expectEdaError(() => edaClean(base, 3840000), 'sampling-rate', /implausible/);
  });

  it('rejects a signal that is too short', () => {
    expectEdaError(() => edaClean(base.subarray(0, 100), fs), 'too-short', /100 samples/);
    expectEdaError(() => edaClean([], fs), 'too-short', /0 samples/);
  });

  it('adapts the cut-off to a low sampling rate, or skips the filter', () => {
    const at4 = synth(4, 60, [{ onset: 10, amp: 0.5 }]);
    const warnings: string[] = [];
    expect(allFinite(edaClean(at4, 4, { warnings }))).toBe(true);
    expect(warnings.join()).toMatch(/lowered from 3 to 1\.4 Hz/);
    const w2: string[] = [];
    const at2 = synth(2, 60, [{ onset: 10, amp: 0.5 }]);
    expect(Array.from(edaClean(at2, 2, { warnings: w2 }))).toEqual(Array.from(at2));
    expect(w2.join()).toMatch(/no low-pass/);
  });

  it('reports values ≤ 0 as not µS or Ω', () => {
    const q = checkEdaSignal(
      base.map((v) => v - 5.1),
      fs,
    );
    expect(q.nonPositive).toBeGreaterThan(0);
    expect(q.warnings.join()).toMatch(/values ≤ 0/);
  });
});

// ---------------------------------------------------------------- SCR detection

describe('edaPeaks on a known phasic signal', () => {
  const fs = 128;
  const truth: Scr[] = [
    { onset: 5, amp: 0.5 },
    { onset: 20, amp: 0.2 },
    { onset: 35, amp: 1 },
  ];
  const x = synth(fs, 50, truth, { level: 0 });
  const r = edaPeaks(x, fs);

  it('finds each SCR with its onset, peak, amplitude, rise and half recovery', () => {
    expect(r.peaks.length).toBe(3);
    truth.forEach((s, k) => {
      expect(Math.abs(r.onsets[k] / fs - s.onset)).toBeLessThanOrEqual(1.5 / fs);
      expect(Math.abs(r.peaks[k] / fs - (s.onset + T_PEAK))).toBeLessThanOrEqual(1.5 / fs);
      expect(r.amplitudes[k]).toBeCloseTo(s.amp, 3);
      expect(Math.abs(r.riseTimes[k] - T_PEAK)).toBeLessThanOrEqual(2 / fs);
      expect(Math.abs((r.recoveryTimes[k] ?? 0) - HALF_RECOVERY)).toBeLessThanOrEqual(1.5 / fs);
      const halfAt = s.onset + T_PEAK + HALF_RECOVERY;
      expect(Math.abs((r.recoveries[k] ?? 0) / fs - halfAt)).toBeLessThanOrEqual(2 / fs);
    });
    expect(r.warnings).toEqual([]);
  });

  it('gives null recovery when the next SCR comes first, and measures it trough-to-peak', () => {
    const y = synth(fs, 30, [
      { onset: 5, amp: 1 },
      { onset: 7.5, amp: 0.6 },
    ]);
    const p = edaPeaks(y, fs);
    expect(p.peaks.length).toBe(2);
    expect(p.recoveryTimes[0]).toBeNull();
    expect(p.recoveryTimes[1]).not.toBeNull();
    // the second SCR rides on the first one's recovery: onset at 7.5 s, amplitude from there
    expect(Math.abs(p.onsets[1] / fs - 7.5)).toBeLessThan(0.05);
    const atOnset = y[p.onsets[1]];
    expect(p.amplitudes[1]).toBeCloseTo(y[p.peaks[1]] - atOnset, 10);
    expect(p.amplitudes[1]).toBeGreaterThan(0.3);
  });

  it('applies the absolute and relative amplitude thresholds', () => {
    const y = synth(fs, 60, [
      { onset: 5, amp: 1 },
      { onset: 20, amp: 0.08 }, // < 10 % of the largest
      { onset: 35, amp: 0.02 }, // < 0.03 µS
    ]);
    expect(edaPeaks(y, fs).peaks.length).toBe(1);
    expect(edaPeaks(y, fs, { minRelativeAmplitude: 0 }).peaks.length).toBe(2);
    expect(edaPeaks(y, fs, { minRelativeAmplitude: 0, minAmplitude: 0.01 }).peaks.length).toBe(3);
  });

  it('drops SCRs cut by the end or start of the record, and slow drifts, with warnings', () => {
    const y = synth(fs, 20, [{ onset: 19, amp: 0.5 }]); // still rising at 20 s
    const p = edaPeaks(y, fs);
    expect(p.peaks).toEqual([]);
    expect(p.warnings.join('\n')).toMatch(/cut by the start or end/);
    expect(p.warnings.join('\n')).toMatch(/no SCR/);
    const z = synth(fs, 20, [{ onset: -0.3, amp: 0.5 }]); // already rising at 0 s
    expect(edaPeaks(z, fs).peaks).toEqual([]);
    // flat for 2 s, a 10-s rise of 0.5 µS, then down again
    const ramp = Float64Array.from({ length: 30 * fs }, (_, i) => {
      const t = i / fs;
      return t < 2 ? 0 : t < 12 ? 0.05 * (t - 2) : Math.max(0, 0.5 - 0.05 * (t - 12));
    });
    const q = edaPeaks(ramp, fs);
    expect(q.peaks).toEqual([]);
    expect(q.warnings.join()).toMatch(/longer than 7 s/);
  });

  it('ignores noise below the threshold and does not split an SCR with ripples', () => {
    const rand = rng(7);
    const y = synth(fs, 30, [{ onset: 10, amp: 0.6 }], { level: 0 }).map(
      (v) => v + 0.004 * gaussian(rand),
    );
    const p = edaPeaks(edaClean(y, fs), fs);
    expect(p.peaks.length).toBe(1);
    expect(Math.abs(p.onsets[0] / fs - 10)).toBeLessThan(0.15);
  });

  it('rejects non-finite samples and bad options', () => {
    expectEdaError(() => edaPeaks([0, 1, Number.NaN, 2], fs), 'non-finite', /sample 2/);
    expectEdaError(() => edaPeaks(x, fs, { minAmplitude: 0 }), 'option', /minAmplitude/);
    expectEdaError(() => edaPeaks(x, -5), 'sampling-rate', /-5/);
  });
});

// ---------------------------------------------------------------- decomposition

describe('edaPhasic', () => {
  const fs = 128;
  const truth: Scr[] = [
    { onset: 10, amp: 0.5 },
    { onset: 30, amp: 0.2 },
    { onset: 45, amp: 1 },
  ];
  const slope = 0.02;
  const x = synth(fs, 60, truth, { level: 5, slope, noise: 0.005, seed: 3 });
  const split = edaPhasic(edaClean(x, fs), fs);

  it('separates a drifting level from the SCRs (tonic + phasic = input)', () => {
    const c = edaClean(x, fs);
    for (let i = 0; i < c.length; i += 97) {
      expect(split.tonic[i] + split.phasic[i]).toBeCloseTo(c[i], 10);
    }
    expect(split.method).toBe('highpass');
    // the tonic part follows the drift: slope within 25 %
    const f = edaFeatures(
      { tonic: split.tonic, phasic: split.phasic, peaks: edaPeaks(split.phasic, fs) },
      fs,
    );
    expect(f.features.SCL_slope).toBeGreaterThan(0.75 * slope);
    expect(f.features.SCL_slope).toBeLessThan(1.25 * slope);
  });

  it('puts a drift without SCRs entirely into the tonic part', () => {
    // 5 µS rising 0.02 µS/s (1.2 µS in the minute) plus 0.005 µS noise
    const drift = edaClean(synth(fs, 60, [], { level: 5, slope, noise: 0.005, seed: 4 }), fs);
    const d = edaPhasic(drift, fs);
    let worstPhasic = 0;
    let worstTonic = 0;
    for (let i = 0; i < drift.length; i++) {
      worstPhasic = Math.max(worstPhasic, Math.abs(d.phasic[i]));
      worstTonic = Math.max(worstTonic, Math.abs(d.tonic[i] - (5 + (slope * i) / fs)));
    }
    expect(worstPhasic).toBeLessThan(0.01);
    expect(worstTonic).toBeLessThan(0.01);
    expect(edaPeaks(d.phasic, fs).peaks).toEqual([]);
  });

  it('keeps the SCRs: onsets within 0.2 s, peaks within 0.3 s, amplitudes within 15 %', () => {
    const p = edaPeaks(split.phasic, fs);
    expect(p.peaks.length).toBe(3);
    truth.forEach((s, k) => {
      expect(Math.abs(p.onsets[k] / fs - s.onset)).toBeLessThan(0.2);
      expect(Math.abs(p.peaks[k] / fs - (s.onset + T_PEAK))).toBeLessThan(0.3);
      expect(Math.abs(p.amplitudes[k] - s.amp) / s.amp).toBeLessThan(0.15);
    });
  });

  it('errors on NaN and on too short a signal, warns under 20 s', () => {
    expectEdaError(
      () => edaPhasic([1, 2, Number.NaN, 3, 4, 5, 6, 7, 8, 9], 2),
      'non-finite',
      /edaClean/,
    );
    expectEdaError(() => edaPhasic(x.subarray(0, 3 * fs), fs), 'too-short', /3 s at 128 Hz/);
    expect(edaPhasic(x.subarray(0, 10 * fs), fs).warnings.join()).toMatch(/unreliable/);
  });
});

// ---------------------------------------------------------------- features and the chain

describe('edaFeatures', () => {
  const fs = 128;
  const x = synth(fs, 60, [
    { onset: 10, amp: 0.5 },
    { onset: 30, amp: 0.3 },
    { onset: 45, amp: 1 },
  ]);
  const r = edaProcess(x, fs);

  it('gives SCL and SCR statistics as finite numbers', () => {
    const f = r.features;
    expect(Object.keys(f).sort()).toEqual([...EDA_FEATURE_NAMES].sort());
    expect(f.SCR_n).toBe(3);
    expect(f.SCR_rate).toBeCloseTo(3, 10);
    expect(f.SCL_mean).toBeGreaterThan(4.9);
    expect(f.SCL_mean).toBeLessThan(5.6);
    expect(f.SCR_amplitude_max).toBeGreaterThan(0.85);
    expect(f.SCR_amplitude_mean).toBeCloseTo((f.SCR_amplitude_sum ?? 0) / 3, 10);
    expect(f.duration).toBe(60);
    for (const v of Object.values(f)) expect(v === null || Number.isFinite(v)).toBe(true);
  });

  it('gives null with a warning, never NaN, where a feature is undefined', () => {
    const w = edaFeatures(
      { tonic: r.tonic, phasic: r.phasic, peaks: r.scr },
      fs,
      { start: 0, end: 8 * fs }, // before the first SCR
    );
    expect(w.features.SCR_n).toBe(0);
    expect(w.features.SCR_rate).toBe(0);
    expect(w.features.SCR_amplitude_sum).toBe(0);
    expect(w.features.SCR_amplitude_mean).toBeNull();
    expect(w.features.SCR_recoveryTime_mean).toBeNull();
    expect(w.warnings.join('\n')).toMatch(/SCR_amplitude_mean undefined: no SCR in the window/);
    const one = edaFeatures({ tonic: r.tonic, peaks: r.scr }, fs, { start: 5, end: 6 });
    expect(one.features.SCL_sd).toBeNull();
    expect(one.features.phasic_sd).toBeNull();
    const nan = edaFeatures({ tonic: [1, Number.NaN, 2], peaks: r.scr }, fs, { start: 0, end: 3 });
    expect(nan.features.SCL_mean).toBeNull();
    expect(nan.warnings.join()).toMatch(/non-finite/);
  });

  it('counts SCRs by their peak inside a window', () => {
    const w = edaFeatures({ tonic: r.tonic, peaks: r.scr }, fs, { start: 25 * fs, end: 40 * fs });
    expect(w.features.SCR_n).toBe(1);
    expect(w.features.SCR_rate).toBeCloseTo(4, 10);
  });

  it('rejects a window outside the record', () => {
    expectEdaError(
      () => edaFeatures({ tonic: r.tonic, peaks: r.scr }, fs, { start: 10, end: 10 }),
      'option',
      /non-empty/,
    );
  });
});

describe('edaProcess', () => {
  it('handles a DEAP-like trial in Ω (63 s at 128 Hz)', () => {
    const fs = 128;
    const g = synth(fs, 63, [
      { onset: 8, amp: 0.6 },
      { onset: 40, amp: 0.4 },
    ]);
    const ohm = g.map((v) => 1e6 / v);
    const asUs = edaProcess(ohm, fs);
    expect(asUs.warnings.join()).toMatch(/looks like skin resistance/);
    const r = edaProcess(ohm, fs, { unit: 'ohm' });
    expect(r.scr.peaks.length).toBe(2);
    expect(r.features.SCL_mean).toBeGreaterThan(4.9);
    expect(r.features.SCL_mean).toBeLessThan(5.4);
    expect(r.warnings.join()).not.toMatch(/resistance/);
    // the chain the dsp stage uses
    const split = edaPhasic(edaClean(resistanceToConductance(ohm), fs), fs);
    expect(edaPeaks(split.phasic, fs).peaks).toEqual(r.scr.peaks);
  });

  it('turns resistance values ≤ 0 into bridged gaps with warnings', () => {
    const fs = 128;
    const ohm = synth(fs, 30, [{ onset: 10, amp: 0.6 }]).map((v) => 1e6 / v);
    ohm.fill(0, 100, 120);
    const r = edaProcess(ohm, fs, { unit: 'ohm' });
    expect(r.scr.peaks.length).toBe(1);
    expect(r.warnings.join('\n')).toMatch(/20 resistance values ≤ 0 treated as missing/);
  });
});

// ---------------------------------------------------------------- real recordings

describeRealdata('EDA on real recordings', (dir) => {
  it("NeuroKit2's event-related recording: SCRs after the negative pictures only", () => {
    const { header, columns } = readNumericCsv(
      realdataPath(dir, 'physio/neurokit/bio_eventrelated_100hz.csv'),
    );
    const fs = 100;
    const eda = columns[header.indexOf('EDA')];
    const r = edaProcess(eda, fs);
    const events = [
      { at: 1024, label: 'Negative', nk: 3.11 },
      { at: 4957, label: 'Neutral', nk: null },
      { at: 9224, label: 'Neutral', nk: null },
      { at: 12984, label: 'Negative', nk: 1.68 },
    ];
    const lines: string[] = [];
    for (const e of events) {
      const within = (i: number) => i >= e.at && i <= e.at + 6 * fs;
      const ks = r.scr.peaks
        .map((p, k) => k)
        .filter((k) => within(r.scr.peaks[k]) || within(r.scr.onsets[k]));
      const amps = ks.map((k) => r.scr.amplitudes[k]);
      const max = amps.length ? Math.max(...amps) : null;
      lines.push(
        `${e.label.padEnd(8)} at ${(e.at / fs).toFixed(2)} s: ` +
          (ks.length
            ? ks
                .map(
                  (k) =>
                    `SCR onset +${((r.scr.onsets[k] - e.at) / fs).toFixed(2)} s, peak +${((r.scr.peaks[k] - e.at) / fs).toFixed(2)} s, amplitude ${r.scr.amplitudes[k].toFixed(2)} µS`,
                )
                .join('; ')
            : 'no SCR') +
          ` | max ours ${max === null ? '—' : max.toFixed(2)} µS, NeuroKit2 ${e.nk ?? '—'}`,
      );
      if (e.label === 'Negative') {
        expect(ks.length).toBeGreaterThan(0);
        expect(Math.abs((max ?? 0) - (e.nk ?? 0)) / (e.nk ?? 1)).toBeLessThan(0.15);
      } else {
        expect(ks.length).toBe(0);
      }
    }
    console.log(
      `bio_eventrelated_100hz.csv: ${r.scr.peaks.length} SCRs in ${(eda.length / fs).toFixed(0)} s\n` +
        lines.join('\n'),
    );
  });

  it("BioSPPy's eda.txt (1000 Hz, raw 12-bit ADC values): processed without error", () => {
    const text = readFileSync(realdataPath(dir, 'physio/biosppy/eda.txt'), 'utf8');
    const header = text.split('\n').filter((l) => l.startsWith('#'));
    const fsLine = header.find((l) => /Sampling Rate/.test(l)) ?? '';
    const fs = Number(/([\d.]+)\s*$/.exec(fsLine)?.[1]);
    expect(fs).toBe(1000);
    const raw = Float64Array.from(
      text
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('#'))
        .map(Number),
    );
    expect(raw.length).toBe(150_000);
    expect(allFinite(raw)).toBe(true);
    // ADC counts, not µS: the absolute threshold is given in counts (4 counts ≈ 2 × the
    // quantisation step after low-pass); amplitudes below are in counts
    const r = edaProcess(raw, fs, { peaks: { minAmplitude: 4 } });
    for (const v of Object.values(r.features)) expect(v === null || Number.isFinite(v)).toBe(true);
    expect(r.scr.peaks.length).toBeGreaterThan(0);
    expect(looksLikeResistance(raw)).toBe(false);
    console.log(
      `eda.txt: ${raw.length} samples at ${fs} Hz (${raw.length / fs} s), ${r.scr.peaks.length} SCRs ` +
        `(${(r.features.SCR_rate ?? 0).toFixed(1)}/min), at ${r.scr.peaks.map((p) => (p / fs).toFixed(1)).join(', ')} s, ` +
        `amplitudes ${r.scr.amplitudes.map((a) => a.toFixed(0)).join(', ')} counts; ` +
        `warnings: ${r.warnings.join(' | ') || 'none'}`,
    );
  });
});
