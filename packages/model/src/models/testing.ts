/**
 * A toy, linearly separable data set in the models' input format, for tests: class c of n rows
 * (c = row mod numClasses) shows as face brightness, as the level of the first physiological
 * channel and as the first feature, each with seeded noise.
 */
import * as tf from '@tensorflow/tfjs';
import { faceStatsSize } from '@emo/samples';
import type { ModelConfig, ModelKind } from './config.js';
import { modelInputs } from './config.js';
import type { ModelShape } from './shape.js';
import { uniformStream } from './initializers.js';

export interface ToyData {
  /** The model's inputs, in its input order. */
  readonly xs: tf.Tensor[];
  /** One-hot labels [n, numClasses]. */
  readonly ys: tf.Tensor2D;
  readonly labels: Int32Array;
}

export function toyData(
  kind: ModelKind,
  cfg: ModelConfig,
  shape: Shape,
  n: number,
  seed = 1,
): ToyData {
  const rand = uniformStream(seed);
  const k = shape.numClasses;
  const labels = Int32Array.from({ length: n }, (_, i) => i % k);
  const xs: tf.Tensor[] = [];
  for (const input of modelInputs(kind, cfg)) {
    if (input === 'face') {
      const per = shape.imageSize * shape.imageSize * shape.frames;
      const v = new Float32Array(n * per);
      for (let i = 0; i < n; i++) {
        const level = (200 * labels[i]) / Math.max(1, k - 1);
        for (let j = 0; j < per; j++) v[i * per + j] = Math.min(255, level + 40 * rand());
      }
      xs.push(tf.tensor4d(v, [n, shape.imageSize, shape.imageSize, shape.frames]));
    } else if (input === 'physio') {
      const per = shape.seqLength * shape.channels;
      const v = new Float32Array(n * per);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < per; j++) {
          const level = j % shape.channels === 0 ? labels[i] - (k - 1) / 2 : 0;
          v[i * per + j] = level + 0.5 * (rand() - 0.5);
        }
      }
      xs.push(tf.tensor3d(v, [n, shape.seqLength, shape.channels]));
    } else if (input === 'faceStats') {
      const per = faceStatsSize(shape.frames);
      const v = new Float32Array(n * per);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < per; j++) v[i * per + j] = (200 * labels[i]) / k + 40 * rand();
      }
      xs.push(tf.tensor2d(v, [n, per]));
    } else {
      const v = new Float32Array(n * shape.numFeatures);
      for (let i = 0; i < n; i++) {
        for (let f = 0; f < shape.numFeatures; f++) {
          v[i * shape.numFeatures + f] = (f === 0 ? labels[i] : 0) + 0.5 * (rand() - 0.5);
        }
      }
      xs.push(tf.tensor2d(v, [n, shape.numFeatures]));
    }
  }
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), k).toFloat() as tf.Tensor2D);
  return { xs, ys, labels };
}

/** A shape with every input present (what the toy data and tiny shards are made of). */
export type Shape = { readonly [K in keyof ModelShape]: NonNullable<ModelShape[K]> };

/**
 * The sizes of the study's data with the pipeline's defaults (10-s windows at 32 Hz, 4 channels,
 * 11 features, 48×48 crops, one frame, five classes), for tests that check the study's
 * architecture and its parameter counts.
 */
export const STUDY_SHAPE: Shape = Object.freeze({
  imageSize: 48,
  frames: 1,
  seqLength: 320,
  channels: 4,
  numFeatures: 11,
  numClasses: 5,
});

/** Tiny sizes for tests: the cpu backend's conv gradients are slow, and these test behaviour. */
export const TINY_SHAPE: Shape = Object.freeze({ ...STUDY_SHAPE, imageSize: 12, seqLength: 32 });

/** A tiny architecture for {@link TINY_SHAPE}. */
export const TINY_CONFIG: Partial<ModelConfig> = {
  convLayers: 2,
  filters: 4,
  physioConvLayers: 1,
  physioFilters: 4,
  lstmUnits: 8,
  denseUnits: [16],
  dropout: 0.25,
  learningRate: 0.03,
};
