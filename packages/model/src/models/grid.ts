/**
 * The trials of a grid search over model config fields (what `train.grid` lists): plain data,
 * checked in `emo plan` before anything trains; `workers/grid.ts` trains them.
 */
import type { ModelConfig, ModelKind } from './config.js';
import { FACE_BRANCH_FIELDS } from './config.js';

/** Candidate values per config field, e.g. { convLayers: [2, 3], lstmUnits: [32, 64] }. */
export type Grid = Readonly<Partial<Record<keyof ModelConfig, readonly unknown[]>>>;

/** The physiological branch's fields (the face branch's: FACE_BRANCH_FIELDS). */
const PHYSIO_FIELDS = [
  'physioConvLayers',
  'physioFilters',
  'physioKernelSize',
  'physioStride',
  'physioPoolSize',
  'lstmLayers',
  'lstmUnits',
] as const;

/** What the logistic regressions do not use: the features go straight into the softmax. */
const NOT_IN_LOGREG = [
  ...FACE_BRANCH_FIELDS,
  ...PHYSIO_FIELDS,
  'useFeatures',
  'denseUnits',
  'headBatchNorm',
  'dropout',
] as const;

/** Fields a model kind does not use: grid values over them would train identical models. */
const UNUSED: Record<ModelKind, readonly (keyof ModelConfig)[]> = {
  hybrid: [],
  cnnOnly: ['useFeatures', 'featureNorm', ...PHYSIO_FIELDS],
  rnnOnly: [...FACE_BRANCH_FIELDS],
  logreg: NOT_IN_LOGREG,
  logregFaces: NOT_IN_LOGREG,
};

/**
 * The trials of a grid for a model kind: the cartesian product (fields in the grid's order),
 * leaving out fields the kind does not use. Each trial is the set of overridden fields.
 */
export function gridTrials(kind: ModelKind, grid: Grid): Partial<ModelConfig>[] {
  let trials: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    if (UNUSED[kind].includes(key as keyof ModelConfig)) continue;
    if (!Array.isArray(values) || values.length === 0) {
      throw new Error(`grid: '${key}' needs a non-empty list of values`);
    }
    trials = trials.flatMap((t) => values.map((v: unknown) => ({ ...t, [key]: v })));
  }
  return trials as Partial<ModelConfig>[];
}
