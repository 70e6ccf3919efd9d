/**
 * What `emo ecg`, `emo ppg` and `emo eda` compute on a user's own recording: beats (where the
 * detector found them, and the corrected NN series), the spans signal quality excluded, and HRV
 * (NeuroKit2's names; milliseconds and percent), or the tonic/phasic split with SCRs and EDA
 * features. Plain JSON-ready objects: undefined values are null, never NaN.
 */
import { cardiacBeats } from './beats/beats.js';
import type { PeakChange, Powerline } from './ecg/index.js';
import { edaProcess } from './eda/index.js';
import { hrvOfRuns } from './hrv/index.js';

export type HrvReport = Record<string, number | null>;

/** HRV of the NN beats of each usable run, as a flat record of named numbers (null where undefined). */
function hrvReport(
  runs: readonly Int32Array[],
  fs: number,
): { hrv: HrvReport; warnings: string[] } {
  let r: ReturnType<typeof hrvOfRuns>;
  try {
    r = hrvOfRuns(runs, fs);
  } catch (e) {
    return { hrv: {}, warnings: [`no HRV: ${e instanceof Error ? e.message : String(e)}`] };
  }
  const out: HrvReport = {};
  for (const [k, v] of Object.entries(r)) {
    if (typeof v === 'number') out[k] = Number.isFinite(v) ? v : null;
    else if (v === null) out[k] = null;
  }
  return { hrv: out, warnings: r.warnings };
}

/** A span excluded by signal quality, in samples of the input and in seconds. */
export interface ExcludedReport {
  readonly start: number;
  readonly end: number;
  readonly startS: number;
  readonly endS: number;
  readonly reason: string;
}

export interface BeatsReport {
  readonly fs: number;
  /** Where the detector found the beats (sample indices of the input), in the usable spans. */
  readonly peaks: number[];
  /** Normal-to-normal beats: the peaks after artefact correction; HRV is computed from them. */
  readonly nn: number[];
  /** The beats correction moved, inserted or removed (sample indices; null where none). */
  readonly corrections: readonly PeakChange[];
  /** Spans excluded as not a recording of the heart, with the reason. */
  readonly excluded: readonly ExcludedReport[];
  /** Share of the recording that is usable, 0–1. */
  readonly usableShare: number;
  readonly hrv: HrvReport;
  readonly warnings: string[];
}

export interface BeatsAnalysisOptions {
  /** Correct missed, extra and ectopic beats into the NN series (default true). */
  readonly correct?: boolean;
  /** Exclude spans of poor signal quality before peaks and HRV (default true). */
  readonly quality?: boolean;
}

function beatsReport(
  kind: 'ecg' | 'ppg',
  x: ArrayLike<number>,
  fs: number,
  opts: BeatsAnalysisOptions & { powerline?: Powerline },
) {
  const b = cardiacBeats(kind, x, fs, {
    powerline: opts.powerline,
    correct: opts.correct ?? true,
    quality: opts.quality === false ? false : undefined,
  });
  const h = hrvReport(b.runs, fs);
  const report: BeatsReport = {
    fs,
    peaks: Array.from(b.peaks),
    nn: Array.from(b.nn),
    corrections: b.corrections,
    excluded: b.quality.excluded.map((e) => ({
      start: e.start,
      end: e.end,
      startS: e.start / fs,
      endS: e.end / fs,
      reason: e.reason,
    })),
    usableShare: b.quality.usableShare,
    hrv: h.hrv,
    warnings: [...b.warnings, ...h.warnings],
  };
  return { report, inverted: b.inverted };
}

export interface EcgOptions extends BeatsAnalysisOptions {
  readonly powerline?: Powerline;
}

/** R-peaks, NN beats, excluded spans and HRV of an ECG. */
export function analyseEcg(
  x: ArrayLike<number>,
  fs: number,
  opts: EcgOptions = {},
): BeatsReport & { inverted: boolean } {
  const { report, inverted } = beatsReport('ecg', x, fs, opts);
  return { ...report, inverted };
}

/** Pulse peaks, NN beats, excluded spans and HRV of a PPG. */
export function analysePpg(
  x: ArrayLike<number>,
  fs: number,
  opts: BeatsAnalysisOptions = {},
): BeatsReport {
  return beatsReport('ppg', x, fs, opts).report;
}

export interface EdaReport {
  readonly fs: number;
  readonly unit: 'uS' | 'ohm';
  readonly scr: {
    readonly onsets: number[];
    readonly peaks: number[];
    readonly amplitudes: number[];
    readonly riseTimes: number[];
    readonly recoveryTimes: (number | null)[];
  };
  readonly features: Record<string, number | null>;
  readonly warnings: string[];
}

/** Tonic/phasic split, SCRs and EDA features of a skin conductance (or resistance) signal. */
export function analyseEda(
  x: ArrayLike<number>,
  fs: number,
  opts: { unit?: 'uS' | 'ohm' } = {},
): EdaReport & { tonic: Float64Array; phasic: Float64Array } {
  const r = edaProcess(x, fs, { unit: opts.unit });
  const features: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(r.features)) {
    if (typeof v === 'number') features[k] = Number.isFinite(v) ? v : null;
    else if (v === null) features[k] = null;
  }
  return {
    fs,
    unit: opts.unit ?? 'uS',
    scr: {
      onsets: r.scr.onsets,
      peaks: r.scr.peaks,
      amplitudes: r.scr.amplitudes,
      riseTimes: r.scr.riseTimes,
      recoveryTimes: r.scr.recoveryTimes,
    },
    features,
    warnings: r.warnings,
    tonic: r.tonic,
    phasic: r.phasic,
  };
}
