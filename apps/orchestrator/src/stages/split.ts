/**
 * `split`: which windows train, validate and test each model, among the windows that have a
 * label, a physiological sequence and a face crop (so that the hybrid and both baselines see the
 * same samples), for every configured protocol of @emo/eval: the seed's random 70/15/15 window
 * split, subject-independent k-fold (stimuli held out too) and within-subject (whole trials
 * held out). The leakage guard checks every split; a split that breaks its protocol's promise
 * fails the stage, and each protocol's verdict goes into `split-summary.json` (and from there
 * into every report).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EMOTIONS } from '@emo/datasets';
import type { ProtocolSummary } from '@emo/eval';
import { defineStage, stageTask } from '../engine/index.js';
import type { Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';
import { subjectShards } from './subject-shards.js';

/** Protocol names in the config, and the ids they produce. */
export const PROTOCOLS = ['random', 'subject', 'within'] as const;

export const splitParams = z
  .object({
    /**
     * 'random': the seed's window split (optimistic); 'subject': subject-independent k-fold
     * (`subjectFolds`, stimuli held out with `holdOutStimuli`); 'within': each subject's trials
     * split, whole trials held out.
     */
    protocols: z
      .array(z.enum(PROTOCOLS))
      .min(1)
      .refine((p) => new Set(p).size === p.length, 'protocols must not repeat')
      .default(['random', 'subject', 'within']),
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    /** Train/validation/test shares of the random split and of each subject's trials (within). */
    fractions: z
      .tuple([z.number().positive(), z.number().min(0), z.number().positive()])
      .refine((f) => Math.abs(f[0] + f[1] + f[2] - 1) < 1e-9, 'fractions must sum to 1')
      .default([0.7, 0.15, 0.15]),
    /** Subject groups of the subject-independent protocol, or 'loso' (one per subject). */
    subjectFolds: z.union([z.number().int().min(2).max(100), z.literal('loso')]).default(3),
    holdOutStimuli: z.boolean().default(true),
    /** Leave out windows with quality flags (their features are NaN; sequences are usable). */
    excludeFlagged: z.boolean().default(false),
  })
  .strict();

export type SplitStageParams = z.infer<typeof splitParams>;

/** `splits/<protocol id>.json`, one split artefact per protocol. */
export const SPLITS_DIR = 'splits';
export const SPLIT_SUMMARY = 'split-summary.json';
export const splitFile = (dir: string, protocol: string): string =>
  join(dir, SPLITS_DIR, `${protocol}.json`);

export interface SplitSummary {
  readonly subjects: number;
  readonly samples: number;
  readonly perClass: Record<string, number>;
  readonly skipped: {
    readonly unlabelled: number;
    readonly noFace: number;
    readonly noWindow: number;
    readonly flagged: number;
  };
  /** Each protocol: id, kind, seed, folds with counts, leakage report, notes. */
  readonly protocols: readonly ProtocolSummary[];
  /** Configured protocols that could not be made from these subjects, and why. */
  readonly skippedProtocols: readonly { protocol: string; reason: string }[];
}

export function readSplitSummary(dir: string): SplitSummary {
  return JSON.parse(readFileSync(join(dir, SPLIT_SUMMARY), 'utf8')) as SplitSummary;
}

export async function splitStage(): Promise<Stage<SplitStageParams>> {
  return defineStage({
    id: 'split',
    version: await packageCodeVersion(
      '@emo/eval',
      [fileURLToPath(import.meta.url)],
      ['@emo/model'],
      'splits',
    ),
    deps: ['dsp', 'vision'],
    scope: 'global',
    description:
      'train/validation/test sample ids per protocol and fold (random, subject-independent, within-subject), leakage-checked',
    params: splitParams,
    run: (ctx) =>
      stageTask(async (emit) => {
        // @emo/model and @emo/eval load tfjs: only when this task runs.
        const { countByLabel, indexSamples, sampleId, writeSplit } = await import('@emo/model');
        const ev = await import('@emo/eval');
        const p = ctx.params;
        const shards = subjectShards(ctx.inputs['dsp'] ?? [], ctx.inputs['vision'] ?? []);
        const index = indexSamples(shards, {
          needs: ['face', 'physio'],
          excludeFlagged: p.excludeFlagged,
        });
        if (index.entries.length === 0) {
          throw new Error('split: no labelled window has both a sequence and a face crop');
        }
        const samples = index.entries;
        const byId = new Map(samples.map((s) => [sampleId(s), s]));
        const make = (name: (typeof PROTOCOLS)[number]) => {
          switch (name) {
            case 'random':
              return ev.randomProtocol(samples, { seed: p.seed, fractions: p.fractions });
            case 'subject':
              return ev.subjectKFoldSplit(samples, {
                seed: p.seed,
                k: p.subjectFolds,
                holdOutStimuli: p.holdOutStimuli,
              });
            case 'within':
              return ev.withinSubjectSplit(samples, { seed: p.seed, fractions: p.fractions });
          }
        };
        mkdirSync(join(ctx.outDir, SPLITS_DIR));
        const protocols: ProtocolSummary[] = [];
        const skippedProtocols: { protocol: string; reason: string }[] = [];
        for (const name of p.protocols) {
          let split: ReturnType<typeof make>;
          try {
            split = make(name);
          } catch (e) {
            // too few subjects or trials for this protocol: the others go on, the report says why
            if (!(e instanceof RangeError)) throw e;
            skippedProtocols.push({ protocol: name, reason: e.message });
            emit({ kind: 'log', message: `${name}: left out (${e.message})` });
            continue;
          }
          const leakage = ev.guardSplit(split, byId, {
            stimuliHeldOut: name === 'subject' && p.holdOutStimuli,
          });
          writeSplit(splitFile(ctx.outDir, split.protocol), split);
          protocols.push({
            protocol: split.protocol,
            kind: split.kind,
            seed: split.seed,
            description: split.description,
            folds: split.folds.map((f) => ({
              fold: f.fold,
              train: f.train.length,
              val: f.val.length,
              test: f.test.length,
            })),
            leakage,
            notes: split.notes,
          });
          emit({
            kind: 'log',
            message: `${split.protocol}: ${split.folds.length} fold(s); leakage ${leakage.verdict}`,
          });
        }
        const counts = countByLabel(index);
        const summary: SplitSummary = {
          subjects: shards.length,
          samples: samples.length,
          perClass: Object.fromEntries(EMOTIONS.map((e, i) => [e, counts[i]])),
          skipped: index.skipped,
          protocols,
          skippedProtocols,
        };
        if (protocols.length === 0) {
          throw new Error(
            `split: no protocol could be made (${skippedProtocols.map((x) => `${x.protocol}: ${x.reason}`).join('; ')})`,
          );
        }
        writeFileSync(join(ctx.outDir, SPLIT_SUMMARY), JSON.stringify(summary, null, 1) + '\n');
      }),
  });
}
