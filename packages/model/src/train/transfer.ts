/**
 * Transfer learning: copy the weights of the layers two models share by name (the builders name
 * layers `face_conv1`, `physio_lstm1`, … in every model kind), e.g. a face CNN pretrained on an
 * image-folder data set into the hybrid before fine-tuning it.
 */
import type * as tf from '@tensorflow/tfjs';

/** The name prefix of the face branch's layers (conv, batch norm, pooling) in every model kind. */
export const FACE_PREFIX = 'face_';

export interface TransferResult {
  /** Layers whose weights were copied. */
  readonly copied: readonly string[];
}

/**
 * Copy into `to` the weights of every layer of `from` whose name starts with `prefix` (default
 * 'face_': the face branch). Both branches must have the same layers with weights, of the same
 * shapes: a layer only one of them has (batch normalisation in one, say) or a shape that differs
 * is an error naming the layer (the two models were built with different architectures).
 */
export function transferWeights(
  from: tf.LayersModel,
  to: tf.LayersModel,
  prefix = FACE_PREFIX,
): TransferResult {
  const copied: string[] = [];
  for (const src of from.layers) {
    if (!src.name.startsWith(prefix)) continue;
    const dst = to.layers.find((l) => l.name === src.name);
    const ws = src.getWeights();
    if (ws.length === 0) continue;
    if (!dst) {
      throw new Error(
        `transferWeights: layer '${src.name}' of the source has no twin in the target (different architectures)`,
      );
    }
    const target = dst.getWeights();
    if (
      target.length !== ws.length ||
      target.some((t, i) => t.shape.join('x') !== ws[i].shape.join('x'))
    ) {
      throw new Error(
        `transferWeights: layer '${src.name}' has weights ${ws.map((w) => `[${w.shape}]`).join(' ')} in the source but ${target.map((w) => `[${w.shape}]`).join(' ')} in the target (different architectures)`,
      );
    }
    dst.setWeights(ws);
    copied.push(src.name);
  }
  const missing = to.layers.filter(
    (l) => l.name.startsWith(prefix) && l.weights.length > 0 && !copied.includes(l.name),
  );
  if (copied.length > 0 && missing.length > 0) {
    throw new Error(
      `transferWeights: the target's ${missing.map((l) => `'${l.name}'`).join(', ')} ha${missing.length > 1 ? 've' : 's'} no twin in the source (different architectures)`,
    );
  }
  if (copied.length === 0) {
    throw new Error(`transferWeights: the models share no layer named '${prefix}…' with weights`);
  }
  return { copied };
}
