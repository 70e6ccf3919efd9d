/**
 * `split`: one task per configured classification task (`tasks`: the study's `emotion5`,
 * `valence2`, `arousal2`, `quadrant4`; @emo/datasets tasks.ts). Each says which windows train,
 * validate and test each model, among the windows that have a label in that task, a
 * physiological sequence and a face crop (so that the hybrid and both baselines see the same
 * samples), for every configured protocol of @emo/eval: the study's random 70/15/15 window
 * split, subject-independent (3-fold with stimuli held out too for the study's five classes,
 * leave-one-subject-out for the tasks read from the ratings, as the literature reports them) and
 * within-subject (whole trials held out). The leakage guard checks every split; a split that breaks its protocol's promise
 * fails the task, and each protocol's verdict goes into `split-summary.json` (and from there
 * into every report), with the task's labels counted per data set and what was left out, why.
 *
 * The list of tasks is not in a task's key (each task is a shard, its id in the key): adding a
 * task re-runs nothing that exists.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  AT_THRESHOLD,
  DEFAULT_TASK,
  RATING_SPLIT_DEFAULTS,
  TASK_NAMES,
  describeTask,
  readsRatings,
} from '@emo/datasets';
import type { RatingSplit } from '@emo/datasets';
import type { ProtocolSummary } from '@emo/eval';
import {
  SPLIT_DEFAULTS,
  guardSplit,
  holdsOutStimuli,
  protocolSummarySchema,
  randomProtocol,
  subjectKFoldSplit,
  summariseProtocol,
  withinSubjectSplit,
  writeSplit,
} from '@emo/eval';
import { jsonText, readJsonFile } from '@emo/runtime';
import { countByLabel, indexSamples, sampleId } from '@emo/samples';
import { defineStage, stageTask } from '../engine/index.js';
import type { Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';
import { seedParam } from './seed.js';
import { datasetOfShard, subjectShards } from './subject-shards.js';

/** Protocol names in the config, and the ids they produce. */
export const PROTOCOLS = ['random', 'subject', 'within'] as const;

const unique = <T>(list: readonly T[]) => new Set(list).size === list.length;

/** The configured tasks (top-level `tasks` of the config): a list, the study's first by default. */
export const tasksParam = z
  .array(z.enum(TASK_NAMES))
  .min(1)
  .refine(unique, 'tasks must not repeat')
  .default([DEFAULT_TASK]);

/** Where the rating tasks split low from high (top-level `ratingSplit` of the config). */
export const ratingSplitParam = z
  .object({
    /** Ratings above are high, below low (5 on the 1–9 scales, as in the DEAP paper). */
    threshold: z.number().default(RATING_SPLIT_DEFAULTS.threshold),
    /** A rating exactly at the threshold: 'high' (as TorchEEG), 'low', or 'exclude'. */
    atThreshold: z.enum(AT_THRESHOLD).default(RATING_SPLIT_DEFAULTS.atThreshold),
  })
  .strict();

const subjectFolds = z.union([z.number().int().min(2).max(100), z.literal('loso')]);

export const splitParams = z
  .object({
    /** The tasks to split for (the pipeline fills it in from the config's `tasks`). */
    tasks: tasksParam,
    /** The pipeline fills it in from the config's `ratingSplit`. */
    ratingSplit: ratingSplitParam.prefault({}),
    /**
     * 'random': the study's window split (optimistic); 'subject': subject-independent k-fold
     * (`subjectFolds`, stimuli held out with `holdOutStimuli`); 'within': each subject's trials
     * split, whole trials held out.
     */
    protocols: z
      .array(z.enum(PROTOCOLS))
      .min(1)
      .refine(unique, 'protocols must not repeat')
      .default(['random', 'subject', 'within']),
    /** The run's top-level `seed` unless set here. */
    seed: seedParam,
    /** Train/validation/test shares of the random split and of each subject's trials (within). */
    fractions: z
      .tuple([z.number().positive(), z.number().min(0), z.number().positive()])
      .refine((f) => Math.abs(f[0] + f[1] + f[2] - 1) < 1e-9, 'fractions must sum to 1')
      .default([...SPLIT_DEFAULTS.fractions]),
    /**
     * Subject groups of the subject-independent protocol for the study's five classes, or 'loso'
     * (one per subject).
     */
    subjectFolds: subjectFolds.default(SPLIT_DEFAULTS.subjectFolds),
    /**
     * The same for the tasks read from the ratings (valence2, arousal2, quadrant4): 'loso' by
     * default, the protocol the literature reports them under.
     */
    ratingSubjectFolds: subjectFolds.default(SPLIT_DEFAULTS.ratingSubjectFolds),
    /**
     * Hold out stimuli in the subject-independent protocol too: true, false, or 'kfold' (in
     * k-fold, not in leave-one-subject-out, where each subject would be tested on 1/n of them).
     */
    holdOutStimuli: z
      .union([z.boolean(), z.literal('kfold')])
      .default(SPLIT_DEFAULTS.holdOutStimuli),
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

const count = z.number().int().min(0);

const splitSummary = z.object({
  /** The task (shard) and its classes, in order, and how ratings were split. */
  task: z.enum(TASK_NAMES),
  description: z.string(),
  classes: z.array(z.string()),
  ratingSplit: ratingSplitParam,
  subjects: z.number().int(),
  samples: z.number().int(),
  perClass: z.record(z.string(), z.number().int()),
  /** Per data set: samples per class, and windows left without a label in this task, why. */
  labels: z.array(
    z.object({
      dataset: z.string(),
      perClass: z.record(z.string(), count),
      leftOut: z.array(z.object({ reason: z.string(), count })),
    }),
  ),
  skipped: z.object({
    unlabelled: z.number().int(),
    noFace: z.number().int(),
    noWindow: z.number().int(),
    flagged: z.number().int(),
  }),
  /** Each protocol: id, kind, seed, folds with counts, leakage report, notes. */
  protocols: z.array(protocolSummarySchema),
  /** Configured protocols that could not be made from these subjects, and why. */
  skippedProtocols: z.array(z.object({ protocol: z.string(), reason: z.string() })),
});

export type SplitSummary = z.infer<typeof splitSummary>;

export function readSplitSummary(dir: string): SplitSummary {
  return readJsonFile(join(dir, SPLIT_SUMMARY), splitSummary, 'split summary');
}

export async function splitStage(): Promise<Stage<SplitStageParams>> {
  return defineStage({
    id: 'split',
    version: await packageCodeVersion(
      '@emo/eval',
      [fileURLToPath(import.meta.url)],
      ['@emo/samples'],
      'splits',
    ),
    deps: ['dsp', 'vision'],
    gather: ['dsp', 'vision'],
    scope: 'subject',
    description:
      'per task: train/validation/test sample ids per protocol and fold (random, subject-independent, within-subject), leakage-checked',
    params: splitParams,
    shards: (ctx) => ctx.params.tasks,
    keyParams: ({ tasks: _tasks, ...rest }) => rest,
    run: (ctx) =>
      stageTask(async (emit) => {
        const p = ctx.params;
        const task = TASK_NAMES.find((t) => t === ctx.shard);
        if (!task)
          throw new Error(`split: shard '${ctx.shard}' is not a task (${TASK_NAMES.join(', ')})`);
        const ratingSplit: RatingSplit = p.ratingSplit;
        const shards = subjectShards(ctx.inputs['dsp'] ?? [], ctx.inputs['vision'] ?? []);
        const index = indexSamples(shards, {
          needs: ['face', 'physio'],
          excludeFlagged: p.excludeFlagged,
          task,
          ratingSplit,
        });
        if (index.entries.length === 0) {
          const why = index.unlabelledReasons.map((r) => `${r.dataset}: ${r.count} × ${r.reason}`);
          throw new Error(
            `split ${task}: no window has a label in this task and both a sequence and a face crop${why.length ? ` (unlabelled: ${why.join('; ')})` : ''}`,
          );
        }
        const samples = index.entries;
        const byId = new Map(samples.map((s) => [sampleId(s), s]));
        const labelOf = new Map(samples.map((s) => [sampleId(s), s.label]));
        const k = readsRatings(task) ? p.ratingSubjectFolds : p.subjectFolds;
        const make = (name: (typeof PROTOCOLS)[number]) => {
          switch (name) {
            case 'random':
              return randomProtocol(samples, { seed: p.seed, fractions: p.fractions });
            case 'subject':
              return subjectKFoldSplit(samples, {
                seed: p.seed,
                k,
                holdOutStimuli: p.holdOutStimuli,
              });
            case 'within':
              return withinSubjectSplit(samples, { seed: p.seed, fractions: p.fractions });
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
          const leakage = guardSplit(split, byId, {
            stimuliHeldOut:
              name === 'subject' &&
              holdsOutStimuli(p.holdOutStimuli, k, new Set(samples.map((s) => s.subject)).size),
          });
          writeSplit(splitFile(ctx.outDir, split.protocol), split);
          protocols.push(summariseProtocol(split, leakage, labelOf, index.classes.length));
          emit({
            kind: 'log',
            message: `${split.protocol}: ${split.folds.length} fold(s); leakage ${leakage.verdict}`,
          });
        }
        const counts = countByLabel(index);
        const datasets = [
          ...new Set([
            ...samples.map((s) => datasetOfShard(s.subject)),
            ...index.unlabelledReasons.map((r) => r.dataset),
          ]),
        ].sort();
        const summary: SplitSummary = {
          task,
          description: describeTask(task, ratingSplit),
          classes: [...index.classes],
          ratingSplit,
          subjects: shards.length,
          samples: samples.length,
          perClass: Object.fromEntries(index.classes.map((e, i) => [e, counts[i]])),
          labels: datasets.map((dataset) => {
            const mine = samples.filter((s) => datasetOfShard(s.subject) === dataset);
            return {
              dataset,
              perClass: Object.fromEntries(
                index.classes.map((c, i) => [c, mine.filter((s) => s.label === i).length]),
              ),
              leftOut: index.unlabelledReasons
                .filter((r) => r.dataset === dataset)
                .map(({ reason, count }) => ({ reason, count })),
            };
          }),
          skipped: index.skipped,
          protocols,
          skippedProtocols,
        };
        if (protocols.length === 0) {
          throw new Error(
            `split: no protocol could be made (${skippedProtocols.map((x) => `${x.protocol}: ${x.reason}`).join('; ')})`,
          );
        }
        writeFileSync(join(ctx.outDir, SPLIT_SUMMARY), jsonText(summary));
      }),
  });
}
