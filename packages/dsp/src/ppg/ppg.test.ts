/**
 * ppgPeaks: validation against ecgPeaks on NeuroKit2's resting recording (ECG and PPG recorded
 * together at 100 Hz, 5 min), on synthetic pulse waves (DEAP's offset and scale, 128 Hz), and
 * on bad input.
 */
import { describe, expect, it } from '@jest/globals';
import { resampleTo } from '../filters/index.js';
import { describeRealdata, readNumericCsv, realdataPath } from '../testing/realdata.js';
import { matchBeats } from '../ecg/match.js';
import { correctPeaks } from '../ecg/rr.js';
import { ecgPeaks } from '../ecg/rpeaks.js';
import { ppgClean } from './clean.js';
import { ppgPeaks } from './peaks.js';

/** Mean interval in ms of a peak series at fs. */
function meanNnMs(peaks: ArrayLike<number>, fs: number): number {
  return ((peaks[peaks.length - 1] - peaks[0]) / (peaks.length - 1) / fs) * 1000;
}

describeRealdata('ppgPeaks vs ecgPeaks on bio_resting_5min_100hz (NeuroKit2)', (dir) => {
  let ecg: Float64Array;
  let ppg: Float64Array;
  const load = (): void => {
    if (ecg) return;
    const { header, columns } = readNumericCsv(
      realdataPath(dir, 'physio', 'neurokit', 'bio_resting_5min_100hz.csv'),
    );
    ecg = columns[header.indexOf('ECG')];
    ppg = columns[header.indexOf('PPG')];
  };

  it.each([100, 128])(
    "at %d Hz, MeanNN from the PPG is within 1 % of the ECG's, the ECG's near 696.40 ms",
    (fs) => {
      load();
      const e = fs === 100 ? ecg : resampleTo(ecg, 100, fs);
      const p = fs === 100 ? ppg : resampleTo(ppg, 100, fs);
      const er = ecgPeaks(e, fs);
      const pr = ppgPeaks(p, fs);
      expect(pr.warnings).toEqual([]);
      const ec = correctPeaks(er.peaks, fs);
      const pc = correctPeaks(pr.peaks, fs);
      const mE = meanNnMs(ec.peaks, fs);
      const mP = meanNnMs(pc.peaks, fs);
      console.log(
        `bio_resting @ ${fs} Hz: ECG ${er.peaks.length} R peaks, MeanNN ` +
          `${meanNnMs(er.peaks, fs).toFixed(2)} ms raw, ${mE.toFixed(2)} ms after correctPeaks ` +
          `(${ec.changes.length} changes); PPG ${pr.peaks.length} peaks, MeanNN ` +
          `${meanNnMs(pr.peaks, fs).toFixed(2)} ms raw, ${mP.toFixed(2)} ms corrected ` +
          `(${pc.changes.length} changes); PPG vs ECG ${((100 * (mP - mE)) / mE).toFixed(3)} %, ` +
          `ECG vs NeuroKit2's 696.40 ms ${((100 * (mE - 696.4)) / 696.4).toFixed(3)} %`,
      );
      expect(Math.abs(mP - mE) / mE).toBeLessThan(0.01);
      expect(Math.abs(mE - 696.4) / 696.4).toBeLessThan(0.01);
      // beat by beat: each pulse follows an R peak after a steady delay (pulse arrival time)
      const delays: number[] = [];
      let k = 0;
      for (const v of pc.peaks) {
        while (k + 1 < ec.peaks.length && ec.peaks[k + 1] < v) k++;
        if (ec.peaks[k] < v) delays.push(v - ec.peaks[k]);
      }
      const delay = delays.sort((a, b) => a - b)[delays.length >> 1];
      const m = matchBeats(
        Array.from(pc.peaks, (v) => v - delay),
        ec.peaks,
        Math.floor(0.1 * fs),
      );
      console.log(
        `bio_resting @ ${fs} Hz: pulse arrival ${((1000 * delay) / fs).toFixed(0)} ms; PPG ` +
          `peaks vs R peaks beat by beat (±100 ms): Se ${(100 * m.se).toFixed(2)} %, ` +
          `PPV ${(100 * m.ppv).toFixed(2)} %`,
      );
      expect(m.se).toBeGreaterThan(0.98);
      expect(m.ppv).toBeGreaterThan(0.98);
    },
  );
});

/** A seeded uniform generator in [0, 1) (32-bit linear congruential, Numerical Recipes). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A pulse wave (fast upstroke, slow fall, dicrotic wave) with drift and noise. */
function syntheticPpg(fs: number, seconds: number, seed = 1): { x: Float64Array; peaks: number[] } {
  const rand = lcg(seed);
  const n = Math.round(fs * seconds);
  const x = new Float64Array(n);
  const peaks: number[] = [];
  let t = 0.3;
  while (t < seconds - 0.2) {
    const rr = 0.75 * (1 + 0.05 * Math.sin(2 * Math.PI * 0.25 * t)) + 0.02 * (rand() - 0.5);
    for (let i = Math.max(0, Math.floor((t - 0.3) * fs)); i < Math.min(n, (t + 0.7) * fs); i++) {
      const d = i / fs - t;
      const s = d < 0 ? 0.06 : 0.12;
      x[i] +=
        Math.exp((-0.5 * d * d) / (s * s)) + 0.35 * Math.exp((-0.5 * (d - 0.27) ** 2) / 0.05 ** 2);
    }
    peaks.push(Math.round(t * fs));
    t += rr;
  }
  for (let i = 0; i < n; i++) {
    x[i] += 0.5 * Math.sin((2 * Math.PI * 0.1 * i) / fs) + 0.02 * (rand() - 0.5);
  }
  return { x, peaks };
}

describe('ppgPeaks on synthetic pulse waves', () => {
  const fs = 128;
  const { x, peaks } = syntheticPpg(fs, 60);

  it('finds every systolic peak at 128 Hz', () => {
    const r = ppgPeaks(x, fs);
    const m = matchBeats(r.peaks, peaks, Math.floor(0.05 * fs));
    expect(m.fn).toBe(0);
    expect(m.fp).toBe(0);
    expect(r.warnings).toEqual([]);
  });

  it("gives the same peaks on DEAP's scale (−16000…−1500) as on the original", () => {
    const deap = x.map((v) => -9000 + 2500 * v);
    expect(Array.from(ppgPeaks(deap, fs).peaks)).toEqual(Array.from(ppgPeaks(x, fs).peaks));
  });

  it('finds the peaks of an inverted sensor when told to', () => {
    const r = ppgPeaks(
      x.map((v) => -v),
      fs,
      { invert: true },
    );
    expect(matchBeats(r.peaks, peaks, Math.floor(0.05 * fs)).se).toBe(1);
  });

  it.each([25, 64, 256, 1000])('works at %d Hz', (rate) => {
    const s = syntheticPpg(rate, 30, rate);
    const m = matchBeats(ppgPeaks(s.x, rate).peaks, s.peaks, Math.ceil(0.05 * rate));
    expect(m.se).toBe(1);
    expect(m.ppv).toBe(1);
  });
});

describe('ppgPeaks and ppgClean on bad input', () => {
  const fs = 128;
  const { x, peaks } = syntheticPpg(fs, 30);

  it('a NaN run inside: warned about, no peak inside, the others found', () => {
    const y = Float64Array.from(x);
    y.fill(NaN, 10 * fs, 13 * fs);
    const r = ppgPeaks(y, fs);
    expect(r.warnings.join('\n')).toMatch(/non-finite samples .*1 run, 3\.00 s/);
    expect(r.cleaned.every(Number.isFinite)).toBe(true);
    expect(Array.from(r.peaks).some((p) => p >= 10 * fs && p < 13 * fs)).toBe(false);
    const outside = peaks.filter((p) => p < 9.8 * fs || p >= 13.2 * fs);
    expect(matchBeats(r.peaks, outside, Math.floor(0.05 * fs)).se).toBe(1);
  });

  it('a flat line, all-NaN, too short a signal or an absurd fs throw, naming the problem', () => {
    expect(() => ppgPeaks(new Float64Array(10 * fs).fill(-4000), fs)).toThrow(/flat line/);
    expect(() => ppgPeaks(new Float64Array(10 * fs).fill(NaN), fs)).toThrow(/no finite sample/);
    expect(() => ppgPeaks(x.subarray(0, fs), fs)).toThrow(/too short: 128 samples/);
    expect(() => ppgPeaks(x, 0)).toThrow(/fs must be a positive finite sampling rate/);
    expect(() => ppgPeaks(x, 10)).toThrow(/too low/);
    expect(() => ppgClean([1, NaN, 3], fs)).toThrow(/sample 1 is NaN/);
  });

  it('a clipped plethysmograph is warned about and its peaks still found', () => {
    let hi = -Infinity;
    for (const v of x) hi = Math.max(hi, v);
    const r = ppgPeaks(
      x.map((v) => Math.min(v, hi - 0.4)),
      fs,
    );
    expect(r.warnings.join('\n')).toMatch(/looks clipped/);
    expect(matchBeats(r.peaks, peaks, Math.floor(0.1 * fs)).se).toBeGreaterThan(0.97);
  });

  it('a 3-s signal gives a warning and its peaks', () => {
    const r = ppgPeaks(x.subarray(5 * fs, 8 * fs), fs);
    expect(r.warnings.join('\n')).toMatch(/short \(3\.00 s/);
    expect(r.peaks.length).toBeGreaterThanOrEqual(3);
  });
});
