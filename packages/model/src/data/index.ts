// Streaming training data: the sample index over subjects' windows/faces shards, bounded-memory
// (shuffled) batches in the models' input layout, class weights, and split artefacts.
export { IMAGE_TRIAL, sampleId } from './keys.js';
export type { SampleKey } from './keys.js';
export { defaultShardReader } from './reader.js';
export type { ShardReader } from './reader.js';
export { UNLABELLED, indexSamples } from './sample-index.js';
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
export { randomSplit, readSplit, subjectHoldoutSplit, writeSplit } from './split.js';
export type {
  LabelledKey,
  RandomSplitOptions,
  SplitArtifact,
  SplitFold,
  SubjectHoldoutOptions,
} from './split.js';
