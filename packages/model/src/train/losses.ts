/**
 * Categorical cross-entropy as Keras computes it (probabilities clipped to [1e-7, 1 − 1e-7]),
 * with optional per-class weights applied Keras's way: the batch loss is mean(w[y_i] · CE_i).
 */
import * as tf from '@tensorflow/tfjs';

export const EPSILON = 1e-7;

/** Per-row cross-entropy of `probs` [n, k] against one-hot `ys` [n, k]. */
export function crossEntropyRows(probs: tf.Tensor, ys: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const p = tf.clipByValue(probs, EPSILON, 1 - EPSILON);
    return tf.neg(tf.sum(tf.mul(ys, tf.log(p)), -1)) as tf.Tensor1D;
  });
}

/** mean(w[y_i] · CE_i); without weights the plain mean. */
export function weightedCrossEntropy(
  probs: tf.Tensor,
  ys: tf.Tensor,
  classWeights: readonly number[] | null,
): tf.Scalar {
  return tf.tidy(() => {
    const ce = crossEntropyRows(probs, ys);
    if (!classWeights) return tf.mean(ce) as tf.Scalar;
    const w = tf.sum(tf.mul(ys, tf.tensor1d([...classWeights])), -1);
    return tf.mean(tf.mul(ce, w)) as tf.Scalar;
  });
}

/** Plain cross-entropy of one row of probabilities (JS, for validation in float64). */
export function rowCrossEntropy(probs: ArrayLike<number>, offset: number, label: number): number {
  const p = Math.min(1 - EPSILON, Math.max(EPSILON, probs[offset + label]));
  return -Math.log(p);
}
