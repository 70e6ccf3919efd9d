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
 *   split     dsp*,     task      @emo/eval splits         per classification task (`tasks`):
 *             vision*             (+ samples)              train/val/test sample ids per protocol
 *                                                          and fold (random 70/15/15, subject
 *                                                          k-fold, within-subject), leakage-checked
 *   train     split†,   task×     @emo/model (+ datasets,  a trained model (sized by the shards),
 *             dsp*,     protocol× samples)                 its curves and a predictions shard of
 *             vision*   model×fold                         the fold's test samples (* every
 *                                                          subject's shard; † its task's only)
 *   evaluate  split,    task      @emo/eval                metrics with intervals and floors,
 *             train†                                       McNemar, SVG figures
 *   report    convert,  global    @emo/eval (+ datasets)   report.html, report.md, metrics.json,
 *             dsp, vision, split, evaluate                 emo.config.json (every task side by
 *                                                          side, the first configured leading)
 *
 * Parameters: each stage's block of the config (defaults from its package), the run's `seed`
 * into every random stage that does not set its own, and — before anything runs — the model
 * settings checked against the sizes the dsp and vision settings make.
 */
import { EMOTIONS } from '@emo/datasets';
import { windowsShape } from '@emo/dsp';
import type { ModelShape } from '@emo/model/spec';
import { facesShape } from '@emo/vision';
import type { Stage } from './engine/index.js';
import type { EmoConfig } from './config.js';
import { CONFIG_SCHEMA_JSON } from './config-schema.js';
import { convertStage } from './stages/convert.js';
import type { DatasetRoots } from './stages/convert.js';
import { dspStage } from './stages/dsp.js';
import { visionStage } from './stages/vision.js';
import { reportStage } from './stages/report.js';
import { evaluateStage } from './stages/evaluate.js';
import { splitStage } from './stages/split.js';
import type { ShapeSources } from './stages/train.js';
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

/**
 * The sizes of the data the dsp and vision settings make (the windows and faces shards will say
 * the same; the models are sized by the shards), and those settings in words: what `emo plan`
 * checks the model settings and a pretrained face model against before anything runs.
 */
export function expectedShape(config: EmoConfig): { shape: ModelShape; from: ShapeSources } {
  const w = windowsShape(config.dsp);
  const f = facesShape(config.vision);
  const { windowSec, seqRate } = config.dsp;
  return {
    shape: { ...w, ...f, numClasses: EMOTIONS.length },
    from: {
      face: `the vision stage's crops: vision.size=${f.imageSize}, vision.frames=${f.frames}`,
      physio: `the dsp stage's windows: dsp.windowSec=${windowSec} × dsp.seqRate=${seqRate} = ${w.seqLength} steps`,
    },
  };
}

export async function buildPipeline(config: EmoConfig): Promise<EmoPipeline> {
  const synthetic = !config.datasets.deap && !config.datasets.amigos;
  const { shape, from } = expectedShape(config);
  const bad = checkTrainParams(config.train, shape, from);
  if (bad) throw new ConfigError(bad);
  // Every random step gets the run's seed unless its own block sets one.
  const seed = config.seed;
  // where this machine has each download: not a parameter (see stages/convert.ts)
  const roots: DatasetRoots = {
    ...(config.datasets.deap ? { deap: config.datasets.deap.root } : {}),
    ...(config.datasets.amigos ? { amigos: config.datasets.amigos.root } : {}),
  };
  const stages = [
    ...(synthetic ? [await synthStage()] : []),
    await convertStage(synthetic, roots),
    await dspStage(),
    await visionStage(synthetic, roots),
    await splitStage(),
    await trainStage(),
    await evaluateStage(),
    await reportStage(),
  ] as Stage<unknown>[];
  const stageParams = {
    ...(synthetic ? { synth: { ...config.synth, seed: config.synth.seed ?? seed } } : {}),
    convert: config.convert,
    dsp: config.dsp,
    vision: config.vision,
    split: {
      ...config.split,
      seed: config.split.seed ?? seed,
      tasks: config.tasks,
      ratingSplit: config.ratingSplit,
    },
    train: { ...config.train, seed: config.train.seed ?? seed },
    evaluate: {
      ...config.evaluate,
      bootstrap: { ...config.evaluate.bootstrap, seed: config.evaluate.bootstrap.seed ?? seed },
    },
  };
  // The report shows the settings and writes them as an emo.config.json that reproduces the run,
  // checked by the JSON Schema written beside it.
  const { store: _store, results: _results, $schema: _schema, ...rest } = config;
  const settings = { $schema: `./${CONFIG_SCHEMA_JSON}`, ...rest };
  const params = {
    ...stageParams,
    report: { published: config.report.published, settings, tasks: config.tasks },
  };
  return { stages, params, synthetic };
}
