/**
 * What `emo ecg`, `emo ppg` and `emo eda` compute on a user's own recording: beats and HRV
 * (NeuroKit2's names; milliseconds and percent), or the tonic/phasic split with SCRs and EDA
 * features. Plain JSON-ready objects: undefined values are null, never NaN.
 */
import { correctPeaks, ecgPeaks } from './ecg/index.js';
import type { Powerline } from './ecg/index.js';
import { edaProcess } from './eda/index.js';
import { hrv } from './hrv/index.js';
import { ppgPeaks } from './ppg/index.js';

export type HrvReport = Record<string, number | null>;

/** HRV of the beats, as a flat record of named numbers (null where undefined). */
function hrvReport(peaks: ArrayLike<number>, fs: number): { hrv: HrvReport; warnings: string[] } {
  const r = hrv(peaks, fs);
  const out: HrvReport = {};
  for (const [k, v] of Object.entries(r)) {
    if (typeof v === 'number') out[k] = Number.isFinite(v) ? v : null;
    else if (v === null) out[k] = null;
  }
  return { hrv: out, warnings: r.warnings };
}

export interface BeatsReport {
  readonly fs: number;
  /** Sample indices of the input (after artefact correction unless it was turned off). */
  readonly peaks: number[];
  /** Beats added, removed or moved by the correction. */
  readonly corrections: number;
  readonly hrv: HrvReport;
  readonly warnings: string[];
}

function beats(
  found: { peaks: Int32Array; warnings: string[] },
  fs: number,
  correct: boolean,
): BeatsReport {
  const fixed = correct && found.peaks.length >= 4 ? correctPeaks(found.peaks, fs) : null;
  const peaks = fixed ? fixed.peaks : found.peaks;
  const h = hrvReport(peaks, fs);
  return {
    fs,
    peaks: Array.from(peaks),
    corrections: fixed?.changes.length ?? 0,
    hrv: h.hrv,
    warnings: [...found.warnings, ...h.warnings],
  };
}

export interface EcgOptions {
  readonly powerline?: Powerline;
  /** Correct missed, extra and misplaced beats before HRV (default true). */
  readonly correct?: boolean;
}

/** R-peaks and HRV of an ECG. */
export function analyseEcg(
  x: ArrayLike<number>,
  fs: number,
  opts: EcgOptions = {},
): BeatsReport & { inverted: boolean } {
  const r = ecgPeaks(x, fs, { powerline: opts.powerline });
  return { ...beats(r, fs, opts.correct ?? true), inverted: r.inverted };
}

/** Pulse peaks and HRV of a PPG. */
export function analysePpg(
  x: ArrayLike<number>,
  fs: number,
  opts: { correct?: boolean } = {},
): BeatsReport {
  return beats(ppgPeaks(x, fs), fs, opts.correct ?? true);
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
