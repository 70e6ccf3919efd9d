export { renderSvg } from './render.js';
export {
  confusionHeatmapSpec,
  errorShareSpec,
  MODEL_NAMES,
  modelComparisonSpec,
  modelName,
  perClassMetricsSpec,
  protocolComparisonSpec,
  rocCurvesSpec,
  trainingCurvesSpec,
} from './specs.js';
export { figuresFor, protocolLabel } from './figures.js';
