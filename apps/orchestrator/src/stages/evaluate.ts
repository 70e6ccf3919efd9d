/**
 * `evaluate`: one task per classification task (the shards of `split`): every model under every
 * protocol, from that task's train predictions (@emo/eval does the work): the study's metrics
 * with bootstrap intervals, the floors, McNemar tests of the hybrid against each baseline, and
 * the figures as SVG. Writes `evaluation.json`,
 * `figures/<id>.svg` and `figures.json` (id, title, caption of each, in report order, and the
 * training summaries).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readPredictionsShard } from '@emo/datasets';
import type { Evaluation, Figure, PredictionSet } from '@emo/eval';
import { BOOTSTRAP_DEFAULTS, evaluate, evaluationSchema, figuresFor } from '@emo/eval';
import { jsonText, readJsonFile } from '@emo/runtime';
import { defineStage, inputOf, stageTask } from '../engine/index.js';
import type { Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';
import { seedParam } from './seed.js';
import { readSplitSummary } from './split.js';
import type { TrainSummary } from './train.js';
import { PREDICTIONS_FILE, readTrainSummary, taskOfShard, trainSummarySchema } from './train.js';

const d = BOOTSTRAP_DEFAULTS;

/** Parameters (config `evaluate`); the defaults are @emo/eval's BOOTSTRAP_DEFAULTS. */
export const evaluateParams = z
  .object({
    bootstrap: z
      .object({
        iterations: z.number().int().min(100).max(100_000).default(d.iterations),
        /** The run's top-level `seed` unless set here. */
        seed: seedParam,
        level: z.number().gt(0.5).lt(1).default(d.level),
      })
      .strict(),
  })
  .strict();

export type EvaluateStageParams = z.infer<typeof evaluateParams>;

export const EVALUATION_JSON = 'evaluation.json';
export const FIGURES_DIR = 'figures';
export const FIGURES_JSON = 'figures.json';

const figureList = z.object({
  figures: z.array(z.object({ id: z.string(), title: z.string(), caption: z.string() })),
  trainings: z.array(trainSummarySchema),
});

/** The evaluation of an evaluate output, without its figures. */
export function readEvaluationJson(dir: string): Evaluation {
  return readJsonFile(join(dir, EVALUATION_JSON), evaluationSchema, 'evaluation');
}

/** What an evaluate output holds, read back (the figures `keep` takes, with their SVG). */
export function readEvaluation(
  dir: string,
  keep: (figureId: string) => boolean = () => true,
): {
  evaluation: Evaluation;
  figures: Figure[];
  trainings: TrainSummary[];
} {
  const evaluation = readEvaluationJson(dir);
  const list = readJsonFile(join(dir, FIGURES_JSON), figureList, 'figure list');
  const figures = list.figures
    .filter((f) => keep(f.id))
    .map((f) => ({
      ...f,
      svg: readFileSync(join(dir, FIGURES_DIR, `${f.id}.svg`), 'utf8'),
    }));
  return { evaluation, figures, trainings: list.trainings };
}

export async function evaluateStage(): Promise<Stage<EvaluateStageParams>> {
  return defineStage({
    id: 'evaluate',
    version: await packageCodeVersion('@emo/eval', [fileURLToPath(import.meta.url)]),
    deps: ['split', 'train'],
    // one task per classification task (split's shards), reading that task's trained models
    select: { train: (task, shards) => shards.filter((s) => taskOfShard(s) === task) },
    scope: 'subject',
    description:
      'per task: metrics with bootstrap intervals, floors, McNemar tests and SVG figures per protocol',
    params: evaluateParams,
    run: (ctx) =>
      stageTask(async (emit) => {
        const { task, protocols } = readSplitSummary(inputOf(ctx.inputs, 'split').path);
        let synthetic = false;
        const trainings: TrainSummary[] = [];
        const sets: PredictionSet[] = (ctx.inputs['train'] ?? []).map((a) => {
          const t = readTrainSummary(a.path);
          const shard = readPredictionsShard(join(a.path, PREDICTIONS_FILE));
          synthetic ||= shard.metadata.synthetic;
          trainings.push(t);
          return {
            protocol: t.protocol,
            model: t.model,
            fold: t.fold,
            rows: shard.rows,
            classes: shard.metadata.classes,
            probs: shard.probs,
            curves: t.history,
          };
        });
        if (sets.length === 0) throw new Error(`evaluate ${task}: no trained model to evaluate`);
        const evaluation = evaluate(protocols, sets, synthetic, {
          bootstrap: ctx.params.bootstrap,
          task,
        });
        emit({ kind: 'log', message: `${evaluation.models.length} model × protocol results` });
        const figures = await figuresFor(evaluation);
        mkdirSync(join(ctx.outDir, FIGURES_DIR));
        for (const f of figures) {
          writeFileSync(join(ctx.outDir, FIGURES_DIR, `${f.id}.svg`), f.svg);
        }
        writeFileSync(join(ctx.outDir, EVALUATION_JSON), jsonText(evaluation));
        const list = figures.map(({ id, title, caption }) => ({ id, title, caption }));
        writeFileSync(join(ctx.outDir, FIGURES_JSON), jsonText({ figures: list, trainings }));
      }),
  });
}
