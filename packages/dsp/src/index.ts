// Public API of @emo/dsp: filters, ECG/PPG beats, HRV, EDA, windows (see README.md).
export * from './filters/index.js';
export * from './eda/index.js';
export * from './hrv/index.js';
export * from './ecg/index.js';
export * from './ppg/index.js';
