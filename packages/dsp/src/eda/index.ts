// Electrodermal activity: units, quality checks, cleaning, tonic/phasic decomposition, SCRs and
// features. See README.md for the methods and their validation.
export { EdaError, EDA_MAX_FS, EDA_MIN_FS } from './errors.js';
export type { EdaProblem } from './errors.js';
export { checkEdaSignal, interpolateGaps } from './quality.js';
export type { EdaQuality, EdaQualityOptions, EdaSegment } from './quality.js';
export { guessEdaUnit, looksLikeResistance, resistanceToConductance } from './units.js';
export type { EdaUnitGuess, ResistanceOptions } from './units.js';
export { edaClean } from './clean.js';
export type { EdaCleanOptions } from './clean.js';
export { edaPhasic } from './phasic.js';
export type { EdaPhasicOptions, EdaPhasicResult } from './phasic.js';
export { edaPeaks } from './peaks.js';
export type { EdaPeaksOptions, EdaPeaksResult } from './peaks.js';
export { EDA_FEATURE_NAMES, EDA_FEATURE_UNITS, edaFeatures } from './features.js';
export type {
  EdaFeatureInput,
  EdaFeatureName,
  EdaFeatureOptions,
  EdaFeatureResult,
  EdaFeatures,
} from './features.js';
export { edaProcess } from './process.js';
export type { EdaProcessOptions, EdaProcessResult } from './process.js';
