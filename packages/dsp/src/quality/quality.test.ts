import { describe, expect, it } from '@jest/globals';
import { cardiacBeats } from '../beats/index.js';
import { hrv, hrvOfRuns, hrvTime } from '../hrv/index.js';
import { signalQuality } from './quality.js';
import { templateCorrelation } from './template.js';

const fs = 250;

/** A spiky ECG-like trace: a narrow R wave (and a T wave) every ~0.8 s with a little variability. */
function ecgLike(seconds: number): { x: Float64Array; beats: number[] } {
  const n = seconds * fs;
  const beats: number[] = [];
  for (let t = 0.4, k = 0; t < seconds - 0.4; k++) {
    beats.push(Math.round(t * fs));
    t += 0.8 + 0.03 * Math.sin(k / 3);
  }
  const x = new Float64Array(n);
  for (const b of beats) {
    for (let i = Math.max(0, b - 30); i < Math.min(n, b + 120); i++) {
      const d = (i - b) / (0.012 * fs);
      const tw = (i - b - 0.25 * fs) / (0.04 * fs);
      x[i] += Math.exp(-d * d) + 0.2 * Math.exp(-tw * tw);
    }
  }
  for (let i = 0; i < n; i++) x[i] += 0.1 * Math.sin((2 * Math.PI * 0.25 * i) / fs);
  return { x, beats };
}

describe('templateCorrelation', () => {
  it('is near 1 for like beats (on a wandering baseline) and low for unlike ones; null with fewer than two', () => {
    const { x, beats } = ecgLike(20);
    expect(templateCorrelation(x, beats, 0.8 * fs)).toBeGreaterThan(0.95);
    const noise = Float64Array.from(x, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
    expect(templateCorrelation(noise, beats, 0.8 * fs)).toBeLessThan(0.5);
    expect(templateCorrelation(x, [beats[3]], 0.8 * fs)).toBeNull();
  });
});

describe('signalQuality (ECG)', () => {
  it('keeps a clean ECG whole', () => {
    const { x } = ecgLike(120);
    const b = cardiacBeats('ecg', x, fs);
    expect(b.quality.excluded).toEqual([]);
    expect(b.quality.usableShare).toBe(1);
    expect(b.quality.usable).toEqual([{ start: 0, end: x.length }]);
  });

  const inserted: [string, (y: Float64Array, a: number, e: number) => void, RegExp][] = [
    [
      'a 2 Hz calibration square wave',
      (y, a, e) => {
        for (let i = a; i < e; i++) y[i] = Math.floor((4 * i) / fs) % 2 ? 0.3 : -0.3;
      },
      /kurtosis|heart rate|extremes/,
    ],
    [
      'a flat lead-off line',
      (y, a, e) => {
        y.fill(0.05, a, e);
      },
      /flat line/,
    ],
    [
      'missing samples',
      (y, a, e) => {
        y.fill(NaN, a, e);
      },
      /missing samples/,
    ],
  ];
  for (const [what, insert, reason] of inserted) {
    it(`excludes ${what} (from 40.5 s to 70.5 s) and nothing far from it`, () => {
      const { x, beats } = ecgLike(120);
      const a = Math.round(40.5 * fs);
      const e = Math.round(70.5 * fs);
      insert(x, a, e);
      const b = cardiacBeats('ecg', x, fs);
      const ex = b.quality.excluded;
      const covered = ex.reduce(
        (s, r) => s + Math.max(0, Math.min(e, r.end) - Math.max(a, r.start)),
        0,
      );
      expect(covered / (e - a)).toBeGreaterThan(0.9);
      expect(ex.some((r) => reason.test(r.reason))).toBe(true);
      for (const r of ex) {
        expect(r.start).toBeGreaterThanOrEqual(a - 5 * fs);
        expect(r.end).toBeLessThanOrEqual(e + 5 * fs);
      }
      // no peak reported in an excluded span; every beat away from the artefact kept
      for (const p of b.peaks) expect(ex.some((r) => p >= r.start && p < r.end)).toBe(false);
      const away = beats.filter((t) => t < a - 5 * fs || t >= e + 5 * fs);
      for (const t of away) expect(b.peaks.some((p) => Math.abs(p - t) <= 2)).toBe(true);
      // correction runs per usable span: nothing is inserted into the exclusion
      for (const p of b.nn) expect(ex.some((r) => p >= r.start && p < r.end)).toBe(false);
      expect(b.runs.length).toBeGreaterThanOrEqual(2);
    });
  }

  it('a PPG uses its own thresholds (no kurtosis check)', () => {
    const { x } = ecgLike(60);
    // a smooth pulse wave is not spiky: ECG rules would call it "not ECG-like"
    const pulse = Float64Array.from(x, (_, i) => Math.sin((Math.PI * ((i / fs) % 0.8)) / 0.8) ** 3);
    const found = {
      cleaned: pulse,
      peaks: Int32Array.from([]),
      defects: { missing: [], flat: [], clipped: [] },
    };
    const peaks: number[] = [];
    for (let t = 0.4; t < 59.6; t += 0.8) peaks.push(Math.round(t * fs));
    const withPeaks = { ...found, peaks: Int32Array.from(peaks) };
    expect(signalQuality('ppg', withPeaks, fs).excluded).toEqual([]);
    expect(signalQuality('ecg', withPeaks, fs).excluded[0]?.reason).toMatch(/kurtosis/);
  });
});

describe('hrvOfRuns: intervals never cross an excluded span', () => {
  it('drops the interval and the successive differences across the gap', () => {
    const fs = 100;
    // two runs of steady 1-s beats with an 8-s gap between them
    const a = [0, 100, 200, 300, 400, 500];
    const b = [1300, 1400, 1510, 1600, 1700];
    const r = hrvOfRuns([a, b], fs);
    expect(r.nIntervals).toBe(5 + 4);
    expect(r.MaxNN).toBe(1100);
    const rr = [1000, 1000, 1000, 1000, 1000, 1000, 1100, 900, 1000];
    const t = hrvTime(rr, [5]);
    expect(r.RMSSD).toBeCloseTo(t.RMSSD, 12);
    // the differences are 0,0,0,0 | 100,−200,100: RMSSD = √(60000 / 7)
    expect(r.RMSSD).toBeCloseTo(Math.sqrt(60000 / 7), 9);
    // joined into one series the 8-s gap would be an interval
    expect(hrv([...a, ...b], fs).MaxNN).toBe(8000);
    expect(r.warnings.join(' ')).toMatch(/interpolate across 1 gap/);
  });
});
