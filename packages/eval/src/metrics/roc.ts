/**
 * One-vs-rest ROC curves and their AUC, as scikit-learn computes them: `roc_curve` with
 * `drop_intermediate=True` (scores sorted descending, tied scores one point, collinear points
 * dropped, (0, 0) first) and the trapezoidal area (`roc_auc_score`).
 */
import type { RocCurve, RocResult } from '../types.js';

/** The ROC curve of scores `score` for the positives `isPositive`. */
export function rocCurve(
  isPositive: ArrayLike<boolean | number>,
  score: ArrayLike<number>,
): RocCurve {
  const n = score.length;
  if (isPositive.length !== n) {
    throw new RangeError(`${isPositive.length} labels but ${n} scores`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b] - score[a]);
  // cumulative true and false positives at the last index of each distinct score
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  for (let j = 0; j < n; j++) {
    if (isPositive[order[j]]) tp++;
    if (j === n - 1 || score[order[j + 1]] !== score[order[j]]) {
      tps.push(tp);
      fps.push(j + 1 - tp);
    }
  }
  // drop points on a straight line between their neighbours (second differences of zero)
  let keep = tps.map((_, i) => i);
  if (tps.length > 2) {
    keep = keep.filter(
      (i) =>
        i === 0 ||
        i === tps.length - 1 ||
        fps[i + 1] - 2 * fps[i] + fps[i - 1] !== 0 ||
        tps[i + 1] - 2 * tps[i] + tps[i - 1] !== 0,
    );
  }
  const t = [0, ...keep.map((i) => tps[i])];
  const f = [0, ...keep.map((i) => fps[i])];
  const P = t[t.length - 1];
  const N = f[f.length - 1];
  const fpr = f.map((x) => (N > 0 ? x / N : NaN));
  const tpr = t.map((x) => (P > 0 ? x / P : NaN));
  return { fpr, tpr, auc: P > 0 && N > 0 ? trapezoid(fpr, tpr) : null };
}

function trapezoid(x: readonly number[], y: readonly number[]): number {
  let a = 0;
  for (let i = 1; i < x.length; i++) a += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return a;
}

/**
 * One curve per class (class c against the rest, scored by its probability) and the mean of the
 * defined AUCs, which is `roc_auc_score(y, probs, multi_class='ovr', average='macro')` when every
 * class occurs. `probs[i]` holds sample i's probabilities in class order.
 */
export function ovrRoc(
  yTrue: ArrayLike<number>,
  probs: readonly ArrayLike<number>[],
  numClasses: number,
): RocResult {
  if (probs.length !== yTrue.length) {
    throw new RangeError(`${yTrue.length} labels but ${probs.length} probability rows`);
  }
  const perClass: RocCurve[] = [];
  for (let c = 0; c < numClasses; c++) {
    const pos = Array.from({ length: yTrue.length }, (_, i) => yTrue[i] === c);
    perClass.push(
      rocCurve(
        pos,
        probs.map((p) => p[c]),
      ),
    );
  }
  const defined = perClass.map((r) => r.auc).filter((a): a is number => a !== null);
  return {
    perClass,
    macroAuc: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null,
  };
}
