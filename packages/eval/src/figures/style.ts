/**
 * What every figure shares: the models' display names and colours (the same model has the same
 * colour in every figure, whichever models a figure shows), the colour-blind-safe palettes
 * (Okabe & Ito, "Color Universal Design", 2008), the chart config and the title block.
 */
import type { Config, TopLevelSpec } from 'vega-lite';

import { modelName } from '../models.js';

export { MODEL_NAMES, modelName, orderModels } from '../models.js';

/** A sub-view of a concatenation (one panel). */
export type Panel = Extract<TopLevelSpec, { hconcat: unknown }>['hconcat'][number];
/** One layer of a layered view. */
export type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** Okabe–Ito colours, yellow left out (too pale on white). */
export const OKABE_ITO = {
  blue: '#0072B2',
  orange: '#E69F00',
  green: '#009E73',
  purple: '#CC79A7',
  vermillion: '#D55E00',
  skyBlue: '#56B4E9',
  black: '#000000',
} as const;

const MODEL_COLOURS: Readonly<Record<string, string>> = {
  hybrid: OKABE_ITO.blue,
  cnnOnly: OKABE_ITO.orange,
  rnnOnly: OKABE_ITO.green,
  logreg: OKABE_ITO.black,
  logregFaces: OKABE_ITO.purple,
};
/** Colours of models other than these five, in order of appearance. */
const OTHER_COLOURS = [OKABE_ITO.vermillion, OKABE_ITO.skyBlue];

/** Metric colours (precision, recall, F1): none of them is a colour of the study's models. */
export const METRIC_COLOURS = [OKABE_ITO.skyBlue, OKABE_ITO.vermillion, OKABE_ITO.purple];

/** Class colours (ROC curves), in class order. */
export const CLASS_COLOURS = [
  OKABE_ITO.blue,
  OKABE_ITO.orange,
  OKABE_ITO.green,
  OKABE_ITO.purple,
  OKABE_ITO.vermillion,
  OKABE_ITO.skyBlue,
  OKABE_ITO.black,
];

/** Colour scale over the display names of `models` (ids, already ordered). */
export function modelColourScale(models: readonly string[]): { domain: string[]; range: string[] } {
  let other = 0;
  const range = models.map(
    (m) => MODEL_COLOURS[m] ?? OTHER_COLOURS[other++ % OTHER_COLOURS.length],
  );
  return { domain: models.map(modelName), range };
}

/** Shared chart configuration: readable font sizes, white background, no view frame. */
export const CONFIG: Config = {
  background: 'white',
  padding: 8,
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: null },
  title: {
    anchor: 'start',
    fontSize: 15,
    subtitleFontSize: 12,
    subtitleColor: '#333333',
    subtitlePadding: 4,
    offset: 12,
  },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 220 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 0, titleFontWeight: 'normal' },
  header: { labelFontSize: 12, titleFontSize: 12 },
};

/** The title block: a title and one or more subtitle lines. */
export function titleBlock(
  text: string,
  subtitle: string | readonly string[],
): { text: string; subtitle: string | string[] } {
  return { text, subtitle: typeof subtitle === 'string' ? subtitle : [...subtitle] };
}

/** Throws when `rows` is empty: a figure of nothing is a bug of the caller. */
export function requireRows<T>(rows: readonly T[], what: string): void {
  if (rows.length === 0) throw new Error(`figures: ${what}: nothing to draw (no rows)`);
}

/** Throws when a per-class array does not have one entry per class. */
export function requireLength(actual: number, classes: readonly string[], what: string): void {
  if (actual !== classes.length) {
    throw new Error(
      `figures: ${what} has ${actual} entries for ${classes.length} classes (${classes.join(', ')})`,
    );
  }
}

/** Two decimals, as the figures print scores. */
export const fmt2 = (x: number): string => x.toFixed(2);
