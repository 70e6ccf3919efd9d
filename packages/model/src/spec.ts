// The tfjs-free part of @emo/model (`@emo/model/spec`): what a model is, as data — the
// architecture config and its validation, the data's shape a model is sized by, a saved model's
// signature read from its model.json and the checks that it fits data, grid trials, and the
// training schedules' defaults, and where the kernels entry point is (for other processes to
// import). The pipeline's config schema and `emo plan` use it without loading TensorFlow;
// `@emo/model` exports all of it too.
export * from './models/config.js';
export * from './models/shape.js';
export * from './models/signature.js';
export * from './models/grid.js';
export * from './train/schedule.js';
export { kernelsModuleUrl } from './backend/native-kernels/index.js';
