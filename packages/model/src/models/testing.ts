/**
 * A toy, linearly separable data set in the models' input format, for tests: class c of n rows
 * (c = row mod numClasses) shows as face brightness, as the level of the first physiological
 * channel and as the first feature, each with seeded noise.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, ModelKind } from './config.js';
import { modelInputs } from './build.js';
import { uniformStream } from './initializers.js';

export interface ToyData {
  /** The model's inputs, in its input order. */
  readonly xs: tf.Tensor[];
  /** One-hot labels [n, numClasses]. */
  readonly ys: tf.Tensor2D;
  readonly labels: Int32Array;
}

export function toyData(kind: ModelKind, cfg: ModelConfig, n: number, seed = 1): ToyData {
  const rand = uniformStream(seed);
  const k = cfg.numClasses;
  const labels = Int32Array.from({ length: n }, (_, i) => i % k);
  const xs: tf.Tensor[] = [];
  for (const input of modelInputs(kind, cfg)) {
    if (input === 'face') {
      const per = cfg.imageSize * cfg.imageSize * cfg.frames;
      const v = new Float32Array(n * per);
      for (let i = 0; i < n; i++) {
        const level = (200 * labels[i]) / Math.max(1, k - 1);
        for (let j = 0; j < per; j++) v[i * per + j] = Math.min(255, level + 40 * rand());
      }
      xs.push(tf.tensor4d(v, [n, cfg.imageSize, cfg.imageSize, cfg.frames]));
    } else if (input === 'physio') {
      const per = cfg.seqLength * cfg.channels;
      const v = new Float32Array(n * per);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < per; j++) {
          const level = j % cfg.channels === 0 ? labels[i] - (k - 1) / 2 : 0;
          v[i * per + j] = level + 0.5 * (rand() - 0.5);
        }
      }
      xs.push(tf.tensor3d(v, [n, cfg.seqLength, cfg.channels]));
    } else {
      const v = new Float32Array(n * cfg.numFeatures);
      for (let i = 0; i < n; i++) {
        for (let f = 0; f < cfg.numFeatures; f++) {
          v[i * cfg.numFeatures + f] = (f === 0 ? labels[i] : 0) + 0.5 * (rand() - 0.5);
        }
      }
      xs.push(tf.tensor2d(v, [n, cfg.numFeatures]));
    }
  }
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), k).toFloat() as tf.Tensor2D);
  return { xs, ys, labels };
}

/** Tiny sizes for tests: the cpu backend's conv gradients are slow, and these test behaviour. */
export const TINY_CONFIG: Partial<ModelConfig> = {
  imageSize: 12,
  convLayers: 2,
  filters: 4,
  seqLength: 32,
  physioConvLayers: 1,
  physioFilters: 4,
  lstmUnits: 8,
  denseUnits: [16],
  dropout: 0.25,
  learningRate: 0.03,
};
