/**
 * A batch of the streaming data pipeline (`../data`) as the tensors a model takes: its inputs in
 * the model's input order, plus one-hot labels.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/index.js';
import type { InputName } from '../models/index.js';
import type { ModelConfig } from '../models/index.js';

/** The model's inputs for `batch`, in `inputs` order (dispose them after use). */
export function batchInputs(
  batch: Batch,
  inputs: readonly InputName[],
  cfg: ModelConfig,
): tf.Tensor[] {
  const n = batch.size;
  return inputs.map((name) => {
    const v = batch.inputs[name];
    if (!v)
      throw new Error(`batch has no '${name}' input (the data pipeline was not asked for it)`);
    if (name === 'face') return tf.tensor4d(v, [n, cfg.imageSize, cfg.imageSize, cfg.frames]);
    if (name === 'physio') return tf.tensor3d(v, [n, cfg.seqLength, cfg.channels]);
    return tf.tensor2d(v, [n, cfg.numFeatures]);
  });
}

/** One-hot labels [n, numClasses]. */
export function oneHotLabels(labels: Int32Array, numClasses: number): tf.Tensor2D {
  return tf.tidy(
    () => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat() as tf.Tensor2D,
  );
}
