/**
 * Training a model of @emo/model on a sample index (`../data`): seeded shuffling per epoch
 * through the streaming data pipeline, Adam on (optionally class-weighted) cross-entropy, early
 * stopping on validation loss with the best weights restored, a checkpoint per epoch and resume
 * from it, and the training curves.
 *
 * Determinism: the batch order depends only on (shuffleSeed, epoch), dropout masks on the
 * model's seed and step (saved with it), and Adam's state is saved with every checkpoint, so a
 * run resumed from a checkpoint ends with the same weights as one that was never interrupted,
 * on the same backend.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@emo/runtime';
import type { Batch, SampleIndex } from '@emo/samples';
import { batches, classWeights, countByLabel, inputSize } from '@emo/samples';
import {
  FACE_STATS_LAYER,
  FEATURES_LAYER,
  featureStats,
  setFeatureStats,
} from '../models/index.js';
import type { CheckpointState } from './checkpoint.js';
import {
  CHECKPOINT_STATE_VERSION,
  clearCheckpoints,
  loadBestModel,
  loadEpochModel,
  readCheckpointState,
  writeCheckpoint,
} from './checkpoint.js';
import type { EpochLog } from './history.js';
import { weightedCrossEntropy } from './losses.js';
import type { ModelSignature } from '../models/index.js';
import { featureNormOf, modelSignature, predictSamples, scorePredictions } from './predict.js';
import { batchInputs, oneHotLabels } from './tensors.js';
import { augmentFaces, augmentationRng } from './augment.js';
import { FACE_PREFIX } from './transfer.js';
import type { FaceAugmentation } from './augment.js';
import { TRAIN_DEFAULTS } from './schedule.js';

export interface TrainOptions {
  readonly index: SampleIndex;
  /** Sample ids (see sampleId) to train on, and to validate on (early stopping). */
  readonly trainIds: ReadonlySet<string>;
  readonly valIds?: ReadonlySet<string>;
  /** At most this many epochs ({@link TRAIN_DEFAULTS} for this and the next four). */
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Stop after this many epochs without a lower validation loss (0 = never). */
  readonly patience?: number;
  /** The improvement that counts. */
  readonly minDelta?: number;
  /**
   * Multiply the learning rate by `factor` after `patience` epochs without a lower validation
   * loss, and again after each further `patience` (Keras' ReduceLROnPlateau). Default: never.
   * Give early stopping a longer patience, or it stops first.
   */
  readonly lrDrop?: LearningRateDrop;
  /** 'balanced': weight class c by n / (k · n_c) in the loss. */
  readonly classWeighting?: 'none' | 'balanced';
  /** Seed of the batch order (default: the model's seed). */
  readonly shuffleSeed?: number;
  /**
   * Augment the `face` input of every training batch (augment.ts; seeded by the batch order's
   * seed, the epoch and the batch). Validation and test samples are never augmented.
   */
  readonly augment?: FaceAugmentation;
  /**
   * The face branch's (layers `face_…`) learning rate as a share of the model's: 1 (default)
   * trains it like the rest, 0 freezes it (its weights, batch-norm statistics included, stay
   * as they are), 0.1 fine-tunes a pretrained branch gently. Each step's change of those
   * weights is scaled by it: with Adam, whose moment estimates do not depend on the learning
   * rate, exactly a learning rate × scale for them.
   */
  readonly faceLearningRateScale?: number;
  /** Write checkpoints here and resume from the ones found (when they match this run). */
  readonly checkpointDir?: string;
  readonly onEpoch?: (log: EpochLog) => void;
  /** Batches done in the current epoch, of about `total`. */
  readonly onBatch?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

export interface LearningRateDrop {
  /** In (0, 1). */
  readonly factor: number;
  /** Epochs without improvement before each drop, ≥ 1. */
  readonly patience: number;
}

export interface TrainResult {
  /** The trained model, with the best epoch's weights (the given one, or a resumed one). */
  readonly model: tf.LayersModel;
  readonly history: readonly EpochLog[];
  /** 1-based epoch whose weights the model has (the last one without validation data). */
  readonly bestEpoch: number;
  readonly bestValLoss: number | null;
  readonly stoppedEarly: boolean;
  /** Completed epochs found in the checkpoint folder at the start (0 for a fresh start). */
  readonly resumedAt: number;
  readonly classWeights: readonly number[] | null;
  readonly samples: { readonly train: number; readonly val: number };
}

export class TrainingCancelledError extends Error {
  constructor() {
    super('training cancelled');
    this.name = 'TrainingCancelledError';
  }
}

function weightsHash(model: tf.LayersModel): string {
  const h = createHash('sha256');
  for (const w of model.getWeights()) {
    const d = w.dataSync() as Float32Array;
    h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return h.digest('hex');
}

function idsHash(ids: ReadonlySet<string> | undefined): string {
  return createHash('sha256')
    .update([...(ids ?? [])].sort().join('\n'))
    .digest('hex');
}

function fingerprint(
  model: tf.LayersModel,
  sig: ModelSignature,
  opts: TrainOptions,
  shuffleSeed: number,
): string {
  const what = {
    kind: sig.kind,
    config: sig.config,
    shape: sig.shape,
    init: weightsHash(model),
    train: idsHash(opts.trainIds),
    val: idsHash(opts.valIds),
    batchSize: opts.batchSize ?? TRAIN_DEFAULTS.batchSize,
    classWeighting: opts.classWeighting ?? TRAIN_DEFAULTS.classWeighting,
    shuffleSeed,
    minDelta: opts.minDelta ?? TRAIN_DEFAULTS.minDelta,
    ...(opts.augment ? { augment: opts.augment } : {}),
    ...(opts.lrDrop ? { lrDrop: opts.lrDrop } : {}),
    ...(opts.faceLearningRateScale === undefined || opts.faceLearningRateScale === 1
      ? {}
      : { faceLearningRateScale: opts.faceLearningRateScale }),
  };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex');
}

/** The inputs a model standardises with the training data's mean and SD, and their layers. */
const STANDARDISED = [
  ['features', FEATURES_LAYER],
  ['faceStats', FACE_STATS_LAYER],
] as const;

/** Mean/SD of the training samples' `features` (or `faceStats`), streamed. */
async function trainingFeatureStats(
  index: SampleIndex,
  ids: ReadonlySet<string>,
  input: 'features' | 'faceStats',
  featureNorm: 'none' | 'subject',
) {
  const parts: Float32Array[] = [];
  const opts = { ids, inputs: [input], batchSize: 512, featureNorm };
  for await (const b of batches(index, opts)) {
    const x = b.inputs[input];
    if (x) parts.push(x);
  }
  const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return featureStats(all, inputSize(index, input));
}

interface EpochTotals {
  loss: number;
  correct: number;
  n: number;
}

/** The batch with its face crops augmented (a batch without faces as it is). */
function augmentedBatch(b: Batch, sig: ModelSignature, a: FaceAugmentation, rng: Rng): Batch {
  const face = b.inputs.face;
  if (!face) return b;
  const { imageSize, frames } = sig.shape;
  const augmented = augmentFaces(face, b.size, imageSize as number, frames as number, a, rng);
  return { ...b, inputs: { ...b.inputs, face: augmented } };
}

/**
 * Run `layers` in inference mode while `fn` runs, whatever the model is called with: a frozen
 * face branch's batch normalisation then uses its stored statistics in training as at
 * prediction (Keras' rule for frozen batch-norm layers), not each batch's own.
 */
async function inInferenceMode<T>(layers: readonly tf.layers.Layer[], fn: () => Promise<T>) {
  type Call = tf.layers.Layer['call'];
  const saved = layers.map((l) => [l, l.call] as const);
  for (const [l, call] of saved) {
    l.call = ((inputs, kwargs) => call.call(l, inputs, { ...kwargs, training: false })) as Call;
  }
  try {
    return await fn();
  } finally {
    for (const [l, call] of saved) l.call = call;
  }
}

/** One epoch's run: the model, what it trains on and how, and which weights learn how fast. */
interface EpochRun {
  readonly model: tf.LayersModel;
  readonly sig: ModelSignature;
  readonly opts: TrainOptions;
  readonly seed: number;
  readonly epoch: number;
  readonly weights: readonly number[] | null;
  readonly totalBatches: number;
}

async function trainOneEpoch(run: EpochRun): Promise<EpochTotals> {
  const { model, opts } = run;
  const scale = opts.faceLearningRateScale ?? 1;
  const faceLayers = model.layers.filter((l) => l.name.startsWith(FACE_PREFIX));
  // the face branch's weights, trainable or not (batch-norm statistics)
  const faceWeights = faceLayers.flatMap((l) => l.weights.map((w) => w.read() as tf.Variable));
  // frozen: left out of the step, batch norm in inference mode, so nothing of it changes
  const frozen = new Set(scale === 0 ? faceWeights : []);
  const vars = model.trainableWeights
    .map((w) => w.read() as tf.Variable)
    .filter((v) => !frozen.has(v));
  const frozenNorms =
    scale === 0 ? faceLayers.filter((l) => l.getClassName() === 'BatchNormalization') : [];
  // slower: each step's change scaled afterwards
  const scaled = scale === 0 || scale === 1 ? [] : faceWeights;
  return inInferenceMode(frozenNorms, () => epochBatches(run, vars, scaled, scale));
}

/** The epoch's batches: a step of `vars` each, `face`'s change scaled by `scale`. */
async function epochBatches(
  { model, sig, opts, seed, epoch, weights, totalBatches }: EpochRun,
  vars: tf.Variable[],
  face: tf.Variable[],
  scale: number,
): Promise<EpochTotals> {
  const optimizer = model.optimizer;
  const totals: EpochTotals = { loss: 0, correct: 0, n: 0 };
  let done = 0;
  const augment = opts.augment && sig.inputs.includes('face') ? opts.augment : null;
  for await (const b of batches(opts.index, {
    ids: opts.trainIds,
    inputs: sig.inputs,
    batchSize: opts.batchSize ?? TRAIN_DEFAULTS.batchSize,
    shuffle: { seed, epoch },
    featureNorm: featureNormOf(sig),
  })) {
    if (opts.signal?.aborted) throw new TrainingCancelledError();
    const batch = augment ? augmentedBatch(b, sig, augment, augmentationRng(seed, epoch, done)) : b;
    const xs = batchInputs(batch, sig.inputs, sig.shape);
    const ys = oneHotLabels(batch.labels, sig.shape.numClasses);
    const kept: tf.Tensor[] = [];
    const before = face.map((v) => tf.clone(v));
    const loss = optimizer.minimize(
      () => {
        const probs = model.apply(xs.length === 1 ? xs[0] : xs, { training: true }) as tf.Tensor;
        kept.push(tf.keep(tf.sum(tf.equal(tf.argMax(probs, -1), tf.argMax(ys, -1)).toFloat())));
        return weightedCrossEntropy(probs, ys, weights);
      },
      true,
      vars,
    ) as tf.Scalar;
    // w ← w_before + scale · (w_after − w_before): the face branch's slower learning
    tf.tidy(() =>
      face.forEach((v, i) => v.assign(tf.add(before[i], tf.mul(tf.sub(v, before[i]), scale)))),
    );
    tf.dispose(before);
    totals.loss += (await loss.data())[0] * batch.size;
    totals.correct += (await kept[0].data())[0];
    totals.n += batch.size;
    tf.dispose([...xs, ys, loss, ...kept]);
    opts.onBatch?.(++done, totalBatches);
  }
  return totals;
}

/** Adam's learning rate, read at every step (tfjs keeps it as a plain field). */
interface HasLearningRate {
  learningRate: number;
}

function checkLrDrop(d: LearningRateDrop | undefined): void {
  if (!d) return;
  if (!(d.factor > 0 && d.factor < 1) || !(Number.isInteger(d.patience) && d.patience >= 1)) {
    throw new RangeError(
      `trainModel: lrDrop needs a factor in (0, 1) and an integer patience ≥ 1, got factor ${d.factor}, patience ${d.patience}`,
    );
  }
}

/** Train `model` (built by buildModel, or loaded) on the index's training samples. */
export async function trainModel(model: tf.LayersModel, opts: TrainOptions): Promise<TrainResult> {
  let sig = modelSignature(model);
  const epochs = opts.epochs ?? TRAIN_DEFAULTS.epochs;
  const patience = opts.patience ?? TRAIN_DEFAULTS.patience;
  const minDelta = opts.minDelta ?? TRAIN_DEFAULTS.minDelta;
  const seed = opts.shuffleSeed ?? sig.config.seed;
  const counts = countByLabel(opts.index, opts.trainIds);
  const nTrain = counts.reduce((a, b) => a + b, 0);
  const nVal = opts.valIds ? countByLabel(opts.index, opts.valIds).reduce((a, b) => a + b, 0) : 0;
  if (nTrain === 0) throw new Error('trainModel: no training samples (check the split and labels)');
  if (nTrain !== opts.trainIds.size) {
    throw new Error(
      `trainModel: ${opts.trainIds.size - nTrain} of ${opts.trainIds.size} training ids are unlabelled or not in the index`,
    );
  }
  checkLrDrop(opts.lrDrop);
  const weights = opts.classWeighting === 'balanced' ? classWeights(counts) : null;
  const totalBatches = Math.ceil(nTrain / (opts.batchSize ?? TRAIN_DEFAULTS.batchSize));

  const fp = fingerprint(model, sig, opts, seed);
  const dir = opts.checkpointDir;
  let state: CheckpointState = {
    version: CHECKPOINT_STATE_VERSION,
    fingerprint: fp,
    epoch: 0,
    history: [],
    bestEpoch: 0,
    bestValLoss: null,
    wait: 0,
    stopped: false,
  };
  let best: tf.Tensor[] | null = null;
  let resumedAt = 0;
  const saved = dir ? readCheckpointState(dir) : null;
  if (dir && saved && saved.fingerprint === fp && saved.epoch > 0) {
    model.dispose();
    model = await loadEpochModel(dir, saved);
    sig = modelSignature(model);
    const bestModel = await loadBestModel(dir, saved);
    if (bestModel) {
      best = bestModel.getWeights().map((w) => w.clone());
      bestModel.dispose();
    }
    state = saved;
    resumedAt = saved.epoch;
    if (saved.learningRate !== undefined) {
      (model.optimizer as unknown as HasLearningRate).learningRate = saved.learningRate;
    }
  } else {
    if (dir) clearCheckpoints(dir);
    for (const [input, layer] of STANDARDISED) {
      if (!sig.inputs.includes(input)) continue;
      const stats = await trainingFeatureStats(
        opts.index,
        opts.trainIds,
        input,
        featureNormOf(sig),
      );
      setFeatureStats(model, stats, layer);
    }
  }

  while (!state.stopped && state.epoch < epochs) {
    const epoch = state.epoch + 1;
    const t0 = performance.now();
    const totals = await trainOneEpoch({ model, sig, opts, seed, epoch, weights, totalBatches });
    const trainSeconds = (performance.now() - t0) / 1000;
    let valLoss: number | null = null;
    let valAccuracy: number | null = null;
    if (nVal > 0 && opts.valIds) {
      const s = scorePredictions(
        await predictSamples(model, opts.index, { ids: opts.valIds, signal: opts.signal }),
      );
      valLoss = s.loss;
      valAccuracy = s.accuracy;
    }
    const optimizer = model.optimizer as unknown as HasLearningRate;
    const log: EpochLog = {
      epoch,
      loss: totals.loss / totals.n,
      accuracy: totals.correct / totals.n,
      valLoss,
      valAccuracy,
      seconds: (performance.now() - t0) / 1000,
      samplesPerSecond: totals.n / trainSeconds,
      ...(opts.lrDrop ? { learningRate: optimizer.learningRate } : {}),
    };
    const improved =
      valLoss == null ||
      state.bestValLoss == null ||
      (Number.isFinite(valLoss) && valLoss < state.bestValLoss - minDelta);
    if (improved) {
      tf.dispose(best ?? []);
      best = model.getWeights().map((w) => w.clone());
    }
    const wait = improved ? 0 : state.wait + 1;
    // the next epochs' learning rate: dropped after every `patience` epochs without improvement
    if (opts.lrDrop && wait > 0 && wait % opts.lrDrop.patience === 0) {
      optimizer.learningRate *= opts.lrDrop.factor;
    }
    state = {
      ...state,
      ...(opts.lrDrop ? { learningRate: optimizer.learningRate } : {}),
      epoch,
      history: [...state.history, log],
      bestEpoch: improved ? epoch : state.bestEpoch,
      bestValLoss: improved ? valLoss : state.bestValLoss,
      wait,
      stopped: valLoss != null && patience > 0 && wait >= patience,
    };
    if (dir) await writeCheckpoint(dir, model, state, improved);
    opts.onEpoch?.(log);
  }
  if (best) {
    model.setWeights(best);
    tf.dispose(best);
  }
  return {
    model,
    history: state.history,
    bestEpoch: state.bestEpoch,
    bestValLoss: state.bestValLoss,
    stoppedEarly: state.stopped,
    resumedAt,
    classWeights: weights,
    samples: { train: nTrain, val: nVal },
  };
}
