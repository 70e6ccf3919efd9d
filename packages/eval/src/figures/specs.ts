/**
 * The report's figures as vega-lite specs: the study's five (per-class metric bars, the
 * confusion heat map, one-vs-rest ROC curves, model comparison bars, the share of errors per
 * class) and ours (models × protocols with intervals, training curves).
 *
 * Pure functions of plain data: no I/O, no randomness; `renderSvg` (render.ts) draws them.
 * Colours are Okabe–Ito (colour-blind safe) and a model has the same colour in every figure
 * (style.ts). Each function throws on input it cannot draw honestly: no rows, or per-class
 * arrays whose length is not the number of classes.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ClassificationMetrics, Interval, RocResult, TrainingCurve } from '../types.js';
import type { Layer, Panel } from './style.js';
import {
  CLASS_COLOURS,
  CONFIG,
  fmt2,
  METRIC_COLOURS,
  modelColourScale,
  modelName,
  orderModels,
  requireLength,
  requireRows,
  titleBlock,
} from './style.js';

/** The dashed line of a uniform guess, 1/k for k classes. */
export interface ChanceOption {
  /** Level of the dashed chance line; null draws none. */
  readonly chance?: number | null;
}

const CHANCE_COLOUR = '#666666';

// ---------------------------------------------------------------------------------------------
// 1. Per-class precision, recall and F1

const PER_CLASS_METRICS = [
  { key: 'precision', label: 'precision' },
  { key: 'recall', label: 'recall' },
  { key: 'f1', label: 'F1' },
] as const;

/**
 * Precision, recall and F1 of each class as grouped bars (a group per class, its support under
 * its name), each bar's value printed above it; y from 0 to 1.
 */
export function perClassMetricsSpec(
  classes: readonly string[],
  m: ClassificationMetrics,
  subtitle: string,
): TopLevelSpec {
  requireLength(m.perClass.length, classes, 'perClassMetricsSpec: metrics.perClass');
  const values = classes.flatMap((c, i) =>
    PER_CLASS_METRICS.map(({ key, label }) => ({
      class: c,
      metric: label,
      value: m.perClass[i][key],
    })),
  );
  const support = Object.fromEntries(classes.map((c, i) => [c, m.perClass[i].support]));
  const metrics = PER_CLASS_METRICS.map((x) => x.label);
  const x = {
    field: 'class',
    type: 'nominal' as const,
    sort: [...classes],
    title: 'class',
    axis: {
      labelAngle: 0,
      labelExpr: `[datum.label, 'n = ' + ${JSON.stringify(support)}[datum.label]]`,
    },
  };
  const y = {
    field: 'value',
    type: 'quantitative' as const,
    scale: { domain: [0, 1] },
    title: 'score',
  };
  return {
    config: CONFIG,
    title: titleBlock('Precision, recall and F1 per class', [
      subtitle,
      `accuracy ${fmt2(m.accuracy)} · macro F1 ${fmt2(m.macro.f1)} · n = ${m.n}`,
    ]),
    width: 500,
    height: 260,
    data: { values },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x,
          xOffset: { field: 'metric', sort: metrics },
          y,
          color: {
            field: 'metric',
            type: 'nominal',
            sort: metrics,
            scale: { domain: metrics, range: METRIC_COLOURS },
            title: 'metric',
          },
        },
      },
      {
        mark: { type: 'text', dy: -6, fontSize: 9, color: '#222222' },
        encoding: {
          x,
          xOffset: { field: 'metric', sort: metrics },
          y,
          text: { field: 'value', format: '.2f' },
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Confusion heat map

/**
 * The row-normalised confusion matrix as a heat map (true class on y, predicted on x); each
 * cell prints its count and its percentage of the row, in white on dark cells.
 */
export function confusionHeatmapSpec(
  classes: readonly string[],
  m: ClassificationMetrics,
  subtitle: string,
): TopLevelSpec {
  requireLength(m.confusion.length, classes, 'confusionHeatmapSpec: metrics.confusion');
  requireLength(m.confusionNormalised.length, classes, 'confusionHeatmapSpec: normalised rows');
  m.confusion.forEach((row, i) =>
    requireLength(row.length, classes, `confusionHeatmapSpec: confusion row ${i}`),
  );
  const values = classes.flatMap((t, i) =>
    classes.map((p, j) => ({
      true: t,
      predicted: p,
      share: m.confusionNormalised[i][j],
      label: `${m.confusion[i][j]} (${Math.round(100 * m.confusionNormalised[i][j])} %)`,
    })),
  );
  const cell = 72;
  const x = {
    field: 'predicted',
    type: 'nominal' as const,
    sort: [...classes],
    title: 'predicted class',
    axis: { labelAngle: 0 },
  };
  const y = { field: 'true', type: 'nominal' as const, sort: [...classes], title: 'true class' };
  return {
    config: { ...CONFIG, axis: { ...CONFIG.axis, domain: false, ticks: false } },
    title: titleBlock('Confusion matrix (count and % of the true class)', [
      subtitle,
      `accuracy ${fmt2(m.accuracy)} · n = ${m.n}`,
    ]),
    width: cell * classes.length,
    height: cell * classes.length,
    data: { values },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          x,
          y,
          color: {
            field: 'share',
            type: 'quantitative',
            scale: { scheme: 'blues', domain: [0, 1] },
            title: '% of true class',
            legend: { format: '.0%', gradientLength: 200 },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          x,
          y,
          text: { field: 'label' },
          color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// 3. ROC curves

/** "happy (AUC 0.91)", or "(AUC n/a)" when the AUC is undefined. */
export function rocLabel(cls: string, auc: number | null): string {
  return `${cls} (AUC ${auc === null ? 'n/a' : fmt2(auc)})`;
}

/**
 * One-vs-rest ROC curve per class (points joined in the order given, as sklearn's roc_curve
 * returns them), the AUC in the legend label, the chance diagonal dashed; square, axes 0–1.
 * Points that are not finite (a class without positives) are left out; the class stays in
 * the legend with "AUC n/a".
 */
export function rocCurvesSpec(
  classes: readonly string[],
  roc: RocResult,
  subtitle: string,
): TopLevelSpec {
  requireLength(roc.perClass.length, classes, 'rocCurvesSpec: roc.perClass');
  const labels = classes.map((c, i) => rocLabel(c, roc.perClass[i].auc));
  const values = roc.perClass.flatMap((curve, i) =>
    curve.fpr
      .map((fpr, j) => ({ class: labels[i], fpr, tpr: curve.tpr[j], order: j }))
      .filter((p) => Number.isFinite(p.fpr) && Number.isFinite(p.tpr)),
  );
  const side = 360;
  const axis = (field: string, title: string) => ({
    field,
    type: 'quantitative' as const,
    scale: { domain: [0, 1] },
    title,
  });
  const diagonal: Layer = {
    data: {
      values: [
        { fpr: 0, tpr: 0 },
        { fpr: 1, tpr: 1 },
      ],
    },
    layer: [
      {
        mark: { type: 'line', strokeDash: [5, 4], color: CHANCE_COLOUR, strokeWidth: 1 },
        encoding: { x: axis('fpr', 'false positive rate'), y: axis('tpr', 'true positive rate') },
      },
      {
        data: { values: [{ fpr: 0.72, tpr: 0.68, text: 'chance' }] },
        mark: { type: 'text', angle: -45, fontSize: 10, color: CHANCE_COLOUR, baseline: 'top' },
        encoding: {
          x: { field: 'fpr', type: 'quantitative' },
          y: { field: 'tpr', type: 'quantitative' },
          text: { field: 'text' },
        },
      },
    ],
  };
  const macro = roc.macroAuc === null ? 'macro AUC n/a' : `macro AUC ${fmt2(roc.macroAuc)}`;
  return {
    config: CONFIG,
    title: titleBlock('ROC curves, each class against the rest', [subtitle, macro]),
    width: side,
    height: side,
    layer: [
      diagonal,
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 2, clip: true },
        encoding: {
          x: axis('fpr', 'false positive rate'),
          y: axis('tpr', 'true positive rate'),
          order: { field: 'order', type: 'quantitative' },
          color: {
            field: 'class',
            type: 'nominal',
            scale: { domain: labels, range: CLASS_COLOURS.slice(0, labels.length) },
            title: 'class',
          },
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// 4. Model comparison

export interface ModelScoreRow {
  readonly model: string;
  readonly accuracy: number;
  readonly macroF1: number;
}

/**
 * Accuracy and macro F1 of each model under one protocol: a group per metric, a bar per model
 * in the model's colour, the value above each bar, and (opts.chance) the dashed chance line.
 */
export function modelComparisonSpec(
  rows: readonly ModelScoreRow[],
  subtitle: string,
  opts: ChanceOption = {},
): TopLevelSpec {
  requireRows(rows, 'modelComparisonSpec');
  const models = orderModels(rows.map((r) => r.model));
  const names = models.map(modelName);
  const values = rows.flatMap((r) => [
    { metric: 'accuracy', model: modelName(r.model), value: r.accuracy },
    { metric: 'macro F1', model: modelName(r.model), value: r.macroF1 },
  ]);
  const x = {
    field: 'metric',
    type: 'nominal' as const,
    sort: ['accuracy', 'macro F1'],
    title: null,
    axis: { labelAngle: 0, labelFontSize: 12 },
  };
  const y = {
    field: 'value',
    type: 'quantitative' as const,
    scale: { domain: [0, 1] },
    title: 'score',
  };
  const xOffset = { field: 'model', sort: names };
  const layers: Layer[] = [
    {
      data: { values },
      mark: { type: 'bar' },
      encoding: {
        x,
        xOffset,
        y,
        color: modelColour(models),
      },
    },
    {
      data: { values },
      mark: { type: 'text', dy: -6, fontSize: 11, color: '#222222' },
      encoding: { x, xOffset, y, text: { field: 'value', format: '.2f' } },
    },
    ...chanceLayers(opts.chance ?? null),
  ];
  return {
    config: CONFIG,
    title: titleBlock('Accuracy and macro F1 of each model', subtitle),
    width: 420,
    height: 260,
    layer: layers,
  };
}

/** Colour by model (display names), the legend under the chart. */
function modelColour(models: readonly string[]) {
  return {
    field: 'model',
    type: 'nominal' as const,
    scale: modelColourScale(models),
    title: 'model',
    legend: { orient: 'bottom' as const, direction: 'horizontal' as const },
  };
}

/** A dashed horizontal line at `chance`, labelled right of the plot; none when null. */
function chanceLayers(chance: number | null): Layer[] {
  if (chance === null) return [];
  const data = { values: [{ chance, text: `chance ${fmt2(chance)}` }] };
  const y = { field: 'chance', type: 'quantitative' as const };
  return [
    {
      data,
      mark: { type: 'rule', strokeDash: [5, 4], color: CHANCE_COLOUR },
      encoding: { y },
    },
    {
      data,
      mark: {
        type: 'text',
        align: 'left',
        baseline: 'middle',
        dx: 4,
        fontSize: 10,
        color: CHANCE_COLOUR,
      },
      encoding: { y, x: { value: { expr: 'width' } }, text: { field: 'text' } },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 5. Error share

export interface ErrorShareRow {
  readonly model: string;
  /** Share of the model's errors whose true class is each class (class order; sums to 1). */
  readonly errorShare: readonly number[];
}

/**
 * Where each model's errors are: for each true class (a group per class), the share of the
 * model's errors whose true class it is; a bar per model, in the model's colour.
 */
export function errorShareSpec(
  classes: readonly string[],
  rows: readonly ErrorShareRow[],
  subtitle: string,
): TopLevelSpec {
  requireRows(rows, 'errorShareSpec');
  for (const r of rows) requireLength(r.errorShare.length, classes, `errorShare of ${r.model}`);
  const models = orderModels(rows.map((r) => r.model));
  const names = models.map(modelName);
  const values = rows.flatMap((r) =>
    classes.map((c, i) => ({ class: c, model: modelName(r.model), share: r.errorShare[i] })),
  );
  return {
    config: CONFIG,
    title: titleBlock('Share of each model’s errors per true class', subtitle),
    width: 500,
    height: 260,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'class',
        type: 'nominal',
        sort: [...classes],
        title: 'true class of the misclassified sample',
        axis: { labelAngle: 0 },
      },
      xOffset: { field: 'model', sort: names },
      y: {
        field: 'share',
        type: 'quantitative',
        axis: { format: '.0%' },
        title: 'share of the model’s errors',
      },
      color: modelColour(models),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 6. Models × protocols with intervals

export interface ProtocolScoreRow {
  /** Protocol id (rows of one id share a label). */
  readonly protocol: string;
  /** What the x axis says, e.g. "subject-kfold-3 (subject-independent)". */
  readonly protocolLabel: string;
  readonly model: string;
  readonly accuracy: Interval;
  readonly macroF1?: Interval;
}

export interface ProtocolComparisonOptions extends ChanceOption {
  /** Confidence level of the intervals (e.g. 0.95), named in the title when given. */
  readonly level?: number;
}

/**
 * Accuracy (and macro F1, in a second panel, when any row has it) of every model under every
 * protocol: a point per model and protocol with its interval as an error bar (no bar when a
 * bound is null), x = protocol, colour = model; y from 0 to 1; dashed chance line (default
 * 0.2, five classes).
 */
export function protocolComparisonSpec(
  rows: readonly ProtocolScoreRow[],
  subtitle: string,
  opts: ProtocolComparisonOptions = {},
): TopLevelSpec {
  requireRows(rows, 'protocolComparisonSpec');
  const protocols = protocolLabels(rows);
  const models = orderModels(rows.map((r) => r.model));
  const chance = opts.chance === undefined ? 0.2 : opts.chance;
  const panels: Panel[] = [
    intervalPanel(rows, 'accuracy', protocols, models, chance),
    ...(rows.some((r) => r.macroF1)
      ? [intervalPanel(rows, 'macro F1', protocols, models, chance)]
      : []),
  ];
  const level = opts.level === undefined ? '' : ` (${Math.round(opts.level * 100)} % intervals)`;
  const what = panels.length > 1 ? 'Accuracy and macro F1' : 'Accuracy';
  return {
    config: CONFIG,
    title: titleBlock(`${what} of each model under each protocol${level}`, subtitle),
    vconcat: panels,
    resolve: { scale: { color: 'shared' } },
  };
}

/** The distinct protocol labels in order of appearance; throws when two protocols share one. */
function protocolLabels(rows: readonly ProtocolScoreRow[]): string[] {
  const byLabel = new Map<string, string>();
  for (const r of rows) {
    const seen = byLabel.get(r.protocolLabel);
    if (seen !== undefined && seen !== r.protocol) {
      throw new Error(
        `figures: protocols ${seen} and ${r.protocol} share the label "${r.protocolLabel}"`,
      );
    }
    byLabel.set(r.protocolLabel, r.protocol);
  }
  return [...byLabel.keys()];
}

function intervalPanel(
  rows: readonly ProtocolScoreRow[],
  metric: 'accuracy' | 'macro F1',
  protocols: readonly string[],
  models: readonly string[],
  chance: number | null,
): Panel {
  const values = rows.flatMap((r) => {
    const v = metric === 'accuracy' ? r.accuracy : r.macroF1;
    if (!v) return [];
    return [
      {
        protocol: r.protocolLabel,
        model: modelName(r.model),
        [metric]: v.estimate,
        lower: v.lower,
        upper: v.upper,
        interval: intervalText(r, metric, v),
      },
    ];
  });
  const x = {
    field: 'protocol',
    type: 'nominal' as const,
    sort: [...protocols],
    title: null,
    // "id (kind)" on two lines
    axis: { labelAngle: 0, labelExpr: "split(replace(datum.label, ' (', '|('), '|')" },
  };
  const xOffset = { field: 'model', sort: models.map(modelName) };
  const color = modelColour(models);
  const yScale = { domain: [0, 1] };
  return {
    width: 540,
    height: 220,
    layer: [
      ...chanceLayers(chance),
      {
        data: { values },
        transform: [{ filter: 'isValid(datum.lower) && isValid(datum.upper)' }],
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: {
          x,
          xOffset,
          y: { field: 'lower', type: 'quantitative', scale: yScale, title: metric },
          y2: { field: 'upper' },
          color,
          description: { field: 'interval' },
        },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 70, opacity: 1 },
        encoding: {
          x,
          xOffset,
          y: { field: metric, type: 'quantitative', scale: yScale, title: metric },
          color,
        },
      },
    ],
  };
}

/** "interval of accuracy, Hybrid CNN-LSTM, random-70-15-15: 0.70 [0.65, 0.75]" (aria-label). */
function intervalText(r: ProtocolScoreRow, metric: string, v: Interval): string {
  const bound = (b: number | null) => (b === null ? 'n/a' : fmt2(b));
  return `interval of ${metric}, ${modelName(r.model)}, ${r.protocol}: ${fmt2(v.estimate)} [${bound(v.lower)}, ${bound(v.upper)}]`;
}

// ---------------------------------------------------------------------------------------------
// 7. Training curves

export interface TrainingCurveRow {
  readonly model: string;
  readonly fold: number;
  readonly epochs: readonly TrainingCurve[];
}

/**
 * Loss and accuracy per epoch in two panels: a line per model (colour), training solid and
 * validation dashed; with several folds, one lighter line per fold. Epochs whose validation
 * value is null have no validation point.
 */
export function trainingCurvesSpec(
  rows: readonly TrainingCurveRow[],
  subtitle: string,
): TopLevelSpec {
  const values = curveValues(rows);
  if (values.length === 0) throw new Error('figures: trainingCurvesSpec: no epoch to draw');
  const models = orderModels(rows.filter((r) => r.epochs.length > 0).map((r) => r.model));
  const folds = Math.max(...models.map((m) => rows.filter((r) => r.model === m).length));
  const opacity = folds > 1 ? 0.5 : 1;
  const panel = (metric: 'loss' | 'accuracy'): Panel => ({
    width: 270,
    height: 220,
    title: { text: metric, anchor: 'middle', fontSize: 13, fontWeight: 'normal' },
    transform: [{ filter: { field: 'metric', equal: metric } }],
    mark: { type: 'line', strokeWidth: 1.8, opacity },
    encoding: {
      x: {
        field: 'epoch',
        type: 'quantitative',
        title: 'epoch',
        axis: { tickMinStep: 1, format: 'd' },
      },
      y: {
        field: 'value',
        type: 'quantitative',
        title: metric,
        scale: metric === 'accuracy' ? { domain: [0, 1] } : { zero: true },
      },
      color: {
        ...modelColour(models),
        legend: {
          orient: 'bottom',
          direction: 'horizontal',
          symbolStrokeWidth: 3,
          symbolOpacity: 1,
          symbolSize: 300,
        },
      },
      strokeDash: {
        field: 'split',
        type: 'nominal',
        scale: {
          domain: ['training', 'validation'],
          range: [
            [1, 0],
            [6, 4],
          ],
        },
        title: 'split',
        legend: {
          orient: 'bottom',
          direction: 'horizontal',
          symbolStrokeColor: '#333333',
          symbolStrokeWidth: 2,
          symbolSize: 300,
        },
      },
      detail: { field: 'fold', type: 'nominal' },
    },
  });
  const foldNote =
    folds > 1 ? `one line per fold (up to ${folds} per model)` : 'one training run per model';
  return {
    config: CONFIG,
    title: titleBlock('Training curves (solid: training, dashed: validation)', [
      subtitle,
      foldNote,
    ]),
    data: { values },
    hconcat: [panel('loss'), panel('accuracy')],
    resolve: { scale: { color: 'shared', strokeDash: 'shared' } },
  };
}

interface CurvePoint {
  readonly model: string;
  readonly fold: string;
  readonly split: 'training' | 'validation';
  readonly metric: 'loss' | 'accuracy';
  readonly epoch: number;
  readonly value: number;
}

/** Long-format points of the curves; null (or non-finite) values are left out. */
function curveValues(rows: readonly TrainingCurveRow[]): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const r of rows) {
    const base = { model: modelName(r.model), fold: `fold ${r.fold}` };
    for (const e of r.epochs) {
      const points = [
        ['training', 'loss', e.loss],
        ['training', 'accuracy', e.accuracy],
        ['validation', 'loss', e.valLoss],
        ['validation', 'accuracy', e.valAccuracy],
      ] as const;
      for (const [split, metric, value] of points) {
        if (value !== null && Number.isFinite(value)) {
          out.push({ ...base, split, metric, epoch: e.epoch, value });
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Per-subject scores (how leave-one-subject-out results are published)

/** Width of one model's band in the per-subject figure (px). */
const PER_SUBJECT_BAND = 150;

/** One subject's score under one model. */
export interface SubjectScoreRow {
  readonly model: string;
  readonly subject: string;
  readonly value: number;
}

/**
 * Each subject's score as a dot per model, with each model's mean over subjects (a tick) and
 * ± one standard deviation (a bar): the spread a pooled number hides.
 */
export function perSubjectSpec(
  rows: readonly SubjectScoreRow[],
  metric: string,
  subtitle: string,
  opts: ChanceOption = {},
): TopLevelSpec {
  requireRows(rows, 'perSubjectSpec');
  const models = orderModels(rows.map((r) => r.model));
  const names = models.map(modelName);
  const values = rows.map((r) => ({
    model: modelName(r.model),
    subject: r.subject,
    value: r.value,
  }));
  const x = {
    field: 'model',
    type: 'nominal' as const,
    sort: names,
    title: null,
    // a band is PER_SUBJECT_BAND wide: longer names are cut there (the legend has them whole)
    axis: { labelAngle: 0, labelLimit: PER_SUBJECT_BAND - 12 },
  };
  const y = {
    field: 'value',
    type: 'quantitative' as const,
    scale: { domain: [0, 1] },
    title: metric,
  };
  const layers: Layer[] = [
    {
      data: { values },
      mark: { type: 'errorbar', extent: 'stdev', ticks: true, color: '#444444' },
      encoding: { x, y },
    },
    {
      data: { values },
      mark: { type: 'tick', thickness: 2, size: 26, color: '#222222' },
      encoding: { x, y: { ...y, aggregate: 'mean' } },
    },
    {
      data: { values },
      mark: { type: 'circle', size: 46, opacity: 0.75 },
      encoding: {
        x,
        xOffset: { field: 'subject', type: 'nominal' as const },
        y,
        color: modelColour(models),
        tooltip: [{ field: 'subject' }, { field: 'value', format: '.3f' }],
      },
    },
    ...chanceLayers(opts.chance ?? null),
  ];
  return {
    config: CONFIG,
    title: titleBlock(`${metric} of each subject`, subtitle),
    width: Math.max(360, PER_SUBJECT_BAND * models.length),
    height: 260,
    layer: layers,
  };
}
