import { describe, expect, it } from '@jest/globals';
import { Rng } from '@emo/runtime';
import { EMOTIONS, type Emotion } from '../emotions.js';
import { makeSubject, trialPhysio, type SubjectProfile } from './design.js';
import {
  PPG_RANGE,
  simulateBeats,
  simulateEcg,
  simulateEeg,
  simulateEmg,
  simulateEog,
  simulateGsr,
  simulatePpg,
  simulateRespiration,
  simulateTemperature,
} from './physio.js';

const FS = 128;
const subjects = (seed: number, n: number): SubjectProfile[] => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => makeSubject(rng, i));
};
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const minOf = (xs: ArrayLike<number>): number => {
  let m = Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] < m) m = xs[i];
  return m;
};
const maxOf = (xs: ArrayLike<number>): number => -minOf(Array.from(xs, (v) => -v));
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Normal-to-normal RR intervals (s) from R-peaks, skipping intervals that touch ectopic beats. */
function nnIntervals(rpeaks: readonly number[], ectopic: readonly number[], fs: number): number[] {
  const bad = new Set(ectopic);
  const rr: number[] = [];
  for (let k = 1; k < rpeaks.length; k++) {
    if (bad.has(k) || bad.has(k - 1)) continue;
    rr.push((rpeaks[k] - rpeaks[k - 1]) / fs);
  }
  return rr;
}

function rmssdMs(rr: readonly number[]): number {
  let s = 0;
  for (let k = 1; k < rr.length; k++) s += ((rr[k] - rr[k - 1]) * 1000) ** 2;
  return Math.sqrt(s / (rr.length - 1));
}

/** LF (0.04–0.15 Hz) / HF (0.15–0.4 Hz) power of beat times, RR resampled at 4 Hz (DFT). */
function lfHf(times: readonly number[], durationS: number): number {
  const fsR = 4;
  const n = Math.floor(durationS * fsR);
  const x = new Float64Array(n);
  let k = 1;
  for (let i = 0; i < n; i++) {
    const t = i / fsR;
    while (k < times.length - 2 && times[k] < t) k++;
    const r0 = times[k] - times[k - 1];
    const r1 = times[k + 1] - times[k];
    const w = Math.min(1, Math.max(0, (t - times[k - 1]) / r0));
    x[i] = r0 + (r1 - r0) * w;
  }
  const m = mean(Array.from(x));
  let lf = 0;
  let hf = 0;
  for (let f = 1; f < n / 2; f++) {
    const hz = (f * fsR) / n;
    if (hz < 0.04 || hz > 0.4) continue;
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i] - m;
      re += v * Math.cos((2 * Math.PI * f * i) / n);
      im -= v * Math.sin((2 * Math.PI * f * i) / n);
    }
    if (hz < 0.15) lf += re * re + im * im;
    else hf += re * re + im * im;
  }
  return lf / hf;
}

describe('physio: determinism', () => {
  const [s] = subjects(1, 1);
  const n = 10 * FS;
  it('gives identical signals for the same seed and different ones for another seed', () => {
    const run = (seed: number) => {
      const rng = new Rng(seed);
      const ecg = simulateEcg(rng, s, 'angry', n);
      const ppg = simulatePpg(rng, s, 'angry', n, FS, ecg.rpeaks);
      const gsr = simulateGsr(rng, s, 'angry', n);
      const eeg = simulateEeg(rng, 2, n);
      return [ecg.signal, ecg.rpeaks, ppg.signal, gsr.conductanceUs, gsr.scrOnsets, ...eeg];
    };
    expect(run(42)).toEqual(run(42));
    const [a, b] = [run(42), run(43)];
    expect(a[0]).not.toEqual(b[0]);
    expect(a[2]).not.toEqual(b[2]);
    expect(a[3]).not.toEqual(b[3]);
    expect(a[5]).not.toEqual(b[5]);
  });
});

describe('physio: ECG', () => {
  const subs = subjects(2, 40);
  const n = 30 * FS;

  it('puts the ground-truth R-peaks on the QRS extreme (a minimum on inverted leads)', () => {
    let inverted = 0;
    for (const s of subs.slice(0, 20)) {
      for (const lead of [0, 1] as const) {
        const pol = s.ecgLeadGains[lead] >= 0 ? 1 : -1;
        if (pol < 0) inverted++;
        const clean = simulateEcg(new Rng(s.index), s, 'fear', n, FS, { lead, noise: 0 });
        const noisy = simulateEcg(new Rng(s.index), s, 'fear', n, FS, { lead });
        expect(noisy.rpeaks).toEqual(clean.rpeaks);
        expect(clean.rpeaks.length).toBeGreaterThan(20);
        let notExtreme = 0;
        let shifted = 0;
        let badAmp = 0;
        for (const r of clean.rpeaks) {
          // Exactly the extreme of the clean QRS (±40 ms).
          for (let i = Math.max(0, r - 5); i <= Math.min(n - 1, r + 5); i++) {
            if (pol * clean.signal[i] > pol * clean.signal[r]) notExtreme++;
          }
          // On the noisy signal the extreme is the same sample or a neighbour.
          let best = r;
          for (let i = Math.max(0, r - 3); i <= Math.min(n - 1, r + 3); i++) {
            if (pol * noisy.signal[i] > pol * noisy.signal[best]) best = i;
          }
          if (Math.abs(best - r) > 1) shifted++;
          // R is about the subject's amplitude, in mV.
          const amp = Math.abs(clean.signal[r]);
          if (amp < 0.3 || amp > 2.5) badAmp++;
        }
        expect({ notExtreme, shifted, badAmp }).toEqual({ notExtreme: 0, shifted: 0, badAmp: 0 });
      }
    }
    expect(inverted).toBeGreaterThan(0);
  });

  it('orders heart rate angry/fear > happy > sad/neutral and RMSSD and LF/HF accordingly', () => {
    const dur = 60;
    const hr: Record<string, number[]> = {};
    const rmssd: Record<string, number[]> = {};
    const ratio: Record<string, number[]> = {};
    for (const s of subs.slice(0, 12)) {
      for (const e of EMOTIONS) {
        const rng = new Rng(`${s.index}:${e}`);
        const ecg = simulateEcg(rng, s, e, dur * FS);
        const rr = nnIntervals(ecg.rpeaks, ecg.ectopic, FS);
        (hr[e] ??= []).push(60 / mean(rr));
        (rmssd[e] ??= []).push(rmssdMs(rr));
        (ratio[e] ??= []).push(Math.log(lfHf(ecg.beats.timesS, dur)));
      }
    }
    const m = (x: Record<string, number[]>, e: Emotion): number => mean(x[e]);
    for (const hi of ['angry', 'fear'] as const) {
      for (const lo of ['sad', 'neutral'] as const) {
        expect(m(hr, hi)).toBeGreaterThan(m(hr, 'happy'));
        expect(m(hr, 'happy')).toBeGreaterThan(m(hr, lo));
        expect(m(rmssd, hi)).toBeLessThan(m(rmssd, 'happy'));
        expect(m(rmssd, 'happy')).toBeLessThan(m(rmssd, lo));
        expect(m(ratio, hi)).toBeGreaterThan(m(ratio, lo));
      }
    }
    // Within a pair the physiology cannot tell the classes apart (only subject offsets differ).
    expect(Math.abs(m(hr, 'angry') - m(hr, 'fear'))).toBeLessThan(3);
    expect(Math.abs(m(hr, 'sad') - m(hr, 'neutral'))).toBeLessThan(3);
  });

  it('makes ectopic beats premature with a compensatory pause', () => {
    const s = subs.reduce((a, b) => (b.ectopicPerMin > a.ectopicPerMin ? b : a));
    const beats = simulateBeats(new Rng(9), s, 'neutral', 600);
    const k = beats.ectopic.indexOf(true);
    expect(k).toBeGreaterThan(1);
    const t = beats.timesS;
    const before = t[k - 1] - t[k - 2];
    expect(t[k] - t[k - 1]).toBeLessThan(0.8 * before);
    expect(t[k + 1] - t[k]).toBeGreaterThan(1.1 * before);
  });
});

describe('physio: PPG', () => {
  const subs = subjects(3, 8);
  it('follows the R-peaks by the pulse transit time, in DEAP units', () => {
    for (const s of subs) {
      const rng = new Rng(s.index);
      const n = 40 * FS;
      const ecg = simulateEcg(rng, s, 'happy', n);
      for (const beats of [ecg.rpeaks, ecg.beats]) {
        const ppg = simulatePpg(rng, s, 'happy', n, FS, beats);
        const lags: number[] = [];
        for (const p of ppg.peaks) {
          const prior = ecg.rpeaks.filter((r) => r < p).pop();
          if (prior !== undefined) lags.push((p - prior) / FS);
        }
        expect(lags.length).toBeGreaterThan(20);
        expect(Math.abs(median(lags) - s.pttS)).toBeLessThanOrEqual(2 / FS);
        expect(minOf(ppg.signal)).toBeGreaterThanOrEqual(PPG_RANGE[0]);
        expect(maxOf(ppg.signal)).toBeLessThanOrEqual(PPG_RANGE[1]);
        // Peaks are local maxima of the pulse wave.
        for (const p of ppg.peaks.slice(1, -1)) {
          expect(ppg.signal[p]).toBeGreaterThan(ppg.signal[p - 6]);
          expect(ppg.signal[p]).toBeGreaterThan(ppg.signal[p + 6]);
        }
      }
    }
  });

  it('simulates its own beats when none are given', () => {
    const [s] = subs;
    const ppg = simulatePpg(new Rng(1), s, 'sad', 30 * FS);
    const hr =
      (60 * FS * (ppg.peaks.length - 1)) / (ppg.peaks[ppg.peaks.length - 1] - ppg.peaks[0]);
    expect(hr).toBeGreaterThan(40);
    expect(hr).toBeLessThan(110);
  });
});

describe('physio: GSR', () => {
  const subs = subjects(4, 12);
  it('has SCR rates per class following the design and stays positive', () => {
    const rate: Record<string, number[]> = {};
    const expected: Record<string, number[]> = {};
    for (const s of subs) {
      for (const e of EMOTIONS) {
        const rng = new Rng(`${s.index}/${e}`);
        const g = simulateGsr(rng, s, e, 240 * FS);
        (rate[e] ??= []).push(g.scrOnsets.length / 4);
        (expected[e] ??= []).push(trialPhysio(s, e).scrPerMin);
        expect(minOf(g.conductanceUs)).toBeGreaterThan(0);
      }
    }
    const m = (e: Emotion): number => mean(rate[e]);
    for (const hi of ['angry', 'fear'] as const) {
      for (const lo of ['sad', 'neutral'] as const) {
        expect(m(hi)).toBeGreaterThan(m('happy'));
        expect(m('happy')).toBeGreaterThan(m(lo));
      }
    }
    for (const e of EMOTIONS) {
      // Poisson arrivals with a 1 s refractory time: close to the designed rate.
      expect(m(e)).toBeGreaterThan(0.65 * mean(expected[e]));
      expect(m(e)).toBeLessThan(1.35 * mean(expected[e]));
    }
  });

  it('raises the conductance after each onset by about the SCR amplitude', () => {
    const [s] = subs;
    const g = simulateGsr(new Rng(5), s, 'angry', 180 * FS, FS, { noise: 0 });
    expect(g.scrOnsets.length).toBeGreaterThan(5);
    const rises: number[] = [];
    for (const o of g.scrOnsets) {
      const k = o + Math.round(2 * FS);
      if (k < g.conductanceUs.length) rises.push(g.conductanceUs[k] - g.conductanceUs[o]);
    }
    expect(mean(rises)).toBeGreaterThan(0.6 * mean(g.scrAmplitudesUs));
  });

  it('starts near the subject level', () => {
    for (const s of subs) {
      const g = simulateGsr(new Rng(1), s, 'neutral', 10 * FS);
      expect(Math.abs(g.conductanceUs[0] - s.sclUs)).toBeLessThan(0.5 * s.sclUs + 1);
    }
  });
});

describe('physio: filler channels', () => {
  const [s] = subjects(5, 1);
  const n = 30 * FS;

  it('makes zero-mean EEG at the requested scale with an alpha peak', () => {
    const eeg = simulateEeg(new Rng(1), 4, n, FS, 10);
    expect(eeg).toHaveLength(4);
    for (const ch of eeg) {
      expect(ch).toHaveLength(n);
      const sd = Math.sqrt(mean(Array.from(ch, (v) => v * v)));
      expect(Math.abs(mean(Array.from(ch)))).toBeLessThan(1e-6);
      expect(sd).toBeGreaterThan(6);
      expect(sd).toBeLessThan(14);
      // Narrowband power at 8.5–11.5 Hz beats 18–21 Hz.
      const band = (lo: number, hi: number): number => {
        let p = 0;
        for (let f = lo; f <= hi; f += 0.5) {
          let re = 0;
          let im = 0;
          for (let i = 0; i < n; i++) {
            re += ch[i] * Math.cos((2 * Math.PI * f * i) / FS);
            im += ch[i] * Math.sin((2 * Math.PI * f * i) / FS);
          }
          p += re * re + im * im;
        }
        return p;
      };
      expect(band(8.5, 11.5)).toBeGreaterThan(2 * band(18, 21));
    }
  });

  it('gives EOG, EMG, respiration and temperature at plausible scales', () => {
    const rng = new Rng(2);
    const { heog, veog } = simulateEog(rng, n);
    expect(maxOf(veog)).toBeGreaterThan(80);
    expect(maxOf(heog.map(Math.abs))).toBeLessThan(2000);
    const emg = simulateEmg(rng, n, FS, 10);
    const emgSd = Math.sqrt(mean(Array.from(emg, (v) => v * v)));
    expect(emgSd).toBeGreaterThan(3);
    expect(emgSd).toBeLessThan(40);
    const resp = simulateRespiration(rng, s, n);
    // Breathing rate from mean-crossings: the subject's rate within 30 %.
    const m = mean(Array.from(resp));
    let ups = 0;
    for (let i = 1; i < n; i++) if (resp[i - 1] < m && resp[i] >= m) ups++;
    expect(ups / 30).toBeGreaterThan(0.6 * s.respRateHz);
    expect(ups / 30).toBeLessThan(1.5 * s.respRateHz);
    const temp = simulateTemperature(rng, s, n);
    expect(minOf(temp)).toBeGreaterThan(29.5);
    expect(maxOf(temp)).toBeLessThan(35.5);
  });
});

describe('physio: speed', () => {
  it("simulates a DEAP subject's 40 trials × 40 channels × 63 s in well under two seconds", () => {
    const [s] = subjects(6, 1);
    const rng = new Rng(1);
    const n = 63 * FS;
    const t0 = performance.now();
    for (let trial = 0; trial < 40; trial++) {
      const e = EMOTIONS[trial % EMOTIONS.length];
      simulateEeg(rng, 32, n);
      simulateEog(rng, n);
      simulateEmg(rng, n);
      simulateEmg(rng, n);
      simulateGsr(rng, s, e, n);
      simulateRespiration(rng, s, n);
      const ecg = simulateEcg(rng, s, e, n);
      simulatePpg(rng, s, e, n, FS, ecg.beats);
      simulateTemperature(rng, s, n);
    }
    const ms = performance.now() - t0;
    // Typically ~0.6 s; the bound leaves room for a loaded CI machine.
    expect(ms).toBeLessThan(4000);
  });
});
