/**
 * Classification metrics with scikit-learn's conventions (checked against its numbers in
 * metrics.test.ts): accuracy; precision, recall and F1 per class with `zero_division=0` (a class
 * never predicted has precision 0, one never true has recall 0); their macro and support-weighted
 * averages over every class 0..k−1 (`labels=range(k)`, so an absent class counts as zeros in the
 * macro mean); Cohen's kappa (`cohen_kappa_score`, unweighted); the confusion matrix as counts
 * and row-normalised.
 *
 * Every metric derives from the confusion matrix, so a bootstrap can sum precomputed matrices and
 * score the sum: `accuracyOf`, `macroF1Of` and `kappaOf` read a flat k×k matrix without
 * allocating.
 *
 * One deviation: kappa is undefined when chance agreement is 1 (every sample true and predicted
 * as one and the same class); scikit-learn returns NaN there, this module 0.
 */
import type { AveragedMetrics, ClassMetrics, ClassificationMetrics } from '../types.js';

/** A statistic of a flat, row-major k×k confusion matrix (rows true, columns predicted). */
export type ConfusionStatistic = (confusion: ArrayLike<number>, k: number) => number;

/** Throws unless numClasses is a positive integer. */
export function checkNumClasses(numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
  }
}

/** Throws a RangeError naming the first label that is not an integer in [0, k). */
export function checkClassIndices(name: string, y: ArrayLike<number>, numClasses: number): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new RangeError(`${name}[${i}] = ${v} is not a class index in [0, ${numClasses})`);
    }
  }
}

/** Checks predictions against truth: equal lengths, class indices in [0, k). */
export function checkLabels(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
): void {
  checkNumClasses(numClasses);
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`${yTrue.length} true labels but ${yPred.length} predictions`);
  }
  checkClassIndices('yTrue', yTrue, numClasses);
  checkClassIndices('yPred', yPred, numClasses);
}

/** confusion[true][predicted] counts (labels checked as in classificationMetrics). */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
): number[][] {
  checkLabels(yTrue, yPred, numClasses);
  const c = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) c[yTrue[i]][yPred[i]]++;
  return c;
}

/** a / b, or 0 when b is 0 (scikit-learn's zero_division=0). */
const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

/** Share of samples on the diagonal (0 for an empty matrix). */
export const accuracyOf: ConfusionStatistic = (c, k) => {
  let n = 0;
  let diag = 0;
  for (let i = 0; i < k; i++) {
    diag += c[i * k + i];
    for (let j = 0; j < k; j++) n += c[i * k + j];
  }
  return ratio(diag, n);
};

/** F1 from precision and recall as scikit-learn computes it: 2PR / (P + R), 0 when both are 0. */
const f1Of = (precision: number, recall: number): number =>
  precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;

/** Mean F1 over all k classes, 0 for a class never true nor predicted. */
export const macroF1Of: ConfusionStatistic = (c, k) => {
  let sum = 0;
  for (let i = 0; i < k; i++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < k; j++) {
      row += c[i * k + j];
      col += c[j * k + i];
    }
    const tp = c[i * k + i];
    sum += f1Of(ratio(tp, col), ratio(tp, row));
  }
  return sum / k;
};

/**
 * Balanced accuracy as scikit-learn's `balanced_accuracy_score` computes it: the mean recall over
 * the classes that have true samples (a class absent from the truth is left out of the mean, not
 * counted as 0); 0 for an empty matrix.
 */
export const balancedAccuracyOf: ConfusionStatistic = (c, k) => {
  let sum = 0;
  let present = 0;
  for (let i = 0; i < k; i++) {
    let row = 0;
    for (let j = 0; j < k; j++) row += c[i * k + j];
    if (row > 0) {
      sum += c[i * k + i] / row;
      present++;
    }
  }
  return ratio(sum, present);
};

/**
 * Cohen's kappa as scikit-learn computes it: 1 − observed disagreement / disagreement expected
 * from the marginals, i.e. (po − pe) / (1 − pe). 0 where undefined (pe = 1; see the file comment).
 */
export const kappaOf: ConfusionStatistic = (c, k) => {
  let n = 0;
  let diag = 0;
  let agreeByChance = 0; // Σ row_i · col_i
  for (let i = 0; i < k; i++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < k; j++) {
      row += c[i * k + j];
      col += c[j * k + i];
    }
    n += row;
    diag += c[i * k + i];
    agreeByChance += row * col;
  }
  const expectedDisagreement = (n * n - agreeByChance) / n;
  return expectedDisagreement > 0 ? 1 - (n - diag) / expectedDisagreement : 0;
};

/** Per-class precision, recall, F1 and support (zero_division=0). */
function perClassMetrics(
  confusion: readonly (readonly number[])[],
  rows: readonly number[],
  cols: readonly number[],
): ClassMetrics[] {
  return confusion.map((r, i) => {
    const precision = ratio(r[i], cols[i]);
    const recall = ratio(r[i], rows[i]);
    return { precision, recall, f1: f1Of(precision, recall), support: rows[i] };
  });
}

/** The weighted mean of each per-class metric (weights need not sum to 1). */
function average(perClass: readonly ClassMetrics[], weights: readonly number[]): AveragedMetrics {
  const total = weights.reduce((a, b) => a + b, 0);
  const mean = (f: (m: ClassMetrics) => number): number =>
    ratio(
      perClass.reduce((a, m, i) => a + weights[i] * f(m), 0),
      total,
    );
  return {
    precision: mean((m) => m.precision),
    recall: mean((m) => m.recall),
    f1: mean((m) => m.f1),
  };
}

/**
 * Every metric of a square confusion matrix (confusion[true][predicted] counts). Throws when
 * it is not square or holds no sample.
 */
export function metricsFromConfusion(
  confusion: readonly (readonly number[])[],
): ClassificationMetrics {
  const k = confusion.length;
  if (k === 0 || confusion.some((r) => r.length !== k)) {
    throw new RangeError('the confusion matrix must be square with at least one class');
  }
  const rows = confusion.map((r) => r.reduce((a, b) => a + b, 0));
  const cols = confusion.map((_, j) => confusion.reduce((a, r) => a + r[j], 0));
  const n = rows.reduce((a, b) => a + b, 0);
  if (n === 0) throw new RangeError('no samples: metrics of an empty prediction set');
  const perClass = perClassMetrics(confusion, rows, cols);
  const flat = confusion.flat();
  return {
    n,
    accuracy: accuracyOf(flat, k),
    balancedAccuracy: balancedAccuracyOf(flat, k),
    perClass,
    macro: average(
      perClass,
      rows.map(() => 1),
    ),
    weighted: average(perClass, rows),
    kappa: kappaOf(flat, k),
    confusion: confusion.map((r) => [...r]),
    confusionNormalised: confusion.map((r, i) => r.map((v) => ratio(v, rows[i]))),
  };
}

/**
 * The metrics of predictions `yPred` against `yTrue`, class indices in [0, numClasses). Throws a
 * RangeError for unequal lengths, a label outside [0, numClasses) (naming its index and value)
 * and for no samples at all.
 */
export function classificationMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
): ClassificationMetrics {
  return metricsFromConfusion(confusionMatrix(yTrue, yPred, numClasses));
}
