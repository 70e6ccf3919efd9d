/**
 * Label mapping for image-folder data sets: a data set's own labels → our five classes
 * (`EMOTIONS`), or null for a label that is left out on purpose. A label that the mapping does
 * not name at all is "unknown": it is left out too, and reported as such.
 */
import { EMOTIONS } from '@emo/datasets';
import type { Emotion } from '@emo/datasets';

/** A data set's label (compared trimmed and case-insensitively) → one of our classes, or null. */
export type ImageLabelMap = Readonly<Record<string, Emotion | null>>;

/**
 * FER2013's seven labels. Disgust and surprise have no counterpart among our five classes and
 * are left out (counted in `leftOut`), not forced into a neighbour.
 */
export const FER2013_LABEL_MAP: ImageLabelMap = {
  angry: 'angry',
  disgust: null,
  fear: 'fear',
  happy: 'happy',
  neutral: 'neutral',
  sad: 'sad',
  surprise: null,
};

/**
 * Other names for the same emotions, as image data sets spell their folders: adjectives, nouns
 * and the like (fearful, happiness, sadness, anger…). Disgust, surprise and contempt are left
 * out like FER2013's disgust and surprise.
 */
export const EMOTION_LABEL_ALIASES: ImageLabelMap = {
  happiness: 'happy',
  joy: 'happy',
  sadness: 'sad',
  anger: 'angry',
  fearful: 'fear',
  afraid: 'fear',
  scared: 'fear',
  disgusted: null,
  surprised: null,
  contempt: null,
};

/** The mapping used when none is given: FER2013's seven labels and their aliases. */
export const DEFAULT_IMAGE_LABEL_MAP: ImageLabelMap = {
  ...FER2013_LABEL_MAP,
  ...EMOTION_LABEL_ALIASES,
};

/**
 * FER2013's numeric codes as in the Kaggle `fer2013.csv` `emotion` column (0 Angry, 1 Disgust,
 * 2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral); pass it as `labelMap` for such a CSV.
 */
export const FER2013_NUMERIC_LABEL_MAP: ImageLabelMap = {
  '0': 'angry',
  '1': null,
  '2': 'fear',
  '3': 'happy',
  '4': 'sad',
  '5': null,
  '6': 'neutral',
};

/** Labels are compared trimmed and lower-cased ('Happy ' = 'happy'). */
export function normaliseLabel(label: string): string {
  return label.trim().toLowerCase();
}

export type LabelVerdict =
  | { readonly kind: 'class'; readonly emotion: Emotion }
  | { readonly kind: 'excluded' }
  | { readonly kind: 'unknown' };

export interface ResolvedLabelMap {
  readonly lookup: (label: string) => LabelVerdict;
  /** 'angry→angry, disgust→(left out), …' in the mapping's key order. */
  readonly description: string;
  /** The mapping with normalised keys, as written into the shard's parameters. */
  readonly entries: Readonly<Record<string, Emotion | null>>;
}

/** Checks a mapping (every value one of `EMOTIONS` or null; no key twice after normalising). */
export function resolveImageLabelMap(
  map: ImageLabelMap = DEFAULT_IMAGE_LABEL_MAP,
): ResolvedLabelMap {
  const entries: Record<string, Emotion | null> = {};
  for (const [key, value] of Object.entries(map)) {
    const k = normaliseLabel(key);
    if (k === '') throw new Error(`labelMap: an empty label is not allowed`);
    if (value !== null && !(EMOTIONS as readonly string[]).includes(value)) {
      throw new Error(
        `labelMap: '${key}' → '${String(value)}' is not one of ${EMOTIONS.join(', ')} (or null to leave it out)`,
      );
    }
    if (Object.prototype.hasOwnProperty.call(entries, k) && entries[k] !== value) {
      throw new Error(`labelMap: '${k}' is mapped twice, to ${entries[k]} and ${value}`);
    }
    entries[k] = value;
  }
  const lookup = (label: string): LabelVerdict => {
    const k = normaliseLabel(label);
    if (!Object.prototype.hasOwnProperty.call(entries, k)) return { kind: 'unknown' };
    const e = entries[k];
    return e === null ? { kind: 'excluded' } : { kind: 'class', emotion: e };
  };
  const description = Object.entries(entries)
    .map(([k, v]) => `${k}→${v ?? '(left out)'}`)
    .join(', ');
  return { lookup, description, entries };
}
