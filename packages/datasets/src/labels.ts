/**
 * The five-class label mapping of the study (docs/DATASETS.md, "The five classes").
 * Neither DEAP nor AMIGOS has exactly happy/sad/angry/neutral/fear, so the mapping is ours,
 * configurable, and written into every shard and report.
 */
import type { Emotion } from './emotions.js';
import { EMOTIONS } from './emotions.js';

export interface LabelMappingConfig {
  /** Centre of the 1–9 rating scales. */
  readonly centre: number;
  /** |valence − centre| ≤ r and |arousal − centre| ≤ r → neutral. */
  readonly neutralRadius: number;
  /** Negative valence, high arousal: angry if dominance ≥ this, else fear. */
  readonly dominanceSplit: number;
  /** AMIGOS: use the basic-emotion checkboxes when exactly one of the five is ticked. */
  readonly useAmigosCheckboxes: boolean;
}

export const DEFAULT_LABEL_MAPPING: LabelMappingConfig = {
  centre: 5,
  neutralRadius: 1,
  dominanceSplit: 5,
  useAmigosCheckboxes: true,
};

export interface Ratings {
  readonly valence: number;
  readonly arousal: number;
  readonly dominance: number;
}

/** AMIGOS self-assessment checkboxes, in the file's order (columns 6–12 of labels_selfassessment). */
export interface AmigosEmotionFlags {
  readonly neutral: boolean;
  readonly disgust: boolean;
  readonly happiness: boolean;
  readonly surprise: boolean;
  readonly anger: boolean;
  readonly fear: boolean;
  readonly sadness: boolean;
}

export const AMIGOS_FLAG_NAMES = [
  'neutral',
  'disgust',
  'happiness',
  'surprise',
  'anger',
  'fear',
  'sadness',
] as const satisfies readonly (keyof AmigosEmotionFlags)[];

export type LabelSource = 'checkbox' | 'ratings';

export interface LabelDecision {
  readonly label: Emotion | null;
  readonly source: LabelSource | null;
  /** Why a trial is unlabelled (null when labelled). */
  readonly reason: string | null;
}

export function resolveLabelMapping(partial: Partial<LabelMappingConfig> = {}): LabelMappingConfig {
  const cfg = { ...DEFAULT_LABEL_MAPPING, ...partial };
  for (const key of ['centre', 'neutralRadius', 'dominanceSplit'] as const) {
    if (!Number.isFinite(cfg[key])) {
      throw new RangeError(`label mapping: ${key} must be a finite number, got ${cfg[key]}`);
    }
  }
  if (cfg.neutralRadius < 0) throw new RangeError('label mapping: neutralRadius must be ≥ 0');
  return cfg;
}

/** The rating rule (DEAP always, AMIGOS fallback). */
export function labelFromRatings(
  r: Ratings,
  cfg: LabelMappingConfig = DEFAULT_LABEL_MAPPING,
): LabelDecision {
  const { valence: v, arousal: a, dominance: d } = r;
  if (![v, a, d].every(Number.isFinite)) {
    return { label: null, source: null, reason: 'missing or non-finite rating' };
  }
  const c = cfg.centre;
  let label: Emotion | null = null;
  if (Math.abs(v - c) <= cfg.neutralRadius && Math.abs(a - c) <= cfg.neutralRadius)
    label = 'neutral';
  else if (v > c && a > c) label = 'happy';
  else if (v < c && a < c) label = 'sad';
  else if (v < c && a > c) label = d >= cfg.dominanceSplit ? 'angry' : 'fear';
  if (label === null) {
    return {
      label: null,
      source: null,
      reason: `no class for valence ${v}, arousal ${a} (e.g. calm)`,
    };
  }
  return { label, source: 'ratings', reason: null };
}

const FLAG_TO_CLASS: Partial<Record<keyof AmigosEmotionFlags, Emotion>> = {
  neutral: 'neutral',
  happiness: 'happy',
  sadness: 'sad',
  anger: 'angry',
  fear: 'fear',
};

/**
 * AMIGOS: the checkboxes when exactly one of {neutral, happiness, sadness, anger, fear} is ticked
 * and disgust and surprise are not; otherwise the rating rule.
 */
export function labelAmigos(
  flags: AmigosEmotionFlags | null,
  r: Ratings,
  cfg: LabelMappingConfig = DEFAULT_LABEL_MAPPING,
): LabelDecision {
  if (cfg.useAmigosCheckboxes && flags) {
    const ticked = AMIGOS_FLAG_NAMES.filter((n) => flags[n] && FLAG_TO_CLASS[n]);
    if (ticked.length === 1 && !flags.disgust && !flags.surprise) {
      return { label: FLAG_TO_CLASS[ticked[0]] as Emotion, source: 'checkbox', reason: null };
    }
  }
  return labelFromRatings(r, cfg);
}

/** Counts of labelled trials per class and of unlabelled ones, for reports. */
export interface LabelCounts {
  labelled: number;
  unlabelled: number;
  perClass: Record<Emotion, number>;
  bySource: Record<LabelSource, number>;
}

export function emptyLabelCounts(): LabelCounts {
  return {
    labelled: 0,
    unlabelled: 0,
    perClass: Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<Emotion, number>,
    bySource: { checkbox: 0, ratings: 0 },
  };
}

export function countLabel(counts: LabelCounts, d: LabelDecision): void {
  if (d.label === null || d.source === null) {
    counts.unlabelled++;
    return;
  }
  counts.labelled++;
  counts.perClass[d.label]++;
  counts.bySource[d.source]++;
}

export function addLabelCounts(into: LabelCounts, from: LabelCounts): void {
  into.labelled += from.labelled;
  into.unlabelled += from.unlabelled;
  for (const e of EMOTIONS) into.perClass[e] += from.perClass[e];
  into.bySource.checkbox += from.bySource.checkbox;
  into.bySource.ratings += from.bySource.ratings;
}

/** The mapping in words, for shard metadata and reports. */
export function describeLabelMapping(cfg: LabelMappingConfig): string {
  const c = cfg.centre;
  const r = cfg.neutralRadius;
  return [
    cfg.useAmigosCheckboxes
      ? 'AMIGOS: the basic-emotion checkbox when exactly one of neutral/happiness/sadness/anger/fear is ticked and disgust and surprise are not; otherwise the rating rule.'
      : 'AMIGOS: the rating rule (checkboxes ignored).',
    `Rating rule (1–9 scales, centre ${c}): |valence−${c}| ≤ ${r} and |arousal−${c}| ≤ ${r} → neutral;`,
    `valence > ${c}, arousal > ${c} → happy; valence < ${c}, arousal < ${c} → sad;`,
    `valence < ${c}, arousal > ${c} → angry if dominance ≥ ${cfg.dominanceSplit}, else fear; anything else unlabelled.`,
  ].join(' ');
}
