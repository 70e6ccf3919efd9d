// Classification metrics, ROC curves and McNemar's test against numbers computed by scikit-learn
// 1.2.1 and scipy 1.10.1 (tools/fixtures/make_eval_reference.py → __fixtures__), plus small
// examples worked out by hand.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  binaryMetrics,
  binomialHalfCdf,
  chiSquare1Sf,
  classificationMetrics,
  erfc,
  mcnemar,
  metricsFromConfusion,
  ovrRoc,
  rocCurve,
} from './index.js';

interface Curve {
  fpr: number[];
  tpr: number[];
  auc: number;
  /** Points of sklearn's curve with drop_intermediate=False. */
  pointsWithoutDrop: number;
}
interface ClassificationCase {
  name: string;
  yTrue: number[];
  yPred: number[];
  probs: number[][];
  accuracy: number;
  balancedAccuracy: number;
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  macro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
  macroF1: number;
  weightedF1: number;
  kappa: number;
  confusion: number[][];
  roc: (Curve | null)[];
  macroAucDefined: number | null;
  macroAucSklearn: number | null;
}
interface BinaryCase {
  name: string;
  yTrue: number[];
  yPred: number[];
  pHigh: number[];
  accuracy: number;
  f1Positive: number;
  precisionPositive: number;
  recallPositive: number;
  macroF1: number;
  balancedAccuracy: number;
  auc: number | null;
}
interface Reference {
  versions: Record<string, string>;
  classification: ClassificationCase[];
  binary: BinaryCase[];
  roc: (Curve & { name: string; y: number[]; score: number[] })[];
  mcnemar: { b: number; c: number; pExact: number; chi2: number; pChi2: number }[];
  erfc: { x: number; erfc: number }[];
  chi2Sf: { x: number; sf: number }[];
}
const ref = JSON.parse(
  readFileSync(new URL('./__fixtures__/sklearn-reference.json', import.meta.url), 'utf8'),
) as Reference;

const K = 5;
const close = (actual: number, expected: number, tol = 1e-12) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);
const allClose = (actual: readonly number[], expected: readonly number[], tol = 1e-12) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((x, i) => close(x, expected[i], tol));
};
/** |actual − expected| ≤ rel·|expected| (p-values span hundreds of orders of magnitude). */
const relClose = (actual: number, expected: number, rel: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));

describe('the reference', () => {
  it('was computed by the versions the generator names', () => {
    expect(ref.versions).toMatchObject({ sklearn: '1.2.1', scipy: '1.10.1' });
  });

  it('spans zero division, absent classes, ties, collinear points and both extremes', () => {
    const byName = new Map(ref.classification.map((c) => [c.name, c]));
    const noisy = ref.classification[0];
    expect(noisy.accuracy).toBeGreaterThan(0.4);
    expect(noisy.accuracy).toBeLessThan(0.8);
    // a class never predicted: precision 0 (zero_division), though it has true samples
    const never = byName.get('class 3 never predicted');
    expect(never?.precision[3]).toBe(0);
    expect(never?.support[3]).toBeGreaterThan(0);
    // absent classes: no ROC curve, and macro F1 over all 5 classes below the mean of the present
    expect(byName.get('class 4 absent from the truth')?.roc[4]).toBeNull();
    const absent = byName.get('classes 3 and 4 absent altogether');
    expect(absent?.support.slice(3)).toEqual([0, 0]);
    expect(absent?.macro.f1).toBeCloseTo(
      ((absent?.f1[0] ?? 0) + (absent?.f1[1] ?? 0) + (absent?.f1[2] ?? 0)) / 5,
      12,
    );
    // ties: 200 samples, about ten distinct scores per class
    const tied = byName.get('tied scores (rounded to 0.1)');
    expect(tied?.yTrue).toHaveLength(200);
    expect(tied?.roc[0]?.fpr.length).toBeLessThan(15);
    // drop_intermediate removed points in the random case
    expect(noisy.roc[0]?.fpr.length).toBeLessThan(noisy.roc[0]?.pointsWithoutDrop ?? 0);
    expect(ref.classification.some((c) => c.accuracy === 1)).toBe(true);
    expect(ref.classification.some((c) => c.accuracy === 0 && c.kappa < 0)).toBe(true);
  });
});

describe.each(ref.classification.map((c) => [c.name, c] as const))(
  'against scikit-learn: %s',
  (_, c) => {
    const m = classificationMetrics(c.yTrue, c.yPred, K);

    it('accuracy, confusion matrix and kappa', () => {
      expect(m.n).toBe(c.yTrue.length);
      close(m.accuracy, c.accuracy);
      expect(m.confusion).toEqual(c.confusion);
      m.confusionNormalised.forEach((row, i) => {
        const total = c.confusion[i].reduce((a, b) => a + b, 0);
        allClose(
          row,
          c.confusion[i].map((v) => (total ? v / total : 0)),
        );
      });
      close(m.kappa, c.kappa);
    });

    it('per-class precision, recall, F1 and support (zero_division=0)', () => {
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
    });

    it('macro and weighted averages over all five classes', () => {
      for (const avg of ['macro', 'weighted'] as const) {
        close(m[avg].precision, c[avg].precision);
        close(m[avg].recall, c[avg].recall);
        close(m[avg].f1, c[avg].f1);
      }
      close(m.macro.f1, c.macroF1);
      close(m.weighted.f1, c.weightedF1);
    });

    it('one-vs-rest ROC curves (points and AUC) and the macro AUC', () => {
      const roc = ovrRoc(c.yTrue, c.probs, K);
      roc.perClass.forEach((curve, k) => {
        const r = c.roc[k];
        if (r === null) {
          expect(curve).toEqual({ fpr: [], tpr: [], auc: null });
          return;
        }
        allClose(curve.fpr, r.fpr);
        allClose(curve.tpr, r.tpr);
        close(curve.auc ?? NaN, r.auc);
      });
      close(roc.macroAuc ?? NaN, c.macroAucDefined ?? NaN);
      if (c.macroAucSklearn !== null) close(roc.macroAuc ?? NaN, c.macroAucSklearn);
    });
  },
);

describe('balanced accuracy against scikit-learn (balanced_accuracy_score)', () => {
  it.each(ref.classification.map((c) => [c.name, c] as const))('%s', (_, c) => {
    close(classificationMetrics(c.yTrue, c.yPred, K).balancedAccuracy, c.balancedAccuracy);
  });

  it('leaves a class absent from the truth out of the mean (not a zero in it)', () => {
    const absent = ref.classification.find((c) => c.name === 'class 4 absent from the truth');
    const m = classificationMetrics(absent?.yTrue ?? [], absent?.yPred ?? [], K);
    const meanOfFour = m.perClass.slice(0, 4).reduce((a, x) => a + x.recall, 0) / 4;
    close(m.balancedAccuracy, meanOfFour);
  });
});

describe.each(ref.binary.map((c) => [c.name, c] as const))(
  'binary tasks against scikit-learn: %s',
  (_, c) => {
    const b = binaryMetrics(c.yTrue, c.yPred, c.pHigh);
    it('F1, precision and recall of the positive class, macro F1, balanced accuracy, AUC', () => {
      expect(b.positive).toBe(1);
      close(b.f1, c.f1Positive);
      close(b.precision, c.precisionPositive);
      close(b.recall, c.recallPositive);
      close(b.macroF1, c.macroF1);
      close(b.balancedAccuracy, c.balancedAccuracy);
      if (c.auc === null) expect(b.auc).toBeNull();
      else close(b.auc ?? NaN, c.auc);
    });
  },
);

describe('the binary reference', () => {
  it('has an imbalanced informative case and the majority floor (balanced accuracy 0.5)', () => {
    const byName = new Map(ref.binary.map((c) => [c.name, c]));
    const informative = byName.get('imbalanced 62 % high, informative');
    expect(informative?.balancedAccuracy).toBeGreaterThan(0.6);
    const majority = byName.get('always high (the majority floor)');
    expect(majority?.balancedAccuracy).toBe(0.5);
    expect(majority?.accuracy).toBeGreaterThan(0.55);
    expect(byName.get('always low')?.f1Positive).toBe(0);
  });
});

describe('binary ROC curves against scikit-learn', () => {
  it.each(ref.roc.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const curve = rocCurve(c.y, c.score);
    allClose(curve.fpr, c.fpr);
    allClose(curve.tpr, c.tpr);
    close(curve.auc ?? NaN, c.auc);
    // booleans and 0/1 give the same curve
    expect(
      rocCurve(
        c.y.map((v) => v === 1),
        c.score,
      ),
    ).toEqual(curve);
  });

  it('exercise the dropping of collinear points', () => {
    const runs = ref.roc[0];
    expect(runs.fpr.length).toBeLessThan(runs.pointsWithoutDrop / 2);
  });
});

describe('ROC curves worked out by hand', () => {
  it('groups ties and drops collinear points', () => {
    // scores 0.9 0.8 0.8 0.7 0.6 0.5 for labels 1 1 0 1 0 0: distinct-score points
    // (fp, tp) = (0,1) (1,2) (1,3) (2,3) (3,3); (2,3) lies between (1,3) and (3,3) and goes
    const c = rocCurve([1, 1, 0, 1, 0, 0], [0.9, 0.8, 0.8, 0.7, 0.6, 0.5]);
    expect(c.fpr).toEqual([0, 0, 1 / 3, 1 / 3, 1]);
    expect(c.tpr).toEqual([0, 1 / 3, 2 / 3, 1, 1]);
    // area: (1/3)·(1/3 + 2/3)/2 + (2/3)·1 = 1/6 + 2/3 = 5/6
    expect(c.auc).toBeCloseTo(5 / 6, 15);
  });

  it('has no curve and no AUC without positives or without negatives', () => {
    expect(rocCurve([0, 0, 0], [0.1, 0.5, 0.2])).toEqual({ fpr: [], tpr: [], auc: null });
    expect(rocCurve([true, true], [0.1, 0.5])).toEqual({ fpr: [], tpr: [], auc: null });
    expect(rocCurve([], [])).toEqual({ fpr: [], tpr: [], auc: null });
    const roc = ovrRoc(
      [0, 0, 0],
      [
        [0.5, 0.5],
        [0.6, 0.4],
        [0.2, 0.8],
      ],
      2,
    );
    expect(roc.macroAuc).toBeNull();
  });

  it('rejects bad input', () => {
    expect(() => rocCurve([1, 0], [0.5])).toThrow(/2 labels but 1 scores/);
    expect(() => rocCurve([1, 2], [0.5, 0.1])).toThrow(/isPositive\[1\] = 2/);
    expect(() => rocCurve([1, 0], [0.5, NaN])).toThrow(/score\[1\] = NaN/);
    expect(() => ovrRoc([0, 1], [[1, 0]], 2)).toThrow(/2 labels but 1 probability rows/);
    expect(() => ovrRoc([0, 1], [[1, 0], [1]], 2)).toThrow(/probs\[1\] has 1 scores/);
    expect(() =>
      ovrRoc(
        [0, 3],
        [
          [1, 0],
          [0, 1],
        ],
        2,
      ),
    ).toThrow(/yTrue\[1\] = 3/);
  });
});

describe('classification metrics worked out by hand', () => {
  it('gives the numbers computed on paper', () => {
    // true 0 0 1 1 2 2, predicted 0 1 1 1 2 0
    const m = classificationMetrics([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0], 3);
    expect(m.n).toBe(6);
    expect(m.accuracy).toBeCloseTo(4 / 6, 15);
    expect(m.perClass.map((x) => x.precision)).toEqual([0.5, 2 / 3, 1]);
    expect(m.perClass.map((x) => x.recall)).toEqual([0.5, 1, 0.5]);
    // F1 = 2PR/(P+R): 0.5, 0.8, 2/3
    m.perClass.forEach((x, i) => expect(x.f1).toBeCloseTo([0.5, 0.8, 2 / 3][i], 15));
    expect(m.perClass.map((x) => x.support)).toEqual([2, 2, 2]);
    expect(m.macro.f1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 15);
    // po = 4/6, pe = (2·2 + 2·3 + 2·1)/36 = 1/3, kappa = (2/3 − 1/3)/(2/3) = 0.5
    expect(m.kappa).toBeCloseTo(0.5, 15);
    expect(m.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(m.confusionNormalised).toEqual([
      [0.5, 0.5, 0],
      [0, 1, 0],
      [0.5, 0, 0.5],
    ]);
  });

  it('averages over every class, keeps zero rows zero, and is 0 where undefined', () => {
    // class 2 of 3 never occurs: its row stays zeros and it counts as 0 in the macro mean
    const m = classificationMetrics([0, 1, 1], [0, 1, 0], 3);
    expect(m.confusionNormalised[2]).toEqual([0, 0, 0]);
    expect(m.perClass[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(m.macro.recall).toBeCloseTo((1 + 0.5 + 0) / 3, 15);
    expect(m.weighted.recall).toBeCloseTo((1 * 1 + 0.5 * 2) / 3, 15);
    // one class, always right: chance agreement is 1 and kappa undefined (sklearn: NaN) → 0
    expect(classificationMetrics([1, 1], [1, 1], 3).kappa).toBe(0);
    expect(metricsFromConfusion(m.confusion)).toEqual(m);
  });

  it('names a bad label and refuses no samples', () => {
    expect(() => classificationMetrics([0, 7], [0, 1], 5)).toThrow(/yTrue\[1\] = 7/);
    expect(() => classificationMetrics([0, 1], [0, 1.5], 5)).toThrow(/yPred\[1\] = 1.5/);
    expect(() => classificationMetrics([0, -1], [0, 1], 5)).toThrow(RangeError);
    expect(() => classificationMetrics([0], [0, 1], 5)).toThrow(/1 true labels but 2/);
    expect(() => classificationMetrics([], [], 5)).toThrow(/no samples/);
    expect(() => classificationMetrics([0], [0], 0)).toThrow(/numClasses/);
  });
});

describe('McNemar against scipy', () => {
  it.each(ref.mcnemar.map((r) => [r.b, r.c, r] as const))('b=%i c=%i', (b, c, r) => {
    // b samples only A gets right, c only B, plus one both get right and one both get wrong
    const a = [...Array<boolean>(b).fill(true), ...Array<boolean>(c).fill(false), true, false];
    const bb = [...Array<boolean>(b).fill(false), ...Array<boolean>(c).fill(true), true, false];
    const t = mcnemar(a, bb);
    expect([t.n, t.aOnly, t.bOnly]).toEqual([b + c + 2, b, c]);
    relClose(t.pExact, r.pExact, 1e-12);
    close(t.chi2, r.chi2);
    relClose(t.pChi2, r.pChi2, 1e-12);
    expect(t.method).toBe(b + c < 25 ? 'exact' : 'chi2-corrected');
    expect(t.p).toBe(b + c < 25 ? t.pExact : t.pChi2);
  });

  it('is symmetric and worked out by hand for tiny counts', () => {
    // b=2, c=0: P[X ≤ 0] = 1/4 for X ~ Bin(2, 1/2), two-sided 1/2; chi2 = (2−1)²/2
    const t = mcnemar([true, true, false], [false, false, false]);
    expect([t.pExact, t.chi2, t.p]).toEqual([0.5, 0.5, 0.5]);
    expect(mcnemar([false, false], [true, true]).pExact).toBe(
      mcnemar([true, true], [false, false]).pExact,
    );
    const none = mcnemar([true, false], [true, false]);
    expect([none.pExact, none.chi2, none.pChi2, none.p]).toEqual([1, 0, 1, 1]);
    expect(() => mcnemar([true], [])).toThrow(RangeError);
  });

  it('sums binomial tails exactly for small n and without underflow for large n', () => {
    expect(binomialHalfCdf(0, 3)).toBe(1 / 8);
    expect(binomialHalfCdf(1, 3)).toBe(1 / 2);
    expect(binomialHalfCdf(5, 10)).toBe(638 / 1024);
    expect(binomialHalfCdf(2000, 4000)).toBeGreaterThan(0.5);
    expect(binomialHalfCdf(2000, 4000)).toBeLessThan(0.52);
  });
});

describe('erfc and the chi-square tail against scipy', () => {
  it.each(ref.erfc.map((r) => [r.x, r.erfc] as const))('erfc(%p)', (x, expected) => {
    relClose(erfc(x), expected, 1e-13);
  });

  it.each(ref.chi2Sf.map((r) => [r.x, r.sf] as const))('chi2.sf(%p, 1)', (x, expected) => {
    relClose(chiSquare1Sf(x), expected, 1e-12);
  });
});
