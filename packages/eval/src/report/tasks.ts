/**
 * The tasks of a run side by side (the study's five classes, binary valence and arousal,
 * quadrants): every model and both floors under every protocol, with what the literature reports
 * for each kind of task. One row per (task, protocol, model or floor), in the order the report
 * shows them; HTML and Markdown format the same rows.
 */
import type { Interval, ModelEvaluation, ReportInput } from '../types.js';
import { reportTasks } from './compare.js';

export interface TaskRow {
  readonly task: string;
  readonly protocol: string;
  readonly kind: ModelEvaluation['kind'];
  /** A model id, or 'majority' / 'stratified' for a floor. */
  readonly model: string;
  readonly floor: boolean;
  readonly accuracy: Interval;
  readonly balancedAccuracy: Interval;
  readonly macroF1: Interval;
  /** F1 of the positive class and AUC, for a two-class task; null otherwise. */
  readonly f1Positive: number | null;
  readonly auc: number | null;
  /** Mean ± SD over subjects of macro F1 (how the literature reports per-subject protocols). */
  readonly subjectMacroF1: { readonly mean: number; readonly sd: number | null };
  readonly n: number;
  readonly unit: ModelEvaluation['bootstrap']['unit'];
}

function row(task: string, m: ModelEvaluation, floor: boolean): TaskRow {
  return {
    task,
    protocol: m.protocol,
    kind: m.kind,
    model: m.model,
    floor,
    accuracy: m.intervals.accuracy,
    balancedAccuracy: m.intervals.balancedAccuracy,
    macroF1: m.intervals.macroF1,
    f1Positive: m.binary?.f1 ?? null,
    auc: m.binary ? m.binary.auc : m.roc.macroAuc,
    subjectMacroF1: m.subjectMean.macroF1,
    n: m.metrics.n,
    unit: m.bootstrap.unit,
  };
}

/** Every task × protocol: its models, then its floors. */
export function taskRows(input: ReportInput): TaskRow[] {
  return reportTasks(input).flatMap((t) =>
    t.evaluation.protocols.flatMap((p) => [
      ...t.evaluation.models
        .filter((m) => m.protocol === p.protocol)
        .map((m) => row(t.task, m, false)),
      ...t.evaluation.floors
        .filter((m) => m.protocol === p.protocol)
        .map((m) => row(t.task, m, true)),
    ]),
  );
}
