/**
 * `split`: which windows train, validate and test each model, among the windows that have a
 * label, a physiological sequence and a face crop (so that the hybrid and both baselines see the
 * same samples). The seed's random 70/15/15 window split by default, or whole subjects held out;
 * issue 7 brings the split protocols of packages/eval (subject-independent k-fold,
 * within-subject) and their leakage guard.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EMOTIONS } from '@emo/datasets';
import { defineStage, stageTask } from '../engine/index.js';
import type { Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';
import { subjectShards } from './subject-shards.js';

export const splitParams = z
  .object({
    /**
     * 'random': the seed's window split (optimistic); 'subject-holdout': whole subjects held out
     * for validation and test (shares from `fractions`).
     */
    protocol: z.enum(['random', 'subject-holdout']).default('random'),
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    fractions: z
      .tuple([z.number().positive(), z.number().min(0), z.number().positive()])
      .refine((f) => Math.abs(f[0] + f[1] + f[2] - 1) < 1e-9, 'fractions must sum to 1')
      .default([0.7, 0.15, 0.15]),
    /** Leave out windows with quality flags (their features are NaN; sequences are usable). */
    excludeFlagged: z.boolean().default(false),
  })
  .strict();

export type SplitStageParams = z.infer<typeof splitParams>;

export const SPLIT_JSON = 'split.json';
export const SPLIT_SUMMARY = 'split-summary.json';

export interface SplitSummary {
  readonly protocol: string;
  readonly seed: number;
  readonly subjects: number;
  readonly samples: number;
  readonly perClass: Record<string, number>;
  readonly skipped: {
    readonly unlabelled: number;
    readonly noFace: number;
    readonly noWindow: number;
  };
  readonly folds: readonly { fold: number; train: number; val: number; test: number }[];
  readonly notes: readonly string[];
}

export async function splitStage(): Promise<Stage<SplitStageParams>> {
  return defineStage({
    id: 'split',
    version: await packageCodeVersion('@emo/model', [fileURLToPath(import.meta.url)]),
    deps: ['dsp', 'vision'],
    scope: 'global',
    description: "train/validation/test sample ids per fold (the seed's random 70/15/15 split)",
    params: splitParams,
    run: (ctx) =>
      stageTask(async (emit) => {
        // @emo/model loads tfjs: only when this task runs.
        const { countByLabel, indexSamples, randomSplit, subjectHoldoutSplit, writeSplit } =
          await import('@emo/model');
        const shards = subjectShards(ctx.inputs['dsp'] ?? [], ctx.inputs['vision'] ?? []);
        const index = indexSamples(shards, {
          needs: ['face', 'physio'],
          excludeFlagged: ctx.params.excludeFlagged,
        });
        if (index.entries.length === 0) {
          throw new Error('split: no labelled window has both a sequence and a face crop');
        }
        const [, valShare, testShare] = ctx.params.fractions;
        const split =
          ctx.params.protocol === 'random'
            ? randomSplit(index, { seed: ctx.params.seed, fractions: ctx.params.fractions })
            : subjectHoldoutSplit(index, { seed: ctx.params.seed, valShare, testShare });
        writeSplit(join(ctx.outDir, SPLIT_JSON), split);
        const counts = countByLabel(index);
        const summary: SplitSummary = {
          protocol: split.protocol,
          seed: split.seed,
          subjects: shards.length,
          samples: index.entries.length,
          perClass: Object.fromEntries(EMOTIONS.map((e, i) => [e, counts[i]])),
          skipped: index.skipped,
          folds: split.folds.map((f) => ({
            fold: f.fold,
            train: f.train.length,
            val: f.val.length,
            test: f.test.length,
          })),
          notes: split.notes,
        };
        writeFileSync(join(ctx.outDir, SPLIT_SUMMARY), JSON.stringify(summary, null, 1) + '\n');
        emit({
          kind: 'log',
          message: `${index.entries.length} samples, ${split.folds.length} fold(s)`,
        });
      }),
  });
}
