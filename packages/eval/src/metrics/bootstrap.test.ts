// The percentile bootstrap: its percentiles against numpy, its resamples against a brute-force
// recomputation, and its properties (seeded, contains the estimate, collapses without
// variation, cluster resampling wider than sample resampling when subjects differ, null bounds
// with one group). Resampling is random, so there is no scikit-learn reference for it.
import { describe, expect, it } from '@jest/globals';
import { Rng } from '@emo/runtime';
import { readFileSync } from 'node:fs';
import type { BootstrapInput } from './index.js';
import { bootstrapIntervals, classificationMetrics, percentile } from './index.js';

const ref = JSON.parse(
  readFileSync(new URL('./__fixtures__/sklearn-reference.json', import.meta.url), 'utf8'),
) as { percentile: { values: number[]; q: number[]; percentile: number[] }[] };

/** n samples of 5 classes, predicted right with probability `skill` of each subject. */
function synthetic(skills: readonly number[], perSubject: number, seed = 7) {
  const rng = new Rng(seed);
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const subjects: string[] = [];
  skills.forEach((skill, s) => {
    for (let i = 0; i < perSubject; i++) {
      const t = rng.int(0, 4);
      yTrue.push(t);
      yPred.push(rng.next() < skill ? t : (t + rng.int(1, 4)) % 5);
      subjects.push(`s${s}`);
    }
  });
  return { yTrue, yPred, subjects };
}

const width = (i: { lower: number | null; upper: number | null }) =>
  (i.upper ?? NaN) - (i.lower ?? NaN);

describe('percentile', () => {
  it('interpolates linearly like numpy.percentile', () => {
    for (const c of ref.percentile) {
      const sorted = [...c.values].sort((a, b) => a - b);
      c.q.forEach((q, j) =>
        expect(Math.abs(percentile(sorted, q) - c.percentile[j])).toBeLessThanOrEqual(1e-14),
      );
    }
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(() => percentile([], 0.5)).toThrow(RangeError);
  });
});

describe('bootstrapIntervals', () => {
  const data = synthetic([0.9, 0.85, 0.8, 0.4, 0.35, 0.3, 0.6, 0.65], 60);
  const input = (over: Partial<BootstrapInput> = {}): BootstrapInput => ({
    yTrue: data.yTrue,
    yPred: data.yPred,
    numClasses: 5,
    groups: null,
    iterations: 400,
    seed: 1,
    level: 0.95,
    ...over,
  });

  it('estimates the statistics of all the data', () => {
    const m = classificationMetrics(data.yTrue, data.yPred, 5);
    const b = bootstrapIntervals(input());
    expect(b.accuracy.estimate).toBe(m.accuracy);
    expect(b.macroF1.estimate).toBe(m.macro.f1);
    expect(b.kappa.estimate).toBe(m.kappa);
  });

  it('gives the percentiles of brute-force resamples scored by classificationMetrics', () => {
    // the same draws as the implementation: units numbered by first appearance, one uniform
    // draw of a unit per unit, from new Rng(seed).fork('bootstrap')
    const order = [...new Set(data.subjects)];
    const members = order.map((s) => data.subjects.flatMap((g, i) => (g === s ? [i] : [])));
    const rng = new Rng(5).fork('bootstrap');
    const accuracy: number[] = [];
    const kappa: number[] = [];
    const macroF1: number[] = [];
    for (let it = 0; it < 50; it++) {
      const idx = order.flatMap(() => members[Math.floor(rng.next() * order.length)]);
      const m = classificationMetrics(
        idx.map((i) => data.yTrue[i]),
        idx.map((i) => data.yPred[i]),
        5,
      );
      accuracy.push(m.accuracy);
      kappa.push(m.kappa);
      macroF1.push(m.macro.f1);
    }
    const b = bootstrapIntervals(
      input({ groups: data.subjects, iterations: 50, seed: 5, level: 0.8 }),
    );
    for (const [name, values] of [
      ['accuracy', accuracy],
      ['macroF1', macroF1],
      ['kappa', kappa],
    ] as const) {
      values.sort((x, y) => x - y);
      expect(b[name].lower).toBeCloseTo(percentile(values, 0.1), 12);
      expect(b[name].upper).toBeCloseTo(percentile(values, 0.9), 12);
    }
  });

  it('is seeded: the same seed gives the same intervals, another seed others', () => {
    const a = bootstrapIntervals(input({ groups: data.subjects }));
    expect(bootstrapIntervals(input({ groups: data.subjects }))).toEqual(a);
    expect(bootstrapIntervals(input({ seed: 2 }))).not.toEqual(bootstrapIntervals(input()));
    expect(bootstrapIntervals(input({ groups: data.subjects, seed: 2 }))).not.toEqual(a);
  });

  it('contains the estimate, and a higher level gives a wider interval', () => {
    const b = bootstrapIntervals(input());
    for (const i of [b.accuracy, b.macroF1, b.kappa]) {
      expect(i.lower).toBeLessThan(i.estimate);
      expect(i.upper).toBeGreaterThan(i.estimate);
    }
    const b80 = bootstrapIntervals(input({ level: 0.8 }));
    expect(width(b80.accuracy)).toBeLessThan(width(b.accuracy));
    // window resampling of 480 samples at accuracy ≈ 0.6: ±1.96·√(0.6·0.4/480) ≈ ±0.044
    expect(width(b.accuracy)).toBeGreaterThan(0.06);
    expect(width(b.accuracy)).toBeLessThan(0.12);
  });

  it('is wider resampling subjects than windows when subjects differ', () => {
    const bySubject = bootstrapIntervals(input({ groups: data.subjects }));
    const byWindow = bootstrapIntervals(input());
    expect(bySubject.accuracy.estimate).toBe(byWindow.accuracy.estimate);
    expect(width(bySubject.accuracy)).toBeGreaterThan(2 * width(byWindow.accuracy));
    expect(width(bySubject.kappa)).toBeGreaterThan(2 * width(byWindow.kappa));
  });

  it('collapses when every group is the same', () => {
    // three subjects with identical predictions: every resample has the same confusion shares
    const one = synthetic([0.7], 50);
    const b = bootstrapIntervals({
      yTrue: [...one.yTrue, ...one.yTrue, ...one.yTrue],
      yPred: [...one.yPred, ...one.yPred, ...one.yPred],
      numClasses: 5,
      groups: [
        ...one.yTrue.map(() => 'a'),
        ...one.yTrue.map(() => 'b'),
        ...one.yTrue.map(() => 'c'),
      ],
      iterations: 200,
      seed: 0,
      level: 0.9,
    });
    for (const i of [b.accuracy, b.macroF1, b.kappa]) {
      expect(i.lower).toBeCloseTo(i.estimate, 12);
      expect(i.upper).toBeCloseTo(i.estimate, 12);
    }
  });

  it('has no bounds with fewer than two groups', () => {
    const b = bootstrapIntervals(input({ groups: data.yTrue.map(() => 'only') }));
    expect(b.accuracy).toEqual({
      estimate: classificationMetrics(data.yTrue, data.yPred, 5).accuracy,
      lower: null,
      upper: null,
    });
    expect(b.kappa.lower).toBeNull();
    const single = bootstrapIntervals({ ...input(), yTrue: [2], yPred: [2] });
    expect(single.accuracy).toEqual({ estimate: 1, lower: null, upper: null });
  });

  it('bootstraps other statistics of the confusion matrix', () => {
    const recallOf0 = (c: ArrayLike<number>, k: number) => {
      let row = 0;
      for (let j = 0; j < k; j++) row += c[j];
      return row ? c[0] / row : NaN;
    };
    const b = bootstrapIntervals(input({ groups: data.subjects }), { recallOf0 });
    expect(Object.keys(b)).toEqual(['recallOf0']);
    expect(b.recallOf0.estimate).toBe(
      classificationMetrics(data.yTrue, data.yPred, 5).perClass[0].recall,
    );
    expect(b.recallOf0.lower).toBeLessThan(b.recallOf0.estimate);
    // a statistic that is never defined has no bounds
    expect(bootstrapIntervals(input(), { never: () => NaN }).never).toEqual({
      estimate: NaN,
      lower: null,
      upper: null,
    });
  });

  it('rejects bad input', () => {
    expect(() => bootstrapIntervals(input({ level: 1 }))).toThrow(/level/);
    expect(() => bootstrapIntervals(input({ iterations: 0 }))).toThrow(/iterations/);
    expect(() => bootstrapIntervals(input({ groups: ['a'] }))).toThrow(/1 groups for 480/);
    expect(() => bootstrapIntervals(input({ yTrue: [], yPred: [] }))).toThrow(/no samples/);
    expect(() => bootstrapIntervals(input({ yPred: data.yPred.map(() => 5) }))).toThrow(
      /yPred\[0\] = 5/,
    );
  });

  it('takes well under a second for 1000 resamples of 3000 windows', () => {
    const big = synthetic([0.5, 0.6, 0.7, 0.4, 0.5, 0.6], 500);
    const t0 = performance.now();
    bootstrapIntervals({
      yTrue: big.yTrue,
      yPred: big.yPred,
      numClasses: 5,
      groups: null,
      iterations: 1000,
      seed: 3,
      level: 0.95,
    });
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
