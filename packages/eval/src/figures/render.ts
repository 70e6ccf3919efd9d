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
 */
import { createHash } from 'node:crypto';
import { logger, parse, View, Warn } from 'vega';
import type { LoggerInterface } from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { installTextWidth } from './text-width.js';

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
  const log = warningLogger(warn);
  installTextWidth();
  let view: View | undefined;
  try {
    const compiled = compile(spec, { logger: log }).spec;
    view = new View(parse(compiled), { renderer: 'none', logger: log });
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
function warningLogger(warn: (message: string) => void): LoggerInterface {
  return logger(Warn, undefined, (_method, level, args) => {
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
