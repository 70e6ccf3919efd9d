// The report's figures: vega-lite specs (specs.ts), rendered to SVG in Node (render.ts), and
// every figure of an evaluation at once (figures.ts).
export { deterministicIds, renderSvg } from './render.js';
export type { RenderOptions } from './render.js';
export {
  confusionHeatmapSpec,
  errorShareSpec,
  modelComparisonSpec,
  perClassMetricsSpec,
  perSubjectSpec,
  protocolComparisonSpec,
  rocCurvesSpec,
  rocLabel,
  trainingCurvesSpec,
} from './specs.js';
export type {
  ChanceOption,
  ErrorShareRow,
  ModelScoreRow,
  ProtocolComparisonOptions,
  ProtocolScoreRow,
  SubjectScoreRow,
  TrainingCurveRow,
} from './specs.js';
export { MODEL_NAMES, modelName } from './style.js';
export { figuresFor, PER_SUBJECT_FIGURE, protocolLabel, safeId } from './figures.js';
export type { FiguresOptions } from './figures.js';
