/**
 * `train`: one task per model × fold (`hybrid-f0`, `cnnOnly-f0`, `rnnOnly-f0`, …), each cached
 * by its own key. A task trains its model on the fold's training samples with early stopping on
 * the validation samples (after a grid search over the configured hyper-parameters, selecting
 * on validation loss only), then predicts the fold's test samples into a `predictions` shard.
 * Training runs in worker processes (@emo/model's shared pool: at most one per core across all
 * tasks of the run), so models and trials train in parallel on every core.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { PredictionRow, WindowRow } from '@emo/datasets';
import { EMOTIONS, readWindowsShard, writePredictionsShard } from '@emo/datasets';
import type {
  EpochCurve,
  JobEvent,
  ModelKind,
  SampleKey,
  SubjectShards,
  TrainJob,
  TrainJobResult,
} from '@emo/model';
import type { ProgressEvent, Stage } from '../engine/index.js';
import { defineStage, inputOf, stageTask } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';
import { readSplitSummary, splitFile } from './split.js';
import { subjectShards } from './subject-shards.js';

/** @emo/model loads tfjs (about 0.7 s): only when a train task, or a model config, needs it. */
const model = () => import('@emo/model');

const MODEL_KINDS = ['hybrid', 'cnnOnly', 'rnnOnly'] as const satisfies readonly ModelKind[];

export const trainParams = z
  .object({
    models: z
      .array(z.enum(MODEL_KINDS))
      .min(1)
      .refine((m) => new Set(m).size === m.length, 'models must not repeat')
      .default(['hybrid', 'cnnOnly', 'rnnOnly']),
    /** Seed of the weights, dropout and batch order. */
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    /**
     * Model config fields (packages/model README): the architecture every model starts from.
     * Checked by {@link checkTrainParams} when the pipeline is built.
     */
    model: z.record(z.string(), z.unknown()).default({}),
    /** Grid search: candidate values per model config field, e.g. {"dropout": [0.3, 0.5]}. */
    grid: z.record(z.string(), z.array(z.unknown()).min(1)).default({}),
    /**
     * The defaults fit the whole three-protocol study on the synthetic corpus into 15 minutes on
     * 2 cores (training is 8 of about 13 minutes): at most 7 epochs, batches of 16 (more updates
     * per epoch than the seed's 64, which needed about 15 epochs to converge). Measured on the
     * random split: 6 epochs leave the hybrid at 57 % test accuracy, 7 reach 84 %, 8 reach 87 %
     * but cost another minute. The seed's schedule: epochs 20+, batchSize 64.
     */
    epochs: z.number().int().min(1).max(1000).default(7),
    patience: z.number().int().min(0).max(1000).default(3),
    batchSize: z.number().int().min(1).max(4096).default(16),
    classWeighting: z.enum(['none', 'balanced']).default('none'),
    /** A saved face CNN (`emo pretrain-faces --out DIR`) that starts the face branch. */
    pretrainedFaces: z.string().nullable().default(null),
  })
  .strict();

export type TrainStageParams = z.infer<typeof trainParams>;

/**
 * The model config and every grid trial of it, resolved by @emo/model; a message naming the
 * field when one is bad, null when all are good (loads @emo/model only when they are set).
 */
export async function checkTrainParams(p: TrainStageParams): Promise<string | null> {
  if (Object.keys(p.model).length === 0 && Object.keys(p.grid).length === 0) return null;
  const { gridTrials, resolveModelConfig } = await model();
  try {
    resolveModelConfig(p.model);
  } catch (e) {
    return `'train.model': ${(e as Error).message}`;
  }
  try {
    for (const kind of p.models) {
      for (const t of gridTrials(kind, p.grid)) resolveModelConfig({ ...p.model, ...t });
    }
  } catch (e) {
    return `'train.grid': ${(e as Error).message}`;
  }
  return null;
}

export const TRAIN_JSON = 'train.json';
export const PREDICTIONS_FILE = 'predictions.arrow';

/** What `train.json` of a task holds (read by the report). */
export interface TrainSummary {
  readonly model: ModelKind;
  readonly fold: number;
  readonly protocol: string;
  readonly backend: string;
  readonly samples: { readonly train: number; readonly val: number; readonly test: number };
  readonly bestEpoch: number;
  readonly epochs: number;
  readonly stoppedEarly: boolean;
  readonly bestValLoss: number | null;
  readonly valAccuracy: number | null;
  readonly test: { readonly loss: number; readonly accuracy: number } | null;
  readonly config: Readonly<Record<string, unknown>>;
  readonly transferred: readonly string[];
  /** Curves without timings (outputs are content-hashed; timings are in the run manifest). */
  readonly history: readonly EpochCurve[];
  readonly grid: readonly {
    trial: number;
    overrides: Readonly<Record<string, unknown>>;
    bestValLoss: number | null;
    valAccuracy: number | null;
    epochs: number;
  }[];
  readonly selectedTrial: number | null;
}

/**
 * `random-70-15-15.hybrid.f0` ↔ (protocol, model, fold): one task per protocol × model × fold.
 * Protocol ids have no dots.
 */
export const trainShard = (protocol: string, kind: ModelKind, fold: number): string =>
  `${protocol}.${kind}.f${fold}`;

export function parseTrainShard(shard: string): {
  protocol: string;
  kind: ModelKind;
  fold: number;
} {
  const m = /^([^.]+)\.([^.]+)\.f(\d+)$/.exec(shard);
  const kind = MODEL_KINDS.find((k) => k === m?.[2]);
  if (!m || !kind) {
    throw new Error(`train: bad shard id '${shard}' (expected <protocol>.<model>.f<fold>)`);
  }
  return { protocol: m[1], kind, fold: Number(m[3]) };
}

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

/** The window rows (keys, labels) of the shards by sample id, and whether any is synthetic. */
function windowRows(shards: readonly SubjectShards[], sampleId: (k: SampleKey) => string) {
  const rows = new Map<string, WindowRow>();
  let synthetic = false;
  for (const s of shards) {
    if (!s.windows) continue;
    const w = readWindowsShard(s.windows);
    synthetic ||= w.metadata.synthetic;
    for (const r of w.rows) {
      rows.set(sampleId({ subject: s.subject, trial: r.trial, window: r.window }), r);
    }
  }
  return { rows, synthetic };
}

export async function trainStage(): Promise<Stage<TrainStageParams>> {
  return defineStage({
    id: 'train',
    version: await packageCodeVersion(
      '@emo/model',
      [fileURLToPath(import.meta.url)],
      ['@emo/datasets'],
    ),
    deps: ['split', 'dsp', 'vision'],
    gather: ['dsp', 'vision'],
    scope: 'subject',
    description:
      'hybrid, CNN-only and RNN-only per fold (grid search on validation, early stopping)',
    params: trainParams,
    // Model by model (the hybrid, the slowest, first), so the worker pool ends evenly loaded.
    shards: (ctx) => {
      const { protocols } = readSplitSummary(inputOf(ctx.inputs, 'split').path);
      return ctx.params.models.flatMap((k) =>
        protocols.flatMap((p) => p.folds.map((f) => trainShard(p.protocol, k, f.fold))),
      );
    },
    sources: (ctx) => (ctx.params.pretrainedFaces ? [ctx.params.pretrainedFaces] : []),
    run: (ctx) =>
      stageTask(async (emit, signal) => {
        const m = await model();
        const { gridSearch, gridTrials, predictSaved, readSplit, sampleId, sharedPool } = m;
        const p = ctx.params;
        const { protocol, kind, fold: foldNo } = parseTrainShard(ctx.shard ?? '');
        const split = readSplit(splitFile(inputOf(ctx.inputs, 'split').path, protocol));
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
          train: {
            epochs: p.epochs,
            patience: p.patience,
            batchSize: p.batchSize,
            classWeighting: p.classWeighting,
            shuffleSeed: p.seed,
          },
          ...(p.pretrainedFaces && kind !== 'rnnOnly' ? { initFrom: p.pretrainedFaces } : {}),
          label: `${kind} ${protocol} fold ${foldNo}`,
        };
        const onEvent = (e: JobEvent): void => emit(progressOf(e));
        let result: TrainJobResult;
        let grid: TrainSummary['grid'] = [];
        let selectedTrial: number | null = null;
        let predictions = null as TrainJobResult['predictions'];
        if (gridTrials(kind, p.grid).length > 1) {
          const gs = await gridSearch({
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
          predictions = await predictSaved(join(ctx.outDir, 'model'), shards, fold.test, {
            signal,
          });
          for (const t of gs.trials) {
            rmSync(join(t.result.modelDir, '..', 'checkpoints'), { recursive: true, force: true });
          }
        } else {
          result = await sharedPool().run({ ...job, outDir: ctx.outDir }, { onEvent, signal });
          predictions = result.predictions;
          rmSync(join(ctx.outDir, 'checkpoints'), { recursive: true, force: true });
        }
        if (!predictions) throw new Error(`train ${ctx.shard}: no test predictions`);
        const { rows: keys, synthetic } = windowRows(shards, sampleId);
        const rows: PredictionRow[] = predictions.ids.map((id, i) => {
          const w = keys.get(id);
          if (!w) throw new Error(`train ${ctx.shard}: test sample ${id} is in no windows shard`);
          return {
            dataset: w.dataset,
            subject: w.subject,
            trial: w.trial,
            stimulusId: w.stimulusId,
            window: w.window,
            t0: w.t0,
            t1: w.t1,
            protocol: split.protocol,
            fold: foldNo,
            model: kind,
            yTrue: EMOTIONS[predictions.labels[i]] ?? null,
          };
        });
        writePredictionsShard(join(ctx.outDir, PREDICTIONS_FILE), rows, predictions.probs, {
          stageVersion: 'train',
          synthetic,
          backend: result.backend,
          parameters: { ...p, kind, fold: foldNo, protocol: split.protocol },
          notes: split.notes,
        });
        const summary: TrainSummary = {
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
          test: testScore(m.scorePredictions, predictions),
          config: { ...result.config },
          transferred: result.transferred,
          history: m.curvesOf(result.history),
          grid,
          selectedTrial,
        };
        writeFileSync(join(ctx.outDir, TRAIN_JSON), JSON.stringify(summary, null, 1) + '\n');
      }),
  });
}

function testScore(
  scorePredictions: typeof import('@emo/model').scorePredictions,
  p: NonNullable<TrainJobResult['predictions']>,
): TrainSummary['test'] {
  const s = scorePredictions({ ...p, numClasses: EMOTIONS.length });
  return s.n > 0 ? { loss: s.loss, accuracy: s.accuracy } : null;
}
