/**
 * `vision`: each subject's face videos → its faces shard, one row per window of its windows
 * shard (`@emo/vision` does the work): BlazeFace boxes smoothed over time, a margin, grey 48×48
 * crops with histogram equalisation, and flags where no face or no video was found. A subject's
 * trials are split over worker processes, one per core; @emo/vision caps the workers of all
 * concurrent subjects at one per core, so with `--jobs` subjects at once about as many processes
 * as cores are busy.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { jsonText, readJsonFile } from '@emo/runtime';
import { kernelsModuleUrl } from '@emo/model/spec';
import { VISION_DEFAULTS, processSubjectFaces } from '@emo/vision';
import { defineStage, inputOf, stageTask } from '../engine/index.js';
import type { Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';
import { downloadRoots } from './convert.js';
import type { DatasetRoots } from './convert.js';

const d = VISION_DEFAULTS;

/** Parameters (config `vision`); the defaults are @emo/vision's VISION_DEFAULTS. */
export const visionParams = z
  .object({
    sampleFps: z.number().positive().max(60).default(d.sampleFps),
    frames: z.number().int().min(1).max(16).default(d.frames),
    /** Crop side, pixels (the face CNN is sized by it). */
    size: z.number().int().min(8).max(256).default(d.size),
    margin: z.number().min(0).max(2).default(d.margin),
    lift: z.number().min(-1).max(1).default(d.lift),
    equalize: z.enum(['hist', 'clahe', 'none']).default(d.equalize),
    minScore: z.number().min(0).max(1).default(d.minScore),
    decodeWidth: z.number().int().min(64).max(4096).default(d.decodeWidth),
    trackFrames: z.number().int().min(0).max(60).default(d.trackFrames),
  })
  .strict();

export type VisionStageParams = z.infer<typeof visionParams>;

/** What `vision.json` beside each faces shard holds (read by the report). */
const visionSummary = z.object({
  shard: z.string(),
  rows: z.number().int(),
  complete: z.number().int(),
  flagged: z.number().int(),
  faceShare: z.number(),
  framesDecoded: z.number().int(),
});

export type VisionSummary = z.infer<typeof visionSummary>;

export const VISION_SUMMARY = 'vision.json';

const arrowIn = (dir: string, suffix: string): string => {
  const f = readdirSync(dir).find((x) => x.endsWith(suffix));
  if (!f) throw new Error(`vision: no *${suffix} in ${dir}`);
  return f;
};

/**
 * @param fromSynth the videos are the synthetic corpus's (inside the `synth` stage's output).
 * @param configured where this machine has each download: a recordings shard names its videos
 *   relative to its download (so the same task gives the same bytes wherever that lies).
 */
export async function visionStage(
  fromSynth: boolean,
  configured: DatasetRoots = {},
): Promise<Stage<VisionStageParams>> {
  return defineStage({
    id: 'vision',
    version: await packageCodeVersion(
      '@emo/vision',
      [fileURLToPath(import.meta.url)],
      ['@emo/datasets', '@emo/model'],
    ),
    deps: fromSynth ? ['convert', 'dsp', 'synth'] : ['convert', 'dsp'],
    scope: 'subject',
    description: 'face videos → faces shards (48×48 equalised crops per window)',
    params: visionParams,
    run: (ctx) =>
      stageTask(async (emit, signal) => {
        const rec = inputOf(ctx.inputs, 'convert').path;
        const win = inputOf(ctx.inputs, 'dsp').path;
        const recFile = arrowIn(rec, '.arrow');
        const winFile = arrowIn(win, '.windows.arrow');
        const name = recFile.replace(/\.arrow$/, '.faces.arrow');
        const dataset = /^(deap|amigos)-/.exec(ctx.shard ?? '')?.[1];
        const root = downloadRoots(fromSynth, configured, ctx.inputs).find(
          ([d]) => d === dataset,
        )?.[1];
        if (!root) throw new Error(`vision: no dataset root for shard '${ctx.shard}'`);
        // Detection in worker processes, one per core (capped across concurrent subjects).
        const r = await processSubjectFaces(
          join(rec, recFile),
          join(win, winFile),
          join(ctx.outDir, name),
          ctx.params,
          {
            sourceName: `${recFile}, ${winFile}`,
            datasetRoot: root,
            signal,
            workers: availableParallelism(),
            // BlazeFace's convolutions on @emo/model's kernels (native AVX2 where they load)
            kernels: kernelsModuleUrl(),
            onProgress: (done, total) => emit({ kind: 'progress', done, total, message: 'trials' }),
          },
        );
        const summary: VisionSummary = {
          shard: name,
          rows: r.rows,
          complete: r.complete,
          flagged: r.flagged,
          faceShare: r.faceShare,
          framesDecoded: r.framesDecoded,
        };
        writeFileSync(join(ctx.outDir, VISION_SUMMARY), jsonText(summary));
      }),
  });
}

export function readVisionSummary(dir: string): VisionSummary {
  return readJsonFile(join(dir, VISION_SUMMARY), visionSummary, 'vision summary');
}
