/**
 * Renders a vega-lite spec to an SVG string in Node: vega-lite compiles it to vega, a headless
 * vega View (renderer 'none', no canvas, no network) draws it, and the SVG markup is returned.
 *
 * The output is deterministic: the same spec gives byte-identical SVG. Vega numbers its clip
 * paths and gradients with module-wide counters (`clip1`, `clip2`, … across every render of the
 * process), so the ids are rewritten after rendering: numbered in order of appearance and
 * prefixed with a hash of the figure, which also keeps them unique when several figures are
 * inlined into one HTML page (two inline SVGs that both define `#clip1` would clash).
 *
 * There is no canvas to measure text: widths come from Helvetica's character widths
 * (text-width.ts, installed into vega on the first render), so a label may be placed a few
 * pixels off where the viewer's font differs.
 *
 * vega and vega-lite take about 0.3 s to load: they are loaded by the first render, not by
 * importing @emo/eval, so that the commands of `emo` that render no figure (plan, status, the
 * single-purpose tools) start without them.
 */
import { createHash } from 'node:crypto';
import type { LoggerInterface, View } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { installTextWidth } from './text-width.js';

type Vega = typeof import('vega');

/** vega and vega-lite, loaded once, by the first render. */
let renderer: Promise<{ vega: Vega; compile: typeof import('vega-lite').compile }> | undefined;
const loadRenderer = () =>
  (renderer ??= (async () => {
    // One after the other: jest's ESM loader fails on two graphs that share modules at once.
    const vega = await import('vega');
    const { compile } = await import('vega-lite');
    installTextWidth(vega);
    return { vega, compile };
  })());

export interface RenderOptions {
  /**
   * Called with each warning of vega-lite or vega (e.g. an encoding it dropped). Default:
   * `console.warn`. Tests pass a collector and assert that there is none.
   */
  readonly onWarning?: (message: string) => void;
  /** Prefix of the SVG's element ids; default: `v` and a hash of the SVG. */
  readonly idPrefix?: string;
}

/** Renders a vega-lite spec to SVG markup (a string starting with `<svg`). */
export async function renderSvg(spec: TopLevelSpec, opts: RenderOptions = {}): Promise<string> {
  const warn = opts.onWarning ?? ((message: string) => console.warn(`figures: ${message}`));
  const { vega, compile } = await loadRenderer();
  const log = warningLogger(vega, warn);
  let view: View | undefined;
  try {
    const compiled = compile(spec, { logger: log }).spec;
    view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: log });
    const svg = await view.toSVG();
    return deterministicIds(svg, opts.idPrefix);
  } catch (e) {
    const title = titleOf(spec);
    throw new Error(`could not render the figure${title ? ` "${title}"` : ''}: ${String(e)}`, {
      cause: e,
    });
  } finally {
    view?.finalize();
  }
}

/** A vega logger that hands warnings and errors to `warn` as one string each. */
function warningLogger(vega: Vega, warn: (message: string) => void): LoggerInterface {
  return vega.logger(vega.Warn, undefined, (_method, level, args) => {
    warn(`${level} ${args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')}`);
  });
}

function titleOf(spec: TopLevelSpec): string | undefined {
  const title = 'title' in spec ? spec.title : undefined;
  if (typeof title === 'string') return title;
  if (Array.isArray(title)) return title.join(' ');
  if (title && typeof title === 'object' && 'text' in title) {
    const text = title.text;
    return Array.isArray(text) ? text.join(' ') : String(text);
  }
  return undefined;
}

/**
 * Renames every `id="…"` of the SVG (vega's clip paths and gradients) to `<prefix><n>`, n in
 * order of first appearance, and its references (`url(#…)`, `href="#…"`) with it.
 */
export function deterministicIds(svg: string, idPrefix?: string): string {
  const ids = [...new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]))];
  if (ids.length === 0) return svg;
  const numbered = renameIds(svg, ids, (i) => `__id${i + 1}__`);
  const prefix = idPrefix ?? `v${createHash('sha256').update(numbered).digest('hex').slice(0, 8)}-`;
  return numbered.replace(/__id(\d+)__/g, (_m, n: string) => `${prefix}${n}`);
}

function renameIds(svg: string, ids: readonly string[], name: (i: number) => string): string {
  const next = new Map(ids.map((id, i) => [id, name(i)]));
  const rename = (id: string) => next.get(id) ?? id;
  return svg
    .replace(/(\s)id="([^"]+)"/g, (_m, sp: string, id: string) => `${sp}id="${rename(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${rename(id)})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${rename(id)}"`);
}
