/**
 * The report's figures as Vega-Lite specs: the seed study's five (per-class metric bars, the
 * confusion heat map, one-vs-rest ROC curves, model comparison bars, the share of errors per
 * class) and ours (models × protocols with intervals, training curves). Pure functions of
 * plain data; colours are Okabe–Ito (colour-blind safe), one per model throughout.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ClassificationMetrics, Interval, RocResult, TrainingCurve } from '../types.js';

export const MODEL_NAMES: Readonly<Record<string, string>> = {
  hybrid: 'Hybrid CNN-LSTM',
  cnnOnly: 'CNN-only (faces)',
  rnnOnly: 'RNN-only (physiology)',
};
export const modelName = (m: string): string => MODEL_NAMES[m] ?? m;

const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];
const modelScale = (models: readonly string[]) => ({
  domain: models.map(modelName),
  range: models.map((_, i) => OKABE_ITO[i % OKABE_ITO.length]),
});
const font = {
  config: {
    font: 'Helvetica, Arial, sans-serif',
    view: { stroke: null },
    legend: { labelLimit: 0 },
  },
};
const title = (text: string, subtitle: string) => ({ text, subtitle, anchor: 'start' as const });

/** Precision, recall and F1 per class, grouped bars. */
export function perClassMetricsSpec(
  classes: readonly string[],
  m: ClassificationMetrics,
  subtitle: string,
): TopLevelSpec {
  const values = classes.flatMap((c, i) =>
    (['precision', 'recall', 'f1'] as const).map((k) => ({
      class: c,
      metric: k === 'f1' ? 'F1' : k,
      value: m.perClass[i][k],
    })),
  );
  return {
    ...font,
    title: title('Precision, recall and F1 per class', subtitle),
    width: 480,
    height: 260,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: {
        field: 'class',
        type: 'nominal',
        sort: [...classes],
        title: null,
        axis: { labelAngle: 0 },
      },
      xOffset: { field: 'metric', sort: ['precision', 'recall', 'F1'] },
      y: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, title: 'score' },
      color: {
        field: 'metric',
        sort: ['precision', 'recall', 'F1'],
        scale: { range: [OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2]] },
        title: null,
      },
    },
  };
}

/** Row-normalised confusion matrix as a heat map, with counts and percentages in the cells. */
export function confusionHeatmapSpec(
  classes: readonly string[],
  m: ClassificationMetrics,
  subtitle: string,
): TopLevelSpec {
  const values = classes.flatMap((t, i) =>
    classes.map((p, j) => ({
      truth: t,
      predicted: p,
      share: m.confusionNormalised[i][j],
      label: `${m.confusion[i][j]} (${Math.round(100 * m.confusionNormalised[i][j])} %)`,
    })),
  );
  const axis = { sort: [...classes], type: 'nominal' as const };
  return {
    ...font,
    title: title('Confusion matrix (rows: true class, normalised)', subtitle),
    width: 360,
    height: 360,
    data: { values },
    encoding: {
      x: {
        field: 'predicted',
        ...axis,
        title: 'predicted',
        axis: { labelAngle: 0, orient: 'top' },
      },
      y: { field: 'truth', ...axis, title: 'true' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            scale: { scheme: 'blues', domain: [0, 1] },
            title: 'share of row',
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'label' },
          color: { condition: { test: 'datum.share > 0.55', value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

/** One-vs-rest ROC curve per class, AUC in the legend, the chance diagonal dashed. */
export function rocCurvesSpec(
  classes: readonly string[],
  roc: RocResult,
  subtitle: string,
): TopLevelSpec {
  const labels = classes.map(
    (c, i) =>
      `${c} (AUC ${roc.perClass[i].auc === null ? 'n/a' : roc.perClass[i].auc?.toFixed(2)})`,
  );
  const values = classes.flatMap((_, i) => {
    const r = roc.perClass[i];
    if (r.auc === null) return [];
    return r.fpr.map((f, j) => ({ curve: labels[i], fpr: f, tpr: r.tpr[j], order: j }));
  });
  return {
    ...font,
    title: title(
      `ROC curves, one class against the rest${roc.macroAuc === null ? '' : ` (macro AUC ${roc.macroAuc.toFixed(3)})`}`,
      subtitle,
    ),
    width: 340,
    height: 340,
    layer: [
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
        },
      },
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: {
            field: 'fpr',
            type: 'quantitative',
            scale: { domain: [0, 1] },
            title: 'false positive rate',
          },
          y: {
            field: 'tpr',
            type: 'quantitative',
            scale: { domain: [0, 1] },
            title: 'true positive rate',
          },
          order: { field: 'order', type: 'quantitative' },
          color: {
            field: 'curve',
            type: 'nominal',
            sort: labels,
            scale: { domain: labels, range: OKABE_ITO.slice(0, labels.length) },
            title: null,
          },
        },
      },
    ],
  };
}

/** Accuracy and macro F1 per model (one protocol). */
export function modelComparisonSpec(
  rows: readonly { model: string; accuracy: number; macroF1: number }[],
  subtitle: string,
): TopLevelSpec {
  const models = rows.map((r) => modelName(r.model));
  const values = rows.flatMap((r) => [
    { model: modelName(r.model), metric: 'accuracy', value: r.accuracy },
    { model: modelName(r.model), metric: 'macro F1', value: r.macroF1 },
  ]);
  return {
    ...font,
    title: title('Hybrid against the unimodal baselines', subtitle),
    width: 420,
    height: 240,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'metric', type: 'nominal', title: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'model', sort: models },
      y: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, title: 'score' },
      color: {
        field: 'model',
        type: 'nominal',
        scale: modelScale(rows.map((r) => r.model)),
        title: null,
      },
    },
  };
}

/** The share of all errors whose true class is each class, per model. */
export function errorShareSpec(
  classes: readonly string[],
  rows: readonly { model: string; errorShare: readonly number[] }[],
  subtitle: string,
): TopLevelSpec {
  const models = rows.map((r) => modelName(r.model));
  const values = rows.flatMap((r) =>
    classes.map((c, i) => ({ model: modelName(r.model), class: c, share: r.errorShare[i] })),
  );
  return {
    ...font,
    title: title('Where the errors are: share of all errors per true class', subtitle),
    width: 480,
    height: 240,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: {
        field: 'class',
        type: 'nominal',
        sort: [...classes],
        title: 'true class',
        axis: { labelAngle: 0 },
      },
      xOffset: { field: 'model', sort: models },
      y: { field: 'share', type: 'quantitative', axis: { format: '%' }, title: 'share of errors' },
      color: {
        field: 'model',
        type: 'nominal',
        scale: modelScale(rows.map((r) => r.model)),
        title: null,
      },
    },
  };
}

/** Accuracy with its interval for every model under every protocol; chance dashed. */
export function protocolComparisonSpec(
  rows: readonly { protocolLabel: string; model: string; accuracy: Interval }[],
  subtitle: string,
): TopLevelSpec {
  const modelsSeen = [...new Set(rows.map((r) => r.model))];
  const models = modelsSeen.map(modelName);
  const protocols = [...new Set(rows.map((r) => r.protocolLabel))];
  const values = rows.map((r) => ({
    protocol: r.protocolLabel,
    model: modelName(r.model),
    accuracy: r.accuracy.estimate,
    lower: r.accuracy.lower,
    upper: r.accuracy.upper,
  }));
  const x = {
    field: 'protocol',
    type: 'nominal' as const,
    sort: protocols,
    title: null,
    axis: { labelAngle: 0, labelLimit: 0 },
  };
  const color = {
    field: 'model',
    type: 'nominal' as const,
    scale: modelScale(modelsSeen),
    title: null,
  };
  return {
    ...font,
    title: title('Accuracy by protocol and model (95 % bootstrap intervals)', subtitle),
    width: 660,
    height: 280,
    layer: [
      {
        data: { values },
        mark: { type: 'bar', opacity: 0.85 },
        encoding: {
          x,
          xOffset: { field: 'model', sort: models },
          y: {
            field: 'accuracy',
            type: 'quantitative',
            scale: { domain: [0, 1] },
            title: 'accuracy',
          },
          color,
        },
      },
      {
        data: { values },
        transform: [{ filter: 'datum.lower != null && datum.upper != null' }],
        mark: { type: 'rule', strokeWidth: 2, color: 'black' },
        encoding: {
          x,
          xOffset: { field: 'model', sort: models },
          y: { field: 'lower', type: 'quantitative' },
          y2: { field: 'upper' },
        },
      },
      {
        data: { values: [{ chance: 0.2 }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#666' },
        encoding: { y: { field: 'chance', type: 'quantitative' } },
      },
    ],
  };
}

/** Loss and accuracy per epoch: training solid, validation dashed, a line per model and fold. */
export function trainingCurvesSpec(
  rows: readonly { model: string; fold: number; epochs: readonly TrainingCurve[] }[],
  subtitle: string,
): TopLevelSpec {
  const modelsSeen = [...new Set(rows.map((r) => r.model))];
  const values = rows.flatMap((r) =>
    r.epochs.flatMap((e) => {
      const base = { model: modelName(r.model), line: `${r.model} fold ${r.fold}`, epoch: e.epoch };
      const out = [
        { ...base, set: 'training', metric: 'loss', value: e.loss },
        { ...base, set: 'training', metric: 'accuracy', value: e.accuracy },
      ];
      if (e.valLoss !== null)
        out.push({ ...base, set: 'validation', metric: 'loss', value: e.valLoss });
      if (e.valAccuracy !== null) {
        out.push({ ...base, set: 'validation', metric: 'accuracy', value: e.valAccuracy });
      }
      return out;
    }),
  );
  const panel = (metric: 'loss' | 'accuracy') => ({
    width: 300,
    height: 220,
    title: metric,
    transform: [{ filter: `datum.metric === '${metric}'` }],
    mark: { type: 'line' as const, point: true, opacity: 0.85 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, axis: { tickMinStep: 1 } },
      y: {
        field: 'value',
        type: 'quantitative' as const,
        title: metric,
        ...(metric === 'accuracy' ? { scale: { domain: [0, 1] } } : {}),
      },
      color: {
        field: 'model',
        type: 'nominal' as const,
        scale: modelScale(modelsSeen),
        title: null,
      },
      strokeDash: {
        field: 'set',
        type: 'nominal' as const,
        sort: ['training', 'validation'],
        scale: {
          range: [
            [1, 0],
            [5, 3],
          ],
        },
        title: null,
      },
      detail: { field: 'line', type: 'nominal' as const },
    },
  });
  return {
    ...font,
    title: title('Training curves (solid: training, dashed: validation)', subtitle),
    data: { values },
    hconcat: [panel('loss'), panel('accuracy')],
  };
}
