/**
 * A batch of the streaming data pipeline (@emo/samples) as the tensors a model takes: its inputs in
 * the model's input order, plus one-hot labels.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '@emo/samples';
import type { InputName } from '@emo/samples';
import type { ModelShape } from '../models/index.js';
import { dim } from '../models/index.js';
import { faceStatsSize } from '@emo/samples';

/** The model's inputs for `batch`, in `inputs` order (dispose them after use). */
export function batchInputs(
  batch: Batch,
  inputs: readonly InputName[],
  shape: ModelShape,
): tf.Tensor[] {
  const n = batch.size;
  return inputs.map((name) => {
    const v = batch.inputs[name];
    if (!v)
      throw new Error(`batch has no '${name}' input (the data pipeline was not asked for it)`);
    if (name === 'face') {
      const side = dim(shape, 'imageSize');
      return tf.tensor4d(v, [n, side, side, dim(shape, 'frames')]);
    }
    if (name === 'physio')
      return tf.tensor3d(v, [n, dim(shape, 'seqLength'), dim(shape, 'channels')]);
    if (name === 'faceStats') return tf.tensor2d(v, [n, faceStatsSize(dim(shape, 'frames'))]);
    return tf.tensor2d(v, [n, dim(shape, 'numFeatures')]);
  });
}

/** One-hot labels [n, numClasses]. */
export function oneHotLabels(labels: Int32Array, numClasses: number): tf.Tensor2D {
  return tf.tidy(
    () => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat() as tf.Tensor2D,
  );
}
