/**
 * Inference over a sample index: class probabilities for every selected sample, streamed batch by
 * batch (memory bounded by the batch size and the data pipeline's open shards), in index order.
 */
import * as tf from '@tensorflow/tfjs';
import type { SampleIndex, SampleKey } from '@emo/samples';
import { batches } from '@emo/samples';
import type { ModelSignature } from '../models/index.js';
import { modelMetadata, signatureOf } from '../models/index.js';
import { rowCrossEntropy } from './losses.js';
import { batchInputs } from './tensors.js';

export interface Predictions {
  readonly keys: readonly SampleKey[];
  /** True class indices (the index's class order). */
  readonly labels: Int32Array;
  /** rows × numClasses probabilities. */
  readonly probs: Float32Array;
  readonly numClasses: number;
}

/** How batches scale the features for this model (its config's `featureNorm`). */
export function featureNormOf(sig: ModelSignature): 'none' | 'subject' {
  return sig.config.featureNorm === 'subject' ? 'subject' : 'none';
}

/** The signature stored in a model by buildModel. */
export function modelSignature(model: tf.LayersModel): ModelSignature {
  const meta = modelMetadata(model);
  if (!meta) {
    throw new Error(
      `model '${model.name}' carries no emo metadata (kind, config): it was not built by @emo/model`,
    );
  }
  return signatureOf(meta);
}

export interface PredictOptions {
  /** Only these sample ids (see sampleId); all samples of the index when absent. */
  readonly ids?: ReadonlySet<string>;
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
}

/** Class probabilities of the model for the selected samples of `index`. */
export async function predictSamples(
  model: tf.LayersModel,
  index: SampleIndex,
  opts: PredictOptions = {},
): Promise<Predictions> {
  const sig = modelSignature(model);
  const k = sig.shape.numClasses;
  const keys: SampleKey[] = [];
  const labels: number[] = [];
  const chunks: Float32Array[] = [];
  for await (const batch of batches(index, {
    featureNorm: featureNormOf(sig),
    ids: opts.ids,
    inputs: sig.inputs,
    batchSize: opts.batchSize ?? 64,
  })) {
    if (opts.signal?.aborted) throw new Error('prediction cancelled');
    const xs = batchInputs(batch, sig.inputs, sig.shape);
    const out = model.predict(xs.length === 1 ? xs[0] : xs) as tf.Tensor;
    chunks.push((await out.data()) as Float32Array);
    tf.dispose([...xs, out]);
    keys.push(...batch.keys);
    labels.push(...batch.labels);
  }
  const probs = new Float32Array(keys.length * k);
  let o = 0;
  for (const c of chunks) {
    probs.set(c, o);
    o += c.length;
  }
  return { keys, labels: Int32Array.from(labels), probs, numClasses: k };
}

export interface Scores {
  readonly n: number;
  /** Mean cross-entropy (unweighted). */
  readonly loss: number;
  readonly accuracy: number;
}

/** Loss and accuracy of predictions against their true labels (unlabelled rows left out). */
export function scorePredictions(p: Pick<Predictions, 'labels' | 'probs' | 'numClasses'>): Scores {
  let n = 0;
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < p.labels.length; i++) {
    if (p.labels[i] < 0) continue; // unlabelled (kept for inference only)
    n++;
    const off = i * p.numClasses;
    loss += rowCrossEntropy(p.probs, off, p.labels[i]);
    let best = 0;
    for (let c = 1; c < p.numClasses; c++) if (p.probs[off + c] > p.probs[off + best]) best = c;
    if (best === p.labels[i]) correct++;
  }
  if (n === 0) return { n, loss: NaN, accuracy: NaN };
  return { n, loss: loss / n, accuracy: correct / n };
}
