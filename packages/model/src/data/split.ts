/**
 * Train/validation/test splits of a sample index as a JSON artefact (lists of sample ids), so
 * that every model of a comparison is trained and tested on the very same samples.
 *
 * {@link randomSplit} is the seed study's protocol: windows drawn at random (per label when
 * stratified), one fold. It is optimistic: overlapping windows of one subject and trial land on
 * both sides, and the notes of the artefact say so.
 */
import { readFileSync } from 'node:fs';
import { EMOTIONS } from '@emo/datasets';
import { Rng, writeFileAtomic } from '@emo/runtime';
import type { SampleKey } from './keys.js';
import { sampleId } from './keys.js';
import type { SampleIndex } from './sample-index.js';

export interface SplitFold {
  readonly fold: number;
  readonly train: readonly string[];
  readonly val: readonly string[];
  readonly test: readonly string[];
}

export interface SplitArtifact {
  readonly protocol: string;
  readonly seed: number;
  readonly folds: readonly SplitFold[];
  readonly notes: readonly string[];
}

export interface RandomSplitOptions {
  readonly seed: number;
  /** Train, validation and test fractions (default 0.7, 0.15, 0.15). */
  readonly fractions?: readonly [number, number, number];
  /** Split each label separately, keeping the class balance in every part (default true). */
  readonly stratify?: boolean;
}

/** A sample as a split sees it: its key and label index. */
export type LabelledKey = SampleKey & { readonly label: number };

/** Random train/val/test split of the index's samples; protocol `random-70-15-15`. */
export function randomSplit(
  index: { readonly entries: readonly LabelledKey[] },
  opts: RandomSplitOptions,
): SplitArtifact {
  const fractions = opts.fractions ?? [0.7, 0.15, 0.15];
  const stratify = opts.stratify ?? true;
  if (
    fractions.some((f) => !(f >= 0)) ||
    Math.abs(fractions[0] + fractions[1] + fractions[2] - 1) > 1e-9
  ) {
    throw new RangeError(`split fractions must be ≥ 0 and sum to 1, got ${fractions.join(', ')}`);
  }
  const groups: number[][] = stratify ? EMOTIONS.map(() => []) : [[]];
  index.entries.forEach((e, i) => groups[stratify ? e.label : 0].push(i));
  const rng = new Rng(opts.seed).fork('randomSplit');
  const part = new Int8Array(index.entries.length); // 0 train, 1 val, 2 test
  for (const g of groups) {
    rng.shuffle(g);
    const nTrain = Math.round(g.length * fractions[0]);
    const nTrainVal = Math.round(g.length * (fractions[0] + fractions[1]));
    g.forEach((i, j) => (part[i] = j < nTrain ? 0 : j < nTrainVal ? 1 : 2));
  }
  const ids = (p: number) => index.entries.filter((_, i) => part[i] === p).map((e) => sampleId(e)); // index order
  const pct = fractions.map((f) => Math.round(f * 100)).join('-');
  return {
    protocol: `random-${pct}`,
    seed: opts.seed,
    folds: [{ fold: 0, train: ids(0), val: ids(1), test: ids(2) }],
    notes: [
      `windows drawn at random${stratify ? ' per label' : ''} (fractions ${fractions.join(', ')}, seed ${opts.seed})`,
      'windows of one subject and trial land on both sides of the split (neighbouring, or overlapping, windows of one recording): optimistic, not subject-independent',
    ],
  };
}

export interface SubjectHoldoutOptions {
  readonly seed: number;
  /** Shares of subjects for validation and test (default 0.15 each; at least one subject each). */
  readonly valShare?: number;
  readonly testShare?: number;
}

/**
 * Whole subjects held out: a seeded shuffle of the subjects, the first ones for test, the next
 * for validation, the rest for training (one fold; protocol `subject-holdout`). No subject's
 * windows are on two sides. The pipeline uses packages/eval's subject-independent protocols
 * (k-fold by subject, stimuli held out) and its leakage guard instead.
 */
export function subjectHoldoutSplit(
  index: SampleIndex,
  opts: SubjectHoldoutOptions,
): SplitArtifact {
  const subjects = [...new Set(index.entries.map((e) => e.subject))].sort();
  if (subjects.length < 3) {
    throw new RangeError(`a subject hold-out needs at least 3 subjects, got ${subjects.length}`);
  }
  const rng = new Rng(opts.seed).fork('subjectHoldoutSplit');
  rng.shuffle(subjects);
  const nTest = Math.max(1, Math.round(subjects.length * (opts.testShare ?? 0.15)));
  const nVal = Math.max(1, Math.round(subjects.length * (opts.valShare ?? 0.15)));
  if (nTest + nVal >= subjects.length) {
    throw new RangeError(
      `${subjects.length} subjects leave none for training after ${nTest} test and ${nVal} validation subjects`,
    );
  }
  const test = new Set(subjects.slice(0, nTest));
  const val = new Set(subjects.slice(nTest, nTest + nVal));
  const ids = (keep: (s: string) => boolean) =>
    index.entries.filter((e) => keep(e.subject)).map((e) => sampleId(e));
  return {
    protocol: 'subject-holdout',
    seed: opts.seed,
    folds: [
      {
        fold: 0,
        train: ids((s) => !test.has(s) && !val.has(s)),
        val: ids((s) => val.has(s)),
        test: ids((s) => test.has(s)),
      },
    ],
    notes: [
      `whole subjects held out (seed ${opts.seed}): test ${[...test].sort().join(', ')}; validation ${[...val].sort().join(', ')}`,
    ],
  };
}

/** Check the shape of a parsed split; errors start with `where`. */
function validateSplit(where: string, v: unknown): SplitArtifact {
  const fail = (what: string): never => {
    throw new Error(`${where}: not a split file (${what})`);
  };
  const isStrings = (a: unknown): a is string[] =>
    Array.isArray(a) && a.every((x) => typeof x === 'string');
  if (typeof v !== 'object' || v === null) return fail('not a JSON object');
  const s = v as Record<string, unknown>;
  if (typeof s.protocol !== 'string') fail("'protocol' is not a string");
  if (typeof s.seed !== 'number' || !Number.isFinite(s.seed)) fail("'seed' is not a number");
  if (!isStrings(s.notes)) fail("'notes' is not a list of strings");
  if (!Array.isArray(s.folds) || s.folds.length === 0) fail("'folds' is not a non-empty list");
  (s.folds as unknown[]).forEach((f, i) => {
    const fold = (f ?? {}) as Record<string, unknown>;
    if (!Number.isInteger(fold.fold)) fail(`folds[${i}].fold is not an integer`);
    const seen = new Map<string, string>();
    for (const part of ['train', 'val', 'test'] as const) {
      const ids = fold[part];
      if (!isStrings(ids)) return fail(`folds[${i}].${part} is not a list of sample ids`);
      for (const id of ids) {
        const other = seen.get(id);
        if (other) fail(`folds[${i}]: sample '${id}' is in both ${other} and ${part}`);
        seen.set(id, part);
      }
    }
  });
  return s as unknown as SplitArtifact;
}

export function readSplit(path: string): SplitArtifact {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read split file (${(e as Error).message})`, { cause: e });
  }
  return validateSplit(path, v);
}

export function writeSplit(path: string, s: SplitArtifact): void {
  validateSplit(path, s);
  writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(s, null, 2)}\n`));
}
