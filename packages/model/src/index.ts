// Public API of @emo/model: model builders (hybrid CNN-LSTM and its two baselines), their
// configuration and parameter summary, and saving/loading to a folder (see README.md).
export * from './models/index.js';
export * from './io/index.js';
export * from './backend/index.js';
export * from './train/index.js';
export * from './workers/index.js';
