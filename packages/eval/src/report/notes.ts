/**
 * The report's notes on the protocols: why the random window split scores higher than the
 * subject-independent protocol (with the run's own numbers), and what the intervals resample.
 */
import { BOOTSTRAP_DEFAULTS } from '../evaluate.js';
import type { Evaluation } from '../types.js';

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
