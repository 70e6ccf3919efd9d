/**
 * `dsp`: each subject's recordings shard → its windows shard (`@emo/dsp` does the work): cleaned
 * cardiac signal, heart rate and GSR tonic/phasic as per-subject z-scored sequences, HRV and
 * EDA features per window, with flags for doubtful windows.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DSP_DEFAULTS, processRecordingsShard } from '@emo/dsp';
import { jsonText, readJsonFile } from '@emo/runtime';
import { defineStage, inputOf, stageTask } from '../engine/index.js';
import type { Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';

const d = DSP_DEFAULTS;

/** Parameters (config `dsp`); the defaults are @emo/dsp's DSP_DEFAULTS. */
export const dspParams = z
  .object({
    windowSec: z.number().positive().max(600).default(d.windowSec),
    /** Non-overlapping windows by default: overlap makes the random split even more optimistic. */
    stepSec: z.number().positive().max(600).default(d.stepSec),
    seqRate: z.number().positive().max(1000).default(d.seqRate),
    normalise: z.enum(['baseline', 'trials', 'none']).default(d.normalise),
    powerline: z.union([z.literal(50), z.literal(60), z.null()]).default(d.powerline),
  })
  .strict();

export type DspStageParams = z.infer<typeof dspParams>;

/** What `dsp.json` beside each windows shard holds (read by the report). */
const dspSummary = z.object({
  shard: z.string(),
  windows: z.number().int(),
  flagged: z.number().int(),
  trials: z.number().int(),
  perClass: z.record(z.string(), z.number().int()),
  skippedTrials: z.array(z.object({ trial: z.number().int(), reason: z.string() })),
  /** Seconds of cardiac signal, and of it excluded by signal quality (spans). */
  cardiac: z.object({
    seconds: z.number(),
    excludedSeconds: z.number(),
    excludedSpans: z.number().int(),
  }),
  warnings: z.number().int(),
});

export type DspSummary = z.infer<typeof dspSummary>;

export const DSP_SUMMARY = 'dsp.json';

export async function dspStage(): Promise<Stage<DspStageParams>> {
  return defineStage({
    id: 'dsp',
    version: await packageCodeVersion(
      '@emo/dsp',
      [fileURLToPath(import.meta.url)],
      ['@emo/datasets'],
    ),
    deps: ['convert'],
    scope: 'subject',
    description: 'recordings → windows shards (filtered sequences, HRV/EDA features)',
    params: dspParams,
    run: (ctx) =>
      stageTask(async (emit, signal) => {
        const input = inputOf(ctx.inputs, 'convert').path;
        const arrow = readdirSync(input).find((f) => f.endsWith('.arrow'));
        if (!arrow) throw new Error(`dsp: no recordings shard in ${input}`);
        const name = arrow.replace(/\.arrow$/, '.windows.arrow');
        const r = await processRecordingsShard(
          join(input, arrow),
          join(ctx.outDir, name),
          ctx.params,
          {
            sourceName: arrow,
            signal,
            onProgress: (done, total) => emit({ kind: 'progress', done, total, message: 'trials' }),
          },
        );
        const summary: DspSummary = {
          shard: name,
          windows: r.windows,
          flagged: r.flagged,
          trials: r.trials,
          perClass: { ...r.perClass },
          skippedTrials: [...r.skippedTrials],
          cardiac: r.cardiac,
          warnings: r.warnings.length,
        };
        writeFileSync(join(ctx.outDir, DSP_SUMMARY), jsonText(summary));
      }),
  });
}

/** Read a dsp artifact's summary. */
export function readDspSummary(dir: string): DspSummary {
  return readJsonFile(join(dir, DSP_SUMMARY), dspSummary, 'dsp summary');
}
