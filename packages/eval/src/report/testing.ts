/**
 * Test helpers of the report (not exported by the package index): a small but complete
 * made-up ReportInput, an HTML sanity check and a Markdown table check.
 *
 * The input is written by hand (no metrics or figures module): three protocols, three models
 * each, McNemar comparisons, tiny hand-drawn SVG figures, and text values that need escaping
 * (the subject `<s01&>`).
 */
import type {
  ClassificationMetrics,
  Figure,
  Interval,
  ModelComparison,
  ModelEvaluation,
  ProtocolKind,
  ProtocolSummary,
  ReportInput,
  RocResult,
} from '../types.js';
import { isFloor } from './format.js';

export const FAKE_CLASSES = ['happy', 'sad', 'angry', 'neutral', 'fear'] as const;
export const FAKE_PROTOCOLS: readonly { id: string; kind: ProtocolKind; folds: number }[] = [
  { id: 'random-70-15-15', kind: 'random', folds: 1 },
  { id: 'subject-kfold-3', kind: 'subject-independent', folds: 3 },
  { id: 'within-subject-trials', kind: 'within-subject', folds: 1 },
];
const MODELS = ['hybrid', 'cnnOnly', 'rnnOnly'] as const;
/** Accuracy of each model under each protocol; the hybrid's random split gives 376/500 = 0.752. */
const ACCURACY: Readonly<Record<string, readonly number[]>> = {
  'random-70-15-15': [0.752, 0.6, 0.5],
  'subject-kfold-3': [0.45, 0.35, 0.3],
  'within-subject-trials': [0.62, 0.5, 0.42],
};
/** True windows per class in every test set (500 in all). */
const SUPPORT = [120, 100, 100, 90, 90];

/** An odd subject id that must come out escaped. */
export const ODD_SUBJECT = '<s01&>';

/** A tiny bar chart as SVG, drawn by hand: `bars` rectangles and a label. */
export function tinySvg(label: string, bars = 4, width = 360, height = 200): string {
  const colours = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9'];
  const w = (width - 60) / bars;
  const rects = Array.from({ length: bars }, (_, i) => {
    const h = 30 + ((i * 37) % (height - 80));
    return `<rect x="${40 + i * w}" y="${height - 30 - h}" width="${w - 8}" height="${h}" fill="${colours[i % colours.length]}"/>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/><line x1="36" y1="${height - 30}" x2="${width - 10}" y2="${height - 30}" stroke="#333333"/>${rects}<text x="40" y="20" font-family="sans-serif" font-size="13">${label}</text></svg>`;
}

/** A confusion matrix with the given accuracy: the diagonal, the rest on the next two classes. */
function confusionFor(accuracy: number): number[][] {
  return SUPPORT.map((s, i) => {
    const row = SUPPORT.map(() => 0);
    const right = Math.round(accuracy * s);
    row[i] = right;
    row[(i + 1) % SUPPORT.length] = Math.ceil((s - right) / 2);
    row[(i + 2) % SUPPORT.length] += s - right - Math.ceil((s - right) / 2);
    return row;
  });
}

/** Precision, recall, F1, kappa… of a confusion matrix (zero_division = 0). */
export function metricsOf(confusion: readonly (readonly number[])[]): ClassificationMetrics {
  const k = confusion.length;
  const n = confusion.flat().reduce((a, b) => a + b, 0);
  const rowSum = confusion.map((r) => r.reduce((a, b) => a + b, 0));
  const colSum = confusion[0].map((_c, j) => confusion.reduce((a, r) => a + r[j], 0));
  const correct = confusion.reduce((a, r, i) => a + r[i], 0);
  const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const perClass = confusion.map((r, i) => {
    const precision = div(r[i], colSum[i]);
    const recall = div(r[i], rowSum[i]);
    return {
      precision,
      recall,
      f1: div(2 * precision * recall, precision + recall),
      support: rowSum[i],
    };
  });
  const mean = (key: 'precision' | 'recall' | 'f1') => perClass.reduce((a, c) => a + c[key], 0) / k;
  const weighted = (key: 'precision' | 'recall' | 'f1') =>
    div(
      perClass.reduce((a, c) => a + c[key] * c.support, 0),
      n,
    );
  const accuracy = div(correct, n);
  const expected = rowSum.reduce((a, r, i) => a + r * colSum[i], 0) / (n * n);
  const present = perClass.filter((c) => c.support > 0);
  return {
    n,
    accuracy,
    balancedAccuracy: present.reduce((a, c) => a + c.recall, 0) / (present.length || 1),
    perClass,
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
    weighted: { precision: weighted('precision'), recall: weighted('recall'), f1: weighted('f1') },
    kappa: div(accuracy - expected, 1 - expected),
    confusion,
    confusionNormalised: confusion.map((r, i) => r.map((c) => div(c, rowSum[i]))),
  };
}

const interval = (estimate: number, open = false): Interval => ({
  estimate,
  lower: open ? null : estimate - 0.05,
  upper: open ? null : estimate + 0.05,
});

function roc(accuracy: number, nullClass: boolean): RocResult {
  const perClass = FAKE_CLASSES.map((_c, i) => ({
    fpr: [0, 0.2, 1],
    tpr: [0, 0.7, 1],
    auc: nullClass && i === 4 ? null : Math.min(0.99, accuracy + 0.1 + i / 100),
  }));
  const defined = perClass.flatMap((c) => (c.auc === null ? [] : [c.auc]));
  return { perClass, macroAuc: defined.reduce((a, b) => a + b, 0) / defined.length };
}

function modelEvaluation(
  p: (typeof FAKE_PROTOCOLS)[number],
  model: string,
  accuracy: number,
): ModelEvaluation {
  const metrics = metricsOf(confusionFor(accuracy));
  const subjectIndependent = p.kind === 'subject-independent';
  const errors = metrics.confusion.map((r, i) => metrics.perClass[i].support - r[i]);
  const totalErrors = errors.reduce((a, b) => a + b, 0);
  return {
    protocol: p.id,
    kind: p.kind,
    model,
    folds: p.folds,
    subjects: 6,
    metrics,
    perSubject: ['s01', 's02', 's03'].map((subject, i) => ({
      subject,
      n: 100,
      accuracy: metrics.accuracy + (i - 1) * 0.05,
      macroF1: metrics.macro.f1 + (i - 1) * 0.05,
    })),
    subjectMean: {
      accuracy: { mean: metrics.accuracy, sd: 0.05 },
      macroF1: { mean: metrics.macro.f1, sd: 0.05 },
    },
    roc: roc(metrics.accuracy, model === 'rnnOnly'),
    intervals: {
      accuracy: interval(metrics.accuracy),
      // One interval that could not be computed (shown as `[—]`).
      macroF1: interval(metrics.macro.f1, subjectIndependent && model === 'cnnOnly'),
      kappa: interval(metrics.kappa),
      balancedAccuracy: interval(metrics.balancedAccuracy),
    },
    binary: null,
    bootstrap: {
      unit: subjectIndependent ? 'subject' : 'trial',
      iterations: 1000,
      seed: 7,
      level: 0.95,
    },
    errorShare: errors.map((e) => (totalErrors === 0 ? 0 : e / totalErrors)),
    curves: isFloor(model)
      ? []
      : Array.from({ length: p.folds }, (_, fold) => ({
          fold,
          epochs: [1, 2, 3].map((epoch) => ({
            epoch,
            loss: 1.6 / epoch,
            accuracy: accuracy * (epoch / 3),
            valLoss: 1.7 / epoch,
            valAccuracy: null,
          })),
        })),
  };
}

/** p-values of the comparisons, in order: they exercise every format (`< 0.001`, 3 digits). */
export const FAKE_P_VALUES = [0.0000123, 0.0234, 0.5, 1, 0.04567, 0.12345];

function comparisons(models: readonly ModelEvaluation[]): ModelComparison[] {
  const out: ModelComparison[] = [];
  for (const p of FAKE_PROTOCOLS) {
    const a = models.find((m) => m.protocol === p.id && m.model === 'hybrid')!;
    for (const bName of ['cnnOnly', 'rnnOnly']) {
      const b = models.find((m) => m.protocol === p.id && m.model === bName)!;
      const p0 = FAKE_P_VALUES[out.length];
      const aOnly = 20 + out.length * 7;
      const bOnly = 4 + out.length;
      const exact = aOnly + bOnly < 25;
      const chi2 = (Math.abs(aOnly - bOnly) - 1) ** 2 / (aOnly + bOnly);
      out.push({
        protocol: p.id,
        a: a.model,
        b: b.model,
        accuracyA: a.metrics.accuracy,
        accuracyB: b.metrics.accuracy,
        mcnemar: {
          n: a.metrics.n,
          aOnly,
          bOnly,
          pExact: p0,
          chi2,
          pChi2: p0,
          p: p0,
          method: exact ? 'exact' : 'chi2-corrected',
        },
      });
    }
  }
  return out;
}

function protocolSummary(p: (typeof FAKE_PROTOCOLS)[number]): ProtocolSummary {
  const leaky = p.kind !== 'subject-independent';
  const folds = Array.from({ length: p.folds }, (_, fold) => ({
    fold,
    train: 1400 + fold,
    val: 300,
    test: 500,
    trainPerClass: [400 + fold, 300, 300, 250, 150],
  }));
  const verdict = p.kind === 'random' ? 'shares-trials' : leaky ? 'shares-subjects' : 'clean';
  return {
    protocol: p.id,
    kind: p.kind,
    seed: 42,
    description:
      p.kind === 'random'
        ? "The study's split: windows shuffled and cut 70/15/15."
        : p.kind === 'subject-independent'
          ? '3-fold by subject, stimuli held out too.'
          : 'Per subject, whole trials held out for test.',
    folds,
    leakage: {
      protocol: p.id,
      kind: p.kind,
      verdict,
      shares: { subjects: leaky, trials: p.kind === 'random', stimuli: leaky },
      folds: folds.map((f) => ({
        fold: f.fold,
        sharedSubjects: leaky ? [ODD_SUBJECT, 's02', 's03'] : [],
        sharedTrials: p.kind === 'random' ? [`${ODD_SUBJECT}/1`, 's02/4'] : [],
        sharedStimuli: leaky ? ['deap/1', 'deap/2', 'deap/3', 'deap/4'] : [],
      })),
      summary: leaky
        ? `test windows share subject${p.kind === 'random' ? ', trial' : ''} and stimulus with training`
        : 'no subject, trial or stimulus is on both sides',
    },
    notes:
      p.kind === 'random'
        ? ['Neighbouring windows of one trial overlap in time & content: "leakage".']
        : [],
  };
}

/** The figures of the fake run: three per protocol, one across protocols. */
export function fakeFigures(): Figure[] {
  const figures: Figure[] = FAKE_PROTOCOLS.flatMap((p) => [
    {
      id: `per-class-${p.id}-hybrid`,
      title: `Per-class metrics — Hybrid CNN-LSTM, ${p.id}`,
      caption: 'Precision, recall and F1 of each class.',
      svg: tinySvg(`per-class ${p.id}`, 5),
    },
    {
      id: `confusion-${p.id}-hybrid`,
      title: `Confusion matrix — Hybrid CNN-LSTM, ${p.id}`,
      caption: 'Counts & shares of each true class.',
      svg: tinySvg(`confusion ${p.id}`, 3, 300, 220),
    },
    {
      id: `models-${p.id}`,
      title: `Model comparison — ${p.id}`,
      caption: 'Accuracy and macro F1 of the three models.',
      svg: tinySvg(`models ${p.id}`, 3),
    },
  ]);
  figures.push({
    id: 'protocols',
    title: 'Models × protocols',
    caption: 'Test accuracy of every model under every protocol with 95 % intervals.',
    svg: tinySvg('models × protocols', 5, 640, 260),
  });
  return figures;
}

/** A small but complete report input; `overrides` replace top-level fields. */
export function fakeReportInput(overrides: Partial<ReportInput> = {}): ReportInput {
  const models = FAKE_PROTOCOLS.flatMap((p) =>
    MODELS.map((m, i) => modelEvaluation(p, m, ACCURACY[p.id][i])),
  );
  const synthetic = overrides.synthetic ?? true;
  return {
    title: 'Multimodal emotion recognition: hybrid CNN-LSTM against its unimodal baselines',
    runId: 'evaluation 0123456789ab',
    created: '2025-11-24T12:00:00Z',
    synthetic,
    data: [
      {
        dataset: 'deap',
        synthetic,
        subjects: [ODD_SUBJECT, 's02', 's03'],
        trials: 120,
        labelledTrials: 96,
        windows: 1500,
        perClass: { happy: 360, sad: 300, angry: 300, neutral: 270, fear: 270 },
      },
      {
        dataset: 'amigos',
        synthetic,
        subjects: ['p01', 'p02', 'p03'],
        trials: 48,
        labelledTrials: 40,
        windows: 700,
        perClass: { happy: 160, sad: 140, angry: 140, neutral: 130, fear: 130 },
      },
    ],
    labelMapping:
      'Valence/arousal/dominance quadrants → 5 classes:\nhigh V, high A → happy; low V, low A → sad; low V, high A, high D → angry; mid V, low A → neutral; low V, high A, low D → fear.',
    backend: 'tensorflow (tfjs-node); webgl and wasm not used in Node',
    training: {
      epochs: 30,
      batchSize: 32,
      optimizer: { name: 'adam', learningRate: 0.001 },
      classWeights: [1, 1.2, 1, 0.8, 1],
      earlyStopping: true,
      note: 'patience <5> & restore best',
    },
    evaluation: {
      synthetic,
      task: 'emotion5',
      classes: [...FAKE_CLASSES],
      protocols: FAKE_PROTOCOLS.map(protocolSummary),
      models,
      floors: FAKE_PROTOCOLS.flatMap((p) => [
        modelEvaluation(p, 'majority', 0.28),
        modelEvaluation(p, 'stratified', 0.21),
      ]),
      comparisons: comparisons(models),
    },
    figures: fakeFigures(),
    published: [
      {
        source: 'Miranda-Correa et al. 2018 (AMIGOS authors)',
        setting: 'leave-one-participant-out, binary valence',
        value: 'mean F1 ≈ 0.53–0.55 (chance 0.50)',
      },
      {
        source: 'published window-level random splits',
        setting: "windows of one subject and trial on both sides (as the study's 70/15/15)",
        value: 'accuracy 75–99 %',
      },
    ],
    skipped: [
      { what: 'deap-s03 trial 7 (stimulus 12)', reason: 'no face video for the trial' },
      { what: '12 window(s)', reason: 'quality flags, left out by split.excludeFlagged' },
    ],
    reproduce: [
      'npx --yes pnpm@10.34.9 install --frozen-lockfile',
      'npx --yes pnpm@10.34.9 emo full --config emo.config.json   # <config> beside this report',
    ],
    notes: [
      'The random split is higher because its test windows come from subjects & trials the model was trained on.',
      'Intervals are 95 % percentile bootstrap intervals; <b>subjects</b> are resampled when subject-independent.',
    ],
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// HTML sanity check

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
/** Elements a `<p>` cannot contain (the parser would close the paragraph before them). */
const BLOCK = new Set([
  'address',
  'div',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'ul',
]);
const TAG =
  /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/g;
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/**
 * Problems a strict reader finds in a page: no doctype, lang, charset or title; scripts or
 * external resources; unbalanced or misnested tags; a block inside a paragraph; unescaped `<`
 * or `&` in text; duplicate ids; links to missing anchors. Empty for a sound page.
 */
export function htmlProblems(html: string): string[] {
  const problems: string[] = [];
  if (!/^<!DOCTYPE html>/i.test(html)) problems.push('does not start with <!DOCTYPE html>');
  if (!/<html lang="[a-z-]+">/i.test(html)) problems.push('no <html lang>');
  if (!/<head>[\s\S]*<meta charset="utf-8">[\s\S]*<\/head>/i.test(html)) {
    problems.push('no <meta charset="utf-8"> in <head>');
  }
  const titles = [...html.matchAll(/<title>([^<]*)<\/title>/g)];
  if (titles.length !== 1 || titles[0][1].trim() === '') problems.push('not exactly one title');
  if (/<script\b/i.test(html)) problems.push('has a <script>');
  if (/<link\b/i.test(html)) problems.push('has a <link>');
  if (/@import|url\(\s*['"]?(https?:|\/\/)/i.test(html)) problems.push('loads a style resource');
  if (/\ssrc\s*=/i.test(html)) problems.push('has a src attribute');

  const body = html
    .replace(/^<!DOCTYPE html>/i, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/(<style>)[\s\S]*?(<\/style>)/g, '$1$2');
  const stack: string[] = [];
  const ids = new Map<string, number>();
  const hrefs: string[] = [];
  let last = 0;
  const text = (s: string) => {
    if (s.includes('<')) problems.push(`unescaped '<' in text: ${JSON.stringify(s.slice(0, 60))}`);
    const amp = s.match(/&(?![a-zA-Z][a-zA-Z0-9]*;|#\d+;|#x[0-9a-fA-F]+;)[\s\S]{0,20}/);
    if (amp) problems.push(`bare '&' in text: ${JSON.stringify(amp[0])}`);
  };
  for (const m of body.matchAll(TAG)) {
    text(body.slice(last, m.index));
    last = m.index + m[0].length;
    const [, close, rawName, attrs, selfClose] = m;
    const name = rawName.toLowerCase();
    const inSvg = stack.includes('svg');
    if (close) {
      const top = stack.pop();
      if (top !== name) problems.push(`</${name}> closes <${top ?? 'nothing'}>`);
      continue;
    }
    const seen = new Set<string>();
    for (const a of attrs.matchAll(ATTR)) {
      const key = a[1].toLowerCase();
      const value = a[2] ?? a[3] ?? a[4] ?? '';
      if (seen.has(key)) problems.push(`<${name}> repeats the attribute ${key}`);
      seen.add(key);
      if (/^on/.test(key)) problems.push(`<${name}> has an event handler ${key}`);
      if (value.includes('<')) problems.push(`<${name} ${key}> has an unescaped '<'`);
      if (key === 'id') ids.set(value, (ids.get(value) ?? 0) + 1);
      if ((key === 'href' || key === 'xlink:href') && !inSvg) hrefs.push(value);
    }
    if (stack.at(-1) === 'p' && BLOCK.has(name)) problems.push(`<${name}> inside a <p>`);
    if (VOID.has(name)) continue;
    if (selfClose) {
      if (!inSvg && name !== 'svg') problems.push(`<${name}/> self-closed outside SVG`);
      continue;
    }
    stack.push(name);
  }
  text(body.slice(last));
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`);
  for (const [id, n] of ids) if (n > 1) problems.push(`id "${id}" occurs ${n} times`);
  for (const h of hrefs) {
    if (!h.startsWith('#')) problems.push(`link outside the page: ${h}`);
    else if (!ids.has(h.slice(1))) problems.push(`link to a missing anchor: ${h}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Markdown tables

/** The GitHub-flavoured tables of a Markdown text (outside code fences), each as its lines. */
export function markdownTables(md: string): string[][] {
  const tables: string[][] = [];
  let current: string[] | null = null;
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    const f = line.match(/^(`{3,}|~{3,})/);
    if (f) {
      if (fence === null) fence = f[1];
      else if (line.startsWith(fence)) fence = null;
    }
    if (fence === null && line.startsWith('|')) {
      if (!current) tables.push((current = []));
      current.push(line);
    } else {
      current = null;
    }
  }
  return tables;
}

/** The cells of a table line: split at pipes that are not escaped with a backslash. */
export function tableCells(line: string): string[] {
  const inner = line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim());
}

/** Tables whose lines do not all have the header's number of cells, or lack a separator line. */
export function markdownTableProblems(md: string): string[] {
  const problems: string[] = [];
  for (const t of markdownTables(md)) {
    const width = tableCells(t[0]).length;
    if (t.length < 2 || !/^\|(\s*:?-{3,}:?\s*\|)+$/.test(t[1])) {
      problems.push(`table without a separator line: ${t[0]}`);
    }
    for (const line of t) {
      const n = tableCells(line).length;
      if (n !== width) problems.push(`${n} cells instead of ${width}: ${line}`);
    }
  }
  return problems;
}
