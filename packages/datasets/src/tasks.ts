/**
 * Classification tasks over the same shards: the study's five classes and the tasks most
 * published DEAP/AMIGOS work reports, read from the raw ratings every windows row keeps
 * (docs/DATASETS.md; AMIGOS's arousal-first column order is already undone by the converter).
 *
 * - `emotion5`: the study's label (`label5`, the mapping of labels.ts).
 * - `valence2`, `arousal2`: low vs high around `threshold` (5 on the 1–9 scales, as in the DEAP
 *   paper, Koelstra et al. 2012). A rating exactly at the threshold goes where `atThreshold`
 *   says: 'high' by default (rating ≥ threshold is high, as TorchEEG's `Binary` transform does),
 *   'low', or 'exclude' (left out and counted).
 * - `quadrant4`: the valence–arousal quadrant, HVHA, HVLA, LVHA, LVLA (H/L as above).
 *
 * Class order is fixed per task; for the binary tasks class 1 ('high') is the positive class of
 * F1 and AUC.
 */
import { EMOTIONS } from './emotions.js';
import type { Emotion } from './emotions.js';

export const TASK_NAMES = ['emotion5', 'valence2', 'arousal2', 'quadrant4'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** The study's task: what a run does when no task is configured. */
export const DEFAULT_TASK: TaskName = 'emotion5';

export const TASK_CLASSES: Readonly<Record<TaskName, readonly string[]>> = {
  emotion5: EMOTIONS,
  valence2: ['low', 'high'],
  arousal2: ['low', 'high'],
  quadrant4: ['HVHA', 'HVLA', 'LVHA', 'LVLA'],
};

/**
 * Whether a task is read from the raw valence/arousal ratings (the tasks the literature reports,
 * where leave-one-subject-out is the reference subject-independent protocol) rather than from
 * the study's label mapping.
 */
export function readsRatings(task: TaskName): boolean {
  return task !== 'emotion5';
}

/** The positive class of a binary task (index into its classes), null for the others. */
export function positiveClass(task: TaskName): number | null {
  return TASK_CLASSES[task].length === 2 ? 1 : null;
}

export const AT_THRESHOLD = ['high', 'low', 'exclude'] as const;
export type AtThreshold = (typeof AT_THRESHOLD)[number];

/** How ratings are split into low and high. */
export interface RatingSplit {
  readonly threshold: number;
  readonly atThreshold: AtThreshold;
}

export const RATING_SPLIT_DEFAULTS: RatingSplit = { threshold: 5, atThreshold: 'high' };

/** What a task reads of a row: the study's label and the raw ratings. */
export interface TaskSource {
  readonly label5: Emotion | null;
  readonly valence: number | null;
  readonly arousal: number | null;
}

/** A row's class index in its task, or why it has none. */
export type TaskLabel =
  | { readonly label: number; readonly reason: null }
  | { readonly label: null; readonly reason: string };

type Side = { readonly high: boolean } | { readonly reason: string };

function side(name: 'valence' | 'arousal', v: number | null, s: RatingSplit): Side {
  if (v === null || !Number.isFinite(v)) return { reason: `no ${name} rating` };
  if (v !== s.threshold) return { high: v > s.threshold };
  if (s.atThreshold === 'exclude') {
    return { reason: `${name} exactly at the threshold ${s.threshold}` };
  }
  return { high: s.atThreshold === 'high' };
}

const none = (reason: string): TaskLabel => ({ label: null, reason });

/** The class of one row in `task` (see the file comment). */
export function taskLabel(
  task: TaskName,
  row: TaskSource,
  split: RatingSplit = RATING_SPLIT_DEFAULTS,
): TaskLabel {
  if (task === 'emotion5') {
    if (row.label5 === null) return none('no five-class label (the mapping left it out)');
    const k = (EMOTIONS as readonly string[]).indexOf(row.label5);
    return k < 0 ? none(`label5 '${row.label5}' is not a class`) : { label: k, reason: null };
  }
  const v = side('valence', row.valence, split);
  const a = side('arousal', row.arousal, split);
  const classes = TASK_CLASSES[task];
  const of = (name: string): TaskLabel => ({ label: classes.indexOf(name), reason: null });
  const hl = (x: { high: boolean }) => (x.high ? 'high' : 'low');
  if (task === 'valence2') return 'reason' in v ? none(v.reason) : of(hl(v));
  if (task === 'arousal2') return 'reason' in a ? none(a.reason) : of(hl(a));
  if ('reason' in v) return none(v.reason);
  if ('reason' in a) return none(a.reason);
  return of(`${v.high ? 'HV' : 'LV'}${a.high ? 'HA' : 'LA'}`);
}

/** The task and its split in words, for reports. */
export function describeTask(task: TaskName, split: RatingSplit = RATING_SPLIT_DEFAULTS): string {
  const t = split.threshold;
  const tie =
    split.atThreshold === 'exclude'
      ? `ratings exactly ${t} left out`
      : `a rating of exactly ${t} counts as ${split.atThreshold}`;
  switch (task) {
    case 'emotion5':
      return `the study's five classes (${EMOTIONS.join(', ')}) by the label mapping`;
    case 'valence2':
      return `valence high (> ${t}) vs low (< ${t}) on the 1–9 scale; ${tie}`;
    case 'arousal2':
      return `arousal high (> ${t}) vs low (< ${t}) on the 1–9 scale; ${tie}`;
    case 'quadrant4':
      return `valence–arousal quadrants HVHA, HVLA, LVHA, LVLA (high > ${t}, low < ${t}); ${tie}`;
  }
}
