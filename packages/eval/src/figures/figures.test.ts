/**
 * Tests of the figures: a small made-up Evaluation (built by hand here, independent of
 * src/metrics) is drawn, and the SVG is checked for what the figure must show: its data marks
 * (counted in vega's `mark-<type> role-mark` groups), the class and model names, the printed
 * counts, the AUCs, the error bars, and byte-identical output for the same input.
 *
 * FIGURES_PREVIEW=/tmp/figures-preview writes every SVG there, to look at.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ClassificationMetrics,
  Evaluation,
  Figure,
  Interval,
  ModelEvaluation,
  ProtocolKind,
  RocCurve,
  TrainingCurve,
} from '../types.js';
import { figuresFor } from './figures.js';
import { renderSvg } from './render.js';
import {
  confusionHeatmapSpec,
  modelComparisonSpec,
  perClassMetricsSpec,
  protocolComparisonSpec,
  trainingCurvesSpec,
} from './specs.js';

const CLASSES = ['happy', 'sad', 'angry', 'neutral', 'fear'];
const MODELS = ['hybrid', 'cnnOnly', 'rnnOnly'];
const NAMES = ['Hybrid CNN-LSTM', 'CNN-only (faces)', 'RNN-only (physiology)'];
const PROTOCOLS: readonly { protocol: string; kind: ProtocolKind; folds: number }[] = [
  { protocol: 'random-70-15-15', kind: 'random', folds: 1 },
  { protocol: 'subject-kfold-3', kind: 'subject-independent', folds: 3 },
  { protocol: 'within-subject-trials', kind: 'within-subject', folds: 1 },
];

// ---------------------------------------------------------------------------------------------
// A made-up evaluation

/** A 5×5 confusion matrix: `correct` of 20 samples per class right, the rest spread. */
function confusionOf(correct: readonly number[]): number[][] {
  return correct.map((c, i) => {
    const row = CLASSES.map(() => 0);
    row[i] = c;
    for (let e = 0; e < 20 - c; e++) row[(i + 1 + (e % 4)) % 5] += 1;
    return row;
  });
}

/** Metrics of a confusion matrix, computed here by hand (sklearn's definitions). */
function metricsOf(confusion: number[][]): ClassificationMetrics {
  const k = confusion.length;
  const n = confusion.flat().reduce((a, b) => a + b, 0);
  const col = (j: number) => confusion.reduce((a, row) => a + row[j], 0);
  const perClass = confusion.map((row, i) => {
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = col(i);
    const precision = predicted === 0 ? 0 : row[i] / predicted;
    const recall = support === 0 ? 0 : row[i] / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
  const mean = (key: 'precision' | 'recall' | 'f1') => perClass.reduce((a, c) => a + c[key], 0) / k;
  const correct = confusion.reduce((a, row, i) => a + row[i], 0);
  const macro = { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
  return {
    n,
    accuracy: correct / n,
    balancedAccuracy: macro.recall,
    perClass,
    macro,
    weighted: macro,
    kappa: 0.5,
    confusion,
    confusionNormalised: confusion.map((row) => {
      const s = row.reduce((a, b) => a + b, 0);
      return row.map((x) => (s === 0 ? 0 : x / s));
    }),
  };
}

/** A concave ROC curve through (0.1, h) and its trapezoid AUC. */
function rocOf(h: number): RocCurve {
  const fpr = [0, 0, 0.1, 0.4, 1];
  const tpr = [0, h / 2, h, (1 + h) / 2, 1];
  let auc = 0;
  for (let i = 1; i < fpr.length; i++) auc += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  return { fpr, tpr, auc };
}

/** Curves that flatten at `skill` (training) and a little lower (validation). */
function curvesOf(folds: number, epochs: number, skill: number): ModelEvaluation['curves'] {
  return Array.from({ length: folds }, (_, fold) => ({
    fold,
    epochs: Array.from({ length: epochs }, (_, e): TrainingCurve => ({
      epoch: e + 1,
      loss: (1.6 - skill) / (e + 1 + fold * 0.3) + 0.1,
      accuracy: 0.2 + (skill - 0.1) * (1 - 1 / (e + 1 + fold * 0.3)),
      // the first epoch has no validation value
      valLoss: e === 0 ? null : (1.7 - skill) / (e + 1) + 0.2,
      valAccuracy: e === 0 ? null : 0.2 + (skill - 0.2) * (1 - 1 / (e + 1)),
    })),
  }));
}

const interval = (estimate: number, halfWidth: number | null): Interval => ({
  estimate,
  lower: halfWidth === null ? null : estimate - halfWidth,
  upper: halfWidth === null ? null : estimate + halfWidth,
});

/** One model under one protocol; `skill` in 0..1 sets how many samples it gets right. */
function modelEvaluation(
  p: (typeof PROTOCOLS)[number],
  model: string,
  skill: number,
  halfWidth: number | null = 0.05,
): ModelEvaluation {
  const correct = CLASSES.map((_, i) => Math.max(2, Math.round(20 * skill) - i));
  const metrics = metricsOf(confusionOf(correct));
  const errors = correct.map((c) => 20 - c);
  const totalErrors = errors.reduce((a, b) => a + b, 0);
  return {
    protocol: p.protocol,
    kind: p.kind,
    model,
    folds: p.folds,
    subjects: 9,
    metrics,
    roc: {
      perClass: CLASSES.map((_, i) => rocOf(Math.min(0.95, skill + 0.05 * i))),
      macroAuc: 0.8,
    },
    intervals: {
      accuracy: interval(metrics.accuracy, halfWidth),
      macroF1: interval(metrics.macro.f1, halfWidth),
      kappa: interval(0.5, halfWidth),
      balancedAccuracy: interval(metrics.macro.recall, halfWidth),
    },
    binary: null,
    perSubject: [],
    subjectMean: {
      accuracy: { mean: metrics.accuracy, sd: null },
      macroF1: { mean: metrics.macro.f1, sd: null },
    },
    bootstrap: {
      unit: p.kind === 'subject-independent' ? 'subject' : 'trial',
      iterations: 1000,
      seed: 1,
      level: 0.95,
    },
    errorShare: errors.map((e) => e / totalErrors),
    curves: curvesOf(p.folds, 8, skill),
  };
}

/** 3 protocols × 3 models; the RNN-only model under subject-kfold-3 has no interval. */
function fakeEvaluation(synthetic = true): Evaluation {
  const skill: Record<string, number> = { hybrid: 0.85, cnnOnly: 0.6, rnnOnly: 0.45 };
  const models = PROTOCOLS.flatMap((p, pi) =>
    MODELS.map((m) =>
      modelEvaluation(
        p,
        m,
        skill[m] - 0.1 * pi,
        p.protocol === 'subject-kfold-3' && m === 'rnnOnly' ? null : 0.05,
      ),
    ),
  );
  return {
    synthetic,
    task: 'emotion5',
    floors: [],
    classes: CLASSES,
    protocols: PROTOCOLS.map((p) => ({
      protocol: p.protocol,
      kind: p.kind,
      seed: 1,
      description: p.protocol,
      folds: [],
      leakage: {
        protocol: p.protocol,
        kind: p.kind,
        verdict: 'clean',
        shares: { subjects: false, trials: false, stimuli: false },
        folds: [],
        summary: '',
      },
      notes: [],
    })),
    models,
    comparisons: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Reading the SVG

/** Items of each data mark group `mark-<type> role-mark`, in document order. */
function markGroups(svg: string, type: string): string[][] {
  const re = new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g');
  const tag = type === 'rule' ? 'line' : type === 'text' ? 'text' : 'path';
  return [...svg.matchAll(re)].map((m) => m[1].match(new RegExp(`<${tag}[ >]`, 'g')) ?? []);
}
const countMarks = (svg: string, type: string) =>
  markGroups(svg, type).reduce((a, g) => a + g.length, 0);

/** The `aria-label`s of the data items of the mark groups of `type`. */
function itemLabels(svg: string, type: string): string[] {
  const re = new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g');
  return [...svg.matchAll(re)].flatMap((m) =>
    [...m[1].matchAll(/aria-label="([^"]*)"/g)].map((x) => x[1]),
  );
}

function size(svg: string): { width: number; height: number } {
  const m = svg.match(/^<svg [^>]*width="([\d.]+)" height="([\d.]+)"/);
  return { width: Number(m?.[1] ?? 0), height: Number(m?.[2] ?? 0) };
}

const texts = (svg: string) => [...svg.matchAll(/>([^<>]+)</g)].map((m) => m[1]);

function preview(figures: readonly Figure[]): void {
  const dir = process.env.FIGURES_PREVIEW;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  for (const f of figures) writeFileSync(join(dir, `${f.id}.svg`), f.svg);
}

// ---------------------------------------------------------------------------------------------

describe('figuresFor', () => {
  const evaluation = fakeEvaluation();
  const warnings: string[] = [];
  const drawn = figuresFor(evaluation, { onWarning: (w) => warnings.push(w) });
  const get = async (id: string) => {
    const f = (await drawn).find((x) => x.id === id);
    if (!f) throw new Error(`no figure ${id}`);
    return f.svg;
  };

  it('draws the figures of each protocol, then the protocol comparison, with stable ids', async () => {
    const figures = await drawn;
    preview(figures);
    const expected = PROTOCOLS.flatMap(({ protocol: p }) => [
      `per-class-${p}-hybrid`,
      `confusion-${p}-hybrid`,
      `roc-${p}-hybrid`,
      `models-${p}`,
      `errors-${p}`,
      `curves-${p}`,
    ]);
    expect(figures.map((f) => f.id)).toEqual([...expected, 'protocols']);
    for (const f of figures) expect(f.id).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(warnings).toEqual([]);
  });

  it('gives well-formed SVG of a readable size, saying SYNTHETIC data', async () => {
    for (const f of await drawn) {
      expect(f.svg.startsWith('<svg ')).toBe(true);
      expect(f.svg.endsWith('</svg>')).toBe(true);
      expect(f.svg.match(/<g[ >]/g)?.length).toBe(f.svg.match(/<\/g>/g)?.length);
      const { width, height } = size(f.svg);
      expect(width).toBeGreaterThanOrEqual(400);
      expect(width).toBeLessThanOrEqual(680);
      expect(height).toBeGreaterThan(200);
      expect(f.svg).toContain('SYNTHETIC data');
      expect(f.title).toContain('SYNTHETIC data');
      expect(f.caption).toMatch(/^SYNTHETIC data: [A-Z].*\.$/);
    }
  });

  it('prints precision, recall and F1 of every class, with its support', async () => {
    const svg = await get('per-class-random-70-15-15-hybrid');
    expect(countMarks(svg, 'rect')).toBe(15);
    const m = evaluation.models[0].metrics;
    const t = texts(svg);
    for (const [i, c] of CLASSES.entries()) {
      expect(t).toContain(c);
      expect(t).toContain(`n = ${m.perClass[i].support}`);
      expect(t).toContain(m.perClass[i].f1.toFixed(2));
    }
    expect(t).toEqual(expect.arrayContaining(['precision', 'recall', 'F1']));
    // the bars have the values of the metrics, in class order
    const bars = itemLabels(svg, 'rect');
    expect(bars[0]).toMatch(/^class: happy; .*precision/);
  });

  it('prints the count and the row percentage in every cell of the confusion heat map', async () => {
    const svg = await get('confusion-subject-kfold-3-hybrid');
    expect(countMarks(svg, 'rect')).toBe(25);
    const m = evaluation.models.find(
      (x) => x.protocol === 'subject-kfold-3' && x.model === 'hybrid',
    )!.metrics;
    const cells = [...svg.matchAll(/<text [^>]*fill="(white|black)"[^>]*>(\d+) \((\d+) %\)</g)];
    expect(cells).toHaveLength(25);
    for (const [n, [, fill, count, pct]] of cells.entries()) {
      const [i, j] = [Math.floor(n / 5), n % 5];
      expect(Number(count)).toBe(m.confusion[i][j]);
      expect(Number(pct)).toBe(Math.round(100 * m.confusionNormalised[i][j]));
      // dark cells print in white
      expect(fill).toBe(m.confusionNormalised[i][j] > 0.5 ? 'white' : 'black');
    }
    expect(cells.some(([, fill]) => fill === 'white')).toBe(true);
    expect(texts(svg)).toEqual(expect.arrayContaining(['true class', 'predicted class']));
  });

  it('draws one ROC curve per class and the chance diagonal, AUCs in the legend', async () => {
    const svg = await get('roc-random-70-15-15-hybrid');
    // 5 curves + the dashed diagonal
    expect(countMarks(svg, 'line')).toBe(6);
    expect(svg).toMatch(/stroke-dasharray="5,4"/);
    for (const [i, c] of CLASSES.entries()) {
      const auc = evaluation.models[0].roc.perClass[i].auc!;
      expect(texts(svg)).toContain(`${c} (AUC ${auc.toFixed(2)})`);
    }
    // square plot: the x axis is as long as the y axis
    expect(svg).toContain("aria-label=\"X-axis titled 'false positive rate'");
  });

  it('compares the models in their colours, with the chance line at 1/5', async () => {
    const svg = await get('models-random-70-15-15');
    expect(countMarks(svg, 'rect')).toBe(6);
    for (const name of NAMES) expect(texts(svg)).toContain(name);
    expect(texts(svg)).toContain('chance 0.20');
    const hybridBars = itemLabels(svg, 'rect').filter((l) => l.includes('Hybrid'));
    expect(hybridBars).toHaveLength(2);
    expect(svg).toContain('fill="#0072B2"'); // hybrid: Okabe-Ito blue
    expect(svg).toContain('fill="#E69F00"'); // CNN-only: orange
    expect(svg).toContain('fill="#009E73"'); // RNN-only: green
  });

  it('draws the share of errors per true class, a bar per model', async () => {
    const svg = await get('errors-within-subject-trials');
    expect(countMarks(svg, 'rect')).toBe(15);
    for (const c of CLASSES) expect(texts(svg)).toContain(c);
    for (const name of NAMES) expect(texts(svg)).toContain(name);
  });

  it('draws every model under every protocol, error bars only for defined intervals', async () => {
    const svg = await get('protocols');
    const points = itemLabels(svg, 'symbol');
    // 9 accuracy points and 9 macro F1 points
    expect(points.filter((l) => /^protocol: .*; accuracy: /.test(l))).toHaveLength(9);
    expect(points.filter((l) => /^protocol: .*; macro F1: /.test(l))).toHaveLength(9);
    // the RNN-only model under subject-kfold-3 has no interval: 8 bars per panel
    const bars = itemLabels(svg, 'rule').filter((l) => l.startsWith('interval of '));
    expect(bars).toHaveLength(16);
    expect(bars.some((l) => l.includes('subject-kfold-3') && l.includes('RNN-only'))).toBe(false);
    const hybrid = evaluation.models[0].intervals.accuracy;
    expect(bars).toContain(
      `interval of accuracy, Hybrid CNN-LSTM, random-70-15-15: ${hybrid.estimate.toFixed(2)} [${hybrid.lower?.toFixed(2)}, ${hybrid.upper?.toFixed(2)}]`,
    );
    // the chance line of each panel
    expect(texts(svg).filter((t) => t === 'chance 0.20')).toHaveLength(2);
    // protocol labels on two lines: the id, then the kind
    for (const t of ['subject-kfold-3', '(subject-independent)', '(random window split)']) {
      expect(texts(svg)).toContain(t);
    }
    expect(svg).toContain('95 % intervals');
  });

  it('draws loss and accuracy curves, one line per model, fold and split', async () => {
    // 3 models × 3 folds × (training + validation), in each of the 2 panels
    expect(countMarks(await get('curves-subject-kfold-3'), 'line')).toBe(36);
    const svg = await get('curves-random-70-15-15');
    expect(countMarks(svg, 'line')).toBe(12);
    // one run per model: opaque lines; validation lines start at epoch 2 (epoch 1 is null)
    expect(svg).not.toMatch(/class="mark-line[^>]*>(?:(?!<\/g>).)*opacity="0.5"/);
    expect(texts(svg)).toEqual(expect.arrayContaining(['loss', 'accuracy', 'validation']));
  });

  it('draws the same bytes for the same evaluation, with ids unique to each figure', async () => {
    const again = await figuresFor(fakeEvaluation());
    expect(again.map((f) => f.svg)).toEqual((await drawn).map((f) => f.svg));
    const roc = await get('roc-random-70-15-15-hybrid');
    const ids = [...roc.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id.startsWith('roc-random-70-15-15-hybrid-')).toBe(true);
  });

  it('says nothing of synthetic data for a real evaluation', async () => {
    const figures = await figuresFor(fakeEvaluation(false));
    for (const f of figures) {
      expect(f.svg).not.toContain('SYNTHETIC');
      expect(f.caption).not.toContain('SYNTHETIC');
    }
  });
});

describe('figuresFor on partial evaluations', () => {
  it('refuses an evaluation without model results', async () => {
    await expect(figuresFor({ ...fakeEvaluation(), models: [] })).rejects.toThrow(
      /no model result/,
    );
  });

  it('skips protocols without results and curves without epochs; falls back to the first model', async () => {
    const e = fakeEvaluation(false);
    const models = e.models
      .filter((m) => m.protocol !== 'within-subject-trials' && m.model !== 'hybrid')
      .map((m) => (m.protocol === 'random-70-15-15' ? { ...m, curves: [] } : m));
    const figures = await figuresFor({ ...e, models });
    expect(figures.map((f) => f.id)).toEqual([
      'per-class-random-70-15-15-cnnOnly',
      'confusion-random-70-15-15-cnnOnly',
      'roc-random-70-15-15-cnnOnly',
      'models-random-70-15-15',
      'errors-random-70-15-15',
      'per-class-subject-kfold-3-cnnOnly',
      'confusion-subject-kfold-3-cnnOnly',
      'roc-subject-kfold-3-cnnOnly',
      'models-subject-kfold-3',
      'errors-subject-kfold-3',
      'curves-subject-kfold-3',
      'protocols',
    ]);
    // without the hybrid, the RNN-only model keeps its colour (green), not the hybrid's blue
    const svg = figures.find((f) => f.id === 'models-random-70-15-15')!.svg;
    expect(svg).toContain('fill="#009E73"');
    expect(svg).not.toContain('fill="#0072B2"');
  });
});

describe('specs', () => {
  const m = metricsOf(confusionOf([18, 15, 12, 10, 5]));

  it('refuse input that does not match the classes, or nothing to draw', () => {
    expect(() => perClassMetricsSpec(CLASSES.slice(0, 4), m, '')).toThrow(/5 entries for 4/);
    expect(() => confusionHeatmapSpec(['a', 'b'], m, '')).toThrow(/for 2 classes/);
    expect(() => modelComparisonSpec([], '')).toThrow(/nothing to draw/);
    expect(() => protocolComparisonSpec([], '')).toThrow(/nothing to draw/);
    expect(() => trainingCurvesSpec([{ model: 'hybrid', fold: 0, epochs: [] }], '')).toThrow(
      /no epoch/,
    );
  });

  it('writes n/a for an undefined AUC and leaves its non-finite points out', async () => {
    const e = fakeEvaluation(false);
    const hybrid = e.models[0];
    const fear: RocCurve = { fpr: [0, 0.5, 1], tpr: [NaN, NaN, NaN], auc: null };
    const roc = { perClass: [...hybrid.roc.perClass.slice(0, 4), fear], macroAuc: 0.8 };
    const figures = await figuresFor({ ...e, models: [{ ...hybrid, roc }] });
    const svg = figures.find((f) => f.id === 'roc-random-70-15-15-hybrid')!.svg;
    expect(texts(svg)).toContain('fear (AUC n/a)');
    expect(countMarks(svg, 'line')).toBe(5); // 4 curves + the diagonal
  });

  it('draws a point without an error bar for an interval without bounds', async () => {
    const spec = protocolComparisonSpec(
      [
        {
          protocol: 'p',
          protocolLabel: 'p (random window split)',
          model: 'hybrid',
          accuracy: { estimate: 0.5, lower: null, upper: null },
        },
        {
          protocol: 'p',
          protocolLabel: 'p (random window split)',
          model: 'cnnOnly',
          accuracy: { estimate: 0.4, lower: 0.3, upper: null },
        },
      ],
      'test',
    );
    const svg = await renderSvg(spec, { onWarning: (w) => expect(w).toBeUndefined() });
    expect(countMarks(svg, 'symbol')).toBe(2);
    expect(itemLabels(svg, 'rule').filter((l) => l.startsWith('interval of '))).toEqual([]);
    // a single panel: no macro F1 given
    expect(svg).not.toContain('macro F1');
  });

  it('renders the same spec to the same bytes, also when renders run at the same time', async () => {
    const spec = perClassMetricsSpec(CLASSES, m, 'same');
    const [a, b] = await Promise.all([renderSvg(spec), renderSvg(spec)]);
    const c = await renderSvg(spec);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(a).not.toMatch(/\d{4}-\d\d-\d\dT/); // no timestamp
  });
});
