/**
 * One training job as plain data, so that it can run in this process or in a worker process:
 * index the samples, build a model sized by them (or transfer a pretrained face branch into it),
 * train it on a split of the index, save the best model, and predict the held-out samples.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { RatingSplit, TaskName } from '@emo/datasets';
import { DEFAULT_TASK, RATING_SPLIT_DEFAULTS } from '@emo/datasets';
import type { SubjectShards } from '@emo/samples';
import { indexSamples, sampleId } from '@emo/samples';
import { describeBackend, selectBackend } from '../backend/index.js';
import { loadModel, saveModel } from '../io/index.js';
import type { ModelConfig, ModelKind, ModelShape } from '../models/index.js';
import {
  buildModel,
  checkModelFits,
  checkPretrainedFaces,
  withPretrainedFaceBranch,
  modelInputs,
  resolveModelConfig,
  shapeOf,
} from '../models/index.js';
import type { EpochLog } from '../train/index.js';
import type { FaceAugmentation } from '../train/augment.js';
import type { LearningRateDrop } from '../train/trainer.js';
import {
  curvesOf,
  historyCsv,
  modelSignature,
  predictSamples,
  scorePredictions,
  trainModel,
  transferWeights,
} from '../train/index.js';

export interface TrainSettings {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly patience?: number;
  readonly classWeighting?: 'none' | 'balanced';
  readonly shuffleSeed?: number;
  /** Augment the training batches' face crops (train/augment.ts); default none. */
  readonly augment?: FaceAugmentation;
  /** The face branch's learning rate as a share of the model's (default 1; 0: frozen). */
  readonly faceLearningRateScale?: number;
  /** Drop the learning rate on plateaus of the validation loss (train/trainer.ts); default never. */
  readonly lrDrop?: LearningRateDrop;
}

export interface TrainJob {
  readonly kind: ModelKind;
  readonly config: Partial<ModelConfig>;
  readonly shards: readonly SubjectShards[];
  readonly trainIds: readonly string[];
  readonly valIds: readonly string[];
  /** Predict these after training (returned with the result). */
  readonly testIds?: readonly string[];
  readonly train?: TrainSettings;
  /** Leave out windows with quality flags (default false: their features are NaN → 0). */
  readonly excludeFlagged?: boolean;
  /** The task whose classes the model learns (default `emotion5`, the study's). */
  readonly task?: TaskName;
  /** Where the rating tasks split low from high (default @emo/datasets' RATING_SPLIT_DEFAULTS). */
  readonly ratingSplit?: RatingSplit;
  /** A saved model (e.g. a pretrained face CNN) whose face branch starts this one. */
  readonly initFrom?: string;
  /** Where the best model (`model/`), `history.csv` and checkpoints (`checkpoints/`) go. */
  readonly outDir: string;
  /** A label for progress messages ('hybrid fold 0 trial 3'). */
  readonly label?: string;
}

export interface JobPredictions {
  readonly ids: readonly string[];
  readonly labels: Int32Array;
  readonly probs: Float32Array;
}

export interface TrainJobResult {
  readonly label: string;
  readonly kind: ModelKind;
  readonly config: ModelConfig;
  /** The data's sizes the model was built for (from the shards). */
  readonly shape: ModelShape;
  readonly backend: string;
  readonly history: readonly EpochLog[];
  readonly bestEpoch: number;
  readonly bestValLoss: number | null;
  readonly valAccuracy: number | null;
  readonly stoppedEarly: boolean;
  readonly resumedAt: number;
  readonly samples: { readonly train: number; readonly val: number; readonly test: number };
  readonly classWeights: readonly number[] | null;
  readonly transferred: readonly string[];
  readonly seconds: number;
  readonly modelDir: string;
  readonly test: { readonly loss: number; readonly accuracy: number } | null;
  readonly predictions: JobPredictions | null;
}

/** What a running job reports. */
export type JobEvent =
  | { readonly kind: 'epoch'; readonly label: string; readonly log: EpochLog }
  | {
      readonly kind: 'batch';
      readonly label: string;
      readonly done: number;
      readonly total: number;
    };

export async function runTrainJob(
  job: TrainJob,
  emit: (e: JobEvent) => void = () => {},
  signal?: AbortSignal,
): Promise<TrainJobResult> {
  const t0 = performance.now();
  const label = job.label ?? job.kind;
  const backend = describeBackend(await selectBackend({ quiet: true }));
  // a pretrained face branch brings its architecture (its layers must find their twins)
  const config = resolveModelConfig(
    job.initFrom ? withPretrainedFaceBranch(job.config, job.initFrom) : job.config,
  );
  const inputs = modelInputs(job.kind, config);
  const index = indexSamples(job.shards, {
    needs: inputs,
    excludeFlagged: job.excludeFlagged,
    task: job.task,
    ratingSplit: job.ratingSplit,
  });
  const shape = shapeOf(index, inputs);
  if (job.initFrom) checkPretrainedFaces(job.initFrom, shape, 'the faces shards');
  let model = buildModel(job.kind, config, shape, {
    task: index.task,
    classes: index.classes,
    // the five emotions come from the label mapping, the other tasks from the rating split
    ...(index.task === DEFAULT_TASK
      ? {}
      : { ratingSplit: job.ratingSplit ?? RATING_SPLIT_DEFAULTS }),
  });
  let transferred: readonly string[] = [];
  if (job.initFrom) {
    const pre = await loadModel(job.initFrom);
    transferred = transferWeights(pre, model).copied;
    pre.dispose();
  }
  mkdirSync(job.outDir, { recursive: true });
  const s = job.train ?? {};
  const valIds = new Set(job.valIds);
  const result = await trainModel(model, {
    index,
    trainIds: new Set(job.trainIds),
    valIds,
    epochs: s.epochs,
    batchSize: s.batchSize,
    patience: s.patience,
    classWeighting: s.classWeighting,
    shuffleSeed: s.shuffleSeed,
    augment: s.augment,
    faceLearningRateScale: s.faceLearningRateScale,
    lrDrop: s.lrDrop,
    checkpointDir: path.join(job.outDir, 'checkpoints'),
    onEpoch: (log) => emit({ kind: 'epoch', label, log }),
    onBatch: (done, total) => emit({ kind: 'batch', label, done, total }),
    signal,
  });
  model = result.model;
  const modelDir = path.join(job.outDir, 'model');
  await saveModel(model, modelDir);
  writeFileSync(path.join(job.outDir, 'history.csv'), historyCsv(curvesOf(result.history)));
  const best = result.history.find((h) => h.epoch === result.bestEpoch);
  let test: TrainJobResult['test'] = null;
  let predictions: JobPredictions | null = null;
  if (job.testIds && job.testIds.length > 0) {
    const p = await predictSamples(model, index, { ids: new Set(job.testIds), signal });
    const sc = scorePredictions(p);
    test = { loss: sc.loss, accuracy: sc.accuracy };
    predictions = { ids: p.keys.map(sampleId), labels: p.labels, probs: p.probs };
  }
  model.dispose();
  tf.disposeVariables();
  return {
    label,
    kind: job.kind,
    config,
    shape,
    backend,
    history: result.history,
    bestEpoch: result.bestEpoch,
    bestValLoss: result.bestValLoss,
    valAccuracy: best?.valAccuracy ?? null,
    stoppedEarly: result.stoppedEarly,
    resumedAt: result.resumedAt,
    samples: { ...result.samples, test: predictions?.ids.length ?? 0 },
    classWeights: result.classWeights,
    transferred,
    seconds: (performance.now() - t0) / 1000,
    modelDir,
    test,
    predictions,
  };
}

/** Class probabilities of a saved model for the given samples of the shards (in this process). */
export async function predictSaved(
  modelDir: string,
  shards: readonly SubjectShards[],
  ids?: readonly string[],
  opts: {
    readonly excludeFlagged?: boolean;
    readonly task?: TaskName;
    readonly ratingSplit?: RatingSplit;
    readonly signal?: AbortSignal;
  } = {},
): Promise<JobPredictions & { readonly backend: string }> {
  const backend = describeBackend(await selectBackend({ quiet: true }));
  const model = await loadModel(modelDir);
  try {
    const sig = modelSignatureOf(model, modelDir);
    const index = indexSamples(shards, {
      needs: sig.inputs,
      excludeFlagged: opts.excludeFlagged,
      task: opts.task ?? sig.labels?.task,
      ratingSplit: opts.ratingSplit ?? sig.labels?.ratingSplit,
    });
    checkModelFits(modelDir, sig, index, () => 'the shards');
    const p = await predictSamples(model, index, {
      ids: ids ? new Set(ids) : undefined,
      signal: opts.signal,
    });
    return { ids: p.keys.map(sampleId), labels: p.labels, probs: p.probs, backend };
  } finally {
    model.dispose();
  }
}

function modelSignatureOf(model: tf.LayersModel, dir: string) {
  try {
    return modelSignature(model);
  } catch (e) {
    throw new Error(`${dir}: ${(e as Error).message}`, { cause: e });
  }
}
