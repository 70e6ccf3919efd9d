/**
 * Model builders (tfjs layers, functional API): the face CNN and the physiological RNN as
 * branches, the fused hybrid, and the CNN-only and RNN-only baselines built from the very same
 * pieces and head, compiled the same way (Adam, categorical cross-entropy).
 *
 * Inputs (named, in this order where present), sized by the data ({@link ModelShape}):
 * - `face`: [S, S, K] float32 holding the shard's grey bytes as they are, 0–255. The model
 *   scales them to [0, 1] itself (its first layer), so callers only widen uint8 to float32.
 * - `physio`: [T, C] float32, time-major (the `windows` shard's `physio` as it is: z-scored).
 * - `features`: [F] float32, raw (ms, µS, counts). The model standardises them itself with a
 *   mean and SD stored as non-trainable weights (set them with {@link setFeatureStats} from the
 *   training data); NaN or infinite features become 0, the mean.
 * - `faceStats`: [G²·K] float32, region means of the crops (@emo/samples), standardised the
 *   same way (its own layer, {@link FACE_STATS_LAYER}).
 * Output `probs`: softmax over the classes.
 *
 * Layer names are fixed (`face_conv1`, `physio_lstm1`, `head_dense1`, …) and every initialiser
 * and dropout layer is seeded from `seed` and its layer name: one seed fixes every weight, the
 * same branch starts from the same weights in the hybrid and in its baseline, and the face
 * branch's weights can be moved between models by layer name (pretraining, then fine-tuning).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, ModelKind } from './config.js';
import {
  MODEL_KINDS,
  ModelConfigError,
  filtersPerLayer,
  isLogisticRegression,
  modelInputs,
  resolveModelConfig,
} from './config.js';
import { faceStatsSize } from '@emo/samples';
import type { EmoModelMetadata, ModelLabels } from './signature.js';
import type { ModelShape } from './shape.js';
import { checkArchitecture, dim } from './shape.js';
import { FusedLstm } from './fused-lstm.js';
import { SeededDropout, Standardize } from './layers.js';
import { deriveSeed } from '@emo/runtime';

/** Name of the output layer (softmax over the classes). */
export const OUTPUT_NAME = 'probs';
/** Name of the layer whose output is the face embedding. */
export const FACE_EMBEDDING_LAYER = 'face_embedding';
/** Name of the layer that standardises the window features. */
export const FEATURES_LAYER = 'features_standardize';
/** Name of the layer that standardises the face statistics. */
export const FACE_STATS_LAYER = 'face_stats_standardize';

type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

function glorot(cfg: ModelConfig, name: string): Initializer {
  return tf.initializers.glorotUniform({ seed: deriveSeed(cfg.seed, `${name}/kernel`) });
}

function applyLayer(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) {
  return layer.apply(x) as tf.SymbolicTensor;
}

/** The `face` input: [imageSize, imageSize, frames]. */
export function faceInput(shape: ModelShape): tf.SymbolicTensor {
  const side = dim(shape, 'imageSize');
  return tf.input({ name: 'face', shape: [side, side, dim(shape, 'frames')] });
}

/** The `physio` input: [seqLength, channels]. */
export function physioInput(shape: ModelShape): tf.SymbolicTensor {
  return tf.input({ name: 'physio', shape: [dim(shape, 'seqLength'), dim(shape, 'channels')] });
}

/** The `features` input: [numFeatures]. */
export function featuresInput(shape: ModelShape): tf.SymbolicTensor {
  return tf.input({ name: 'features', shape: [dim(shape, 'numFeatures')] });
}

/** The `faceStats` input: [FACE_STATS_GRID² × frames]. */
export function faceStatsInput(shape: ModelShape): tf.SymbolicTensor {
  return tf.input({ name: 'faceStats', shape: [faceStatsSize(dim(shape, 'frames'))] });
}

/**
 * Face branch on a `face` input: ×1/255, then `convLayers` × (Conv2D 'same' + ReLU, MaxPool
 * 2×2), then global average (or max) pooling: the embedding, as wide as the last conv layer.
 */
export function faceBranch(face: tf.SymbolicTensor, cfg: ModelConfig): tf.SymbolicTensor {
  let h = applyLayer(tf.layers.rescaling({ scale: 1 / 255, name: 'face_rescale' }), face);
  filtersPerLayer(cfg.filters, cfg.convLayers).forEach((filters, i) => {
    const name = `face_conv${i + 1}`;
    h = applyLayer(
      tf.layers.conv2d({
        name,
        filters,
        kernelSize: cfg.kernelSize,
        padding: 'same',
        activation: cfg.faceBatchNorm ? 'linear' : 'relu',
        kernelInitializer: glorot(cfg, name),
      }),
      h,
    );
    if (cfg.faceBatchNorm) {
      // Momentum 0.9 (PyTorch's default): moving statistics settle within an epoch of a small set.
      h = applyLayer(tf.layers.batchNormalization({ name: `face_bn${i + 1}`, momentum: 0.9 }), h);
      h = applyLayer(tf.layers.reLU({ name: `face_relu${i + 1}` }), h);
    }
    h = applyLayer(tf.layers.maxPooling2d({ name: `face_pool${i + 1}`, poolSize: 2 }), h);
  });
  const pool =
    cfg.facePooling === 'avg'
      ? tf.layers.globalAveragePooling2d({ name: FACE_EMBEDDING_LAYER })
      : cfg.facePooling === 'max'
        ? tf.layers.globalMaxPooling2d({ name: FACE_EMBEDDING_LAYER })
        : tf.layers.flatten({ name: FACE_EMBEDDING_LAYER });
  return applyLayer(pool, h);
}

/**
 * Physiological branch on a `physio` input: `physioConvLayers` × (Conv1D 'same' with stride +
 * ReLU, MaxPool1D) to shorten the sequence, then `lstmLayers` LSTMs of `lstmUnits` (sigmoid
 * gates, as in PyTorch and Keras 2.x; {@link FusedLstm}: tfjs's LSTM maths as one op); the last
 * one's final state is the embedding.
 */
export function physioBranch(physio: tf.SymbolicTensor, cfg: ModelConfig): tf.SymbolicTensor {
  let h = physio;
  if (cfg.physioConvLayers > 0) {
    filtersPerLayer(cfg.physioFilters, cfg.physioConvLayers).forEach((filters, i) => {
      const name = `physio_conv${i + 1}`;
      h = applyLayer(
        tf.layers.conv1d({
          name,
          filters,
          kernelSize: cfg.physioKernelSize,
          strides: cfg.physioStride,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: glorot(cfg, name),
        }),
        h,
      );
      if (cfg.physioPoolSize > 1) {
        h = applyLayer(
          tf.layers.maxPooling1d({
            name: `physio_pool${i + 1}`,
            poolSize: cfg.physioPoolSize,
            strides: cfg.physioPoolSize,
          }),
          h,
        );
      }
    });
  }
  for (let i = 0; i < cfg.lstmLayers; i++) {
    const name = `physio_lstm${i + 1}`;
    h = applyLayer(
      new FusedLstm({
        name,
        units: cfg.lstmUnits,
        returnSequences: i < cfg.lstmLayers - 1,
        kernelSeed: deriveSeed(cfg.seed, `${name}/kernel`),
        recurrentSeed: deriveSeed(cfg.seed, `${name}/recurrent_kernel`),
      }),
      h,
    );
  }
  return h;
}

/** The `features` input standardised by the model's stored statistics (see setFeatureStats). */
export function featuresBranch(features: tf.SymbolicTensor): tf.SymbolicTensor {
  return applyLayer(new Standardize({ name: FEATURES_LAYER }), features);
}

/** The `faceStats` input standardised likewise (setFeatureStats with FACE_STATS_LAYER). */
export function faceStatsBranch(stats: tf.SymbolicTensor): tf.SymbolicTensor {
  return applyLayer(new Standardize({ name: FACE_STATS_LAYER }), stats);
}

/** Fusion head: concatenate, `denseUnits` × (Dense + ReLU, dropout), softmax over the classes. */
export function classifierHead(
  parts: tf.SymbolicTensor[],
  cfg: ModelConfig,
  numClasses: number,
): tf.SymbolicTensor {
  let h =
    parts.length === 1
      ? parts[0]
      : applyLayer(tf.layers.concatenate({ name: 'head_concat' }), parts);
  cfg.denseUnits.forEach((units, i) => {
    const name = `head_dense${i + 1}`;
    const activation = cfg.headBatchNorm ? 'linear' : 'relu';
    h = applyLayer(
      tf.layers.dense({ name, units, activation, kernelInitializer: glorot(cfg, name) }),
      h,
    );
    if (cfg.headBatchNorm) {
      h = applyLayer(tf.layers.batchNormalization({ name: `head_bn${i + 1}`, momentum: 0.9 }), h);
      h = applyLayer(tf.layers.reLU({ name: `head_relu${i + 1}` }), h);
    }
    if (cfg.dropout > 0) {
      const dropName = `head_dropout${i + 1}`;
      h = applyLayer(
        new SeededDropout({
          name: dropName,
          rate: cfg.dropout,
          seed: deriveSeed(cfg.seed, dropName),
        }),
        h,
      );
    }
  });
  return applyLayer(
    tf.layers.dense({
      name: OUTPUT_NAME,
      units: numClasses,
      activation: 'softmax',
      kernelInitializer: glorot(cfg, OUTPUT_NAME),
    }),
    h,
  );
}

/** Adam at `learningRate`, categorical cross-entropy, accuracy: how every model is trained. */
export function compileModel(model: tf.LayersModel, learningRate: number): void {
  model.compile({
    optimizer: tf.train.adam(learningRate),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
}

/** The face CNN alone, `face` → embedding (not compiled): an encoder, e.g. to inspect or pretrain. */
export function buildFaceCnn(config: Partial<ModelConfig>, shape: ModelShape): tf.LayersModel {
  const cfg = resolveModelConfig(config);
  checkArchitecture(cfg, shape);
  const face = faceInput(shape);
  return tf.model({ name: 'face_cnn', inputs: face, outputs: faceBranch(face, cfg) });
}

/** The physiological RNN alone, `physio` → embedding (not compiled). */
export function buildPhysioRnn(config: Partial<ModelConfig>, shape: ModelShape): tf.LayersModel {
  const cfg = resolveModelConfig(config);
  checkArchitecture(cfg, shape);
  const physio = physioInput(shape);
  return tf.model({ name: 'physio_rnn', inputs: physio, outputs: physioBranch(physio, cfg) });
}

/**
 * A compiled classifier of this kind: `hybrid` (face + physio [+ features]), `cnnOnly` (face
 * alone; `useFeatures` does not apply, the features being physiological), `rnnOnly` (physio
 * [+ features]) or `logreg` (the standardised features → softmax: a multinomial logistic
 * regression, fitted like the others by Adam with early stopping on validation loss, no other
 * penalty), its inputs and output sized by `shape` (the data's). The resolved config, the
 * shape and `labels` (what the outputs mean, when given) are kept in the model's user-defined
 * metadata (model.json).
 */
export function buildModel(
  kind: ModelKind,
  config: Partial<ModelConfig>,
  shape: ModelShape,
  labels?: ModelLabels,
): tf.LayersModel {
  if (!MODEL_KINDS.includes(kind)) {
    throw new ModelConfigError(
      null,
      `unknown model kind ${JSON.stringify(kind)}; expected one of ${MODEL_KINDS.join(', ')}`,
    );
  }
  if (labels && labels.classes.length !== shape.numClasses) {
    throw new ModelConfigError(
      null,
      `the ${labels.task} task has ${labels.classes.length} classes (${labels.classes.join(', ')}), the data ${shape.numClasses}`,
    );
  }
  const cfg = resolveModelConfig(config);
  checkArchitecture(cfg, shape);
  const inputs: tf.SymbolicTensor[] = [];
  const parts: tf.SymbolicTensor[] = [];
  for (const name of modelInputs(kind, cfg)) {
    if (name === 'face') {
      const x = faceInput(shape);
      inputs.push(x);
      parts.push(faceBranch(x, cfg));
    } else if (name === 'physio') {
      const x = physioInput(shape);
      inputs.push(x);
      parts.push(physioBranch(x, cfg));
    } else if (name === 'faceStats') {
      const x = faceStatsInput(shape);
      inputs.push(x);
      parts.push(faceStatsBranch(x));
    } else {
      const x = featuresInput(shape);
      inputs.push(x);
      parts.push(featuresBranch(x));
    }
  }
  // the logistic regressions: standardised inputs → softmax, no hidden layer
  const outputs = classifierHead(
    parts,
    isLogisticRegression(kind) ? { ...cfg, denseUnits: [], dropout: 0 } : cfg,
    shape.numClasses,
  );
  const model = tf.model({ name: kind, inputs, outputs });
  const meta: EmoModelMetadata = {
    kind,
    config: cfg,
    inputs: modelInputs(kind, cfg),
    shape,
    ...(labels ? { labels } : {}),
  };
  model.setUserDefinedMetadata({ emo: meta });
  compileModel(model, cfg.learningRate);
  return model;
}

/** The metadata {@link buildModel} stored in a model (also after loading), or null. */
export function modelMetadata(model: tf.LayersModel): EmoModelMetadata | null {
  const meta = model.getUserDefinedMetadata() as { emo?: EmoModelMetadata } | undefined;
  return meta?.emo ?? null;
}

/** Feature statistics that the model's `features` input is standardised with. */
export interface FeatureStats {
  readonly mean: ArrayLike<number>;
  readonly std: ArrayLike<number>;
}

/**
 * Mean and SD (n − 1) of each of `numFeatures` features over rows laid out row after row, finite
 * values only; an SD of 0 (or fewer than two values) becomes 1 and an all-missing mean 0.
 */
export function featureStats(rows: ArrayLike<number>, numFeatures: number): FeatureStats {
  if (!Number.isInteger(numFeatures) || numFeatures < 1 || rows.length % numFeatures !== 0) {
    throw new Error(
      `featureStats: ${rows.length} values are not whole rows of ${numFeatures} features`,
    );
  }
  const mean = new Float64Array(numFeatures);
  const m2 = new Float64Array(numFeatures);
  const n = new Float64Array(numFeatures);
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i];
    if (!Number.isFinite(v)) continue;
    const f = i % numFeatures;
    n[f]++;
    const d = v - mean[f];
    mean[f] += d / n[f];
    m2[f] += d * (v - mean[f]);
  }
  const std = new Float64Array(numFeatures);
  for (let f = 0; f < numFeatures; f++) {
    const sd = n[f] > 1 ? Math.sqrt(m2[f] / (n[f] - 1)) : 0;
    std[f] = sd > 0 ? sd : 1;
  }
  return { mean, std };
}

/**
 * Store the mean and SD of an input that the model standardises: `features` (its Standardize
 * layer, the default) or `faceStats` (layer {@link FACE_STATS_LAYER}).
 */
export function setFeatureStats(
  model: tf.LayersModel,
  stats: FeatureStats,
  layerName: string = FEATURES_LAYER,
): void {
  const layer = model.layers.find((l) => l.name === layerName);
  if (!layer) {
    throw new Error(`setFeatureStats: model '${model.name}' has no layer '${layerName}'`);
  }
  const n = layer.getWeights()[0].shape[0];
  if (stats.mean.length !== n || stats.std.length !== n) {
    throw new Error(
      `setFeatureStats: expected ${n} means and SDs, got ${stats.mean.length} and ${stats.std.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(stats.mean[i]) || !(stats.std[i] > 0) || !Number.isFinite(stats.std[i])) {
      throw new Error(
        `setFeatureStats: feature ${i} needs a finite mean and a positive SD, got ` +
          `${stats.mean[i]} and ${stats.std[i]}`,
      );
    }
  }
  const mean = tf.tensor1d(Array.from(stats.mean));
  const std = tf.tensor1d(Array.from(stats.std));
  layer.setWeights([mean, std]);
  mean.dispose();
  std.dispose();
}
