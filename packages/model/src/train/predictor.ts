/**
 * A saved model ready for one sample at a time (a live stream's windows): its signature, and
 * class probabilities for one sample's inputs in the layout of a batch of one (@emo/samples).
 */
import * as tf from '@tensorflow/tfjs';
import type { InputName } from '@emo/samples';
import { describeBackend, selectBackend } from '../backend/index.js';
import { loadModel } from '../io/index.js';
import type { ModelSignature } from '../models/index.js';
import { modelSignature } from './predict.js';
import { batchInputs } from './tensors.js';

export interface Predictor {
  readonly signature: ModelSignature;
  /** The tfjs backend it runs on, in words. */
  readonly backend: string;
  /** Class probabilities of one sample (every input the model takes, batch-of-one layout). */
  predict(inputs: Partial<Record<InputName, Float32Array>>): Float32Array;
  dispose(): void;
}

/** Load the saved model in `modelDir` (selecting the tfjs backend first) for one-by-one use. */
export async function openPredictor(modelDir: string): Promise<Predictor> {
  const backend = describeBackend(await selectBackend({ quiet: true }));
  const model = await loadModel(modelDir);
  const signature = modelSignature(model);
  return {
    signature,
    backend,
    predict(inputs) {
      const batch = { size: 1, inputs, keys: [], labels: new Int32Array(1) };
      return tf.tidy(() => {
        const xs = batchInputs(batch, signature.inputs, signature.shape);
        const y = model.predict(xs) as tf.Tensor;
        return y.dataSync() as Float32Array;
      });
    },
    dispose: () => model.dispose(),
  };
}
