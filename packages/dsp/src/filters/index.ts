// Filters: Butterworth design as second-order sections and zero-phase filtering (scipy.signal's
// semantics), notch, detrend and polyphase resampling.
export { butter } from './butter.js';
export type { BandType, Sos } from './butter.js';
export { sosfilt, sosfiltZi, sosfiltfilt } from './sosfilt.js';
export type { FiltFiltOptions, PadType } from './sosfilt.js';
export { iirnotch, notchSos } from './notch.js';
export { detrend } from './detrend.js';
export { resamplePoly, resampleTo, resampleFactors } from './resample.js';
export type { ResamplePolyOptions, ResamplePadtype } from './resample.js';
