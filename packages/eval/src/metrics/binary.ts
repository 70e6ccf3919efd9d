/**
 * What the literature reports for a two-class task (binary valence or arousal): F1, precision and
 * recall of the positive class (scikit-learn's `f1_score(pos_label=1)`), macro F1, balanced
 * accuracy and the ROC AUC of the positive class's probability (`roc_auc_score(y, p[:, 1])`).
 * Checked against scikit-learn in metrics.test.ts.
 */
import type { BinaryMetrics } from '../types.js';
import { classificationMetrics } from './classification.js';
import { rocCurve } from './roc.js';

/**
 * The binary metrics of predictions against truth (class indices 0/1, `positive` the positive
 * class) and the positive class's scores. Throws a RangeError for labels outside {0, 1}.
 */
export function binaryMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  positiveScore: ArrayLike<number>,
  positive = 1,
): BinaryMetrics {
  if (positive !== 0 && positive !== 1)
    throw new RangeError(`positive class ${positive} is not 0 or 1`);
  const m = classificationMetrics(yTrue, yPred, 2);
  const isPositive = Array.from(yTrue, (y) => y === positive);
  const pos = m.perClass[positive];
  return {
    positive,
    f1: pos.f1,
    precision: pos.precision,
    recall: pos.recall,
    macroF1: m.macro.f1,
    balancedAccuracy: m.balancedAccuracy,
    auc: rocCurve(isPositive, positiveScore).auc,
  };
}
