/**
 * The emo pipeline, at a glance. Each stage's logic lives in its package; `stages/*.ts` only
 * wire it to the engine (src/engine/README.md explains the stage interface).
 *
 *   stage     deps      scope     code version from        what it makes
 *   synth     —         global    @emo/datasets            SYNTHETIC DEAP/AMIGOS download (only
 *                                                           when no dataset is configured)
 *   convert   (synth)   subject   @emo/datasets            recordings shard per subject
 *   dsp       convert   subject   @emo/dsp (+ datasets)    windows shard per subject
 *   vision    convert,  subject   @emo/vision (+ datasets) faces shard per subject (a crop per
 *             dsp                                          window, aligned by trial time)
 *   split     dsp,      global    @emo/eval splits         train/val/test sample ids per protocol
 *             vision                                       and fold (random 70/15/15, subject
 *                                                          k-fold, within-subject), leakage-checked
 *   train     split,    protocol× @emo/model (+ datasets)  a trained model, its curves and a
 *             dsp*,     model×fold                         predictions shard of the fold's test
 *             vision*                                      samples (* every subject's shard)
 *   evaluate  split,    global    @emo/eval                metrics with intervals, McNemar, SVG
 *             train                                        figures
 *   report    convert,  global    @emo/eval (+ datasets)   report.html, report.md, metrics.json,
 *             dsp, vision, split, evaluate                 emo.config.json
 */
import type { Stage } from './engine/index.js';
import type { EmoConfig } from './config.js';
import { convertStage } from './stages/convert.js';
import { dspStage } from './stages/dsp.js';
import { visionStage } from './stages/vision.js';
import { reportStage } from './stages/report.js';
import { evaluateStage } from './stages/evaluate.js';
import { splitStage } from './stages/split.js';
import { checkTrainParams, trainStage } from './stages/train.js';
import { ConfigError } from './config.js';
import { synthStage } from './stages/synth.js';

export interface EmoPipeline {
  readonly stages: readonly Stage<unknown>[];
  /** Raw parameters by stage id (the engine validates them against each stage's schema). */
  readonly params: Readonly<Record<string, unknown>>;
  /** True when no dataset is configured and the synthetic corpus is used. */
  readonly synthetic: boolean;
}

/** Stage ids in pipeline order (for --until, nx targets and messages). */
export const STAGE_IDS = [
  'synth',
  'convert',
  'dsp',
  'vision',
  'split',
  'train',
  'evaluate',
  'report',
] as const;

export async function buildPipeline(config: EmoConfig): Promise<EmoPipeline> {
  const synthetic = !config.datasets.deap && !config.datasets.amigos;
  const bad = await checkTrainParams(config.train);
  if (bad) throw new ConfigError(bad);
  const stages = [
    ...(synthetic ? [await synthStage()] : []),
    await convertStage(synthetic),
    await dspStage(),
    await visionStage(),
    await splitStage(),
    await trainStage(),
    await evaluateStage(),
    await reportStage(),
  ] as Stage<unknown>[];
  const stageParams = {
    ...(synthetic ? { synth: config.synth } : {}),
    convert: {
      ...config.convert,
      datasets: {
        ...(config.datasets.deap ? { deap: config.datasets.deap.root } : {}),
        ...(config.datasets.amigos ? { amigos: config.datasets.amigos.root } : {}),
      },
    },
    dsp: config.dsp,
    vision: config.vision,
    split: config.split,
    train: config.train,
    evaluate: config.evaluate,
  };
  // The report shows the settings and writes them as an emo.config.json that reproduces the run.
  const { store: _store, results: _results, ...settings } = config;
  const params = { ...stageParams, report: { published: config.report.published, settings } };
  return { stages, params, synthetic };
}
