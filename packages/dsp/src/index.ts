// Public API of @emo/dsp: filters, ECG/PPG beats and signal quality, HRV, EDA, windows (README.md).
export * from './filters/index.js';
export * from './eda/index.js';
export * from './hrv/index.js';
export * from './ecg/index.js';
export * from './ppg/index.js';
export * from './quality/index.js';
export * from './beats/index.js';
export * from './windows/segment.js';
export * from './windows/normalise.js';
export {
  CHANNELS,
  DSP_DEFAULTS,
  DSP_STAGE_VERSION,
  FEATURES,
  FEATURE_UNITS,
  processRecordingsShard,
  windowsShape,
} from './subject.js';
export type { DspParams, ProcessSubjectOptions, SubjectDspResult } from './subject.js';
export { readCsvColumn, CsvError } from './io/csv.js';
export { analyseEcg, analyseEda, analysePpg } from './analyse.js';
export type {
  BeatsAnalysisOptions,
  BeatsReport,
  EcgOptions,
  EdaReport,
  ExcludedReport,
  HrvReport,
} from './analyse.js';
export * from './stream/windower.js';
