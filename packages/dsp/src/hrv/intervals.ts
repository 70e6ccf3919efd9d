/** RR intervals from R-peak (or pulse-peak) positions, with the checks every HRV function uses. */

/** Intervals in milliseconds and the time of the beat that ends each one, in seconds. */
export interface RrIntervals {
  /** RR_i = (p[i+1] − p[i]) · 1000 / fs, ms. */
  readonly rrMs: Float64Array;
  /** t_i = p[i+1] / fs, s (the time of the beat that closes interval i). */
  readonly timesS: Float64Array;
}

/** The fewest intervals any HRV index here is computed from (SDSD needs two differences). */
export const MIN_INTERVALS = 3;

/** Intervals from peak sample indices (strictly increasing, finite) at `fs` Hz. */
export function intervalsFromPeaks(peaks: ArrayLike<number>, fs: number, who = 'hrv'): RrIntervals {
  if (!(Number.isFinite(fs) && fs > 0)) {
    throw new Error(`${who}: the sampling rate must be a positive number of Hz, got ${fs}`);
  }
  const n = peaks.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(peaks[i])) {
      throw new Error(`${who}: peak ${i} is not a finite sample index (${peaks[i]})`);
    }
    if (i > 0 && !(peaks[i] > peaks[i - 1])) {
      throw new Error(
        `${who}: peaks must be strictly increasing; peak ${i} (${peaks[i]}) follows ${peaks[i - 1]}`,
      );
    }
  }
  const m = Math.max(0, n - 1);
  const rrMs = new Float64Array(m);
  const timesS = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    // multiply first: integer sample differences at fs = 100, 250, 500, 1000 Hz give exact ms
    rrMs[i] = ((peaks[i + 1] - peaks[i]) * 1000) / fs;
    timesS[i] = peaks[i + 1] / fs;
  }
  return { rrMs, timesS };
}

/** A checked copy of RR intervals (ms): at least `MIN_INTERVALS`, all finite and > 0. */
export function checkedRr(rrMs: ArrayLike<number>, who: string): Float64Array {
  if (rrMs.length < MIN_INTERVALS) {
    throw new Error(
      `${who}: need at least ${MIN_INTERVALS} RR intervals (${MIN_INTERVALS + 1} peaks), got ${rrMs.length}`,
    );
  }
  const rr = Float64Array.from(rrMs);
  for (let i = 0; i < rr.length; i++) {
    if (!(Number.isFinite(rr[i]) && rr[i] > 0)) {
      throw new Error(`${who}: RR interval ${i} must be a positive number of ms, got ${rr[i]}`);
    }
  }
  return rr;
}
