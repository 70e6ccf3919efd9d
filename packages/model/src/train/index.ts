// Training, inference and transfer of the models on the streaming sample index.
export * from './trainer.js';
export * from './predict.js';
export * from './history.js';
export * from './transfer.js';
export { readCheckpointState } from './checkpoint.js';
export type { CheckpointState } from './checkpoint.js';
export { weightedCrossEntropy } from './losses.js';
export * from './schedule.js';
export * from './predictor.js';
export { FACE_AUGMENTATION, augmentFaces, augmentationRng } from './augment.js';
export type { FaceAugmentation } from './augment.js';
