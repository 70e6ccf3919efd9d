/**
 * The report's notes on the protocols: why the random window split scores higher than the
 * subject-independent protocol (with the run's own numbers), and what the intervals resample.
 */
import { BOOTSTRAP_DEFAULTS } from '../evaluate.js';
import type { Evaluation, Interval, ModelEvaluation } from '../types.js';

/** Why the protocols differ, with this run's numbers. */
export function protocolNotes(e: Evaluation): string[] {
  const acc = (kind: string) =>
    e.models.find((m) => m.kind === kind && m.model === 'hybrid') ??
    e.models.find((m) => m.kind === kind);
  const random = acc('random');
  const subject = acc('subject-independent');
  const notes: string[] = [];
  if (random && subject) {
    const a = (x: number) => `${(100 * x).toFixed(1)} %`;
    notes.push(
      `${subject.model} accuracy: ${a(random.metrics.accuracy)} on the random window split (${random.protocol}) against ${a(subject.metrics.accuracy)} on unseen subjects and stimuli (${subject.protocol}). ` +
        (subject.metrics.accuracy < random.metrics.accuracy
          ? 'The random split is higher because its test windows come from subjects, trials and stimuli the model was trained on: neighbouring windows of one trial share the person, the recording and the moment, so the model can recognise them instead of the emotion. The subject-independent protocol asks what a new person watching a new stimulus gets; that is the number to compare with published subject-independent work.'
          : 'Here the subject-independent accuracy is not lower than the random split’s; with few subjects and wide intervals this can happen by chance, but it is unusual: look at the intervals before drawing conclusions.'),
    );
  }
  const level = Math.round(100 * (e.models[0]?.bootstrap.level ?? BOOTSTRAP_DEFAULTS.level));
  notes.push(
    `Intervals are ${level} % percentile bootstrap intervals that resample whole clusters: subjects for subject-independent protocols, trials for the others (windows of one trial are correlated; resampling single windows would make the intervals too narrow).`,
  );
  return notes;
}

const overlaps = (a: Interval, b: Interval): boolean =>
  a.lower !== null && a.upper !== null && b.lower !== null && b.upper !== null
    ? a.lower <= b.upper && b.lower <= a.upper
    : false;

/** The classical baselines (@emo/model's logistic regressions) and what they see. */
const BASELINES = [
  ['logreg', 'the logistic regression on the window features'],
  ['logregFaces', 'the logistic regression on the window features and face statistics'],
] as const;

/**
 * Where a classical baseline (a logistic regression) is as good as the hybrid — its accuracy at
 * least the hybrid's, or their intervals overlapping — one sentence per protocol and baseline
 * saying so: cheap models that match the deep one are worth knowing about.
 */
export function baselineNotes(e: Evaluation): string[] {
  const fmt = (m: ModelEvaluation) => {
    const i = m.intervals.accuracy;
    return i.lower === null || i.upper === null
      ? i.estimate.toFixed(3)
      : `${i.estimate.toFixed(3)} [${i.lower.toFixed(2)}, ${i.upper.toFixed(2)}]`;
  };
  return e.protocols.flatMap((p) => {
    const of = (model: string) =>
      e.models.find((m) => m.protocol === p.protocol && m.model === model);
    const hybrid = of('hybrid');
    if (!hybrid) return [];
    return BASELINES.flatMap(([id, what]) => {
      const logreg = of(id);
      if (!logreg) return [];
      const better = logreg.metrics.accuracy >= hybrid.metrics.accuracy;
      if (!better && !overlaps(logreg.intervals.accuracy, hybrid.intervals.accuracy)) return [];
      const verdict = better
        ? `scores at least as high as the hybrid (${fmt(hybrid)})`
        : `is not clearly below the hybrid (${fmt(hybrid)}): their intervals overlap`;
      return [
        `${e.task}, ${p.protocol}: ${what} (accuracy ${fmt(logreg)}) ${verdict}. Where a model this cheap comes this close, the deep model's extra capacity is hardly used.`,
      ];
    });
  });
}
