// Public API of @emo/datasets.
export * from './errors.js';
export * from './ndarray.js';
export * from './emotions.js';
export * from './labels.js';
export * from './tasks.js';
export type * from './mat/types.js';
export { readPickle } from './pickle/index.js';
export type { PickleValue } from './pickle/index.js';
export { writeDeapPickle } from './pickle/index.js';
export { readMat, writeMat5 } from './mat/index.js';
export * from './deap.js';
export * from './amigos.js';
export * from './convert.js';
export * from './gaps.js';
export * from './shards/arrow.js';
export * from './shards/recordings.js';
export * from './shards/windows.js';
export * from './shards/faces.js';
export * from './shards/predictions.js';
export { SYNTH_DATASETS, SYNTH_DEFAULTS, writeSyntheticCorpus } from './synth/corpus.js';
export type {
  SynthDataset,
  SyntheticCorpusOptions,
  SyntheticCorpusResult,
  SyntheticTrialTruth,
} from './synth/corpus.js';
export { SYNTH_PRESETS, SYNTH_PRESET_NAMES, isSynthPresetName } from './synth/presets.js';
export type { SynthPreset, SynthPresetName, SynthVideoSpec } from './synth/presets.js';
