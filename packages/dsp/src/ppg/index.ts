// PPG: band-pass cleaning and systolic peak detection (Elgendi et al. 2013).
export { PPG_FS_RANGE, ppgClean } from './clean.js';
export type { PpgCleanOptions } from './clean.js';
export { ppgPeaks } from './peaks.js';
export type { PpgPeaksOptions, PpgPeaksResult } from './peaks.js';
