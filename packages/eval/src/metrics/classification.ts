/**
 * Classification metrics with scikit-learn's conventions (checked against its numbers in
 * metrics.test.ts): precision, recall and F1 per class with `zero_division=0`, their macro
 * and support-weighted averages over every class, accuracy, Cohen's kappa and the confusion
 * matrix (counts and row-normalised). Everything derives from the confusion matrix, so a
 * bootstrap can recompute the metrics from summed matrices.
 */
import type { AveragedMetrics, ClassMetrics, ClassificationMetrics } from '../types.js';

/** Check labels: equal lengths, integers in [0, k). */
export function checkLabels(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
): void {
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`${yTrue.length} true labels but ${yPred.length} predictions`);
  }
  for (const [name, y] of [
    ['yTrue', yTrue],
    ['yPred', yPred],
  ] as const) {
    for (let i = 0; i < y.length; i++) {
      const v = y[i];
      if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
        throw new RangeError(`${name}[${i}] = ${v} is not a class index in [0, ${numClasses})`);
      }
    }
  }
}

/** confusion[true][predicted] counts. */
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

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

/** Accuracy, macro F1 and kappa of a confusion matrix (what the bootstrap needs, fast). */
export function summaryOfConfusion(
  c: ArrayLike<number>,
  k: number,
): {
  accuracy: number;
  macroF1: number;
  kappa: number;
} {
  let n = 0;
  let diag = 0;
  let expected = 0;
  let f1 = 0;
  for (let i = 0; i < k; i++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < k; j++) {
      row += c[i * k + j];
      col += c[j * k + i];
    }
    const tp = c[i * k + i];
    n += row;
    diag += tp;
    expected += row * col;
    f1 += ratio(2 * tp, row + col);
  }
  const po = ratio(diag, n);
  const pe = n > 0 ? expected / (n * n) : 0;
  return { accuracy: po, macroF1: f1 / k, kappa: pe < 1 ? (po - pe) / (1 - pe) : 0 };
}

/** Every metric of a confusion matrix (rows true, columns predicted). */
export function metricsFromConfusion(
  confusion: readonly (readonly number[])[],
): ClassificationMetrics {
  const k = confusion.length;
  const rows = confusion.map((r) => r.reduce((a, b) => a + b, 0));
  const cols = confusion[0].map((_, j) => confusion.reduce((a, r) => a + r[j], 0));
  const n = rows.reduce((a, b) => a + b, 0);
  if (n === 0) throw new RangeError('no samples to score');
  const perClass: ClassMetrics[] = confusion.map((r, i) => {
    const tp = r[i];
    const precision = ratio(tp, cols[i]);
    const recall = ratio(tp, rows[i]);
    return {
      precision,
      recall,
      f1: ratio(2 * tp, rows[i] + cols[i]),
      support: rows[i],
    };
  });
  const average = (w: (i: number) => number): AveragedMetrics => {
    const total = perClass.reduce((a, _, i) => a + w(i), 0);
    const mean = (f: (m: ClassMetrics) => number) =>
      ratio(
        perClass.reduce((a, m, i) => a + w(i) * f(m), 0),
        total,
      );
    return {
      precision: mean((m) => m.precision),
      recall: mean((m) => m.recall),
      f1: mean((m) => m.f1),
    };
  };
  const flat = confusion.flat();
  return {
    n,
    accuracy: ratio(
      confusion.reduce((a, r, i) => a + r[i], 0),
      n,
    ),
    perClass,
    macro: average(() => 1),
    weighted: average((i) => rows[i]),
    kappa: summaryOfConfusion(flat, k).kappa,
    confusion: confusion.map((r) => [...r]),
    confusionNormalised: confusion.map((r, i) => r.map((v) => ratio(v, rows[i]))),
  };
}

/** The metrics of predictions `yPred` against `yTrue` (class indices in [0, numClasses)). */
export function classificationMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
): ClassificationMetrics {
  return metricsFromConfusion(confusionMatrix(yTrue, yPred, numClasses));
}
