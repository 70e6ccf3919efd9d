/** All HRV indices from peak sample indices, as one flat object with NeuroKit2's names. */
import { hrvFrequency, type HrvFrequencyIndices, type HrvFrequencyOptions } from './frequency.js';
import { checkedRr, intervalsFromPeaks } from './intervals.js';
import { hrvNonlinear, type HrvNonlinear } from './nonlinear.js';
import { hrvTime, type HrvTime } from './time.js';

export type HrvOptions = HrvFrequencyOptions;

export interface HrvResult extends HrvTime, HrvFrequencyIndices, HrvNonlinear {
  /** Number of RR intervals (peaks − 1). */
  nIntervals: number;
  /** Why an index is null (a band the recording is too short for, …); empty when none is. */
  warnings: string[];
}

/**
 * Time-domain, frequency-domain and Poincaré indices of the intervals between successive
 * `peaks` (sample indices at `fs` Hz, strictly increasing; at least 4 peaks = 3 intervals).
 * Units: ms, ms², percent, bpm. The intervals are used as they are (no artefact correction).
 */
export function hrv(peaks: ArrayLike<number>, fs: number, opts: HrvOptions = {}): HrvResult {
  const iv = intervalsFromPeaks(peaks, fs, 'hrv');
  checkedRr(iv.rrMs, 'hrv');
  const time = hrvTime(iv.rrMs);
  const f = hrvFrequency(iv, opts);
  const nl = hrvNonlinear(iv.rrMs);
  return {
    nIntervals: iv.rrMs.length,
    ...time,
    VLF: f.VLF,
    LF: f.LF,
    HF: f.HF,
    TP: f.TP,
    LFHF: f.LFHF,
    LFn: f.LFn,
    HFn: f.HFn,
    LnHF: f.LnHF,
    ...nl,
    warnings: f.warnings,
  };
}
