// ECG: cleaning, R-peak detection (Elgendi 2010 with polarity detection, or NeuroKit2's default
// detector), RR-artefact correction (Lipponen & Tarvainen 2019), instantaneous heart rate, beat
// matching.
export { ecgClean, powerlineNotchApplies } from './clean.js';
export type { EcgCleanOptions, Powerline } from './clean.js';
export { ECG_FS_RANGE, ecgPeaks } from './rpeaks.js';
export type { EcgPeaksMethod, EcgPeaksOptions, EcgPeaksResult } from './rpeaks.js';
export { classifyRr, correctPeaks, instantaneousRate } from './rr.js';
export type {
  CorrectedPeaks,
  CorrectPeaksOptions,
  InstantaneousRateOptions,
  PeakChange,
  RrArtefact,
  RrClassification,
  RrClassifyOptions,
} from './rr.js';
export type { SignalDefects } from './internal.js';
export { matchBeats } from './match.js';
export type { BeatMatch } from './match.js';
