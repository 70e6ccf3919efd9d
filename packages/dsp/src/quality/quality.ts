/**
 * Signal quality of an ECG or PPG: which spans are a recording of a beating heart, and which
 * are not (a recorder's calibration pulses, a loose or unplugged electrode, a saturated
 * amplifier, heavy motion). Peaks and HRV use the usable spans only.
 *
 * The method is Orphanidou et al. 2015 (C. Orphanidou, T. Bonnici, P. Charlton, D. Clifton,
 * D. Vallance, L. Tarassenko, "Signal-quality indices for the electrocardiogram and
 * photoplethysmogram: derivation and applications to wireless monitoring", IEEE J. Biomed.
 * Health Inform. 19(3):832–838), which NeuroKit2 offers as `ecg_quality(method=
 * "templatematch")` and `ppg_quality(method="templatematch")`. Each 10-s segment is usable when
 *
 *  1. its beats are physiologically feasible: a heart rate (60 / mean beat interval) within
 *     40–180 bpm and no gap between beats (or between a segment edge and its nearest beat)
 *     longer than 3 s; and
 *  2. its beats look alike: the correlation of each beat with the segment's average beat
 *     (template matching, template.ts) is at least 0.66 for ECG and 0.86 for PPG — taken here
 *     as the median over the beats where the paper takes the mean, so that a minority of
 *     ectopic beats of another shape does not condemn a clean segment (on MIT-BIH 203 the mean
 *     excluded 21 % of the clean record, the median 7 %).
 *
 * Added to it, from Zhao & Zhang 2018's SQI combination (Z. Zhao, Y. Zhang, "SQI quality
 * evaluation mechanism of single-lead ECG signal based on simple heuristic fusion and fuzzy
 * comprehensive evaluation", Front. Physiol. 9:727; its kSQI after Li, Clifford et al. 2008),
 * for ECG only: the kurtosis of the cleaned segment must be at least 5 — a QRS complex is a
 * spike, so ECG is strongly peaked, while a calibration square wave (kurtosis ≈ 1) and
 * broadband noise (≈ 3) are not, even where a detector finds regular "beats" in them.
 * And from the detector's inspection of the raw samples, sample-exact: missing (NaN) runs,
 * flat runs of ≥ 1 s (lead off), and segments with more than 10 % of samples on plateaus at the
 * signal's extremes (saturation).
 *
 * Segments are 10 s long every 5 s (the last one ends at the end of the record), and a 5-s
 * block is excluded only when every segment that covers it fails, so one excluded span ends
 * within 5 s of the artefact and the clean signal around an artefact is kept. Measured limits
 * (dsp README, quality.realdata.test.ts): the share of clean signal wrongly excluded on
 * MIT-BIH 100/101/203 and NeuroKit2's and BioSPPy's recordings, and how much of each inserted
 * artefact is found.
 */
import type { Run, SignalDefects } from '../ecg/internal.js';
import { templateCorrelation } from './template.js';

export type QualitySignal = 'ecg' | 'ppg';

export interface SignalQualityOptions {
  /** Segment length and hop, seconds. Default 10 and 5. */
  readonly segmentS?: number;
  readonly hopS?: number;
  /** Feasible heart rate, bpm. Default 40–180 (Orphanidou et al. 2015). */
  readonly minRate?: number;
  readonly maxRate?: number;
  /** Longest feasible gap between beats, seconds. Default 3. */
  readonly maxGapS?: number;
  /** Least mean beat-to-template correlation. Default 0.66 (ECG), 0.86 (PPG). */
  readonly minCorrelation?: number;
  /** Least kurtosis of a cleaned ECG segment (null: no check). Default 5; PPG: null. */
  readonly minKurtosis?: number | null;
  /** Most share of a segment's samples on clipped plateaus. Default 0.1. */
  readonly maxClippedShare?: number;
}

/** A span of samples [start, end) excluded from peaks and HRV, and why. */
export interface ExcludedSpan {
  readonly start: number;
  readonly end: number;
  readonly reason: string;
}

export interface SignalQuality {
  /** Usable sample runs [start, end), sorted. */
  readonly usable: readonly Run[];
  /** Excluded sample runs with their reasons, sorted. */
  readonly excluded: readonly ExcludedSpan[];
  /** Share of the samples that is usable, 0–1. */
  readonly usableShare: number;
}

/** Each default written once, per signal. */
export const QUALITY_DEFAULTS: Readonly<Record<QualitySignal, Required<SignalQualityOptions>>> = {
  ecg: {
    segmentS: 10,
    hopS: 5,
    minRate: 40,
    maxRate: 180,
    maxGapS: 3,
    minCorrelation: 0.66,
    minKurtosis: 5,
    maxClippedShare: 0.1,
  },
  ppg: {
    segmentS: 10,
    hopS: 5,
    minRate: 40,
    maxRate: 180,
    maxGapS: 3,
    minCorrelation: 0.86,
    minKurtosis: null,
    maxClippedShare: 0.1,
  },
};

/** Pearson kurtosis m4 / m2² (3 for a Gaussian). */
function kurtosis(x: Float64Array, a: number, b: number): number {
  const n = b - a;
  let m = 0;
  for (let i = a; i < b; i++) m += x[i] / n;
  let m2 = 0;
  let m4 = 0;
  for (let i = a; i < b; i++) {
    const d = (x[i] - m) ** 2;
    m2 += d / n;
    m4 += (d * d) / n;
  }
  return m2 > 0 ? m4 / (m2 * m2) : 0;
}

/** Samples of [a, b) inside the sorted runs. */
function overlap(runs: readonly Run[], a: number, b: number): number {
  let total = 0;
  for (const r of runs) {
    if (r.end <= a) continue;
    if (r.start >= b) break;
    total += Math.min(b, r.end) - Math.max(a, r.start);
  }
  return total;
}

/** Why the segment [a, b) is not usable, or null when it is. */
function segmentProblem(
  kind: QualitySignal,
  cleaned: Float64Array,
  peaks: Int32Array,
  defects: SignalDefects,
  fs: number,
  a: number,
  b: number,
  o: Required<SignalQualityOptions>,
): string | null {
  const clipped = overlap(defects.clipped, a, b) / (b - a);
  if (clipped > o.maxClippedShare) {
    return `stuck at the signal's extremes: saturation or calibration pulses (${Math.round(100 * clipped)} % of samples)`;
  }
  if (o.minKurtosis !== null) {
    const k = kurtosis(cleaned, a, b);
    if (k < o.minKurtosis) {
      return `not ${kind.toUpperCase()}-like (kurtosis ${k.toFixed(1)} < ${o.minKurtosis})`;
    }
  }
  const inside: number[] = [];
  for (const p of peaks) if (p >= a && p < b) inside.push(p);
  if (inside.length < 3)
    return `too few beats (${inside.length} in ${((b - a) / fs).toFixed(0)} s)`;
  let gap = Math.max(inside[0] - a, b - 1 - inside[inside.length - 1]);
  for (let i = 1; i < inside.length; i++) gap = Math.max(gap, inside[i] - inside[i - 1]);
  if (gap > o.maxGapS * fs) return `no beat for ${(gap / fs).toFixed(1)} s (> ${o.maxGapS} s)`;
  const meanInterval = (inside[inside.length - 1] - inside[0]) / (inside.length - 1);
  const rate = (60 * fs) / meanInterval;
  if (rate < o.minRate || rate > o.maxRate) {
    return `heart rate ${rate.toFixed(0)} bpm outside ${o.minRate}–${o.maxRate}`;
  }
  const intervals = inside
    .slice(1)
    .map((p, i) => p - inside[i])
    .sort((x, y) => x - y);
  const width = intervals[intervals.length >> 1];
  const r = templateCorrelation(cleaned, inside, width);
  if (r !== null && r < o.minCorrelation) {
    return `beats unlike each other (template correlation ${r.toFixed(2)} < ${o.minCorrelation})`;
  }
  return null;
}

/**
 * The usable and excluded spans of an ECG or PPG of `cleaned.length` samples at `fs` Hz, given
 * the detector's cleaned signal, its peaks and the defects it found in the raw samples (see the
 * module comment for the method).
 */
export function signalQuality(
  kind: QualitySignal,
  found: {
    readonly cleaned: Float64Array;
    readonly peaks: Int32Array;
    readonly defects: SignalDefects;
  },
  fs: number,
  opts: SignalQualityOptions = {},
): SignalQuality {
  const o: Required<SignalQualityOptions> = { ...QUALITY_DEFAULTS[kind], ...opts };
  const { cleaned, peaks, defects } = found;
  const n = cleaned.length;
  const reasons: string[] = [''];
  const code = new Uint16Array(n); // 0: usable, else an index into `reasons`
  const reasonCode = (r: string): number => {
    const i = reasons.indexOf(r);
    return i >= 0 ? i : reasons.push(r) - 1;
  };
  const seg = Math.max(1, Math.round(o.segmentS * fs));
  const hop = Math.max(1, Math.round(o.hopS * fs));
  // segment starts: every hop, the last segment ending at the end of the record
  const starts: number[] = [];
  for (let s = 0; s + seg < n; s += hop) starts.push(s);
  starts.push(Math.max(0, n - seg));
  const problems = starts.map((s) =>
    segmentProblem(kind, cleaned, peaks, defects, fs, s, Math.min(n, s + seg), o),
  );
  // a sample is usable when any segment covering it is; else it takes the first one's reason
  const covered = new Int32Array(n).fill(-1);
  starts.forEach((s, k) => {
    const end = Math.min(n, s + seg);
    for (let i = s; i < end; i++) {
      if (problems[k] === null) covered[i] = -2;
      else if (covered[i] === -1) covered[i] = k;
    }
  });
  for (let i = 0; i < n; i++) if (covered[i] >= 0) code[i] = reasonCode(problems[covered[i]] ?? '');
  const mark = (runs: readonly Run[], reason: string) => {
    const c = reasonCode(reason);
    for (const r of runs) code.fill(c, r.start, r.end);
  };
  mark(defects.flat, 'flat line (lead off or stalled stream)');
  mark(defects.missing, 'missing samples');
  const excluded: ExcludedSpan[] = [];
  const usable: Run[] = [];
  let kept = 0;
  // neighbouring spans excluded for the same kind of reason are one span (the first's figures)
  const kinds = reasons.map((r) => r.split(' (')[0]);
  const same = (a: number, b: number) => a === b || (a > 0 && b > 0 && kinds[a] === kinds[b]);
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && same(code[i], code[j])) j++;
    if (code[i] === 0) {
      usable.push({ start: i, end: j });
      kept += j - i;
    } else {
      excluded.push({ start: i, end: j, reason: reasons[code[i]] });
    }
    i = j;
  }
  return { usable, excluded, usableShare: n > 0 ? kept / n : 0 };
}
