/**
 * Number formatting, escaping and the checks both renderers share (report/html.ts and
 * report/markdown.ts). Pure functions, no I/O.
 */
import { FLOORS } from '../evaluate.js';
import type {
  Evaluation,
  Figure,
  Interval,
  LeakageReport,
  ModelEvaluation,
  ProtocolKind,
  PublishedAnchor,
  ReportInput,
} from '../types.js';

/** What a number that is missing (null, NaN, ±Infinity) shows. */
export const MISSING = '—';

/** The synthetic-data banner, word for word. */
export const SYNTHETIC_BANNER = 'SYNTHETIC data — these numbers are not DEAP/AMIGOS results';

/** Why published anchors cannot be compared with a synthetic run. */
export const SYNTHETIC_ANCHORS_NOTE =
  'This run used SYNTHETIC data: the published numbers below come from real recordings and are not comparable with any number in this report (each row says so).';

const isNumber = (x: number | null | undefined): x is number =>
  typeof x === 'number' && Number.isFinite(x);

/** `-0.000` → `0.000`: a rounded zero carries no sign. */
const unsignedZero = (s: string): string => (/^-0(\.0+)?$/.test(s) ? s.slice(1) : s);

/** A metric (accuracy, F1, kappa, AUC…) with `digits` decimals, default 3: `0.752`. */
export function fmtMetric(x: number | null | undefined, digits = 3): string {
  return isNumber(x) ? unsignedZero(x.toFixed(digits)) : MISSING;
}

/**
 * A point estimate with its interval: `0.752 [0.70, 0.80]` (estimate 3 decimals, bounds 2);
 * `0.752 [—]` when the interval could not be computed.
 */
export function fmtInterval(i: Interval): string {
  const bounds =
    isNumber(i.lower) && isNumber(i.upper)
      ? `${fmtMetric(i.lower, 2)}, ${fmtMetric(i.upper, 2)}`
      : MISSING;
  return `${fmtMetric(i.estimate)} [${bounds}]`;
}

/** A p-value with 3 significant digits (`0.0234`, `0.500`, `1.00`), or `< 0.001`. */
export function fmtP(p: number | null | undefined): string {
  if (!isNumber(p)) return MISSING;
  if (p < 0.001) return '< 0.001';
  return p.toPrecision(3);
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A count with thousands separators: `12,345`. */
export function fmtInt(n: number | null | undefined): string {
  return isNumber(n) ? INTEGER.format(n) : MISSING;
}

/** A confidence level (0.95) as `95 %` (a no-break space before the sign). */
export function fmtLevel(level: number): string {
  return isNumber(level) ? `${Number((100 * level).toFixed(1))}\u00a0%` : MISSING;
}

/** Escapes text for HTML element content and (double- or single-quoted) attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for Markdown (GitHub-flavoured): backslash before every character that could
 * start emphasis, code, a link, raw HTML, an entity or a table cell boundary, and before a
 * leading `- `, `+ ` or `1. ` that would start a list; line breaks
 * become spaces (a table cell, a list item and a heading are one line).
 */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/\r?\n|\r/g, ' ')
    .replace(/[\\`*_[\]<>|&~#]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-+])(?=\s|$)/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2');
}

// ---------------------------------------------------------------------------------------------
// Names

export { modelName } from '../models.js';

const KIND_LABELS: Readonly<Record<ProtocolKind, string>> = {
  random: 'random window split',
  'subject-independent': 'subject-independent',
  'within-subject': 'within-subject',
};

export const kindLabel = (kind: ProtocolKind): string => KIND_LABELS[kind] ?? kind;

const VERDICT_LABELS: Readonly<Record<LeakageReport['verdict'], string>> = {
  clean: 'clean: nothing shared',
  'shares-subjects': 'shares subjects',
  'shares-trials': 'shares trials',
  'shares-stimuli': 'shares stimuli',
};

export const verdictLabel = (v: LeakageReport['verdict']): string => VERDICT_LABELS[v] ?? v;

/** `0.512 ± 0.081` (mean ± SD over subjects), `0.512` without an SD. */
export function fmtMeanSd(x: { readonly mean: number; readonly sd: number | null }): string {
  return x.sd === null ? fmtMetric(x.mean) : `${fmtMetric(x.mean)} ± ${fmtMetric(x.sd)}`;
}

/** The floors in words, for table captions. */
export const FLOORS_TEXT =
  "majority: each fold's most frequent training class; stratified: a seeded random guess with each fold's training class shares";

export const isFloor = (model: string): boolean => (FLOORS as readonly string[]).includes(model);

/** An evaluation's models and floors, protocol by protocol (models first, then floors). */
export function withFloors(e: Evaluation): ModelEvaluation[] {
  return e.protocols.flatMap((p) => [
    ...e.models.filter((m) => m.protocol === p.protocol),
    ...e.floors.filter((m) => m.protocol === p.protocol),
  ]);
}

/** A published number's setting in short: `valence2 · within-subject · physiological · deap`. */
export function anchorSetting(a: PublishedAnchor): string {
  const parts = [a.task, a.protocolKind, a.modality, a.dataset].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : '—';
}

/** What a bootstrap resampled, in words: `subjects, 1,000×, 95 %`. */
export function bootstrapLabel(b: {
  readonly unit: 'subject' | 'trial' | 'window';
  readonly iterations: number;
  readonly level: number;
}): string {
  return `${b.unit}s, ${fmtInt(b.iterations)}×, ${fmtLevel(b.level)}`;
}

// ---------------------------------------------------------------------------------------------
// Training settings

/**
 * Training settings as key/value rows: nested plain objects become dotted keys
 * (`optimizer.lr`), arrays of plain values a comma-separated list, anything else JSON.
 */
export function settingRows(settings: Readonly<Record<string, unknown>>): [string, string][] {
  const rows: [string, string][] = [];
  const walk = (prefix: string, value: unknown, depth: number): void => {
    if (isPlainObject(value) && depth < 4 && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v, depth + 1);
      return;
    }
    rows.push([prefix, settingValue(value)]);
  };
  for (const [k, v] of Object.entries(settings)) walk(k, v, 1);
  return rows;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function settingValue(v: unknown): string {
  if (v === undefined) return MISSING;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) {
    return v.map((x) => String(x)).join(', ');
  }
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

// ---------------------------------------------------------------------------------------------
// Figures and protocols

/**
 * A figure id is a file name (`<id>.svg`) and an HTML id (`fig-<id>`): letters, digits,
 * `.`, `_` and `-`, not starting with a dot.
 */
const FIGURE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Throws when a figure id is not a safe file name or when two figures share an id. */
export function checkFigureIds(figures: readonly Figure[]): void {
  const seen = new Set<string>();
  for (const f of figures) {
    if (!FIGURE_ID.test(f.id)) {
      throw new Error(
        `report: figure id ${JSON.stringify(f.id)} is not a file name (letters, digits, '.', '_', '-')`,
      );
    }
    if (seen.has(f.id)) throw new Error(`report: two figures have the id '${f.id}'`);
    seen.add(f.id);
  }
}

/** The figures shown with the tasks (TaskReport.figures), in task order. */
export function taskFigures(input: ReportInput): Figure[] {
  return (input.tasks ?? []).flatMap((t) => t.figures ?? []);
}

/** Markup an inline SVG must not contain: it would end or escape the HTML around it. */
const UNSAFE_SVG: readonly [RegExp, string][] = [
  [/<\/?script\b/i, '<script'],
  [/<\/?html\b/i, '<html'],
  [/<\/?(head|body)\b/i, '<head or <body'],
  [/<!doctype\b/i, '<!DOCTYPE'],
  [/<\?xml\b/i, 'an XML declaration'],
  [/<\/?(iframe|object|embed)\b/i, 'an embedded document'],
  [/<[^>]*\son[a-z]+\s*=/i, 'an event handler attribute'],
];

/**
 * Checks that a figure's SVG can be inlined as is: one `<svg …>…</svg>` element with no
 * script, no document markup (`<html`, `<body`, a doctype) and no event handler. Throws an
 * error naming the figure and what was found.
 */
export function checkSvg(figure: Figure): void {
  const svg = figure.svg.trim();
  const bad = (what: string): never => {
    throw new Error(`report: figure '${figure.id}' has unsafe SVG (${what}); it is not inlined`);
  };
  for (const [re, what] of UNSAFE_SVG) if (re.test(svg)) bad(`it contains ${what}`);
  if (!/^<svg[\s>]/i.test(svg)) bad('it does not start with <svg');
  if (!/<\/svg>$/i.test(svg)) bad('it does not end with </svg>');
}

/**
 * The protocol a figure belongs to: the protocol whose id appears in the figure id as a whole
 * `-`-separated part (`^P$`, `^P-`, `-P-` or `-P$`; the figures module names them
 * `<what>-<protocol>[-<model>]`). When several protocols match, the longest id wins (so
 * `subject-kfold-3` beats a protocol named `kfold-3`). Null when none matches.
 */
export function figureProtocol(figureId: string, protocols: readonly string[]): string | null {
  let best: string | null = null;
  for (const p of protocols) {
    if (p === '') continue;
    const matches =
      figureId === p ||
      figureId.startsWith(`${p}-`) ||
      figureId.endsWith(`-${p}`) ||
      figureId.includes(`-${p}-`);
    if (matches && (best === null || p.length > best.length)) best = p;
  }
  return best;
}

/** A protocol as the report shows it (its summary, which may be missing, and its results). */
export interface ProtocolView {
  readonly protocol: string;
  readonly kind: ProtocolKind;
  readonly summary: ReportInput['evaluation']['protocols'][number] | null;
  readonly models: ReportInput['evaluation']['models'];
  readonly figures: readonly Figure[];
}

/**
 * The protocols in report order (the evaluation's protocol summaries, then any protocol that
 * only has model results), each with its model results and figures, and the figures that
 * belong to no protocol. Checks figure ids first.
 */
export function protocolViews(input: ReportInput): {
  protocols: ProtocolView[];
  otherFigures: Figure[];
} {
  checkFigureIds([...input.figures, ...taskFigures(input)]);
  const e = input.evaluation;
  const ids: string[] = [];
  const kinds = new Map<string, ProtocolKind>();
  for (const p of e.protocols) {
    if (!kinds.has(p.protocol)) ids.push(p.protocol);
    kinds.set(p.protocol, p.kind);
  }
  for (const m of e.models) {
    if (!kinds.has(m.protocol)) {
      ids.push(m.protocol);
      kinds.set(m.protocol, m.kind);
    }
  }
  const byProtocol = new Map<string, Figure[]>(ids.map((id) => [id, []]));
  const otherFigures: Figure[] = [];
  for (const f of input.figures) {
    const p = figureProtocol(f.id, ids);
    (p === null ? otherFigures : byProtocol.get(p)!).push(f);
  }
  const protocols = ids.map((protocol) => ({
    protocol,
    kind: kinds.get(protocol)!,
    summary: e.protocols.find((p) => p.protocol === protocol) ?? null,
    models: e.models.filter((m) => m.protocol === protocol),
    figures: byProtocol.get(protocol)!,
  }));
  return { protocols, otherFigures };
}

/** The class names of the data table: the evaluation's classes, then any other count's key. */
export function dataClasses(input: ReportInput): string[] {
  const classes = [...input.evaluation.classes];
  for (const d of input.data) {
    for (const k of Object.keys(d.perClass)) if (!classes.includes(k)) classes.push(k);
  }
  return classes;
}

/** `s01, s02, s03 … and 12 more` (at most `max` names). */
export function listSome(items: readonly string[], max = 12): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} … and ${items.length - max} more`;
}
