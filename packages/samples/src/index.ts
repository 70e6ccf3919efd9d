// Public API of @emo/samples: training samples over subjects' windows/faces shards without tfjs —
// sample keys, the sample index with its input sizes read from the shards, bounded-memory
// (shuffled) batches in the models' input layout, class counts and weights (see README.md).
export { IMAGE_TRIAL, sampleId } from './keys.js';
export type { SampleKey } from './keys.js';
export {
  FACE_STATS_GRID,
  INPUT_NAMES,
  faceRegionMeans,
  faceStatsSize,
  readsFaces,
  readsWindows,
  writeFaceInput,
} from './inputs.js';
export type { InputName } from './inputs.js';
export { defaultShardReader } from './reader.js';
export type { ShardReader } from './reader.js';
export { UNLABELLED, faceShardsAsSubjects, indexSamples } from './sample-index.js';
export type {
  IndexOptions,
  SampleIndex,
  SampleIndexEntry,
  SkippedCounts,
  SubjectShards,
} from './sample-index.js';
export { inputSize } from './subject-data.js';
export { batches } from './batches.js';
export type { Batch, BatchOptions, StreamStats } from './batches.js';
export { classWeights, countByLabel } from './class-weights.js';
export { windowKeysOf } from './window-keys.js';
export type { SampleWindowKeys } from './window-keys.js';
