/**
 * All figures of an evaluation as SVG, in report order. For each protocol (in the order of
 * `evaluation.protocols`, then any other protocol the model results name):
 *
 *   per-class-<protocol>-<model>   precision/recall/F1 per class  (the hybrid, else the first model)
 *   confusion-<protocol>-<model>   confusion heat map             (same model)
 *   roc-<protocol>-<model>         one-vs-rest ROC curves         (same model)
 *   models-<protocol>              accuracy and macro F1 of every model
 *   errors-<protocol>              share of each model's errors per true class
 *   curves-<protocol>              training curves; left out when no model has any epoch
 *
 * then `protocols`: every model under every protocol with its bootstrap intervals.
 *
 * Ids are file names (`<id>.svg`): characters other than letters, digits, '.', '_' and '-'
 * become '-'. A protocol with no model result has no figure; an evaluation with no model
 * result at all is an error (a report without any figure would hide it). When the evaluation
 * is synthetic, every figure's subtitle, title and caption say "SYNTHETIC data".
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Evaluation, Figure, ModelEvaluation, ProtocolKind } from '../types.js';
import type { RenderOptions } from './render.js';
import { renderSvg } from './render.js';
import {
  confusionHeatmapSpec,
  errorShareSpec,
  modelComparisonSpec,
  perClassMetricsSpec,
  perSubjectSpec,
  protocolComparisonSpec,
  rocCurvesSpec,
  trainingCurvesSpec,
} from './specs.js';
import { modelName, orderModels } from './style.js';

export type FiguresOptions = Pick<RenderOptions, 'onWarning'>;

const KIND_LABEL: Readonly<Record<ProtocolKind, string>> = {
  random: 'random window split',
  'subject-independent': 'subject-independent',
  'within-subject': 'within-subject',
};

/** "subject-kfold-3 (subject-independent)": the protocol id and what kind of split it is. */
export const protocolLabel = (m: Pick<ModelEvaluation, 'protocol' | 'kind'>): string =>
  `${m.protocol} (${KIND_LABEL[m.kind]})`;

/** A string safe as a file name: letters, digits, '.', '_' and '-'. */
export const safeId = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '-');

const SYNTHETIC = 'SYNTHETIC data';

/** What one figure is before it is drawn. */
interface Planned {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

/** The id prefix of the per-subject score figure of a subject-independent protocol. */
export const PER_SUBJECT_FIGURE = 'subjects-';

/** Renders every figure of `evaluation` (see the module comment for which, and their ids). */
export async function figuresFor(
  evaluation: Evaluation,
  opts: FiguresOptions = {},
): Promise<Figure[]> {
  if (evaluation.models.length === 0) {
    throw new Error('figures: the evaluation has no model result; there is nothing to draw');
  }
  const planned = [
    ...protocolsOf(evaluation).flatMap((p) => protocolFigures(evaluation, p)),
    protocolComparison(evaluation),
  ];
  const figures: Figure[] = [];
  const used = new Set<string>();
  for (const f of planned) {
    if (used.has(f.id)) throw new Error(`figures: two figures have the id ${f.id}`);
    used.add(f.id);
    const svg = await renderSvg(f.spec, { onWarning: opts.onWarning, idPrefix: `${f.id}-` });
    const title = evaluation.synthetic ? `${f.title} (${SYNTHETIC})` : f.title;
    const caption = evaluation.synthetic ? `${SYNTHETIC}: ${f.caption}` : f.caption;
    figures.push({ id: f.id, title, caption, svg });
  }
  return figures;
}

/** Protocol ids with a model result: those of `evaluation.protocols` first, in their order. */
function protocolsOf(evaluation: Evaluation): string[] {
  const withResults = new Set(evaluation.models.map((m) => m.protocol));
  const listed = evaluation.protocols.map((p) => p.protocol).filter((p) => withResults.has(p));
  return [...new Set([...listed, ...withResults])];
}

/** The subtitle's first line: "SYNTHETIC data · " when synthetic, then `text`. */
function subtitleOf(evaluation: Evaluation, text: string): string {
  return evaluation.synthetic ? `${SYNTHETIC} · ${text}` : text;
}

function chanceOf(evaluation: Evaluation): number | null {
  return evaluation.classes.length > 0 ? 1 / evaluation.classes.length : null;
}

function protocolFigures(evaluation: Evaluation, protocol: string): Planned[] {
  const { classes } = evaluation;
  const byModel = new Map(
    evaluation.models.filter((m) => m.protocol === protocol).map((m) => [m.model, m]),
  );
  const models = orderModels([...byModel.keys()]).map((id) => byModel.get(id) as ModelEvaluation);
  const main = models[0]; // the hybrid when present (orderModels puts it first)
  const label = protocolLabel(main);
  const pid = safeId(protocol);
  const mid = `${pid}-${safeId(main.model)}`;
  const name = modelName(main.model);
  const folds = main.folds === 1 ? '1 fold' : `${main.folds} folds pooled`;
  const mainSub = subtitleOf(evaluation, `${name} · ${label} · ${folds}`);
  const allSub = subtitleOf(evaluation, label);
  const k = classes.length;
  const out: Planned[] = [
    {
      id: `per-class-${mid}`,
      title: `Per-class precision, recall and F1 — ${name}, ${protocol}`,
      caption: `Precision, recall and F1 of each class for ${name} under ${label}, from the test predictions of all folds pooled (n = ${main.metrics.n}); the number under each class is its test support.`,
      spec: perClassMetricsSpec(classes, main.metrics, mainSub),
    },
    {
      id: `confusion-${mid}`,
      title: `Confusion matrix — ${name}, ${protocol}`,
      caption: `Confusion matrix of ${name} under ${label}: each cell gives how many test samples of the true class (row) were predicted as the column's class, and that count as a percentage of the row, which the colour also shows.`,
      spec: confusionHeatmapSpec(classes, main.metrics, mainSub),
    },
    {
      id: `roc-${mid}`,
      title: `ROC curves — ${name}, ${protocol}`,
      caption: `One-vs-rest ROC curve of each class for ${name} under ${label}, from the pooled test predictions; the legend gives each class's AUC ("n/a" when its test samples are all positive or all negative) and the dashed diagonal is chance.`,
      spec: rocCurvesSpec(classes, main.roc, mainSub),
    },
    {
      id: `models-${pid}`,
      title: `Model comparison — ${protocol}`,
      caption: `Test accuracy and macro F1 of each model under ${label} (point estimates; the protocol comparison shows their intervals); the dashed line is 1/${k}, a uniform guess over ${k} classes.`,
      spec: modelComparisonSpec(
        models.map((m) => ({
          model: m.model,
          accuracy: m.metrics.accuracy,
          macroF1: m.metrics.macro.f1,
        })),
        allSub,
        { chance: chanceOf(evaluation) },
      ),
    },
    {
      id: `errors-${pid}`,
      title: `Errors per true class — ${protocol}`,
      caption: `For each model under ${label}, the share of its misclassified test samples whose true class is each class (a model's bars sum to 100 %, or are all 0 when it made no error).`,
      spec: errorShareSpec(classes, models, allSub),
    },
  ];
  if (main.kind === 'subject-independent' && main.perSubject.length > 1) {
    out.push({
      id: `${PER_SUBJECT_FIGURE}${pid}`,
      title: `Macro F1 of each held-out subject — ${protocol}`,
      caption: `Each dot is one subject's macro F1 on its own test windows under ${label} (each subject is tested by the fold that held it out); the tick is each model's mean over subjects and the bar ± one standard deviation, the way leave-one-subject-out results are published. The dashed line is 1/${k}.`,
      spec: perSubjectSpec(
        models.flatMap((m) =>
          m.perSubject.map((s) => ({ model: m.model, subject: s.subject, value: s.macroF1 })),
        ),
        'macro F1',
        allSub,
        { chance: chanceOf(evaluation) },
      ),
    });
  }
  const curves = models.flatMap((m) =>
    m.curves.map((c) => ({ model: m.model, fold: c.fold, epochs: c.epochs })),
  );
  if (curves.some((c) => c.epochs.length > 0)) {
    const maxFolds = Math.max(...models.map((m) => m.curves.length));
    out.push({
      id: `curves-${pid}`,
      title: `Training curves — ${protocol}`,
      caption: `Loss and accuracy per epoch of each model trained under ${label}, training solid and validation dashed${maxFolds > 1 ? ', one line per fold' : ''}; epochs without a validation value have no validation point.`,
      spec: trainingCurvesSpec(curves, allSub),
    });
  }
  return out;
}

function protocolComparison(evaluation: Evaluation): Planned {
  const order = protocolsOf(evaluation);
  const rows = [...evaluation.models]
    .sort((a, b) => order.indexOf(a.protocol) - order.indexOf(b.protocol))
    .map((m) => ({
      protocol: m.protocol,
      protocolLabel: protocolLabel(m),
      model: m.model,
      accuracy: m.intervals.accuracy,
      macroF1: m.intervals.macroF1,
    }));
  const levels = [...new Set(evaluation.models.map((m) => m.bootstrap.level))];
  const level = levels.length === 1 ? levels[0] : undefined;
  const resampled = order.map((p) => {
    const m = evaluation.models.find((x) => x.protocol === p) as ModelEvaluation;
    return `${m.bootstrap.unit}s for ${p}`;
  });
  const pct = level === undefined ? '' : `${Math.round(level * 100)} % `;
  const k = evaluation.classes.length;
  return {
    id: 'protocols',
    title: 'Models × protocols, with bootstrap intervals',
    caption: `Test accuracy and macro F1 of every model under every protocol, each with its ${pct}percentile-bootstrap interval (resampling ${resampled.join(', ')}); a point without a bar has no interval, and the dashed line is 1/${k}, a uniform guess.`,
    spec: protocolComparisonSpec(
      rows,
      subtitleOf(evaluation, 'points: estimates on the pooled test predictions; bars: intervals'),
      { chance: chanceOf(evaluation), level },
    ),
  };
}
