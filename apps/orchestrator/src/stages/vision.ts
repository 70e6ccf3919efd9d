/**
 * `vision`: each subject's face videos → its faces shard, one row per window of its windows
 * shard (`@emo/vision` does the work): BlazeFace boxes smoothed over time, a margin, grey 48×48
 * crops with histogram equalisation, and flags where no face or no video was found. Each task
 * runs in a child process, so `--jobs` concurrent subjects use as many cores.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { processSubjectFacesInChild } from '@emo/vision';
import { defineStage, inputOf, stageTask } from '../engine/index.js';
import type { Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';

/** Parameters (config `vision`); defaults as VISION_DEFAULTS of @emo/vision. */
export const visionParams = z
  .object({
    sampleFps: z.number().positive().max(60).default(2),
    frames: z.number().int().min(1).max(16).default(1),
    margin: z.number().min(0).max(2).default(0.2),
    equalize: z.enum(['hist', 'clahe', 'none']).default('hist'),
    minScore: z.number().min(0).max(1).default(0.5),
    trackFrames: z.number().int().min(0).max(60).default(2),
  })
  .strict();

export type VisionStageParams = z.infer<typeof visionParams>;

/** What `vision.json` beside each faces shard holds (read by the report). */
export interface VisionSummary {
  readonly shard: string;
  readonly rows: number;
  readonly complete: number;
  readonly flagged: number;
  readonly faceShare: number;
  readonly framesDecoded: number;
}

export const VISION_SUMMARY = 'vision.json';

const arrowIn = (dir: string, suffix: string): string => {
  const f = readdirSync(dir).find((x) => x.endsWith(suffix));
  if (!f) throw new Error(`vision: no *${suffix} in ${dir}`);
  return f;
};

export async function visionStage(): Promise<Stage<VisionStageParams>> {
  return defineStage({
    id: 'vision',
    version: await packageCodeVersion(
      '@emo/vision',
      [fileURLToPath(import.meta.url)],
      ['@emo/datasets'],
    ),
    deps: ['convert', 'dsp'],
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
        // In a child process: concurrent subjects detect faces on every core.
        const r = await processSubjectFacesInChild(
          join(rec, recFile),
          join(win, winFile),
          join(ctx.outDir, name),
          ctx.params,
          {
            sourceName: `${recFile}, ${winFile}`,
            signal,
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
        writeFileSync(join(ctx.outDir, VISION_SUMMARY), JSON.stringify(summary, null, 1) + '\n');
      }),
  });
}

export function readVisionSummary(dir: string): VisionSummary {
  return JSON.parse(readFileSync(join(dir, VISION_SUMMARY), 'utf8')) as VisionSummary;
}
