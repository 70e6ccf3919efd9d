/**
 * ecgPeaks and ecgClean on synthetic ECGs (always run, no real data needed): baseline wander,
 * mains hum, noise, ectopic beats, inverted leads, sampling rates, and bad input.
 */
import { describe, expect, it } from '@jest/globals';
import { ecgClean, powerlineNotchApplies } from './clean.js';
import { matchBeats } from './match.js';
import { ecgPeaks } from './rpeaks.js';

/** A seeded uniform generator in [0, 1) (32-bit linear congruential, Numerical Recipes). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

interface SynthOptions {
  fs: number;
  seconds: number;
  seed?: number;
  /** Every k-th beat is a premature ventricular beat (wide, negative QRS); 0 = none. */
  ectopicEvery?: number;
  noise?: number;
  /** Baseline wander (0.6 mV at 0.2 Hz + 0.4 mV at 0.03 Hz); default true. */
  wander?: boolean;
}

/** A sum-of-Gaussians ECG (P, Q, R, S, T) in mV, with wander, 50 Hz hum and noise. */
function syntheticEcg(o: SynthOptions): { x: Float64Array; beats: number[] } {
  const { fs, seconds } = o;
  const rand = lcg(o.seed ?? 1);
  const n = Math.round(fs * seconds);
  const x = new Float64Array(n);
  const beats: number[] = [];
  const wave = (c: number, sigma: number, amp: number): void => {
    const lo = Math.max(0, Math.ceil((c - 5 * sigma) * fs));
    const hi = Math.min(n - 1, Math.floor((c + 5 * sigma) * fs));
    for (let i = lo; i <= hi; i++) {
      const d = i / fs - c;
      x[i] += amp * Math.exp((-0.5 * d * d) / (sigma * sigma));
    }
  };
  let t = 0.4;
  let k = 0;
  while (t < seconds - 0.3) {
    const rr = 0.8 * (1 + 0.06 * Math.sin(2 * Math.PI * 0.25 * t)) + 0.02 * (rand() - 0.5);
    const ectopic = o.ectopicEvery !== undefined && o.ectopicEvery > 0 && k % o.ectopicEvery === 7;
    if (ectopic) {
      wave(t - 0.03, 0.02, 0.2);
      wave(t, 0.03, -1.6);
      wave(t + 0.28, 0.07, 0.4);
    } else {
      wave(t - 0.16, 0.025, 0.12);
      wave(t - 0.03, 0.01, -0.1);
      wave(t, 0.012, 1.0);
      wave(t + 0.03, 0.01, -0.25);
      wave(t + 0.26, 0.05, 0.3);
    }
    beats.push(Math.round(t * fs));
    // a premature beat comes early and is followed by a compensatory pause
    t += ectopic ? 1.3 * rr : o.ectopicEvery && (k + 1) % o.ectopicEvery === 7 ? 0.7 * rr : rr;
    k++;
  }
  const noise = o.noise ?? 0.03;
  const wander = o.wander === false ? 0 : 1;
  for (let i = 0; i < n; i++) {
    const s = i / fs;
    x[i] +=
      wander * 0.6 * Math.sin(2 * Math.PI * 0.2 * s) +
      wander * 0.4 * Math.sin(2 * Math.PI * 0.03 * s + 1) +
      (fs > 110 ? 0.1 * Math.sin(2 * Math.PI * 50 * s) : 0) +
      noise * (rand() - 0.5) * 3.46;
  }
  return { x, beats };
}

const tol = (fs: number): number => Math.floor(0.075 * fs);

describe('ecgClean', () => {
  it('removes baseline wander and keeps the QRS where it is', () => {
    const { x, beats } = syntheticEcg({ fs: 250, seconds: 30, noise: 0 });
    const y = ecgClean(x, 250);
    // the slow sines (0.03, 0.2 Hz; 0.6 + 0.4 mV) are gone: the signal between beats is ≈ 0
    let far = 0;
    for (let i = 2 * 250; i < y.length - 2 * 250; i++) {
      if (beats.every((b) => Math.abs(i - b) > 0.45 * 250)) far = Math.max(far, Math.abs(y[i]));
    }
    expect(far).toBeLessThan(0.15);
    for (const b of beats.slice(1, -1)) {
      let best = b - 5;
      for (let i = b - 5; i <= b + 5; i++) if (y[i] > y[best]) best = i;
      expect(Math.abs(best - b)).toBeLessThanOrEqual(1);
    }
  });

  it('applies the notch only where the notch band fits below Nyquist', () => {
    expect(powerlineNotchApplies(50, 128)).toBe(true);
    expect(powerlineNotchApplies(50, 100)).toBe(false);
    expect(powerlineNotchApplies(60, 128)).toBe(true);
    expect(powerlineNotchApplies('none', 1000)).toBe(false);
    // 50 Hz hum at 128 Hz is attenuated by the notch
    const fs = 128;
    const hum = Float64Array.from({ length: 30 * fs }, (_, i) =>
      Math.sin((2 * Math.PI * 50 * i) / fs),
    );
    const rms = (v: Float64Array): number => Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length);
    expect(rms(ecgClean(hum, fs).subarray(3 * fs, -3 * fs))).toBeLessThan(0.01);
    expect(rms(ecgClean(hum, fs, { powerline: 'none' }).subarray(3 * fs, -3 * fs))).toBeGreaterThan(
      0.6,
    );
  });

  it('refuses non-finite samples and bad options with a clear message', () => {
    expect(() => ecgClean([1, 2, NaN, 4], 128)).toThrow(/sample 2 is NaN/);
    expect(() => ecgClean(new Float64Array(1000), 0)).toThrow(/fs must be a positive/);
    expect(() => ecgClean(new Float64Array(1000), 128, { powerline: 55 as 50 })).toThrow(
      /powerline must be 50, 60 or 'none'/,
    );
  });
});

describe('ecgPeaks on synthetic ECGs', () => {
  it.each([100, 128, 250, 360, 1000])(
    'finds every beat at %d Hz despite wander, hum, noise and negative ectopic beats',
    (fs) => {
      const { x, beats } = syntheticEcg({ fs, seconds: 60, ectopicEvery: 12, seed: fs });
      const r = ecgPeaks(x, fs);
      const m = matchBeats(r.peaks, beats, tol(fs));
      expect(r.inverted).toBe(false);
      expect(r.warnings).toEqual([]);
      expect(m.fn).toBe(0);
      expect(m.fp).toBe(0);
      expect(r.cleaned.length).toBe(x.length);
    },
  );

  it('detects an inverted lead, says so, and finds the same peaks', () => {
    const { x, beats } = syntheticEcg({ fs: 128, seconds: 60, ectopicEvery: 12 });
    const up = ecgPeaks(x, 128);
    const down = ecgPeaks(
      x.map((v) => -v),
      128,
    );
    expect(up.inverted).toBe(false);
    expect(down.inverted).toBe(true);
    expect(Array.from(down.peaks)).toEqual(Array.from(up.peaks));
    expect(matchBeats(down.peaks, beats, tol(128)).se).toBe(1);
    // a declared polarity overrides the detection
    expect(ecgPeaks(x, 128, { polarity: 'negative' }).inverted).toBe(true);
  });

  it('works on any offset and scale (raw ADC counts)', () => {
    const { x, beats } = syntheticEcg({ fs: 128, seconds: 30 });
    const r = ecgPeaks(
      x.map((v) => 2048 + 400 * v),
      128,
    );
    expect(matchBeats(r.peaks, beats, tol(128)).se).toBe(1);
    expect(Array.from(r.peaks)).toEqual(Array.from(ecgPeaks(x, 128).peaks));
  });
});

describe('ecgPeaks on bad input', () => {
  const fs = 128;
  const { x, beats } = syntheticEcg({ fs, seconds: 30 });

  it('a NaN run inside: interpolated, warned about, no peak inside, the others found', () => {
    const y = Float64Array.from(x);
    y.fill(NaN, 10 * fs, 12 * fs);
    y[20 * fs] = Infinity;
    const r = ecgPeaks(y, fs);
    expect(r.warnings.join('\n')).toMatch(/non-finite samples .*2 runs/);
    expect(r.cleaned.every(Number.isFinite)).toBe(true);
    expect(Array.from(r.peaks).some((p) => p >= 10 * fs && p < 12 * fs)).toBe(false);
    const outside = beats.filter((b) => b < 10 * fs - 0.1 * fs || b >= 12 * fs + 0.1 * fs);
    const m = matchBeats(r.peaks, outside, tol(fs));
    expect(m.se).toBe(1);
    expect(m.fp).toBe(0);
  });

  it('an all-NaN signal throws', () => {
    expect(() => ecgPeaks(new Float64Array(10 * fs).fill(NaN), fs)).toThrow(/no finite sample/);
  });

  it('a flat line throws; a flat segment is warned about and has no peak', () => {
    expect(() => ecgPeaks(new Float64Array(10 * fs).fill(0.7), fs)).toThrow(/flat line/);
    const y = Float64Array.from(x);
    y.fill(0.2, 5 * fs, 9 * fs);
    const r = ecgPeaks(y, fs);
    expect(r.warnings.join('\n')).toMatch(/flat segments .*1 run, 4\.00 s/);
    expect(Array.from(r.peaks).some((p) => p >= 5 * fs && p < 9 * fs)).toBe(false);
    const outside = beats.filter((b) => b < 4.9 * fs || b >= 9.1 * fs);
    expect(matchBeats(r.peaks, outside, tol(fs)).se).toBe(1);
  });

  it('a clipped signal is warned about and its peaks are still found, mid-plateau', () => {
    const clean = syntheticEcg({ fs: 500, seconds: 30, wander: false, noise: 0.01 });
    const y = clean.x.map((v) => Math.min(v, 0.6));
    const r = ecgPeaks(y, 500);
    expect(r.warnings.join('\n')).toMatch(/looks clipped/);
    const m = matchBeats(r.peaks, clean.beats, tol(500));
    expect(m.se).toBe(1);
    expect(m.ppv).toBe(1);
    for (const [d, ref] of m.pairs) expect(Math.abs(d - ref)).toBeLessThanOrEqual(2);
  });

  it('a 2-s signal gives a warning and its beats; under 1 s throws', () => {
    const y = x.subarray(3 * fs, 5 * fs);
    const r = ecgPeaks(y, fs);
    expect(r.warnings.join('\n')).toMatch(/short \(2\.00 s/);
    const inside = beats.filter((b) => b >= 3 * fs && b < 5 * fs).map((b) => b - 3 * fs);
    expect(matchBeats(r.peaks, inside, tol(fs)).se).toBe(1);
    expect(() => ecgPeaks(x.subarray(0, fs - 1), fs)).toThrow(/too short: 127 samples/);
    expect(() => ecgPeaks([], fs)).toThrow(/too short: 0 samples/);
  });

  it('an absurd fs throws, naming it', () => {
    expect(() => ecgPeaks(x, 0)).toThrow(/fs must be a positive finite sampling rate in Hz, got 0/);
    expect(() => ecgPeaks(x, NaN)).toThrow(/got NaN/);
    expect(() => ecgPeaks(x, -128)).toThrow(/got -128/);
    expect(() => ecgPeaks(x, 20)).toThrow(/fs = 20 Hz is too low/);
    expect(() => ecgPeaks(x, 1e7)).toThrow(/fs = 10000000 Hz is implausible/);
  });

  it('bad options and non-arrays throw', () => {
    expect(() => ecgPeaks(x, fs, { beta: -1 })).toThrow(/beta must be a positive number/);
    expect(() => ecgPeaks(x, fs, { polarity: 'up' as 'auto' })).toThrow(/polarity must be/);
    expect(() => ecgPeaks(null as unknown as number[], fs)).toThrow(/array of numbers/);
  });

  it('one huge spike or a burst of motion artefact does not hide the other beats', () => {
    const long = syntheticEcg({ fs, seconds: 60 });
    const y = Float64Array.from(long.x);
    y[10 * fs] = 500; // a 500 mV spike
    for (let i = 30 * fs; i < 32 * fs; i++) y[i] += 20 * Math.sin(i / 2); // 2 s of 20 mV
    const r = ecgPeaks(y, fs);
    const away = long.beats.filter(
      (b) => Math.abs(b - 10 * fs) > 0.5 * fs && (b < 29.5 * fs || b > 32.5 * fs),
    );
    const m = matchBeats(
      Array.from(r.peaks).filter((p) => p < 29.5 * fs || p > 32.5 * fs),
      away,
      tol(fs),
    );
    expect(m.se).toBe(1);
    expect(m.ppv).toBeGreaterThanOrEqual(0.98);
  });

  it('noise only: no crash, no NaN, peaks inside the signal', () => {
    const rand = lcg(7);
    const y = Float64Array.from({ length: 20 * fs }, () => rand() - 0.5);
    const r = ecgPeaks(y, fs);
    expect(r.cleaned.every(Number.isFinite)).toBe(true);
    expect(Array.from(r.peaks).every((p) => p >= 0 && p < y.length)).toBe(true);
  });
});

describe("ecgPeaks method 'neurokit' (NeuroKit2's default detector)", () => {
  it.each([100, 128, 250, 360, 1000])(
    'finds every beat at %d Hz despite wander, hum and noise',
    (fs) => {
      const { x, beats } = syntheticEcg({ fs, seconds: 60, seed: fs });
      const r = ecgPeaks(x, fs, { method: 'neurokit' });
      const m = matchBeats(r.peaks, beats, tol(fs));
      expect(r.inverted).toBe(false);
      expect(r.warnings).toEqual([]);
      expect(m.fn).toBe(0);
      expect(m.fp).toBe(0);
    },
  );

  it('takes maxima only, as NeuroKit2 does: negative ectopic beats in an upright lead may be lost', () => {
    // (the Elgendi path switches to the larger opposite deflection and finds them: see above).
    // Here, at 128 Hz, 4 of the 6 ectopic beats get no peak within 75 ms, every normal one does.
    const fs = 128;
    const { x, beats } = syntheticEcg({ fs, seconds: 60, ectopicEvery: 12, seed: fs });
    const r = ecgPeaks(x, fs, { method: 'neurokit' });
    const m = matchBeats(r.peaks, beats, tol(fs));
    const ectopic = beats.filter((_, k) => k % 12 === 7);
    const missed = beats.filter((b) => !m.pairs.some(([, ref]) => ref === b));
    expect(ectopic.length).toBe(6);
    expect(missed.length).toBe(4);
    expect(missed.every((b) => ectopic.includes(b))).toBe(true);
    expect(matchBeats(ecgPeaks(x, fs).peaks, beats, tol(fs)).se).toBe(1);
  });

  it('an inverted lead: detected, the same peaks', () => {
    const { x, beats } = syntheticEcg({ fs: 128, seconds: 60 });
    const up = ecgPeaks(x, 128, { method: 'neurokit' });
    const down = ecgPeaks(
      x.map((v) => -v),
      128,
      { method: 'neurokit' },
    );
    expect(down.inverted).toBe(true);
    expect(Array.from(down.peaks)).toEqual(Array.from(up.peaks));
    expect(matchBeats(down.peaks, beats, tol(128)).se).toBe(1);
  });

  it('bad input is handled as by the Elgendi path', () => {
    const fs = 128;
    const { x, beats } = syntheticEcg({ fs, seconds: 30 });
    const y = Float64Array.from(x);
    y.fill(NaN, 10 * fs, 12 * fs);
    y.fill(0.2, 20 * fs, 24 * fs);
    const r = ecgPeaks(y, fs, { method: 'neurokit' });
    expect(r.warnings.join('\n')).toMatch(/non-finite samples/);
    expect(r.warnings.join('\n')).toMatch(/flat segments/);
    const inside = (p: number): boolean =>
      (p >= 10 * fs && p < 12 * fs) || (p >= 20 * fs && p < 24 * fs);
    expect(Array.from(r.peaks).some(inside)).toBe(false);
    const away = beats.filter(
      (b) => (b < 9.9 * fs || b >= 12.1 * fs) && (b < 19.9 * fs || b >= 24.1 * fs),
    );
    const m = matchBeats(r.peaks, away, tol(fs));
    expect(m.se).toBe(1);
    expect(m.fp).toBe(0);
    expect(() => ecgPeaks(x, fs, { method: 'pan' as 'neurokit' })).toThrow(/method must be/);
    expect(() => ecgPeaks(x, fs, { method: 'neurokit', smoothWindowS: 0 })).toThrow(
      /smoothWindowS must be a positive number/,
    );
  });

  it('a beat less than refractoryS (default 0.3 s) after the previous one is discarded', () => {
    const fs = 250;
    const { x } = syntheticEcg({ fs, seconds: 20, wander: false, noise: 0.005 });
    const y = Float64Array.from(x);
    // an extra narrow spike 0.2 s after the first beat after 5 s
    const r0 = ecgPeaks(y, fs, { method: 'neurokit' });
    const b = Array.from(r0.peaks).find((p) => p > 5 * fs) ?? 0;
    for (let i = -3; i <= 3; i++) y[b + 0.2 * fs + i] += 1.2 * Math.exp(-(i * i) / 2);
    const spike = b + 0.2 * fs;
    const near = (peaks: Int32Array): boolean =>
      Array.from(peaks).some((p) => Math.abs(p - spike) <= 3);
    const r = ecgPeaks(y, fs, { method: 'neurokit' });
    expect(r.peaks.length).toBe(r0.peaks.length);
    expect(near(r.peaks)).toBe(false);
    const r2 = ecgPeaks(y, fs, { method: 'neurokit', refractoryS: 0.1 });
    expect(r2.peaks.length).toBe(r0.peaks.length + 1);
    expect(near(r2.peaks)).toBe(true);
  });
});
