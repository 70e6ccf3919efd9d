/**
 * The leakage guard: what a split's training side (train + validation) and its test side share
 * — subjects, trials (`subject/trial`) and stimuli — fold by fold.
 *
 * {@link checkLeakage} describes it (every output carries the verdict); {@link guardSplit}
 * also refuses a split whose sharing breaks its protocol's promise: a subject-independent split
 * may share nothing (no stimulus either when stimuli are held out), a within-subject split no
 * trial. The study's random split promises nothing and is marked for what it shares.
 */
import type { SplitArtifact } from './split-file.js';
import type { LeakageFold, LeakageReport, ProtocolKind } from '../types.js';
import type { SplitSample } from './protocols.js';

export class LeakageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeakageError';
  }
}

const intersect = (a: Set<string>, b: Set<string>): string[] =>
  [...a].filter((x) => b.has(x)).sort();

/** What the train and test sides of every fold share. Unknown sample ids are an error. */
export function checkLeakage(
  split: SplitArtifact & { readonly kind: ProtocolKind },
  samples: ReadonlyMap<string, SplitSample>,
): LeakageReport {
  const folds: LeakageFold[] = split.folds.map((f) => {
    const side = (ids: readonly string[]) => {
      const subjects = new Set<string>();
      const trials = new Set<string>();
      const stimuli = new Set<string>();
      for (const id of ids) {
        const s = samples.get(id);
        if (!s) {
          throw new LeakageError(`${split.protocol} fold ${f.fold}: sample '${id}' is not indexed`);
        }
        subjects.add(s.subject);
        trials.add(`${s.subject}/${s.trial}`);
        if (s.stimulus !== null) stimuli.add(s.stimulus);
      }
      return { subjects, trials, stimuli };
    };
    const train = side([...f.train, ...f.val]);
    const test = side(f.test);
    return {
      fold: f.fold,
      sharedSubjects: intersect(train.subjects, test.subjects),
      sharedTrials: intersect(train.trials, test.trials),
      sharedStimuli: intersect(train.stimuli, test.stimuli),
    };
  });
  const shares = {
    subjects: folds.some((f) => f.sharedSubjects.length > 0),
    trials: folds.some((f) => f.sharedTrials.length > 0),
    stimuli: folds.some((f) => f.sharedStimuli.length > 0),
  };
  const verdict = shares.trials
    ? 'shares-trials'
    : shares.subjects
      ? 'shares-subjects'
      : shares.stimuli
        ? 'shares-stimuli'
        : 'clean';
  return {
    protocol: split.protocol,
    kind: split.kind,
    verdict,
    shares,
    folds,
    summary: summarise(shares, folds),
  };
}

function summarise(shares: LeakageReport['shares'], folds: readonly LeakageFold[]): string {
  if (!shares.subjects && !shares.trials && !shares.stimuli) {
    return 'clean: no subject, trial or stimulus is in both training and test';
  }
  const max = (f: (x: LeakageFold) => number) => Math.max(...folds.map(f));
  const parts = [
    shares.subjects && `${max((f) => f.sharedSubjects.length)} subject(s)`,
    shares.trials && `${max((f) => f.sharedTrials.length)} trial(s)`,
    shares.stimuli && `${max((f) => f.sharedStimuli.length)} stimulus(-i)`,
  ].filter((x): x is string => typeof x === 'string');
  return `test windows share ${parts.join(', ')} with training (most in one fold)`;
}

/**
 * {@link checkLeakage}, then refuse a split that breaks its protocol's promise (see the file
 * comment); `stimuliHeldOut` says whether the protocol promised to hold stimuli out.
 */
export function guardSplit(
  split: SplitArtifact & { readonly kind: ProtocolKind },
  samples: ReadonlyMap<string, SplitSample>,
  opts: { readonly stimuliHeldOut?: boolean } = {},
): LeakageReport {
  const report = checkLeakage(split, samples);
  const broken = (what: string, pick: (f: LeakageFold) => readonly string[]) => {
    const f = report.folds.find((x) => pick(x).length > 0);
    if (!f) return;
    const examples = pick(f).slice(0, 3).join(', ');
    throw new LeakageError(
      `${split.protocol} (${split.kind}) fold ${f.fold}: ${pick(f).length} ${what} in both training and test (${examples}${pick(f).length > 3 ? ', …' : ''})`,
    );
  };
  if (split.kind === 'subject-independent') {
    broken('subject(s)', (f) => f.sharedSubjects);
    if (opts.stimuliHeldOut) broken('stimulus(-i)', (f) => f.sharedStimuli);
  }
  if (split.kind !== 'random') broken('trial(s)', (f) => f.sharedTrials);
  return report;
}
