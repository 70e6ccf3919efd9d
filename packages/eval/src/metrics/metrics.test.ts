import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { bootstrapIntervals, classificationMetrics, mcnemar, ovrRoc, percentile } from './index.js';

interface Case {
  name: string;
  yTrue: number[];
  yPred: number[];
  probs: number[][];
  accuracy: number;
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  macro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
  kappa: number;
  confusion: number[][];
  roc: ({ fpr: number[]; tpr: number[]; auc: number } | null)[];
  macroAuc: number | null;
}
const ref = JSON.parse(
  readFileSync(new URL('./__fixtures__/sklearn-reference.json', import.meta.url), 'utf8'),
) as {
  classification: Case[];
  mcnemar: { b: number; c: number; pExact: number; chi2: number; pChi2: number }[];
};

const close = (a: number, b: number, tol = 1e-12) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(tol);
const allClose = (a: readonly number[], b: readonly number[], tol = 1e-12) => {
  expect(a).toHaveLength(b.length);
  a.forEach((x, i) => close(x, b[i], tol));
};

describe.each(ref.classification.map((c) => [c.name, c] as const))(
  'against scikit-learn: %s',
  (_, c) => {
    const m = classificationMetrics(c.yTrue, c.yPred, 5);

    it('accuracy, per-class precision/recall/F1/support, averages, kappa, confusion', () => {
      close(m.accuracy, c.accuracy);
      allClose(
        m.perClass.map((x) => x.precision),
        c.precision,
      );
      allClose(
        m.perClass.map((x) => x.recall),
        c.recall,
      );
      allClose(
        m.perClass.map((x) => x.f1),
        c.f1,
      );
      expect(m.perClass.map((x) => x.support)).toEqual(c.support);
      for (const avg of ['macro', 'weighted'] as const) {
        close(m[avg].precision, c[avg].precision);
        close(m[avg].recall, c[avg].recall);
        close(m[avg].f1, c[avg].f1);
      }
      close(m.kappa, c.kappa);
      expect(m.confusion).toEqual(c.confusion);
      m.confusionNormalised.forEach((row, i) => {
        const n = c.confusion[i].reduce((a, b) => a + b, 0);
        allClose(
          row,
          c.confusion[i].map((v) => (n ? v / n : 0)),
        );
      });
    });

    it('one-vs-rest ROC curves (points and AUC) and the macro AUC', () => {
      const roc = ovrRoc(c.yTrue, c.probs, 5);
      roc.perClass.forEach((curve, k) => {
        const r = c.roc[k];
        if (r === null) {
          expect(curve.auc).toBeNull();
          return;
        }
        allClose(curve.fpr, r.fpr);
        allClose(curve.tpr, r.tpr);
        close(curve.auc ?? NaN, r.auc);
      });
      if (c.macroAuc !== null) close(roc.macroAuc ?? NaN, c.macroAuc);
    });
  },
);

describe('the reference cases are not trivial', () => {
  it('spans zero-division, an absent class, ties and both extremes', () => {
    const names = ref.classification.map((c) => c.name);
    expect(names).toHaveLength(6);
    const noisy = ref.classification[0];
    expect(noisy.accuracy).toBeGreaterThan(0.3);
    expect(noisy.accuracy).toBeLessThan(0.9);
    expect(ref.classification[1].precision[3]).toBe(0); // never predicted → 0, not NaN
    expect(ref.classification[2].roc[4]).toBeNull();
    expect(ref.classification[3].roc[0]?.fpr.length).toBeLessThan(30); // ties grouped
  });
});

describe('a hand-computed example', () => {
  it('gives the numbers worked out on paper', () => {
    // true 0 0 1 1 2 2, predicted 0 1 1 1 2 0
    const m = classificationMetrics([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0], 3);
    expect(m.accuracy).toBeCloseTo(4 / 6, 15);
    expect(m.perClass.map((x) => x.precision)).toEqual([0.5, 2 / 3, 1]);
    expect(m.perClass.map((x) => x.recall)).toEqual([0.5, 1, 0.5]);
    // po = 4/6, pe = (2·2 + 2·3 + 2·1)/36 = 1/3, kappa = (2/3 − 1/3)/(2/3) = 0.5
    expect(m.kappa).toBeCloseTo(0.5, 15);
    expect(m.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
  });

  it('names a bad label', () => {
    expect(() => classificationMetrics([0, 7], [0, 1], 5)).toThrow(/yTrue\[1\] = 7/);
    expect(() => classificationMetrics([0], [0, 1], 5)).toThrow(/1 true labels but 2/);
  });
});

describe('McNemar against scipy', () => {
  it.each(ref.mcnemar.map((r) => [r.b, r.c, r] as const))('b=%i c=%i', (b, c, r) => {
    const a = [...Array(b).fill(true), ...Array(c).fill(false), true, false];
    const bb = [...Array(b).fill(false), ...Array(c).fill(true), true, false];
    const t = mcnemar(a, bb);
    expect([t.aOnly, t.bOnly, t.n]).toEqual([b, c, b + c + 2]);
    expect(Math.abs(t.pExact - r.pExact)).toBeLessThanOrEqual(1e-12 * Math.max(1, r.pExact));
    close(t.chi2, r.chi2);
    expect(Math.abs(t.pChi2 - r.pChi2)).toBeLessThanOrEqual(1e-12 + 1e-10 * r.pChi2);
    expect(t.method).toBe(b + c < 25 ? 'exact' : 'chi2-corrected');
    expect(t.p).toBe(b + c < 25 ? t.pExact : t.pChi2);
  });
});

describe('bootstrap intervals', () => {
  // 8 subjects: four predicted well, four badly, 40 windows each
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const subjects: string[] = [];
  for (let s = 0; s < 8; s++) {
    for (let i = 0; i < 40; i++) {
      const t = i % 5;
      yTrue.push(t);
      yPred.push(s < 4 ? t : i % 3 === 0 ? t : (t + 1) % 5);
      subjects.push(`s${s}`);
    }
  }
  const run = (groups: string[] | null, seed = 1) =>
    bootstrapIntervals({ yTrue, yPred, numClasses: 5, groups, iterations: 500, seed, level: 0.95 });

  it('is seeded, contains the estimate, and subjects give wider intervals than windows', () => {
    const bySubject = run(subjects);
    expect(run(subjects)).toEqual(bySubject);
    // (subject resamples take few distinct values: compare the seeds on windows)
    expect(run(null, 2)).not.toEqual(run(null, 1));
    const acc = bySubject.accuracy;
    expect(acc.estimate).toBeCloseTo(classificationMetrics(yTrue, yPred, 5).accuracy, 12);
    expect(acc.lower).toBeLessThan(acc.estimate);
    expect(acc.upper).toBeGreaterThan(acc.estimate);
    const byWindow = run(null).accuracy;
    const width = (x: typeof acc) => (x.upper ?? 0) - (x.lower ?? 0);
    expect(width(acc)).toBeGreaterThan(2 * width(byWindow));
  });

  it('collapses when every group is the same, and has no bounds with one group', () => {
    const same = bootstrapIntervals({
      yTrue: [0, 1, 0, 1],
      yPred: [0, 0, 0, 0],
      numClasses: 2,
      groups: ['a', 'a', 'b', 'b'],
      iterations: 200,
      seed: 0,
      level: 0.9,
    });
    expect([same.accuracy.lower, same.accuracy.upper]).toEqual([0.5, 0.5]);
    const one = bootstrapIntervals({
      yTrue: [0, 1],
      yPred: [0, 0],
      numClasses: 2,
      groups: ['a', 'a'],
      iterations: 200,
      seed: 0,
      level: 0.9,
    });
    expect(one.accuracy).toEqual({ estimate: 0.5, lower: null, upper: null });
  });

  it('takes percentiles as numpy does (linear interpolation)', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([0, 10], 0.025)).toBeCloseTo(0.25, 12);
  });
});
