// Public API of @emo/eval: split protocols and their leakage guard, metrics with confidence
// intervals and paired tests, the evaluation of a run, figures (SVG) and the report (HTML,
// Markdown). See README.md.
export type * from './types.js';
export { evaluationSchema, protocolKindSchema, protocolSummarySchema } from './schemas.js';
export * from './splits/index.js';
export * from './metrics/index.js';
export { BOOTSTRAP_DEFAULTS, FLOORS, evaluate } from './evaluate.js';
export type { EvaluateOptions, Floor, PredictionSet } from './evaluate.js';
export * from './figures/index.js';
export * from './report/index.js';
