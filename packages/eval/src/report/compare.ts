/**
 * Which published number may stand beside which of our results: the same task, protocol kind,
 * modality and data set, on real data. Every other published row says why it is not comparable,
 * so that a binary-valence F1 is never read against five-class accuracy.
 */
import type { ModelEvaluation, PublishedAnchor, ReportInput, TaskReport } from '../types.js';
import { fmtMetric } from './format.js';
import { MODEL_MODALITY } from './published.js';

export interface PublishedRow {
  readonly anchor: PublishedAnchor;
  /** 'comparable: …', 'not comparable: …' or 'context: …'. */
  readonly verdict: string;
  /** Our matching result(s) in words, null when none is comparable. */
  readonly ours: string | null;
}

/** Every task of the input, the leading evaluation alone when `tasks` is absent. */
export function reportTasks(input: ReportInput): readonly TaskReport[] {
  if (input.tasks && input.tasks.length > 0) return input.tasks;
  const e = input.evaluation;
  return [{ task: e.task, description: '', evaluation: e, labels: [] }];
}

function ourValue(m: ModelEvaluation, metric: NonNullable<PublishedAnchor['metric']>): string {
  const s = m.subjectMean[metric.name];
  const sd = s.sd === null ? '' : ` ± ${fmtMetric(s.sd)}`;
  const name = metric.name === 'macroF1' ? 'F1 (macro)' : 'accuracy';
  return `${m.model} on ${m.protocol}: ${name} ${fmtMetric(s.mean)}${sd} (mean ± SD over ${m.perSubject.length} subjects; published ${fmtMetric(metric.value)})`;
}

/** The published rows with their verdicts against this run (see the file comment). */
export function publishedRows(input: ReportInput): PublishedRow[] {
  const tasks = reportTasks(input);
  const datasets = [...new Set(input.data.map((d) => d.dataset))].sort();
  return input.published.map((anchor): PublishedRow => {
    const { task, protocolKind, modality, dataset } = anchor;
    if (!task || !protocolKind || !modality || !dataset) {
      return { anchor, verdict: 'context: not a result on a stated task and protocol', ours: null };
    }
    const not = (why: string): PublishedRow => ({
      anchor,
      verdict: `not comparable: ${why}`,
      ours: null,
    });
    if (input.synthetic) return not('this run is on SYNTHETIC data');
    const mine = tasks.find((t) => t.task === task);
    if (!mine) return not(`this run has no ${task} task (${tasks.map((t) => t.task).join(', ')})`);
    if (datasets.length !== 1 || datasets[0] !== dataset) {
      return not(
        `the published number is on ${dataset}, this run on ${datasets.join(' + ') || 'no data set'}`,
      );
    }
    const models = mine.evaluation.models.filter(
      (m) => m.kind === protocolKind && MODEL_MODALITY[m.model] === modality,
    );
    if (models.length === 0) {
      return not(`no ${protocolKind} result of a ${modality} model in this run`);
    }
    return {
      anchor,
      verdict:
        'comparable: same task, protocol kind, modality and data set (signals and classifier differ)',
      ours: anchor.metric ? models.map((m) => ourValue(m, anchor.metric!)).join('; ') : null,
    };
  });
}
