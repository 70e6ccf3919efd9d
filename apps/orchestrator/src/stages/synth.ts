/**
 * `synth`: the embedded SYNTHETIC corpus, written in the exact DEAP and AMIGOS file formats
 * (`@emo/datasets` writes it). Used only when no dataset is configured; everything downstream of
 * it is marked synthetic.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { writeSyntheticCorpus } from '@emo/datasets';
import { defineStage, stageTask } from '../engine/index.js';
import type { Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';

/** Parameters (config `synth`). */
export const synthParams = z
  .object({
    subjects: z.number().int().min(1).max(64).default(6),
    seed: z.number().int().min(0).default(1),
    deapTrials: z.number().int().min(5).max(40).default(15),
    amigosShortTrials: z.number().int().min(5).max(16).default(16),
    /** Duration of the long-video AMIGOS trials, s. */
    amigosLongS: z.number().int().min(10).max(1800).default(120),
    video: z.boolean().default(true),
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
