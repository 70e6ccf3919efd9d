import { describe, expect, it } from '@jest/globals';
import type { SplitSample } from './protocols.js';
import {
  holdsOutStimuli,
  randomProtocol,
  subjectKFoldSplit,
  withinSubjectSplit,
} from './protocols.js';
import { checkLeakage, guardSplit, LeakageError } from './leakage.js';

/** 9 subjects (5 'deap', 4 'amigos'), 10 trials each (stimulus = the trial's video), 4 windows. */
function corpus(): SplitSample[] {
  const out: SplitSample[] = [];
  for (let s = 0; s < 9; s++) {
    const dataset = s < 5 ? 'deap' : 'amigos';
    for (let trial = 1; trial <= 10; trial++) {
      // Each subject watches the same 10 stimuli of its data set, in its own order.
      const stim = ((trial + s) % 10) + 1;
      for (let window = 0; window < 4; window++) {
        out.push({
          subject: `${dataset}-s${s}`,
          trial,
          window,
          label: stim % 5,
          stimulus: `${dataset}/${stim}`,
        });
      }
    }
  }
  return out;
}

const samples = corpus();
const byId = new Map(samples.map((s) => [`${s.subject}/${s.trial}/${s.window}`, s]));
const subjectOf = (id: string) => id.split('/')[0];

describe('random protocol (the study split)', () => {
  it('is marked as sharing trials, and the guard lets it through (it promises nothing)', () => {
    const split = randomProtocol(samples, { seed: 1 });
    expect(split.protocol).toBe('random-70-15-15');
    const report = guardSplit(split, byId);
    expect(report.verdict).toBe('shares-trials');
    expect(report.shares).toEqual({ subjects: true, trials: true, stimuli: true });
    expect(report.summary).toMatch(/share .*subject.*trial/);
  });
});

describe('subject-independent k-fold', () => {
  const split = subjectKFoldSplit(samples, { seed: 3, k: 3 });

  it('is clean: no subject, trial or stimulus on both sides of any fold', () => {
    const report = guardSplit(split, byId, { stimuliHeldOut: true });
    expect(report.verdict).toBe('clean');
    expect(split.protocol).toBe('subject-kfold-3');
    expect(split.folds).toHaveLength(3);
  });

  it('tests every subject in exactly one fold and validates on whole training subjects', () => {
    const tested = split.folds.flatMap((f) => [...new Set(f.test.map(subjectOf))]);
    expect(tested.sort()).toEqual([...new Set(samples.map((s) => s.subject))].sort());
    for (const f of split.folds) {
      const val = new Set(f.val.map(subjectOf));
      expect(val.size).toBeGreaterThanOrEqual(1);
      for (const id of f.train) expect(val.has(subjectOf(id))).toBe(false);
    }
  });

  it("holds stimuli out: a fold's test stimuli never appear in its training samples", () => {
    for (const f of split.folds) {
      const trainStimuli = new Set([...f.train, ...f.val].map((id) => byId.get(id)?.stimulus));
      for (const id of f.test) expect(trainStimuli.has(byId.get(id)?.stimulus)).toBe(false);
      expect(f.test.length).toBeGreaterThan(0);
    }
    expect(split.notes.join(' ')).toMatch(/left out/);
  });

  it('without stimuli held out, shares stimuli only, and tests every sample once', () => {
    const s = subjectKFoldSplit(samples, { seed: 3, k: 3, holdOutStimuli: false });
    const report = guardSplit(s, byId);
    expect(report.verdict).toBe('shares-stimuli');
    expect(report.shares.subjects).toBe(false);
    const tested = s.folds.flatMap((f) => f.test);
    expect(new Set(tested).size).toBe(samples.length);
  });

  it('is seeded; leave-one-subject-out has one fold per subject', () => {
    expect(subjectKFoldSplit(samples, { seed: 3, k: 3 })).toEqual(split);
    expect(subjectKFoldSplit(samples, { seed: 4, k: 3 }).folds[0].test).not.toEqual(
      split.folds[0].test,
    );
    const loso = subjectKFoldSplit(samples, { seed: 1, k: 'loso', holdOutStimuli: false });
    expect(loso.protocol).toBe('subject-loso');
    expect(loso.folds).toHaveLength(9);
    for (const f of loso.folds) expect(new Set(f.test.map(subjectOf)).size).toBe(1);
  });

  it('leaves out, and names, a fold that would test nothing (leave-one-subject-out, stimuli held out)', () => {
    // 20 stimuli dealt into 9 groups: a subject is tested on its own group's stimuli only, and a
    // group may hold none of the 10 its data set's subjects watched
    for (const seed of [0, 1, 2]) {
      const s = subjectKFoldSplit(samples, { seed, k: 'loso', holdOutStimuli: true });
      const kept = s.folds.map((f) => f.fold);
      const missing = [...Array(9).keys()].filter((i) => !kept.includes(i));
      expect(missing.length).toBeGreaterThan(0);
      expect(s.folds.every((f) => f.test.length > 0)).toBe(true);
      expect(s.notes).toContain(
        `fold(s) ${missing.join(', ')} left out: their test subjects have no sample on the fold's own stimuli`,
      );
    }
    // without stimuli held out (the literature's leave-one-subject-out, and the default for it)
    // every subject is tested on all its samples; k-fold holds them out by default
    const all = subjectKFoldSplit(samples, { seed: 0, k: 'loso', holdOutStimuli: false });
    expect(all.folds.map((f) => f.fold)).toEqual([...Array(9).keys()]);
    expect(all.notes.some((n) => n.includes('left out:'))).toBe(false);
    expect(subjectKFoldSplit(samples, { seed: 0, k: 'loso' })).toEqual(all);
    expect(subjectKFoldSplit(samples, { seed: 0, k: 9 })).toEqual(all);
    expect(subjectKFoldSplit(samples, { seed: 0, k: 3 }).description).toMatch(/stimuli held out/);
    expect(holdsOutStimuli(undefined, 3, 9)).toBe(true);
    expect(holdsOutStimuli(undefined, 'loso', 9)).toBe(false);
    expect(holdsOutStimuli(true, 'loso', 9)).toBe(true);
    expect(holdsOutStimuli(false, 3, 9)).toBe(false);
  });

  it('refuses more folds than subjects allow', () => {
    expect(() => subjectKFoldSplit(samples.slice(0, 40 * 2), { seed: 1, k: 3 })).toThrow(
      /need at least 3 subjects/,
    );
  });
});

describe('within-subject, whole trials held out', () => {
  const split = withinSubjectSplit(samples, { seed: 5 });

  it('shares subjects by design but no trial', () => {
    const report = guardSplit(split, byId);
    expect(report.shares.trials).toBe(false);
    expect(report.shares.subjects).toBe(true);
    expect(report.verdict).toBe('shares-subjects');
  });

  it("puts every sample in one part and tests some of every subject's trials", () => {
    const f = split.folds[0];
    expect(f.train.length + f.val.length + f.test.length).toBe(samples.length);
    const testTrials = new Map<string, Set<number>>();
    for (const id of f.test) {
      const s = byId.get(id);
      if (!s) throw new Error(id);
      testTrials.set(s.subject, (testTrials.get(s.subject) ?? new Set()).add(s.trial));
    }
    expect(testTrials.size).toBe(9);
    // 15 % of 10 trials, rounded: 2 test trials per subject (8 windows).
    for (const t of testTrials.values()) expect(t.size).toBe(2);
  });
});

describe('the leakage guard', () => {
  it('flags a deliberately leaky subject-independent split, naming fold and subject', () => {
    const clean = subjectKFoldSplit(samples, { seed: 3, k: 3, holdOutStimuli: false });
    const f0 = clean.folds[0];
    // Leak: move one test window of fold 0 into its training set.
    const leaky = {
      ...clean,
      folds: [
        { ...f0, train: [...f0.train, f0.test[0]], test: f0.test.slice(1) },
        ...clean.folds.slice(1),
      ],
    };
    const report = checkLeakage(leaky, byId);
    expect(report.verdict).toBe('shares-trials');
    expect(report.folds[0].sharedSubjects).toEqual([subjectOf(f0.test[0])]);
    expect(report.folds[1].sharedSubjects).toEqual([]);
    expect(() => guardSplit(leaky, byId)).toThrow(LeakageError);
    expect(() => guardSplit(leaky, byId)).toThrow(
      new RegExp(
        `fold 0: 1 subject\\(s\\) in both training and test \\(${subjectOf(f0.test[0])}\\)`,
      ),
    );
  });

  it('flags a shared stimulus when stimuli were promised to be held out', () => {
    const s = subjectKFoldSplit(samples, { seed: 3, k: 3, holdOutStimuli: false });
    expect(() => guardSplit(s, byId, { stimuliHeldOut: true })).toThrow(/stimulus/);
    expect(() => guardSplit(s, byId, { stimuliHeldOut: false })).not.toThrow();
  });

  it('refuses a within-subject split whose trial has windows on both sides', () => {
    const s = withinSubjectSplit(samples, { seed: 5 });
    const f = s.folds[0];
    const t = f.test[0];
    const sibling =
      t.replace(/\/\d+$/, '/0') === t ? t.replace(/\/0$/, '/1') : t.replace(/\/\d+$/, '/0');
    const leaky = {
      ...s,
      folds: [{ ...f, train: [...f.train, sibling], test: f.test.filter((x) => x !== sibling) }],
    };
    expect(() => guardSplit(leaky, byId)).toThrow(/trial\(s\) in both/);
  });

  it('names an unknown sample id', () => {
    const s = randomProtocol(samples, { seed: 1 });
    const bad = { ...s, folds: [{ ...s.folds[0], test: ['nobody/1/0'] }] };
    expect(() => checkLeakage(bad, byId)).toThrow(/'nobody\/1\/0' is not indexed/);
  });
});
