/**
 * Text widths for vega without a canvas. Vega lays out titles, legends and axis labels with
 * the width of their text; in Node without node-canvas it estimates 0.8 em per character,
 * about 1.5 times the real width of Helvetica/Arial text, which leaves wide empty margins
 * (a long subtitle made an 870 px wide figure of a 560 px chart) and truncates labels early.
 *
 * `installTextWidth` replaces vega's estimate with one from Helvetica's character widths
 * (Adobe's AFM metrics, which Arial shares), bold 7 % wider. It uses the hook vega keeps for
 * that (`textMetrics.width`, which vl-convert also sets); vega re-exports it from
 * vega-scenegraph at run time but its typings do not declare it, hence the guarded lookup.
 * Deterministic: a pure function of the text, font size and weight.
 */

/** Helvetica advance widths of ASCII 32..126, in thousandths of an em. */
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
  556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
  611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
  667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
  222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
/** A few characters beyond ASCII that the figures print. */
const OTHER: Readonly<Record<string, number>> = {
  '·': 278,
  '—': 1000,
  '–': 556,
  '’': 222,
  '×': 584,
  '…': 1000,
  '−': 584,
};
const DEFAULT_WIDTH = 556;
const BOLD = 1.07;

/** The part of a vega text item the width depends on. */
interface TextItem {
  readonly text?: unknown;
  readonly fontSize?: number;
  readonly fontWeight?: string | number;
  readonly limit?: number;
}

type WidthFunction = (item: TextItem, text?: unknown) => number;

interface TextMetrics {
  width: WidthFunction;
}

/** Width in pixels of `text` in Helvetica at `fontSize`, bold or not. */
export function helveticaWidth(text: string, fontSize: number, bold = false): number {
  let units = 0;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    units += code >= 32 && code <= 126 ? HELVETICA[code - 32] : (OTHER[ch] ?? DEFAULT_WIDTH);
  }
  return (units / 1000) * fontSize * (bold ? BOLD : 1);
}

const isBold = (w: string | number | undefined): boolean =>
  w === 'bold' || w === 'bolder' || (typeof w === 'number' && w >= 600) || Number(w) >= 600;

/** Vega's `textMetrics.width`: one line of an item's text (truncated items fit their limit). */
const itemWidth: WidthFunction = (item, text) => {
  const line = String(text ?? item.text ?? '').trim();
  const width = helveticaWidth(line, item.fontSize ?? 11, isBold(item.fontWeight));
  return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
};

function vegaTextMetrics(vega: object): TextMetrics | undefined {
  const metrics: unknown = (vega as Record<string, unknown>)['textMetrics'];
  if (typeof metrics === 'object' && metrics !== null && 'width' in metrics) {
    return metrics as TextMetrics;
  }
  return undefined;
}

/**
 * Makes vega measure text with Helvetica's widths; returns false (vega keeps its estimate)
 * when this vega has no `textMetrics` hook. Idempotent.
 */
export function installTextWidth(vega: object): boolean {
  const metrics = vegaTextMetrics(vega);
  if (!metrics) return false;
  metrics.width = itemWidth;
  return true;
}
