/**
 * `evaluate`: every model under every protocol, from the train tasks' test predictions
 * (@emo/eval does the work): the seed's metrics with bootstrap intervals, McNemar tests of the
 * hybrid against each baseline, and the figures as SVG. Writes `evaluation.json`,
 * `figures/<id>.svg` and `figures.json` (id, title, caption of each, in report order).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readPredictionsShard } from '@emo/datasets';
import type { Evaluation, Figure, PredictionSet } from '@emo/eval';
import { defineStage, inputOf, stageTask } from '../engine/index.js';
import type { Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';
import { readSplitSummary } from './split.js';
import type { TrainSummary } from './train.js';
import { PREDICTIONS_FILE, TRAIN_JSON } from './train.js';

export const evaluateParams = z
  .object({
    bootstrap: z
      .object({
        iterations: z.number().int().min(100).max(100_000).default(1000),
        seed: z.number().int().min(0).max(0xffffffff).default(0),
        level: z.number().gt(0.5).lt(1).default(0.95),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type EvaluateStageParams = z.infer<typeof evaluateParams>;

export const EVALUATION_JSON = 'evaluation.json';
export const FIGURES_DIR = 'figures';
export const FIGURES_JSON = 'figures.json';

/** What an evaluate output holds, read back (the figures with their SVG). */
export function readEvaluation(dir: string): {
  evaluation: Evaluation;
  figures: Figure[];
  trainings: TrainSummary[];
} {
  const evaluation = JSON.parse(readFileSync(join(dir, EVALUATION_JSON), 'utf8')) as Evaluation;
  const list = JSON.parse(readFileSync(join(dir, FIGURES_JSON), 'utf8')) as {
    figures: Omit<Figure, 'svg'>[];
    trainings: TrainSummary[];
  };
  const figures = list.figures.map((f) => ({
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
    scope: 'global',
    description: 'metrics with bootstrap intervals, McNemar tests and SVG figures per protocol',
    params: evaluateParams,
    run: (ctx) =>
      stageTask(async (emit) => {
        const ev = await import('@emo/eval');
        const { protocols } = readSplitSummary(inputOf(ctx.inputs, 'split').path);
        let synthetic = false;
        const trainings: TrainSummary[] = [];
        const sets: PredictionSet[] = (ctx.inputs['train'] ?? []).map((a) => {
          const t = JSON.parse(readFileSync(join(a.path, TRAIN_JSON), 'utf8')) as TrainSummary;
          const shard = readPredictionsShard(join(a.path, PREDICTIONS_FILE));
          synthetic ||= shard.metadata.synthetic;
          trainings.push(t);
          return {
            protocol: t.protocol,
            model: t.model,
            fold: t.fold,
            rows: shard.rows,
            probs: shard.probs,
            curves: t.history.map((h) => ({
              epoch: h.epoch,
              loss: h.loss,
              accuracy: h.accuracy,
              valLoss: h.valLoss,
              valAccuracy: h.valAccuracy,
            })),
          };
        });
        if (sets.length === 0) throw new Error('evaluate: no trained model to evaluate');
        const evaluation = ev.evaluate(protocols, sets, synthetic, {
          bootstrap: ctx.params.bootstrap,
        });
        emit({ kind: 'log', message: `${evaluation.models.length} model × protocol results` });
        const figures = await ev.figuresFor(evaluation);
        mkdirSync(join(ctx.outDir, FIGURES_DIR));
        for (const f of figures) {
          writeFileSync(join(ctx.outDir, FIGURES_DIR, `${f.id}.svg`), f.svg);
        }
        writeFileSync(
          join(ctx.outDir, EVALUATION_JSON),
          JSON.stringify(evaluation, null, 1) + '\n',
        );
        const list = figures.map(({ id, title, caption }) => ({ id, title, caption }));
        writeFileSync(
          join(ctx.outDir, FIGURES_JSON),
          JSON.stringify({ figures: list, trainings }, null, 1) + '\n',
        );
      }),
  });
}
