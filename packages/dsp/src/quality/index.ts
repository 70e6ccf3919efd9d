// Signal quality of ECG and PPG: usable and excluded spans (Orphanidou et al. 2015, plus kurtosis).
export { QUALITY_DEFAULTS, signalQuality } from './quality.js';
export type {
  ExcludedSpan,
  SignalQualityOptions,
  QualitySignal,
  SignalQuality,
} from './quality.js';
export { templateCorrelation } from './template.js';
