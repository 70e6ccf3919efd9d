/**
 * Cleaning of skin conductance: missing samples bridged, then a zero-phase Butterworth
 * low-pass. SCRs are slow (rise 1–3 s, Boucsein 2012; Dawson et al. 2007): almost all of
 * their power lies below 1 Hz, so a 3 Hz cut-off removes mains pickup, muscle and quantisation
 * noise without changing SCR amplitudes or latencies (a 3 Hz low-pass is also NeuroKit2's
 * default cleaning, Makowski et al., Behav. Res. Methods 2021).
 */
import { butter, sosfiltfilt } from '../filters/index.js';
import { EdaError, checkOption, checkSamplingRate, fmt, secs } from './errors.js';
import type { EdaQualityOptions } from './quality.js';
import { checkEdaSignal, interpolateGaps } from './quality.js';

export interface EdaCleanOptions extends EdaQualityOptions {
  /** Low-pass cut-off (Hz). Default 3. */
  readonly cutoffHz?: number;
  /** Butterworth order (applied forwards and backwards: the magnitude is squared). Default 4. */
  readonly order?: number;
  /** Longest run of missing samples bridged by a straight line (s); longer → error. Default 2. */
  readonly maxGapS?: number;
  /** Largest share of missing samples accepted. Default 0.2. */
  readonly maxMissingShare?: number;
  /** Shortest signal accepted (s). Default 2. */
  readonly minDurationS?: number;
  /** Receives warnings (missing samples bridged, flat or clipped stretches, filter adapted). */
  readonly warnings?: string[];
}

/** A cut-off at or above this share of fs is too close to Nyquist to be worth filtering. */
const NEAR_NYQUIST = 0.45;
/** Where the cut-off goes for a low sampling rate. */
const LOW_FS_CUTOFF = 0.35;

/**
 * Cleans a skin-conductance signal (µS; any unit works, the filter is linear) sampled at `fs`
 * Hz and returns a new array of the same length.
 *
 * - Errors (`EdaError`): invalid or implausible `fs`; fewer than `minDurationS` seconds; no
 *   finite sample, more than `maxMissingShare` missing, or a missing run longer than `maxGapS`;
 *   a flat line (every sample equal: electrode off or channel not recorded).
 * - Warnings (into `opts.warnings`): bridged missing runs, flat stretches, clipping, values ≤ 0.
 * - Low sampling rates: when 3 Hz is too close to Nyquist (fs < 6.7 Hz) the cut-off becomes
 *   0.35 × fs if that is at least 1 Hz, else the filter is skipped (the acquisition's own
 *   anti-aliasing already band-limits the signal); both with a warning.
 */
export function edaClean(
  x: ArrayLike<number>,
  fs: number,
  opts: EdaCleanOptions = {},
): Float64Array {
  const where = 'edaClean';
  checkSamplingRate(fs, where);
  const cutoff = opts.cutoffHz ?? 3;
  const order = opts.order ?? 4;
  const maxGapS = opts.maxGapS ?? 2;
  const maxShare = opts.maxMissingShare ?? 0.2;
  const minDurationS = opts.minDurationS ?? 2;
  checkOption(where, 'cutoffHz', cutoff, 1e-6, Infinity);
  checkOption(where, 'order', order, 1, 20);
  checkOption(where, 'maxGapS', maxGapS, 0, Infinity);
  checkOption(where, 'maxMissingShare', maxShare, 0, 1);
  checkOption(where, 'minDurationS', minDurationS, 0, Infinity);
  const warnings = opts.warnings ?? [];
  const n = x.length;
  // the filter needs at least its padding (3 × (2 × sections + 1) samples) plus one
  const minSamples = Math.max(Math.ceil(minDurationS * fs), 3 * (2 * Math.ceil(order / 2) + 1) + 1);
  if (n < minSamples) {
    throw new EdaError(
      'too-short',
      `${where}: the signal has ${n} samples (${secs(n, fs)} at ${fs} Hz); at least ` +
        `${minSamples} (${secs(minSamples, fs)}) are needed`,
    );
  }
  const q = checkEdaSignal(x, fs, opts);
  if (q.nonFiniteCount === n) {
    throw new EdaError('non-finite', `${where}: every sample is NaN or infinite`);
  }
  if (q.flatLine) {
    throw new EdaError(
      'flat',
      `${where}: flat line, every sample is ${fmt(q.min ?? Number.NaN)} ` +
        `(electrode off or channel not recorded?)`,
    );
  }
  let y: Float64Array;
  if (q.nonFiniteCount > 0) {
    const share = q.nonFiniteCount / n;
    if (share > maxShare) {
      throw new EdaError(
        'non-finite',
        `${where}: ${q.nonFiniteCount} of ${n} samples (${fmt(100 * share)} %) are NaN or ` +
          `infinite, more than the ${fmt(100 * maxShare)} % accepted (maxMissingShare)`,
      );
    }
    const longest = q.nonFinite.reduce((a, s) => (s.end - s.start > a.end - a.start ? s : a));
    if (longest.end - longest.start > maxGapS * fs) {
      throw new EdaError(
        'non-finite',
        `${where}: a run of ${longest.end - longest.start} NaN/infinite samples ` +
          `(${secs(longest.end - longest.start, fs)}) at ${secs(longest.start, fs)} is longer than ` +
          `the ${maxGapS} s that may be bridged (maxGapS)`,
      );
    }
    y = interpolateGaps(x, q.nonFinite);
    warnings.push(`${where}: ${q.warnings[0]}; bridged by straight lines`);
    warnings.push(...q.warnings.slice(1).map((w) => `${where}: ${w}`));
  } else {
    y = Float64Array.from(x);
    warnings.push(...q.warnings.map((w) => `${where}: ${w}`));
  }
  let fc = cutoff;
  if (fc >= NEAR_NYQUIST * fs) {
    fc = LOW_FS_CUTOFF * fs;
    if (fc < 1) {
      warnings.push(
        `${where}: no low-pass: fs ${fs} Hz is too low for a ${cutoff} Hz cut-off, and a cut-off ` +
          `below 1 Hz would distort SCRs`,
      );
      return y;
    }
    warnings.push(
      `${where}: low-pass cut-off lowered from ${cutoff} to ${fmt(fc)} Hz (fs ${fs} Hz)`,
    );
  }
  return sosfiltfilt(butter(order, fc, 'lowpass', fs), y);
}
