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
  return hrvOfRuns([peaks], fs, opts);
}

/**
 * HRV of beats that come in runs: the usable stretches of a recording, between the spans that
 * signal quality excluded (`beatRuns`). Intervals are taken within each run, never across the
 * gap between two, and so are the successive differences of RMSSD, pNN50 and the Poincaré
 * pairs. The frequency domain resamples the intervals of all runs on one time axis, so the
 * spline bridges the gaps (said in `warnings` when there are any).
 */
export function hrvOfRuns(
  runs: readonly ArrayLike<number>[],
  fs: number,
  opts: HrvOptions = {},
): HrvResult {
  const parts = runs.filter((r) => r.length >= 2).map((r) => intervalsFromPeaks(r, fs, 'hrv'));
  const breaks: number[] = [];
  let count = 0;
  for (const p of parts) {
    if (count > 0) breaks.push(count);
    count += p.rrMs.length;
  }
  const iv = {
    rrMs: Float64Array.from(parts.flatMap((p) => Array.from(p.rrMs))),
    timesS: Float64Array.from(parts.flatMap((p) => Array.from(p.timesS))),
  };
  checkedRr(iv.rrMs, 'hrv');
  const time = hrvTime(iv.rrMs, breaks);
  const f = hrvFrequency(iv, opts);
  const nl = hrvNonlinear(iv.rrMs, breaks);
  if (breaks.length > 0) {
    f.warnings.push(
      `the frequency-domain indices interpolate across ${breaks.length} gap(s) between usable runs`,
    );
  }
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
