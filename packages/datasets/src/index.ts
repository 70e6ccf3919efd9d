// Public API of @emo/datasets.
export * from './errors.js';
export * from './ndarray.js';
export * from './rng.js';
export * from './emotions.js';
export type * from './mat/types.js';
