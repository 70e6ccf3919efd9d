/**
 * Quality checks of a raw EDA signal: missing samples (NaN/±Infinity runs), a flat line, flat
 * stretches (electrode off, a channel that stopped updating) and clipping (runs at the
 * recording's extreme values: an amplifier or ADC at its rail). `edaClean` runs them first:
 * fatal problems become an `EdaError`, the rest warnings.
 */
import { EdaError, checkOption, checkSamplingRate, fmt, secs } from './errors.js';

/** Samples [start, end). */
export interface EdaSegment {
  readonly start: number;
  readonly end: number;
}

export interface EdaQualityOptions {
  /** Runs of identical values at least this long (s) are reported as flat. Default 5. */
  readonly flatMinS?: number;
  /** Runs at the signal's maximum or minimum at least this long (s) are reported as clipped. Default 1. */
  readonly clipMinS?: number;
}

export interface EdaQuality {
  readonly n: number;
  readonly durationS: number;
  /** Runs of NaN or ±Infinity. */
  readonly nonFinite: readonly EdaSegment[];
  readonly nonFiniteCount: number;
  /** The whole signal has (numerically) one value. */
  readonly flatLine: boolean;
  readonly flat: readonly EdaSegment[];
  readonly clippedHigh: readonly EdaSegment[];
  readonly clippedLow: readonly EdaSegment[];
  /** Finite values ≤ 0 (impossible for skin conductance in µS or resistance in Ω). */
  readonly nonPositive: number;
  /** Smallest and largest finite values (null when there is none). */
  readonly min: number | null;
  readonly max: number | null;
  readonly warnings: readonly string[];
}

function runs(n: number, inRun: (i: number) => boolean, minLen: number): EdaSegment[] {
  const out: EdaSegment[] = [];
  let i = 0;
  while (i < n) {
    if (!inRun(i)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && inRun(j)) j++;
    if (j - i >= minLen) out.push({ start: i, end: j });
    i = j;
  }
  return out;
}

/** Lists at most 3 segments as "at 12.3 s (2 s)". */
function where(segs: readonly EdaSegment[], fs: number): string {
  const parts = segs
    .slice(0, 3)
    .map((s) => `at ${secs(s.start, fs)} (${secs(s.end - s.start, fs)})`);
  return parts.join(', ') + (segs.length > 3 ? ` and ${segs.length - 3} more` : '');
}

/**
 * Checks `x` (any unit) sampled at `fs` Hz and describes its problems. Throws only for an
 * invalid sampling rate or an empty signal; everything else is reported.
 */
export function checkEdaSignal(
  x: ArrayLike<number>,
  fs: number,
  opts: EdaQualityOptions = {},
): EdaQuality {
  checkSamplingRate(fs, 'EDA quality check');
  const flatMinS = opts.flatMinS ?? 5;
  const clipMinS = opts.clipMinS ?? 1;
  checkOption('EDA quality check', 'flatMinS', flatMinS, 0, Infinity);
  checkOption('EDA quality check', 'clipMinS', clipMinS, 0, Infinity);
  const n = x.length;
  if (n === 0) throw new EdaError('too-short', 'EDA quality check: the signal is empty');
  let min = Infinity;
  let max = -Infinity;
  let nonPositive = 0;
  let nonFiniteCount = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) {
      nonFiniteCount++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    if (v <= 0) nonPositive++;
  }
  const warnings: string[] = [];
  const nonFinite = runs(n, (i) => !Number.isFinite(x[i]), 1);
  if (nonFiniteCount > 0) {
    warnings.push(
      `${nonFiniteCount} missing (NaN/Infinity) samples in ${nonFinite.length} run(s), ` +
        `longest ${secs(
          nonFinite.reduce((a, s) => Math.max(a, s.end - s.start), 0),
          fs,
        )}: ${where(nonFinite, fs)}`,
    );
  }
  const finite = n - nonFiniteCount;
  const range = max - min;
  // "numerically one value": a range below 1e-9 of the level (or of 1 for levels near 0)
  const flatLine = finite > 0 && range <= 1e-9 * Math.max(1, Math.abs(max), Math.abs(min));
  let flat: EdaSegment[] = [];
  let clippedHigh: EdaSegment[] = [];
  let clippedLow: EdaSegment[] = [];
  if (finite === 0) {
    warnings.push('no finite sample at all');
  } else if (flatLine) {
    warnings.push(
      `flat line: every sample is ${fmt(min)} (electrode off or channel not recorded?)`,
    );
  } else {
    const flatMin = Math.max(3, Math.round(flatMinS * fs));
    flat = runs(n, (i) => i > 0 && x[i] === x[i - 1], flatMin - 1).map((s) => ({
      start: s.start - 1,
      end: s.end,
    }));
    if (flat.length > 0) {
      warnings.push(`flat stretches (identical values ≥ ${flatMinS} s): ${where(flat, fs)}`);
    }
    const tol = range * 1e-9;
    const clipMin = Math.max(3, Math.round(clipMinS * fs));
    clippedHigh = runs(n, (i) => x[i] >= max - tol, clipMin);
    clippedLow = runs(n, (i) => x[i] <= min + tol, clipMin);
    if (clippedHigh.length > 0) {
      warnings.push(
        `possible clipping: the signal stays at its maximum ${fmt(max)} ${where(clippedHigh, fs)}`,
      );
    }
    if (clippedLow.length > 0) {
      warnings.push(
        `possible clipping: the signal stays at its minimum ${fmt(min)} ${where(clippedLow, fs)}`,
      );
    }
  }
  if (nonPositive > 0) {
    warnings.push(
      `${nonPositive} values ≤ 0: neither skin conductance in µS nor resistance in Ω ` +
        `(offset-corrected or normalised data?)`,
    );
  }
  return {
    n,
    durationS: n / fs,
    nonFinite,
    nonFiniteCount,
    flatLine,
    flat,
    clippedHigh,
    clippedLow,
    nonPositive,
    min: finite > 0 ? min : null,
    max: finite > 0 ? max : null,
    warnings,
  };
}

/**
 * Straight lines across missing runs (a leading or trailing run takes the nearest finite
 * value). Returns a copy. Throws when there is nothing to interpolate from.
 */
export function interpolateGaps(x: ArrayLike<number>, gaps: readonly EdaSegment[]): Float64Array {
  const y = Float64Array.from(x);
  for (const g of gaps) {
    const hasLeft = g.start > 0;
    const hasRight = g.end < y.length;
    if (!hasLeft && !hasRight) {
      throw new EdaError('non-finite', 'EDA: no finite sample to interpolate from');
    }
    const left = hasLeft ? y[g.start - 1] : y[g.end];
    const right = hasRight ? y[g.end] : left;
    const span = g.end - g.start + 1;
    for (let k = g.start; k < g.end; k++) {
      y[k] = left + ((right - left) * (k - g.start + 1)) / span;
    }
  }
  return y;
}
