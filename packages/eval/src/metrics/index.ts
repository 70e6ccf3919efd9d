// Metrics of @emo/eval: classification metrics, ROC curves, bootstrap intervals and McNemar's
// test, each checked against scikit-learn or scipy (metrics.test.ts).
export {
  accuracyOf,
  balancedAccuracyOf,
  classificationMetrics,
  confusionMatrix,
  kappaOf,
  macroF1Of,
  metricsFromConfusion,
} from './classification.js';
export type { ConfusionStatistic } from './classification.js';
export { ovrRoc, rocCurve } from './roc.js';
export { binaryMetrics } from './binary.js';
export { bootstrapIntervals, DEFAULT_STATISTICS, percentile } from './bootstrap.js';
export type { BootstrapInput, BootstrapIntervals } from './bootstrap.js';
export { binomialHalfCdf, chiSquare1Sf, erfc, mcnemar } from './mcnemar.js';
