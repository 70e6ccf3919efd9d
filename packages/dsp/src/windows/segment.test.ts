import { describe, expect, it } from '@jest/globals';
import { fillGaps, finiteStats, typicalWindowSd, windowProblems, windowSpans } from './segment.js';
import { pooledStats, zscore } from './normalise.js';

describe('windows over a trial', () => {
  it('start after the baseline, 10 s every 5 s, and stop before running past the end', () => {
    // DEAP: 3 s baseline + 60 s at 128 Hz → windows at 0, 5, …, 50 s (11 of them)
    const spans = windowSpans(8064, 128, 384, 10, 5);
    expect(spans).toHaveLength(11);
    expect(spans[0]).toEqual({ index: 0, start: 384, end: 384 + 1280, t0: 0, t1: 10 });
    expect(spans[10]).toMatchObject({ t0: 50, t1: 60, end: 8064 });
    expect(windowSpans(384 + 1279, 128, 384, 10, 5)).toEqual([]);
    expect(() => windowSpans(100, 0, 0, 10, 5)).toThrow(/fs \(0\)/);
  });

  it('flags NaN runs, flat lines and clipping, and passes a clean window', () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i / 5));
    for (let i = 100; i < 110; i++) x[i] = Number.NaN;
    for (let i = 300; i < 400; i++) x[i] = 0.25;
    for (let i = 500; i < 600; i++) x[i] = Math.min(x[i], 0.5);
    const stats = finiteStats(x);
    const at = (start: number) =>
      windowProblems(x, { index: 0, start, end: start + 100, t0: 0, t1: 1 }, stats);
    expect(at(100)).toEqual(['nan 10 samples']);
    expect(at(300)).toEqual(['flat']);
    expect(at(800)).toEqual([]);
    // a recording stuck at its range limits for a stretch
    const clipped = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i / 5));
    for (let i = 700; i < 800; i++) clipped[i] = Math.min(Math.max(clipped[i] * 3, -1), 1);
    const span = { index: 0, start: 700, end: 800, t0: 0, t1: 1 };
    expect(windowProblems(clipped, span, finiteStats(clipped))).toEqual([
      expect.stringMatching(/^clipped \d+ samples$/),
    ]);
  });
});

describe('gaps', () => {
  it('fills NaN runs with straight lines, also at the edges', () => {
    const x = Float64Array.from([Number.NaN, 1, Number.NaN, Number.NaN, 4, Number.NaN]);
    expect(fillGaps(x)).toBe(4);
    expect(Array.from(x)).toEqual([1, 1, 2, 3, 4, 4]);
  });
});

describe('per-subject normalisation', () => {
  it('pools segments, ignores NaN and never divides by zero', () => {
    const s = pooledStats([Float64Array.from([1, 2, 3]), Float64Array.from([Number.NaN, 4, 5])]);
    expect(s.mean).toBeCloseTo(3, 12);
    expect(s.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(Array.from(zscore([3, 5], s))).toEqual([0, 2 / Math.sqrt(2.5)]);
    expect(pooledStats([[7, 7, 7]])).toEqual({ mean: 7, sd: 1 });
  });
});

describe('typicalWindowSd: "flat" against the typical window, not the whole trial', () => {
  // 20 minutes of skin conductance at 128 Hz drifting from 2 to 12 µS, with small fluctuations
  const fs = 128;
  const n = 20 * 60 * fs;
  const gsr = Float32Array.from({ length: n }, (_, i) => {
    const t = i / fs;
    return 2 + (10 * t) / 1200 + 0.02 * Math.sin(2 * Math.PI * 0.3 * t);
  });
  const spans = windowSpans(n, fs, 0, 10, 10);

  it('a slow drift over a long trial flags no window; a constant stretch still is flat', () => {
    const trial = finiteStats(gsr);
    const typical = { ...trial, sd: typicalWindowSd(gsr, spans) };
    const flatByTrial = spans.filter((s) => windowProblems(gsr, s, trial).includes('flat'));
    expect(flatByTrial.length).toBeGreaterThan(spans.length / 2); // the old rule misfires
    expect(spans.filter((s) => windowProblems(gsr, s, typical).includes('flat'))).toEqual([]);
    const stuck = Float32Array.from(gsr);
    stuck.fill(stuck[spans[5].start], spans[5].start, spans[5].end);
    const t2 = { ...finiteStats(stuck), sd: typicalWindowSd(stuck, spans) };
    expect(spans.filter((s) => windowProblems(stuck, s, t2).includes('flat'))).toEqual([spans[5]]);
  });
});
