// Filters: Butterworth design as second-order sections and zero-phase filtering (scipy.signal's
// semantics), notch, detrend and polyphase resampling.
export { butter } from './butter.js';
export type { BandType, Sos } from './butter.js';
export { sosfilt, sosfiltZi, sosfiltfilt } from './sosfilt.js';
export type { FiltFiltOptions, PadType } from './sosfilt.js';
