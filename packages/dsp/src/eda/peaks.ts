/**
 * Skin-conductance responses (SCRs) in a phasic signal: trough-to-peak detection with a
 * slope-defined onset, amplitude, rise time and half-recovery time.
 *
 * Definitions follow Boucsein et al., "Publication recommendations for electrodermal
 * measurements", Psychophysiology 49:1017–1034 (2012), and Dawson, Schell & Filion, "The
 * electrodermal system", Handbook of Psychophysiology (2007): an SCR is a rise of skin
 * conductance from an onset (the start of the rise) to a peak; amplitude = level at the peak −
 * level at the onset; rise time = peak time − onset time; half-recovery time = time from the
 * peak until the signal has come back down by half the amplitude. The thresholds are
 * Braithwaite, Watson, Jones & Rowe's (technical report, University of Birmingham, 2013):
 * an SCR must rise by at least 0.03 µS and be at least 10 % of the largest SCR of the record.
 *
 * Algorithm (ours):
 * 1. Alternating troughs and peaks by hysteresis: a peak counts only when the signal has
 *    risen at least `minAmplitude` from the preceding trough and then fallen at least
 *    `minAmplitude` from it (or the record ends). Ripples smaller than `minAmplitude` on a
 *    rising limb therefore never split one SCR in two, and noise below it never makes one.
 * 2. Onset: from the steepest point of the rise, back towards the trough while the slope is
 *    above `onsetSlopeFraction` (5 %) of that steepest slope. On a slowly drifting trough the
 *    onset is where the SCR's own rise starts, not the far end of the drift.
 * 3. SCRs whose rise is already under way at the first sample, or still under way at the last,
 *    are incomplete and dropped; so are rises longer than `maxRiseTimeS` (slow drifts, not
 *    SCRs). Each drop is reported in `warnings`.
 * 4. Amplitude thresholds: absolute `minAmplitude`, then relative `minRelativeAmplitude` ×
 *    the largest remaining amplitude.
 * 5. Half recovery: the first crossing of peak − amplitude/2 after the peak, linearly
 *    interpolated between samples, before the next SCR's onset (or the end); null when the
 *    signal does not get there (an overlapping SCR, or the record ends).
 */
import { EdaError, checkOption, checkSamplingRate, fmt, secs } from './errors.js';

export interface EdaPeaksOptions {
  /** Smallest SCR amplitude, in the signal's unit (µS), and the detection hysteresis. Default 0.03. */
  readonly minAmplitude?: number;
  /** Smallest SCR amplitude relative to the largest SCR found (0 disables). Default 0.1. */
  readonly minRelativeAmplitude?: number;
  /** Longest rise (s) still taken for an SCR. Default 7. */
  readonly maxRiseTimeS?: number;
  /** The onset is where the slope falls below this share of the rise's steepest slope. Default 0.05. */
  readonly onsetSlopeFraction?: number;
}

export interface EdaPeaksResult {
  /** Sample index of each SCR's onset, ascending. */
  readonly onsets: number[];
  /** Sample index of each SCR's peak. */
  readonly peaks: number[];
  /** Peak − onset, in the signal's unit (µS). */
  readonly amplitudes: number[];
  /** Peak time − onset time (s). */
  readonly riseTimes: number[];
  /** Peak to half recovery (s); null when not reached before the next SCR or the end. */
  readonly recoveryTimes: (number | null)[];
  /** Sample index (rounded) of half recovery, or null. */
  readonly recoveries: (number | null)[];
  readonly warnings: string[];
}

interface Candidate {
  trough: number;
  peak: number;
}

/** Alternating trough/peak pairs with hysteresis `delta` (step 1 above). */
function troughPeakPairs(x: ArrayLike<number>, delta: number): Candidate[] {
  const out: Candidate[] = [];
  let rising = true; // looking for a peak
  let lo = 0;
  let hi = 0;
  for (let i = 1; i < x.length; i++) {
    const v = x[i];
    if (rising) {
      if (v > x[hi]) {
        hi = i;
      } else if (x[hi] - v >= delta && x[hi] - x[lo] >= delta) {
        out.push({ trough: lo, peak: hi });
        rising = false;
        lo = i;
      } else if (v < x[lo]) {
        lo = i;
        hi = i;
      }
    } else if (v < x[lo]) {
      lo = i;
    } else if (v - x[lo] >= delta) {
      rising = true;
      hi = i;
    }
  }
  // a last rise that never fell back by delta (a plateau, or the record ends)
  if (rising && hi > lo && x[hi] - x[lo] >= delta) out.push({ trough: lo, peak: hi });
  return out;
}

/** Step 2: the onset of the rise trough → peak, and the slope threshold that defined it. */
function onsetOf(
  x: ArrayLike<number>,
  trough: number,
  peak: number,
  fraction: number,
): { onset: number; threshold: number } {
  let steepest = trough;
  for (let i = trough; i < peak; i++) {
    if (x[i + 1] - x[i] > x[steepest + 1] - x[steepest]) steepest = i;
  }
  const threshold = fraction * (x[steepest + 1] - x[steepest]);
  let j = steepest;
  while (j > trough && x[j] - x[j - 1] > threshold) j--;
  return { onset: j, threshold };
}

/**
 * Finds SCRs in `phasic` (the phasic part of a cleaned skin-conductance signal, see `edaPhasic`;
 * a cleaned conductance signal also works: amplitudes are trough-to-peak either way).
 * Errors (`EdaError`) for an invalid `fs`, bad options or a non-finite sample. Amplitudes are
 * in the signal's unit; with another unit than µS, give `minAmplitude` in that unit.
 */
export function edaPeaks(
  phasic: ArrayLike<number>,
  fs: number,
  opts: EdaPeaksOptions = {},
): EdaPeaksResult {
  const where = 'edaPeaks';
  checkSamplingRate(fs, where);
  const minAmp = opts.minAmplitude ?? 0.03;
  const minRel = opts.minRelativeAmplitude ?? 0.1;
  const maxRise = opts.maxRiseTimeS ?? 7;
  const fraction = opts.onsetSlopeFraction ?? 0.05;
  checkOption(where, 'minAmplitude', minAmp, Number.MIN_VALUE, Infinity);
  checkOption(where, 'minRelativeAmplitude', minRel, 0, 1);
  checkOption(where, 'maxRiseTimeS', maxRise, 0, Infinity);
  checkOption(where, 'onsetSlopeFraction', fraction, 0, 1);
  const x = phasic;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i])) {
      throw new EdaError(
        'non-finite',
        `${where}: sample ${i} (${secs(i, fs)}) is ${x[i]}; clean the signal with edaClean first`,
      );
    }
  }
  const warnings: string[] = [];
  let truncated = 0;
  let slow = 0;
  const found: { onset: number; peak: number; amplitude: number }[] = [];
  for (const c of troughPeakPairs(x, minAmp)) {
    const { onset, threshold } = onsetOf(x, c.trough, c.peak, fraction);
    // still rising at the first sample: the onset lies before the record
    const startsBefore = onset === 0 && x[1] - x[0] > threshold;
    if (c.peak === n - 1 || startsBefore) {
      truncated++;
      continue;
    }
    if ((c.peak - onset) / fs > maxRise) {
      slow++;
      continue;
    }
    const amplitude = x[c.peak] - x[onset];
    if (amplitude >= minAmp) found.push({ onset, peak: c.peak, amplitude });
  }
  if (truncated > 0) {
    warnings.push(
      `${where}: ${truncated} rise(s) cut by the start or end of the record were not counted as SCRs`,
    );
  }
  if (slow > 0) {
    warnings.push(
      `${where}: ${slow} rise(s) longer than ${fmt(maxRise)} s were taken for drift, not SCRs`,
    );
  }
  const largest = found.reduce((a, s) => Math.max(a, s.amplitude), 0);
  const kept = found.filter((s) => s.amplitude >= minRel * largest);
  const result: EdaPeaksResult = {
    onsets: [],
    peaks: [],
    amplitudes: [],
    riseTimes: [],
    recoveryTimes: [],
    recoveries: [],
    warnings,
  };
  kept.forEach((s, k) => {
    const limit = k + 1 < kept.length ? kept[k + 1].onset : n - 1;
    const level = x[s.peak] - s.amplitude / 2;
    let rec: number | null = null;
    for (let j = s.peak + 1; j <= limit; j++) {
      if (x[j] <= level) {
        const f = (x[j - 1] - level) / (x[j - 1] - x[j]);
        rec = j - 1 + f;
        break;
      }
    }
    result.onsets.push(s.onset);
    result.peaks.push(s.peak);
    result.amplitudes.push(s.amplitude);
    result.riseTimes.push((s.peak - s.onset) / fs);
    result.recoveryTimes.push(rec === null ? null : (rec - s.peak) / fs);
    result.recoveries.push(rec === null ? null : Math.round(rec));
  });
  if (kept.length === 0) {
    warnings.push(`${where}: no SCR of at least ${fmt(minAmp)} found`);
  }
  return result;
}
