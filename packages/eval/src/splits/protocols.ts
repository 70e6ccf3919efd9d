/**
 * The three split protocols reported side by side (DESIGN.md, Evaluation), each seeded and
 * written as a split artefact (split-file.ts: lists of sample ids per fold):
 *
 * - `random-70-15-15` ({@link randomProtocol}): the study's split. Windows are drawn at
 *   random per label, so windows of one subject and one trial land in training and test. It is
 *   optimistic; the leakage guard says what it shares.
 * - `subject-kfold-K` ({@link subjectKFoldSplit}): subject-independent. Subjects are dealt into
 *   K groups; fold i tests the subjects of group i. With `holdOutStimuli` (the default for
 *   k-fold) the stimuli are dealt into K groups too. Fold i then tests only group i's subjects watching
 *   group i's stimuli, and trains only on the other subjects watching the other stimuli. The
 *   cross blocks (a test subject on a training stimulus, and the reverse) are left out and
 *   counted. Validation is whole training subjects. K = number of subjects is
 *   leave-one-subject-out (`subject-loso`), the literature's reference protocol and the
 *   pipeline's default for the rating tasks. It does not hold out stimuli unless asked: with one
 *   subject per fold, each subject would be tested on 1/K of the stimuli only.
 * - `within-subject-trials` ({@link withinSubjectSplit}): every subject is in training and
 *   test, but whole trials are held out. Each subject's trials are split 70/15/15, stratified by
 *   the trial's label, so no trial has windows on both sides.
 */
import { Rng } from '@emo/runtime';
import type { SampleKey } from '@emo/samples';
import { sampleId } from '@emo/samples';
import type { SplitArtifact, SplitFold } from './split-file.js';
import type { LeakageReport, ProtocolKind, ProtocolSummary } from '../types.js';

/** A sample as the protocols see it: its key and label index (an @emo/samples index entry fits). */
export interface SplitSample extends SampleKey {
  readonly label: number;
  /** `dataset/stimulus_id`; null when unknown (then only the subject decides). */
  readonly stimulus: string | null;
}

/** A split artefact with the protocol's kind and a sentence describing it. */
export interface ProtocolSplit extends SplitArtifact {
  readonly kind: ProtocolKind;
  readonly description: string;
}

export type Fractions = readonly [number, number, number];

/** The number of label groups to stratify by: one per class index the samples use. */
function numLabels(samples: readonly { label: number }[]): number {
  return samples.reduce((m, s) => Math.max(m, s.label + 1), 0);
}

/** One value per label group. */
function perLabel<T>(k: number, make: (label: number) => T): T[] {
  return Array.from({ length: k }, (_, l) => make(l));
}

/** Subject folds: a number of groups, or 'loso' (one per subject). */
export type SubjectFolds = number | 'loso';

/**
 * Whether the subject-independent protocol holds out stimuli: always, never, or 'kfold' (in
 * k-fold, not in leave-one-subject-out).
 */
export type HoldOutStimuli = boolean | 'kfold';

/**
 * What the protocols use where their options leave a setting out: the train/validation/test
 * fractions of the random and within-subject splits, the subject folds (`subjectFolds` for the
 * study's five classes, `ratingSubjectFolds` for the tasks read from the ratings), whether
 * stimuli are held out and the validation share of the subject-independent split. The
 * pipeline's config takes its defaults from here.
 */
export const SPLIT_DEFAULTS: {
  readonly fractions: Fractions;
  readonly subjectFolds: SubjectFolds;
  readonly ratingSubjectFolds: SubjectFolds;
  readonly holdOutStimuli: HoldOutStimuli;
  readonly valShare: number;
} = Object.freeze({
  fractions: Object.freeze([0.7, 0.15, 0.15] as const),
  subjectFolds: 3,
  ratingSubjectFolds: 'loso',
  holdOutStimuli: 'kfold',
  valShare: 0.15,
});

function checkFractions(f: Fractions): void {
  if (f.some((x) => !(x >= 0)) || Math.abs(f[0] + f[1] + f[2] - 1) > 1e-9) {
    throw new RangeError(`split fractions must be ≥ 0 and sum to 1, got ${f.join(', ')}`);
  }
}

const pct = (f: Fractions): string => f.map((x) => Math.round(x * 100)).join('-');

/**
 * The study's random window split; protocol `random-70-15-15`. Windows are drawn at random per
 * label (`stratify`, the default: every part keeps the class balance), so windows of one subject
 * and trial land on both sides.
 */
export function randomProtocol(
  samples: readonly SplitSample[],
  opts: { readonly seed: number; readonly fractions?: Fractions; readonly stratify?: boolean },
): ProtocolSplit {
  const fractions = opts.fractions ?? SPLIT_DEFAULTS.fractions;
  const stratify = opts.stratify ?? true;
  checkFractions(fractions);
  const groups: number[][] = stratify ? perLabel(numLabels(samples), () => []) : [[]];
  samples.forEach((e, i) => groups[stratify ? e.label : 0].push(i));
  const rng = new Rng(opts.seed).fork('randomSplit');
  const part = new Int8Array(samples.length); // 0 train, 1 val, 2 test
  for (const g of groups) {
    rng.shuffle(g);
    const nTrain = Math.round(g.length * fractions[0]);
    const nTrainVal = Math.round(g.length * (fractions[0] + fractions[1]));
    g.forEach((i, j) => (part[i] = j < nTrain ? 0 : j < nTrainVal ? 1 : 2));
  }
  const ids = (p: number) => samples.filter((_, i) => part[i] === p).map((e) => sampleId(e)); // sample order
  return {
    protocol: `random-${pct(fractions)}`,
    kind: 'random',
    seed: opts.seed,
    description: `windows drawn at random${stratify ? ' per label' : ''}, ${pct(fractions)} (the study's split)`,
    folds: [{ fold: 0, train: ids(0), val: ids(1), test: ids(2) }],
    notes: [
      `windows drawn at random${stratify ? ' per label' : ''} (fractions ${fractions.join(', ')}, seed ${opts.seed})`,
      'windows of one subject and trial land on both sides of the split (neighbouring, or overlapping, windows of one recording): optimistic, not subject-independent',
    ],
  };
}

export interface SubjectKFoldOptions {
  readonly seed: number;
  /** Subject groups (folds); 'loso' = one per subject. Default 3. */
  readonly k?: SubjectFolds;
  /**
   * Deal stimuli into k groups too and test each fold on its own stimuli only; default 'kfold':
   * in k-fold, not in leave-one-subject-out.
   */
  readonly holdOutStimuli?: HoldOutStimuli;
  /** Share of each fold's training subjects used for validation (default 0.15, at least 1). */
  readonly valShare?: number;
}

/** Sorted distinct values. */
const distinct = <T>(xs: Iterable<T>): T[] => [...new Set(xs)].sort();

/** Deal items into k groups round-robin after a seeded shuffle: item → group. */
function deal(items: readonly string[], k: number, rng: Rng): Map<string, number> {
  const order = rng.shuffle([...items]);
  return new Map(order.map((x, i) => [x, i % k]));
}

/**
 * Stimuli dealt into k groups so that each group gets stimuli of every label where possible:
 * stimuli are ordered by their most frequent label, shuffled within it, then dealt in turn.
 */
function dealStimuli(samples: readonly SplitSample[], k: number, rng: Rng): Map<string, number> {
  const counts = new Map<string, number[]>();
  const labels = numLabels(samples);
  for (const s of samples) {
    if (s.stimulus === null) continue;
    const c = counts.get(s.stimulus) ?? perLabel(labels, () => 0);
    if (s.label >= 0 && s.label < c.length) c[s.label]++;
    counts.set(s.stimulus, c);
  }
  const byLabel: string[][] = perLabel(labels, () => []);
  for (const stim of distinct(counts.keys())) {
    const c = counts.get(stim) as number[];
    byLabel[c.indexOf(Math.max(...c))].push(stim);
  }
  const out = new Map<string, number>();
  let next = 0;
  for (const group of byLabel) {
    for (const stim of rng.shuffle(group)) out.set(stim, next++ % k);
  }
  return out;
}

/** Whether `k` subject folds over `subjects` subjects hold out stimuli under the option `hold`. */
export function holdsOutStimuli(
  hold: HoldOutStimuli | undefined,
  k: SubjectFolds,
  subjects: number,
): boolean {
  const h = hold ?? SPLIT_DEFAULTS.holdOutStimuli;
  return h === 'kfold' ? k !== 'loso' && k !== subjects : h;
}

/** Subject-independent k-fold (stimuli held out too in k-fold by default); see the file comment. */
export function subjectKFoldSplit(
  samples: readonly SplitSample[],
  opts: SubjectKFoldOptions,
): ProtocolSplit {
  const subjects = distinct(samples.map((s) => s.subject));
  const groups = opts.k ?? SPLIT_DEFAULTS.subjectFolds;
  const k = groups === 'loso' ? subjects.length : groups;
  const holdOutStimuli = holdsOutStimuli(opts.holdOutStimuli, k, subjects.length);
  const valShare = opts.valShare ?? SPLIT_DEFAULTS.valShare;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k must be an integer ≥ 2, got ${k}`);
  if (subjects.length < k) {
    throw new RangeError(`${k} subject folds need at least ${k} subjects, got ${subjects.length}`);
  }
  if (subjects.length - Math.ceil(subjects.length / k) < 2) {
    throw new RangeError(
      `${subjects.length} subjects in ${k} folds leave fewer than 2 training subjects (one is needed for validation)`,
    );
  }
  const rng = new Rng(opts.seed).fork('subjectKFoldSplit');
  const subjectGroup = deal(subjects, k, rng.fork('subjects'));
  const stimulusGroup = holdOutStimuli ? dealStimuli(samples, k, rng.fork('stimuli')) : null;
  const folds: SplitFold[] = [];
  let dropped = 0;
  for (let fold = 0; fold < k; fold++) {
    const testSubject = (s: SplitSample) => subjectGroup.get(s.subject) === fold;
    // A sample without a stimulus follows its subject.
    const testStimulus = (s: SplitSample) =>
      !stimulusGroup || s.stimulus === null || stimulusGroup.get(s.stimulus) === fold;
    const trainStimulus = (s: SplitSample) =>
      !stimulusGroup || s.stimulus === null || stimulusGroup.get(s.stimulus) !== fold;
    const trainSubjects = subjects.filter((s) => subjectGroup.get(s) !== fold);
    const nVal = Math.max(1, Math.round(trainSubjects.length * valShare));
    const val = new Set(
      rng
        .fork(`val${fold}`)
        .shuffle([...trainSubjects])
        .slice(0, nVal),
    );
    const part: Record<'train' | 'val' | 'test', string[]> = { train: [], val: [], test: [] };
    for (const s of samples) {
      if (testSubject(s)) {
        if (testStimulus(s)) part.test.push(sampleId(s));
        else dropped++;
      } else if (trainStimulus(s)) {
        part[val.has(s.subject) ? 'val' : 'train'].push(sampleId(s));
      } else dropped++;
    }
    folds.push({ fold, ...part });
  }
  // A fold whose test subjects have no sample on its own stimuli tests nothing: left out, named.
  const empty = folds.filter((f) => f.test.length === 0).map((f) => f.fold);
  if (empty.length === k) {
    throw new RangeError(
      `no subject fold has a test sample (${k} folds${stimulusGroup ? ', stimuli held out' : ''})`,
    );
  }
  const loso = k === subjects.length;
  const stimuliNote = stimulusGroup
    ? `stimuli dealt into ${k} groups too: each fold tests its subjects on its own stimuli only; ${dropped} sample-fold pairs of a test subject on a training stimulus (or the reverse) left out`
    : 'stimuli are not held out: a test subject may have watched a training stimulus';
  return {
    protocol: loso ? 'subject-loso' : `subject-kfold-${k}`,
    kind: 'subject-independent',
    seed: opts.seed,
    description: `${loso ? 'leave-one-subject-out' : `${k}-fold by subject`}${stimulusGroup ? ', stimuli held out too' : ''}; validation on whole training subjects`,
    folds: folds.filter((f) => f.test.length > 0),
    notes: [
      `${subjects.length} subjects dealt into ${k} groups (seed ${opts.seed}); fold i tests group i`,
      stimuliNote,
      ...(empty.length
        ? [
            `fold(s) ${empty.join(', ')} left out: their test subjects have no sample${stimulusGroup ? " on the fold's own stimuli" : ''}`,
          ]
        : []),
    ],
  };
}

export interface WithinSubjectOptions {
  readonly seed: number;
  /** Shares of each subject's trials for train, validation and test (default 0.7/0.15/0.15). */
  readonly fractions?: Fractions;
}

/** Within-subject split with whole trials held out; protocol `within-subject-trials`. */
export function withinSubjectSplit(
  samples: readonly SplitSample[],
  opts: WithinSubjectOptions,
): ProtocolSplit {
  const fractions = opts.fractions ?? SPLIT_DEFAULTS.fractions;
  checkFractions(fractions);
  const rng = new Rng(opts.seed).fork('withinSubjectSplit');
  // trial key → label of its first window (a trial has one label).
  const trials = new Map<string, { subject: string; label: number }>();
  for (const s of samples) {
    const key = `${s.subject}/${s.trial}`;
    if (!trials.has(key)) trials.set(key, { subject: s.subject, label: s.label });
  }
  const part = new Map<string, 0 | 1 | 2>();
  const labels = numLabels(samples);
  let short = 0;
  for (const subject of distinct(samples.map((s) => s.subject))) {
    // The subject's trials ordered by label, shuffled within each label, then dealt so that
    // the parts get their shares of every label: position j of n goes to the part whose
    // cumulative share first exceeds (j + offset) / n.
    const keys = distinct([...trials.keys()].filter((t) => trials.get(t)?.subject === subject));
    const byLabel = perLabel(labels, (l) => keys.filter((t) => trials.get(t)?.label === l));
    const ordered = byLabel.flatMap((g) => rng.shuffle(g));
    const n = ordered.length;
    const nTest = n >= 3 ? Math.max(1, Math.round(n * fractions[2])) : 0;
    const nVal = n >= 3 && fractions[1] > 0 ? Math.max(1, Math.round(n * fractions[1])) : 0;
    if (n < 3) short++;
    // Every k-th trial (spread over the label order) goes to test, then validation.
    const slots: (0 | 1 | 2)[] = new Array<0 | 1 | 2>(n).fill(0);
    const offset = rng.next();
    const pick = (count: number, value: 1 | 2) => {
      const free = slots.map((v, i) => (v === 0 ? i : -1)).filter((i) => i >= 0);
      for (let j = 0; j < count; j++) {
        slots[free[Math.floor(((j + offset) * free.length) / count) % free.length]] = value;
      }
    };
    pick(nTest, 2);
    pick(nVal, 1);
    ordered.forEach((t, i) => part.set(t, slots[i]));
  }
  const names = ['train', 'val', 'test'] as const;
  const fold: Record<(typeof names)[number], string[]> = { train: [], val: [], test: [] };
  for (const s of samples) {
    fold[names[part.get(`${s.subject}/${s.trial}`) ?? 0]].push(sampleId(s));
  }
  return {
    protocol: 'within-subject-trials',
    kind: 'within-subject',
    seed: opts.seed,
    description: `every subject in training and test, whole trials held out (${pct(fractions)} of each subject's trials, by label)`,
    folds: [{ fold: 0, ...fold }],
    notes: [
      `each subject's trials split ${pct(fractions)} by label (seed ${opts.seed}); no trial has windows on both sides`,
      ...(short > 0 ? [`${short} subject(s) with fewer than 3 trials train only`] : []),
    ],
  };
}

/**
 * What the split stage reports of a protocol: its id, kind, seed, fold sizes, each fold's
 * training samples per class (what the majority and stratified floors predict from), leakage
 * and notes. `labelOf` gives a sample id's class index, `numClasses` the task's class count.
 */
export function summariseProtocol(
  split: ProtocolSplit,
  leakage: LeakageReport,
  labelOf: ReadonlyMap<string, number>,
  numClasses: number,
): ProtocolSummary {
  const perClass = (ids: readonly string[]): number[] => {
    const c = new Array<number>(numClasses).fill(0);
    for (const id of ids) {
      const l = labelOf.get(id);
      if (l === undefined || l < 0 || l >= numClasses) {
        throw new Error(`${split.protocol}: sample '${id}' has no class in [0, ${numClasses})`);
      }
      c[l]++;
    }
    return c;
  };
  return {
    protocol: split.protocol,
    kind: split.kind,
    seed: split.seed,
    description: split.description,
    folds: split.folds.map((f) => ({
      fold: f.fold,
      train: f.train.length,
      val: f.val.length,
      test: f.test.length,
      trainPerClass: perClass(f.train),
    })),
    leakage,
    notes: split.notes,
  };
}
