/**
 * ROC curves and their area as scikit-learn computes them (checked against its numbers in
 * metrics.test.ts):
 *
 * - `rocCurve` is `roc_curve(y, score, drop_intermediate=True)` (scikit-learn 1.2): samples
 *   sorted by descending score, tied scores one point (the cumulative counts at the last sample
 *   of each distinct score), points whose second differences of both false and true positive
 *   counts are zero dropped (they lie on a straight line between their neighbours, so the area
 *   is unchanged), then (0, 0) prepended. Its `auc` is the trapezoidal area
 *   (`roc_auc_score(y, score)`).
 * - `ovrRoc` scores each class against the rest by its probability; its macro AUC is the mean of
 *   the classes' defined AUCs, which is `roc_auc_score(y, probs, multi_class='ovr',
 *   average='macro')` when every class occurs.
 *
 * One deviation: with no positive or no negative sample one rate is undefined. scikit-learn
 * warns and fills it with NaN; here the curve is empty (fpr = tpr = []) and auc is null, which
 * stays valid JSON.
 */
import type { RocCurve, RocResult } from '../types.js';
import { checkClassIndices, checkNumClasses } from './classification.js';

/** Cumulative false and true positive counts at each distinct score, highest score first. */
interface Counts {
  readonly fps: number[];
  readonly tps: number[];
}

function positiveFlags(isPositive: ArrayLike<boolean | number>): Uint8Array {
  const flags = new Uint8Array(isPositive.length);
  for (let i = 0; i < isPositive.length; i++) {
    const v = isPositive[i];
    if (v === true || v === 1) flags[i] = 1;
    else if (v !== false && v !== 0) {
      throw new RangeError(`isPositive[${i}] = ${v} is neither a boolean nor 0/1`);
    }
  }
  return flags;
}

/** scikit-learn's _binary_clf_curve: counts at the last sample of each run of tied scores. */
function countsByThreshold(positive: Uint8Array, score: ArrayLike<number>): Counts {
  const n = score.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(score[i])) throw new RangeError(`score[${i}] = ${score[i]} is not finite`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b] - score[a]);
  const fps: number[] = [];
  const tps: number[] = [];
  let tp = 0;
  for (let j = 0; j < n; j++) {
    tp += positive[order[j]];
    if (j === n - 1 || score[order[j + 1]] !== score[order[j]]) {
      tps.push(tp);
      fps.push(j + 1 - tp);
    }
  }
  return { fps, tps };
}

/** Keeps the first and last point and every point where either count bends (drop_intermediate). */
function dropIntermediate({ fps, tps }: Counts): Counts {
  if (fps.length <= 2) return { fps, tps };
  const bends = (v: readonly number[], i: number) => v[i + 1] - 2 * v[i] + v[i - 1] !== 0;
  const keep = fps
    .map((_, i) => i)
    .filter((i) => i === 0 || i === fps.length - 1 || bends(fps, i) || bends(tps, i));
  return { fps: keep.map((i) => fps[i]), tps: keep.map((i) => tps[i]) };
}

/** Area under a curve by the trapezoid rule (x non-decreasing). */
function trapezoid(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

/**
 * The ROC curve of scores `score` (higher: more likely positive) for the labels `isPositive`
 * (booleans or 0/1), from (0, 0) to (1, 1). Throws a RangeError for unequal lengths, a label that
 * is not boolean or 0/1, or a score that is not finite; see the file comment for a class with no
 * positive or no negative sample.
 */
export function rocCurve(
  isPositive: ArrayLike<boolean | number>,
  score: ArrayLike<number>,
): RocCurve {
  if (isPositive.length !== score.length) {
    throw new RangeError(`${isPositive.length} labels but ${score.length} scores`);
  }
  const positive = positiveFlags(isPositive);
  const { fps, tps } = dropIntermediate(countsByThreshold(positive, score));
  const positives = tps.length ? tps[tps.length - 1] : 0;
  const negatives = fps.length ? fps[fps.length - 1] : 0;
  if (positives === 0 || negatives === 0) return { fpr: [], tpr: [], auc: null };
  const fpr = [0, ...fps.map((f) => f / negatives)];
  const tpr = [0, ...tps.map((t) => t / positives)];
  return { fpr, tpr, auc: trapezoid(fpr, tpr) };
}

/**
 * One-vs-rest ROC: for each class c, the curve of `probs[i][c]` for the samples whose true class
 * is c against all others. `probs` holds one row per sample (numClasses scores in class order,
 * e.g. softmax probabilities; rows need not sum to 1). `macroAuc` is the mean of the classes'
 * defined AUCs (a class absent from yTrue, or the only class present, has none), null when no
 * class has one.
 */
export function ovrRoc(
  yTrue: ArrayLike<number>,
  probs: readonly ArrayLike<number>[],
  numClasses: number,
): RocResult {
  checkNumClasses(numClasses);
  if (probs.length !== yTrue.length) {
    throw new RangeError(`${yTrue.length} labels but ${probs.length} probability rows`);
  }
  checkClassIndices('yTrue', yTrue, numClasses);
  probs.forEach((row, i) => {
    if (row.length !== numClasses) {
      throw new RangeError(`probs[${i}] has ${row.length} scores, not ${numClasses}`);
    }
  });
  const n = yTrue.length;
  const isClass = new Uint8Array(n);
  const column = new Float64Array(n);
  const perClass: RocCurve[] = [];
  for (let c = 0; c < numClasses; c++) {
    for (let i = 0; i < n; i++) {
      isClass[i] = yTrue[i] === c ? 1 : 0;
      column[i] = probs[i][c];
    }
    perClass.push(rocCurve(isClass, column));
  }
  const defined = perClass.flatMap((r) => (r.auc === null ? [] : [r.auc]));
  return {
    perClass,
    macroAuc: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null,
  };
}
