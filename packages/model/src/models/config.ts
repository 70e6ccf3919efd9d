/**
 * The architecture of the hybrid CNN-LSTM and its baselines as one plain, JSON-serialisable
 * object: defaults as the study describes (§3.2–3.3), every field validated with a clear error.
 *
 * The sizes of the inputs and the output are not part of it: they are the data's (a
 * {@link ModelShape}, read from the shards' metadata through the sample index, see shape.ts),
 * so a model always fits the windows and faces it is trained on.
 */
import type { InputName } from '@emo/samples';

/**
 * The networks: the fused hybrid, the two unimodal baselines, and the classical baseline the
 * literature always shows: a multinomial logistic regression on the window features (HRV + EDA:
 * `logreg`, physiological like the published peripheral-signal baselines) or on those and
 * simple face statistics (`logregFaces`: @emo/samples' `faceStats`, region means of the crops).
 */
export const MODEL_KINDS = ['hybrid', 'cnnOnly', 'rnnOnly', 'logreg', 'logregFaces'] as const;

/** Which network: the fused hybrid, a unimodal baseline, or a logistic regression. */
export type ModelKind = (typeof MODEL_KINDS)[number];

export interface ModelConfig {
  /** Seed of every initialiser and dropout mask (an unsigned 32-bit integer). */
  readonly seed: number;

  // Face branch: `convLayers` × (Conv2D 'same' + ReLU + MaxPool 2×2), then global pooling.
  readonly convLayers: number;
  /** Filters per conv layer: a number is the first layer's, doubled at each further layer. */
  readonly filters: number | readonly number[];
  readonly kernelSize: number;
  /**
   * How the last feature map becomes the face embedding: global average or max pooling, or
   * 'flatten' (keeps where on the face a feature is; far more head weights).
   */
  readonly facePooling: 'avg' | 'max' | 'flatten';
  /**
   * Batch normalisation after every face conv layer (Conv2D → BatchNorm → ReLU). Off by default
   * (the study does not name it). With the default head alone it does not learn: the normalised
   * features it flattens are about 80 times larger than without it, and after two epochs 98 %
   * of the head's first dense units never fire (the same in PyTorch, packages/model/README.md).
   * Use it with {@link headBatchNorm}.
   */
  readonly faceBatchNorm: boolean;

  // Physiological branch: `physioConvLayers` × (Conv1D 'same' + ReLU + MaxPool1D), then LSTMs.
  readonly physioConvLayers: number;
  /** Filters per Conv1D layer: a number is the first layer's, doubled at each further layer. */
  readonly physioFilters: number | readonly number[];
  readonly physioKernelSize: number;
  /** Stride of every Conv1D layer. */
  readonly physioStride: number;
  /** Max-pooling size (and stride) after every Conv1D layer; 1 for none. */
  readonly physioPoolSize: number;
  readonly lstmLayers: number;
  readonly lstmUnits: number;

  // Fusion head: [embeddings (+ standardised features)] → Dense+ReLU+Dropout per entry → softmax.
  /** Concatenate the window features vector at fusion (hybrid and RNN-only; never CNN-only). */
  readonly useFeatures: boolean;
  /**
   * How the window features are scaled before the model's own standardisation: 'subject' (the
   * default) z-scores each feature within each subject first, over all of that subject's
   * windows (no label is used; the AMIGOS authors normalise per participant too), 'train' leaves
   * them raw (the model standardises them by the training samples' mean and SD alone). Where
   * people differ in baseline heart rate or skin conductance, per-subject scaling keeps a
   * subject-independent model from learning who someone is instead of how they feel: on the
   * synthetic corpus, subject-independent, it lifts the logistic regression's accuracy from
   * 0.338 to 0.398, the RNN-only's with features from 0.396 to 0.478 and the hybrid's macro F1
   * with features from 0.403 to 0.481 (packages/model README).
   */
  readonly featureNorm: 'train' | 'subject';
  readonly denseUnits: readonly number[];
  /**
   * Batch normalisation after every dense layer of the head (Dense → BatchNorm → ReLU →
   * Dropout): keeps its units alive behind a batch-normalised face branch. Off by default.
   */
  readonly headBatchNorm: boolean;
  /** Dropout rate after every dense layer of the head, in [0, 1). */
  readonly dropout: number;
  /** Adam's learning rate. */
  readonly learningRate: number;
}

/** The face branch's fields: what a pretrained face branch fixes in a model it starts. */
export const FACE_BRANCH_FIELDS = [
  'convLayers',
  'filters',
  'kernelSize',
  'facePooling',
  'faceBatchNorm',
] as const satisfies readonly (keyof ModelConfig)[];

export const DEFAULT_MODEL_CONFIG: ModelConfig = Object.freeze({
  seed: 0,
  convLayers: 3,
  filters: 32,
  kernelSize: 3,
  facePooling: 'flatten',
  physioConvLayers: 2,
  physioFilters: 32,
  physioKernelSize: 5,
  physioStride: 1,
  physioPoolSize: 2,
  lstmLayers: 1,
  lstmUnits: 64,
  faceBatchNorm: false,
  useFeatures: false,
  featureNorm: 'subject',
  denseUnits: Object.freeze([128]),
  headBatchNorm: false,
  dropout: 0.5,
  learningRate: 0.001,
});

/** A bad model configuration; `key` is the offending field (or null for the whole object). */
export class ModelConfigError extends Error {
  constructor(
    readonly key: string | null,
    message: string,
  ) {
    super(`model config: ${message}`);
    this.name = 'ModelConfigError';
  }
}

const KEYS = Object.keys(DEFAULT_MODEL_CONFIG) as (keyof ModelConfig)[];

/** The sizes a model takes from its data ({@link ModelShape}), refused as config keys. */
const SHAPE_KEYS = [
  'imageSize',
  'frames',
  'seqLength',
  'channels',
  'numFeatures',
  'numClasses',
] as const;

/** Integer fields and their smallest allowed value. */
const INTEGERS: Partial<Record<keyof ModelConfig, number>> = {
  convLayers: 1,
  kernelSize: 1,
  physioConvLayers: 0,
  physioKernelSize: 1,
  physioStride: 1,
  physioPoolSize: 1,
  lstmLayers: 1,
  lstmUnits: 1,
};

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (typeof v === 'number' || typeof v === 'boolean' || v == null) return String(v);
  return typeof v;
}

function closest(key: string): string | null {
  const dist = (a: string, b: string): number => {
    const d = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = d[0];
      d[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const t = d[j];
        d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = t;
      }
    }
    return d[b.length];
  };
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of KEYS) {
    const d = dist(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= 3 ? best : null;
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

function checkFilters(key: 'filters' | 'physioFilters', v: unknown, layers: number): void {
  if (typeof v === 'number') {
    if (!isPositiveInt(v)) {
      throw new ModelConfigError(key, `${key} must be a positive integer, got ${describe(v)}`);
    }
    return;
  }
  if (!Array.isArray(v) || !v.every(isPositiveInt)) {
    throw new ModelConfigError(
      key,
      `${key} must be a positive integer or an array of them, got ${describe(v)}`,
    );
  }
  if (v.length !== layers) {
    const layersKey = key === 'filters' ? 'convLayers' : 'physioConvLayers';
    throw new ModelConfigError(
      key,
      `${key} lists ${v.length} filter counts but ${layersKey} is ${layers}; give one per ` +
        `layer, or a single number (doubled at each layer)`,
    );
  }
}

/** Filter count of every layer of a stack. */
export function filtersPerLayer(filters: number | readonly number[], layers: number): number[] {
  if (typeof filters !== 'number') return [...filters];
  return Array.from({ length: layers }, (_, i) => filters * 2 ** i);
}

/**
 * The defaults overlaid with `partial`, validated. Unknown keys (with a suggestion), input sizes
 * (they come from the data), wrong types and out-of-range values are refused with a
 * {@link ModelConfigError} naming the field. Whether the architecture fits the data's sizes is
 * checked against a {@link ModelShape} by `checkArchitecture` (shape.ts).
 */
export function resolveModelConfig(partial: Partial<ModelConfig> = {}): ModelConfig {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw new ModelConfigError(null, `expected an object, got ${describe(partial)}`);
  }
  for (const key of Object.keys(partial)) {
    if ((SHAPE_KEYS as readonly string[]).includes(key)) {
      throw new ModelConfigError(
        key,
        `'${key}' is not a model setting: input and output sizes come from the data (the shards the model is trained on)`,
      );
    }
    if (!(KEYS as string[]).includes(key)) {
      const hint = closest(key);
      throw new ModelConfigError(
        key,
        `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; known keys: ${KEYS.join(', ')}`,
      );
    }
  }
  const defined = Object.fromEntries(
    Object.entries(partial).filter(([, v]) => v !== undefined),
  ) as Partial<ModelConfig>;
  const cfg: ModelConfig = { ...DEFAULT_MODEL_CONFIG, ...defined };

  if (
    typeof cfg.seed !== 'number' ||
    !Number.isInteger(cfg.seed) ||
    cfg.seed < 0 ||
    cfg.seed > 0xffffffff
  ) {
    throw new ModelConfigError(
      'seed',
      `seed must be an integer in [0, 2^32 - 1], got ${describe(cfg.seed)}`,
    );
  }
  for (const [key, min] of Object.entries(INTEGERS) as [keyof ModelConfig, number][]) {
    const v = cfg[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new ModelConfigError(key, `${key} must be an integer ≥ ${min}, got ${describe(v)}`);
    }
  }
  checkFilters('filters', cfg.filters, cfg.convLayers);
  if (cfg.physioConvLayers > 0)
    checkFilters('physioFilters', cfg.physioFilters, cfg.physioConvLayers);
  if (!['avg', 'max', 'flatten'].includes(cfg.facePooling)) {
    throw new ModelConfigError(
      'facePooling',
      `facePooling must be 'avg', 'max' or 'flatten', got ${describe(cfg.facePooling)}`,
    );
  }
  for (const key of ['faceBatchNorm', 'headBatchNorm'] as const) {
    if (typeof cfg[key] !== 'boolean') {
      throw new ModelConfigError(key, `${key} must be true or false, got ${describe(cfg[key])}`);
    }
  }
  if (cfg.featureNorm !== 'train' && cfg.featureNorm !== 'subject') {
    throw new ModelConfigError(
      'featureNorm',
      `featureNorm must be 'train' or 'subject', got ${describe(cfg.featureNorm)}`,
    );
  }
  if (typeof cfg.useFeatures !== 'boolean') {
    throw new ModelConfigError(
      'useFeatures',
      `useFeatures must be true or false, got ${describe(cfg.useFeatures)}`,
    );
  }
  if (!Array.isArray(cfg.denseUnits) || !cfg.denseUnits.every(isPositiveInt)) {
    throw new ModelConfigError(
      'denseUnits',
      `denseUnits must be an array of positive integers (possibly empty), got ${describe(cfg.denseUnits)}`,
    );
  }
  if (
    typeof cfg.dropout !== 'number' ||
    !Number.isFinite(cfg.dropout) ||
    cfg.dropout < 0 ||
    cfg.dropout >= 1
  ) {
    throw new ModelConfigError(
      'dropout',
      `dropout must be in [0, 1), got ${describe(cfg.dropout)}`,
    );
  }
  if (
    typeof cfg.learningRate !== 'number' ||
    !Number.isFinite(cfg.learningRate) ||
    cfg.learningRate <= 0
  ) {
    throw new ModelConfigError(
      'learningRate',
      `learningRate must be a positive number, got ${describe(cfg.learningRate)}`,
    );
  }
  return cfg;
}

/** The logistic regressions: their inputs go straight into the softmax (no hidden layer). */
export const isLogisticRegression = (kind: ModelKind): boolean =>
  kind === 'logreg' || kind === 'logregFaces';

/**
 * The inputs a model of this kind takes, in order (features only with physiology; the logistic
 * regressions take the features, and the face statistics, whatever `useFeatures` says).
 */
export function modelInputs(kind: ModelKind, cfg: ModelConfig): InputName[] {
  if (kind === 'logreg') return ['features'];
  if (kind === 'logregFaces') return ['features', 'faceStats'];
  const withFeatures = cfg.useFeatures && kind !== 'cnnOnly';
  const names: InputName[] = [];
  if (kind !== 'rnnOnly') names.push('face');
  if (kind !== 'cnnOnly') names.push('physio');
  if (withFeatures) names.push('features');
  return names;
}
