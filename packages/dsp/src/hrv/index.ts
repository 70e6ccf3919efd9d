// HRV from R-peaks or RR intervals: time domain, Welch frequency domain, Poincaré.
export { hrv, hrvOfRuns, type HrvOptions, type HrvResult } from './hrv.js';
export { hrvTime, type HrvTime } from './time.js';
export {
  hrvFrequency,
  bandPower,
  DEFAULT_BANDS,
  type Band,
  type BandName,
  type HrvFrequency,
  type HrvFrequencyIndices,
  type HrvFrequencyInput,
  type HrvFrequencyOptions,
  type HrvFrequencyParams,
} from './frequency.js';
export { hrvNonlinear, type HrvNonlinear } from './nonlinear.js';
export { intervalsFromPeaks, MIN_INTERVALS, type RrIntervals } from './intervals.js';
export { resampleEven, type EvenSeries, type Interpolation } from './resample.js';
export { welch, type Detrend, type Psd, type WelchOptions } from './welch.js';
