export {
  classificationMetrics,
  confusionMatrix,
  metricsFromConfusion,
  summaryOfConfusion,
} from './classification.js';
export { ovrRoc, rocCurve } from './roc.js';
export { bootstrapIntervals, percentile } from './bootstrap.js';
export type { BootstrapInput, BootstrapIntervals } from './bootstrap.js';
export { chiSquare1Sf, mcnemar } from './mcnemar.js';
