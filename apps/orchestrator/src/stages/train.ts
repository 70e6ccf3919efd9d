/**
 * `train`: one task per classification task × protocol × model × fold
 * (`emotion5.random-70-15-15.hybrid.f0`, …), each cached by its own key and reading only its
 * task's split (so adding a task re-runs nothing that exists). A task trains its model on the fold's training samples with early stopping on
 * the validation samples (after a grid search over the configured hyper-parameters, selecting
 * on validation loss only), then predicts the fold's test samples into a `predictions` shard.
 * Training runs in worker processes (@emo/model's shared pool: at most one per core across all
 * tasks of the run), so models and trials train in parallel on every core. The models are sized
 * by the shards they train on; `checkTrainParams` checks the settings against the sizes the dsp
 * and vision settings give before anything runs.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { PredictionRow, TaskName } from '@emo/datasets';
import { TASK_NAMES, writePredictionsShard } from '@emo/datasets';
import { readSplit } from '@emo/eval';
import type { JobEvent, TrainJob, TrainJobResult } from '@emo/model';
import type { ModelKind, ModelShape, PretrainedFacesMode } from '@emo/model/spec';
import {
  MODEL_KINDS,
  ModelConfigError,
  PRETRAINED_FACES_MODES,
  TRAIN_DEFAULTS,
  checkArchitecture,
  checkPretrainedFaces,
  gridTrials,
  modelShapeSchema,
  resolveModelConfig,
} from '@emo/model/spec';
import { jsonText, readJsonFile } from '@emo/runtime';
import { windowKeysOf } from '@emo/samples';
import type { ProgressEvent, Stage } from '../engine/index.js';
import { defineStage, inputOf, stageTask } from '../engine/index.js';
import { loadModelRuntime } from '../model-runtime.js';
import { resolveModelRef } from '../pretrained.js';
import { packageCodeVersion } from './code-version.js';
import { seedParam } from './seed.js';
import { readSplitSummary, splitFile } from './split.js';
import { subjectShards } from './subject-shards.js';

const d = TRAIN_DEFAULTS;

/** Parameters (config `train`); the schedule's defaults are @emo/model's TRAIN_DEFAULTS. */
export const trainParams = z
  .object({
    models: z
      .array(z.enum(MODEL_KINDS))
      .min(1)
      .refine((m) => new Set(m).size === m.length, 'models must not repeat')
      .default([...MODEL_KINDS]),
    /** Seed of the weights, dropout and batch order: the run's top-level `seed` unless set here. */
    seed: seedParam,
    /**
     * Model config fields (packages/model README): the architecture every model starts from.
     * Checked by {@link checkTrainParams} when the pipeline is built.
     */
    model: z.record(z.string(), z.unknown()).default({}),
    /** Grid search: candidate values per model config field, e.g. {"dropout": [0.3, 0.5]}. */
    grid: z.record(z.string(), z.array(z.unknown()).min(1)).default({}),
    epochs: z.number().int().min(1).max(1000).default(d.epochs),
    patience: z.number().int().min(0).max(1000).default(d.patience),
    batchSize: z.number().int().min(1).max(4096).default(d.batchSize),
    classWeighting: z.enum(['none', 'balanced']).default(d.classWeighting),
    /**
     * A saved face CNN that starts the face branch: `emo pretrain-faces --out DIR` → DIR/model,
     * or a shipped one, `builtin:faces-fer2013` (`emo pretrained`).
     */
    pretrainedFaces: z.string().nullable().default(null),
    /**
     * How the pretrained face branch goes on learning: 'train' (like the rest), 'finetune' (at a
     * tenth of the learning rate) or 'frozen' (@emo/model's PRETRAINED_FACES_MODES).
     */
    pretrainedFacesMode: z
      .enum(Object.keys(PRETRAINED_FACES_MODES) as [PretrainedFacesMode, ...PretrainedFacesMode[]])
      .default('train'),
  })
  .strict();

export type TrainStageParams = z.infer<typeof trainParams>;

/** True for the models with a face branch (what a pretrained face CNN starts). */
const seesFaces = (kind: ModelKind): boolean => kind === 'hybrid' || kind === 'cnnOnly';

/** Where the data's sizes come from, in words (the settings that make them). */
export interface ShapeSources {
  readonly face: string;
  readonly physio: string;
}

/**
 * The model config, every grid trial of it and the pretrained face model, checked against the
 * sizes of the data the dsp and vision settings make (`shape`, described by `from`): a
 * one-line message naming the setting when one does not fit, null when all do.
 */
export function checkTrainParams(
  p: Omit<TrainStageParams, 'seed'>,
  shape: ModelShape,
  from: ShapeSources,
): string | null {
  try {
    resolveModelConfig(p.model);
  } catch (e) {
    return `'train.model': ${(e as Error).message}`;
  }
  for (const kind of p.models) {
    const where = Object.keys(p.grid).length ? 'train.grid' : 'train.model';
    try {
      for (const t of gridTrials(kind, p.grid)) {
        checkArchitecture(resolveModelConfig({ ...p.model, ...t }), shape);
      }
    } catch (e) {
      const key = e instanceof ModelConfigError ? e.key : null;
      const data = key === 'convLayers' ? from.face : from.physio;
      return `'${where}': ${(e as Error).message} (${data})`;
    }
  }
  if (p.pretrainedFaces && p.models.some(seesFaces)) {
    try {
      const dir = resolveModelRef(p.pretrainedFaces);
      for (const kind of p.models.filter(seesFaces)) {
        for (const t of gridTrials(kind, p.grid)) {
          checkPretrainedFaces(dir, shape, from.face, { ...p.model, ...t });
        }
      }
    } catch (e) {
      return `'train.pretrainedFaces': ${(e as Error).message}`;
    }
  }
  return null;
}

export const TRAIN_JSON = 'train.json';
export const PREDICTIONS_FILE = 'predictions.arrow';

const curve = z.object({
  epoch: z.number().int(),
  loss: z.number(),
  accuracy: z.number(),
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
});

/** What `train.json` of a task holds (read by the evaluation and the report). */
export const trainSummarySchema = z.object({
  task: z.enum(TASK_NAMES),
  model: z.enum(MODEL_KINDS),
  fold: z.number().int(),
  protocol: z.string(),
  backend: z.string(),
  samples: z.object({ train: z.number().int(), val: z.number().int(), test: z.number().int() }),
  bestEpoch: z.number().int(),
  epochs: z.number().int(),
  stoppedEarly: z.boolean(),
  bestValLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  test: z.object({ loss: z.number(), accuracy: z.number() }).nullable(),
  config: z.record(z.string(), z.unknown()),
  /** The data's sizes the model was built for. */
  shape: modelShapeSchema,
  transferred: z.array(z.string()),
  /** Curves without timings (outputs are content-hashed; timings are in the run manifest). */
  history: z.array(curve),
  grid: z.array(
    z.object({
      trial: z.number().int(),
      overrides: z.record(z.string(), z.unknown()),
      bestValLoss: z.number().nullable(),
      valAccuracy: z.number().nullable(),
      epochs: z.number().int(),
    }),
  ),
  selectedTrial: z.number().int().nullable(),
});

export type TrainSummary = z.infer<typeof trainSummarySchema>;

export function readTrainSummary(dir: string): TrainSummary {
  return readJsonFile(join(dir, TRAIN_JSON), trainSummarySchema, 'train summary');
}

/**
 * `emotion5.random-70-15-15.hybrid.f0` ↔ (task, protocol, model, fold): one task per
 * classification task × protocol × model × fold. Task and protocol ids have no dots.
 */
export const trainShard = (
  task: TaskName,
  protocol: string,
  kind: ModelKind,
  fold: number,
): string => `${task}.${protocol}.${kind}.f${fold}`;

export function parseTrainShard(shard: string): {
  task: TaskName;
  protocol: string;
  kind: ModelKind;
  fold: number;
} {
  const m = /^([^.]+)\.([^.]+)\.([^.]+)\.f(\d+)$/.exec(shard);
  const task = TASK_NAMES.find((t) => t === m?.[1]);
  const kind = MODEL_KINDS.find((k) => k === m?.[3]);
  if (!m || !task || !kind) {
    throw new Error(`train: bad shard id '${shard}' (expected <task>.<protocol>.<model>.f<fold>)`);
  }
  return { task, protocol: m[2], kind, fold: Number(m[4]) };
}

/** The task a train shard belongs to ('valence2.subject-kfold-3.hybrid.f0' → 'valence2'). */
export const taskOfShard = (shard: string): string => shard.slice(0, shard.indexOf('.'));

function progressOf(e: JobEvent): ProgressEvent {
  if (e.kind === 'batch') {
    return { kind: 'progress', done: e.done, total: e.total, message: `${e.label} batches` };
  }
  const l = e.log;
  const val =
    l.valLoss == null ? '' : `, val loss ${l.valLoss.toFixed(4)} acc ${l.valAccuracy?.toFixed(3)}`;
  return {
    kind: 'log',
    message: `${e.label} epoch ${l.epoch}: loss ${l.loss.toFixed(4)} acc ${l.accuracy.toFixed(3)}${val} (${l.samplesPerSecond.toFixed(0)} samples/s)`,
  };
}

export async function trainStage(): Promise<Stage<TrainStageParams>> {
  return defineStage({
    id: 'train',
    version: await packageCodeVersion(
      '@emo/model',
      [fileURLToPath(import.meta.url)],
      ['@emo/datasets', '@emo/samples'],
    ),
    deps: ['split', 'dsp', 'vision'],
    gather: ['dsp', 'vision'],
    // each task reads its own classification task's split only
    select: { split: (shard, tasks) => tasks.filter((t) => t === taskOfShard(shard)) },
    scope: 'subject',
    description:
      'hybrid, CNN-only and RNN-only per fold (grid search on validation, early stopping)',
    params: trainParams,
    // Model by model (the hybrid, the slowest, first), so the worker pool ends evenly loaded.
    shards: (ctx) => {
      const splits = (ctx.inputs['split'] ?? []).map((a) => readSplitSummary(a.path));
      return ctx.params.models.flatMap((k) =>
        splits.flatMap(({ task, protocols }) =>
          protocols.flatMap((p) => p.folds.map((f) => trainShard(task, p.protocol, k, f.fold))),
        ),
      );
    },
    sources: (ctx) =>
      ctx.params.pretrainedFaces ? [resolveModelRef(ctx.params.pretrainedFaces)] : [],
    run: (ctx) =>
      stageTask(async (emit, signal) => {
        const m = await loadModelRuntime();
        const p = ctx.params;
        const { task, protocol, kind, fold: foldNo } = parseTrainShard(ctx.shard ?? '');
        const splitDir = inputOf(ctx.inputs, 'split').path;
        const { ratingSplit, classes } = readSplitSummary(splitDir);
        const split = readSplit(splitFile(splitDir, protocol));
        const fold = split.folds.find((f) => f.fold === foldNo);
        if (!fold) throw new Error(`train: split ${protocol} has no fold ${foldNo}`);
        const shards = subjectShards(ctx.inputs['dsp'] ?? [], ctx.inputs['vision'] ?? []);
        const job: Omit<TrainJob, 'outDir'> = {
          kind,
          config: { ...p.model, seed: p.seed },
          shards,
          trainIds: fold.train,
          valIds: fold.val,
          testIds: fold.test,
          task,
          ratingSplit,
          train: {
            epochs: p.epochs,
            patience: p.patience,
            batchSize: p.batchSize,
            classWeighting: p.classWeighting,
            shuffleSeed: p.seed,
            ...(p.pretrainedFaces && seesFaces(kind)
              ? { faceLearningRateScale: PRETRAINED_FACES_MODES[p.pretrainedFacesMode] }
              : {}),
          },
          ...(p.pretrainedFaces && seesFaces(kind)
            ? { initFrom: resolveModelRef(p.pretrainedFaces) }
            : {}),
          label: `${task} ${kind} ${protocol} fold ${foldNo}`,
        };
        const onEvent = (e: JobEvent): void => emit(progressOf(e));
        let result: TrainJobResult;
        let grid: TrainSummary['grid'] = [];
        let selectedTrial: number | null = null;
        let predictions = null as TrainJobResult['predictions'];
        if (gridTrials(kind, p.grid).length > 1) {
          const gs = await m.gridSearch({
            job,
            grid: p.grid,
            workDir: join(ctx.outDir, 'grid'),
            label: job.label,
            onEvent,
            signal,
          });
          selectedTrial = gs.best;
          result = gs.trials[gs.best].result;
          grid = gs.trials.map((t) => ({
            trial: t.trial,
            overrides: t.overrides,
            bestValLoss: t.result.bestValLoss,
            valAccuracy: t.result.valAccuracy,
            epochs: t.result.history.length,
          }));
          cpSync(result.modelDir, join(ctx.outDir, 'model'), { recursive: true });
          predictions = await m.predictSaved(join(ctx.outDir, 'model'), shards, fold.test, {
            task,
            ratingSplit,
            signal,
          });
          for (const t of gs.trials) {
            rmSync(join(t.result.modelDir, '..', 'checkpoints'), { recursive: true, force: true });
          }
        } else {
          result = await m.sharedPool().run({ ...job, outDir: ctx.outDir }, { onEvent, signal });
          predictions = result.predictions;
          rmSync(join(ctx.outDir, 'checkpoints'), { recursive: true, force: true });
        }
        if (!predictions) throw new Error(`train ${ctx.shard}: no test predictions`);
        if (result.shape.numClasses !== classes.length) {
          throw new Error(
            `train ${ctx.shard}: the model has ${result.shape.numClasses} classes, the ${task} split ${classes.length}`,
          );
        }
        const { keys, synthetic } = windowKeysOf(shards, predictions.ids);
        const rows: PredictionRow[] = keys.map((k, i) => ({
          ...k,
          protocol: split.protocol,
          fold: foldNo,
          model: kind,
          yTrue: classes[predictions.labels[i]] ?? null,
        }));
        writePredictionsShard(join(ctx.outDir, PREDICTIONS_FILE), rows, predictions.probs, {
          stageVersion: 'train',
          synthetic,
          backend: result.backend,
          classes,
          parameters: { ...p, task, ratingSplit, kind, fold: foldNo, protocol: split.protocol },
          notes: split.notes,
        });
        const score = m.scorePredictions({ ...predictions, numClasses: result.shape.numClasses });
        const summary: TrainSummary = {
          task,
          model: kind,
          fold: foldNo,
          protocol: split.protocol,
          backend: result.backend,
          samples: { ...result.samples, test: predictions.ids.length },
          bestEpoch: result.bestEpoch,
          epochs: result.history.length,
          stoppedEarly: result.stoppedEarly,
          bestValLoss: result.bestValLoss,
          valAccuracy: result.valAccuracy,
          test: score.n > 0 ? { loss: score.loss, accuracy: score.accuracy } : null,
          config: { ...result.config },
          shape: result.shape,
          transferred: [...result.transferred],
          history: m.curvesOf(result.history),
          grid,
          selectedTrial,
        };
        writeFileSync(join(ctx.outDir, TRAIN_JSON), jsonText(summary));
      }),
  });
}
