import { describe, expect, it } from '@jest/globals';
import { classifyRr, correctPeaks, instantaneousRate } from './rr.js';

/** A seeded uniform generator in [0, 1) (32-bit linear congruential, Numerical Recipes). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Beat sample indices at `fs`: 0.8 s with respiratory sinus arrhythmia and jitter. */
function beatTrain(fs: number, count: number, seed = 3): number[] {
  const rand = lcg(seed);
  const peaks: number[] = [];
  let t = 0.5;
  for (let k = 0; k < count; k++) {
    peaks.push(Math.round(t * fs));
    t += 0.8 * (1 + 0.05 * Math.sin(2 * Math.PI * 0.25 * t)) + 0.02 * (rand() - 0.5);
  }
  return peaks;
}

const diff = (p: ArrayLike<number>): number[] =>
  Array.from({ length: p.length - 1 }, (_, i) => p[i + 1] - p[i]);

describe('classifyRr (Lipponen & Tarvainen 2019)', () => {
  it('flags nothing in a clean series', () => {
    const { types } = classifyRr(diff(beatTrain(1000, 300)));
    expect(types.every((t) => t === null)).toBe(true);
  });

  it('classifies a missed, an extra and an ectopic beat', () => {
    const rr = diff(beatTrain(1000, 300));
    rr.splice(50, 2, rr[50] + rr[51]); // missed beat: two intervals merged
    rr.splice(120, 1, Math.round(rr[120] * 0.4), rr[120] - Math.round(rr[120] * 0.4)); // extra
    const e = 200; // premature beat then compensatory pause
    const early = Math.round(0.3 * rr[e]);
    rr[e] -= early;
    rr[e + 1] += early;
    const { types } = classifyRr(rr);
    expect(types[50]).toBe('missed');
    expect(types[120]).toBe('extra');
    expect(types[e + 1]).toBe('ectopic');
    const flagged = types.map((t, j) => (t ? j : -1)).filter((j) => j >= 0);
    expect(flagged.every((j) => [50, 120, 121, e, e + 1].includes(j))).toBe(true);
  });

  it('refuses non-positive intervals', () => {
    expect(() => classifyRr([800, 0, 800])).toThrow(/interval 1 is 0/);
  });
});

describe('correctPeaks', () => {
  const fs = 128;
  const truth = beatTrain(fs, 300);

  it('changes nothing in a clean series', () => {
    const r = correctPeaks(truth, fs);
    expect(Array.from(r.peaks)).toEqual(truth);
    expect(r.changes).toEqual([]);
    expect(r.unresolved).toEqual([]);
  });

  it('re-inserts a missed beat', () => {
    const peaks = truth.filter((_, i) => i !== 100);
    const r = correctPeaks(peaks, fs);
    expect(r.peaks.length).toBe(truth.length);
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatchObject({ artefact: 'missed', action: 'inserted', from: null });
    // the midpoint of the merged interval: within the rhythm's own variability of the truth
    expect(Math.abs((r.changes[0].to ?? 0) - truth[100])).toBeLessThanOrEqual(0.05 * fs);
  });

  it('re-inserts two consecutive missed beats', () => {
    const peaks = truth.filter((_, i) => i !== 150 && i !== 151);
    const r = correctPeaks(peaks, fs);
    expect(r.peaks.length).toBe(truth.length);
    expect(r.changes.map((c) => c.artefact)).toEqual(['missed', 'missed']);
  });

  it('removes an extra beat', () => {
    const extra = Math.round(truth[60] + 0.45 * (truth[61] - truth[60]));
    const peaks = [...truth.slice(0, 61), extra, ...truth.slice(61)];
    const r = correctPeaks(peaks, fs);
    expect(Array.from(r.peaks)).toEqual(truth);
    expect(r.changes).toEqual([{ artefact: 'extra', action: 'removed', from: extra, to: null }]);
  });

  it('moves an ectopic (premature) beat to the middle of its neighbours', () => {
    const peaks = [...truth];
    peaks[200] = Math.round(truth[199] + 0.6 * (truth[200] - truth[199]));
    const r = correctPeaks(peaks, fs);
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatchObject({ artefact: 'ectopic', action: 'moved', from: peaks[200] });
    expect(Math.abs(r.peaks[200] - truth[200])).toBeLessThanOrEqual(0.03 * fs);
    expect(r.peaks.length).toBe(truth.length);
  });

  it('corrects several artefacts of different kinds in one series', () => {
    const peaks = [...truth];
    peaks[250] = Math.round(truth[249] + 0.65 * (truth[250] - truth[249])); // ectopic
    peaks.splice(180, 1); // missed
    peaks.splice(40, 0, Math.round((truth[39] + truth[40]) / 2)); // extra, mid-interval
    const r = correctPeaks(peaks, fs);
    expect(r.peaks.length).toBe(truth.length);
    const kinds = r.changes.map((c) => c.artefact).sort();
    expect(kinds).toEqual(['ectopic', 'extra', 'missed']);
    const worst = Math.max(...Array.from(r.peaks, (p, i) => Math.abs(p - truth[i])));
    expect(worst).toBeLessThanOrEqual(0.06 * fs);
  });

  it('returns short series unchanged and refuses unsorted peaks', () => {
    expect(Array.from(correctPeaks([1, 100, 150], fs).peaks)).toEqual([1, 100, 150]);
    expect(() => correctPeaks([1, 100, 90, 200], fs)).toThrow(/strictly increasing/);
  });
});

describe('instantaneousRate', () => {
  it('is constant for a regular rhythm, at every sample or at an output rate', () => {
    const fs = 100;
    const peaks = Array.from({ length: 20 }, (_, i) => 50 + 80 * i); // 0.8 s = 75 bpm
    const hr = instantaneousRate(peaks, fs, 2000);
    expect(hr.length).toBe(2000);
    for (const v of hr) expect(v).toBeCloseTo(75, 10);
    const hr4 = instantaneousRate(peaks, fs, 2000, 4);
    expect(hr4.length).toBe(80);
    for (const v of hr4) expect(v).toBeCloseTo(75, 10);
  });

  it('interpolates between beats without overshoot (monotone cubic) or linearly', () => {
    const fs = 100;
    const peaks = [0, 100, 200, 250, 300, 400, 500, 600];
    const hr = instantaneousRate(peaks, fs, 700);
    const knots = [60, 60, 120, 120, 60, 60, 60];
    expect(Math.max(...hr)).toBeLessThanOrEqual(120 + 1e-9);
    expect(Math.min(...hr)).toBeGreaterThanOrEqual(60 - 1e-9);
    expect(hr[250]).toBeCloseTo(120, 10); // a knot is hit exactly
    expect(hr[0]).toBe(knots[0]); // held before the first rate
    expect(hr[699]).toBe(60); // and after the last
    const lin = instantaneousRate(peaks, fs, 700, undefined, { interpolation: 'linear' });
    expect(lin[150]).toBeCloseTo(60, 10);
    expect(lin[225]).toBeCloseTo(90, 10);
    expect(lin[275]).toBeCloseTo(120, 10);
    expect(lin[350]).toBeCloseTo(90, 10);
  });

  it('needs two peaks and valid arguments', () => {
    expect(() => instantaneousRate([10], 100, 500)).toThrow(/at least 2 peaks/);
    expect(() => instantaneousRate([10, 90], 0, 500)).toThrow(/fs must be a positive/);
    expect(() => instantaneousRate([10, 90], 100, -1)).toThrow(/n must be/);
  });
});
