/**
 * `synth`: the embedded SYNTHETIC corpus, written in the exact DEAP and AMIGOS file formats
 * (`@emo/datasets` writes it). Used only when no dataset is configured; everything downstream of
 * it is marked synthetic.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { SynthPresetName } from '@emo/datasets';
import { SYNTH_DEFAULTS, SYNTH_PRESET_NAMES, writeSyntheticCorpus } from '@emo/datasets';
import { defineStage, stageTask } from '../engine/index.js';
import type { Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';
import { seedParam } from './seed.js';

const d = SYNTH_DEFAULTS;

/**
 * Parameters (config `synth`); the defaults are @emo/datasets' SYNTH_DEFAULTS, and the
 * dimensions left out (trials, durations) are the preset's (SYNTH_PRESETS).
 */
export const synthParams = z
  .object({
    /** The corpus's dimensions: `small` (default) or `full` (the real data sets'). */
    preset: z.enum(SYNTH_PRESET_NAMES as [SynthPresetName, ...SynthPresetName[]]).default(d.preset),
    subjects: z.number().int().min(1).max(64).default(d.subjects),
    /** The run's top-level `seed` unless set here. */
    seed: seedParam,
    /** Default: the preset's. */
    deapTrials: z.number().int().min(5).max(40).optional(),
    /** Default: the preset's. */
    amigosShortTrials: z.number().int().min(5).max(16).optional(),
    /** Duration of every long-video AMIGOS trial, s; default: the preset's. */
    amigosLongS: z.number().int().min(10).max(1800).optional(),
    video: z.boolean().default(d.video),
  })
  .strict();

export type SynthParams = z.infer<typeof synthParams>;

/** Folders of the two downloads inside the synth stage's output. */
export const SYNTH_DEAP = 'DEAP';
export const SYNTH_AMIGOS = 'AMIGOS';

export async function synthStage(): Promise<Stage<SynthParams>> {
  return defineStage({
    id: 'synth',
    version: await packageCodeVersion('@emo/datasets', [fileURLToPath(import.meta.url)]),
    deps: [],
    scope: 'global',
    description: 'SYNTHETIC DEAP- and AMIGOS-format download (no dataset configured)',
    params: synthParams,
    run: (ctx) =>
      stageTask(async (emit) => {
        let step = 0;
        await writeSyntheticCorpus({
          out: ctx.outDir,
          preset: ctx.params.preset,
          subjects: ctx.params.subjects,
          seed: ctx.params.seed,
          deapTrials: ctx.params.deapTrials,
          amigosShortTrials: ctx.params.amigosShortTrials,
          amigosLongS: ctx.params.amigosLongS,
          video: ctx.params.video,
          onProgress: (message) => emit({ kind: 'progress', done: ++step, message }),
        });
      }),
  });
}
