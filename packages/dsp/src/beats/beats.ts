/**
 * From a cardiac signal to the beats HRV is computed from, keeping apart what the detector
 * found and what correction made of it (as Kubios and NeuroKit2 do):
 *
 *  1. detect: R-peaks (ecgPeaks) or pulse peaks (ppgPeaks);
 *  2. signal quality (quality/quality.ts): the spans that are not a beating heart are excluded,
 *     with their reasons, and the peaks found there dropped;
 *  3. `peaks`: the detected peaks in the usable spans, exactly where the detector put them —
 *     a premature beat stays premature;
 *  4. `nn`: normal-to-normal beats: the peaks of each usable run corrected for missed, extra and
 *     ectopic beats (Lipponen & Tarvainen 2019, correctPeaks), each change listed in
 *     `corrections`. Runs are corrected separately, so no beat is invented in an excluded span;
 *  5. `runs`: the NN beats per usable run. HRV takes intervals within runs only (hrvOfRuns):
 *     an interval that crosses an excluded span is dropped.
 */
import type { Powerline } from '../ecg/clean.js';
import type { SignalDefects } from '../ecg/internal.js';
import type { PeakChange } from '../ecg/rr.js';
import { correctPeaks } from '../ecg/rr.js';
import { ecgPeaks } from '../ecg/rpeaks.js';
import { ppgPeaks } from '../ppg/peaks.js';
import type { SignalQualityOptions, QualitySignal, SignalQuality } from '../quality/quality.js';
import { signalQuality } from '../quality/quality.js';

export interface BeatsOptions {
  /** ECG only: mains frequency of the notch. */
  readonly powerline?: Powerline;
  /** Correct missed, extra and ectopic beats into the NN series. Default true. */
  readonly correct?: boolean;
  /** Signal-quality gating: its options, or false to analyse every span. Default on. */
  readonly quality?: SignalQualityOptions | false;
}

export interface Beats {
  /** Detected peaks (sample indices of the input) in the usable spans, unmoved. */
  readonly peaks: Int32Array;
  /** Normal-to-normal beats: `peaks` after artefact correction (equal to it when off). */
  readonly nn: Int32Array;
  /** What correction changed: beats moved, inserted or removed, in order. */
  readonly corrections: readonly PeakChange[];
  /** The NN beats of each usable run, for HRV and heart rate that never bridge an exclusion. */
  readonly runs: readonly Int32Array[];
  /** Usable and excluded spans (everything usable when gating is off). */
  readonly quality: SignalQuality;
  /** Detected peaks that fell in excluded spans and were dropped. */
  readonly droppedPeaks: number;
  /** The detector's cleaned signal, and its findings on the raw samples. */
  readonly cleaned: Float64Array;
  readonly defects: SignalDefects;
  /** ECG only: whether the lead is inverted. */
  readonly inverted: boolean;
  readonly warnings: string[];
}

function everythingUsable(n: number): SignalQuality {
  return { usable: n > 0 ? [{ start: 0, end: n }] : [], excluded: [], usableShare: 1 };
}

/** Beats of an ECG (R-peaks) or a PPG (pulse peaks) sampled at `fs` Hz; see the module comment. */
export function cardiacBeats(
  kind: QualitySignal,
  x: ArrayLike<number>,
  fs: number,
  opts: BeatsOptions = {},
): Beats {
  const found =
    kind === 'ecg'
      ? ecgPeaks(x, fs, { powerline: opts.powerline })
      : { ...ppgPeaks(x, fs), inverted: false };
  const n = found.cleaned.length;
  const quality =
    opts.quality === false ? everythingUsable(n) : signalQuality(kind, found, fs, opts.quality);
  const warnings = [...found.warnings];
  const runs: Int32Array[] = [];
  const kept: number[] = [];
  const corrections: PeakChange[] = [];
  let k = 0;
  for (const span of quality.usable) {
    while (k < found.peaks.length && found.peaks[k] < span.start) k++;
    const inside: number[] = [];
    while (k < found.peaks.length && found.peaks[k] < span.end) inside.push(found.peaks[k++]);
    kept.push(...inside);
    if (opts.correct === false || inside.length < 4) {
      runs.push(Int32Array.from(inside));
      continue;
    }
    const fixed = correctPeaks(inside, fs);
    corrections.push(...fixed.changes);
    runs.push(fixed.peaks);
  }
  const droppedPeaks = found.peaks.length - kept.length;
  if (quality.excluded.length > 0) {
    const seconds = quality.excluded.reduce((s, e) => s + e.end - e.start, 0) / fs;
    warnings.push(
      `${quality.excluded.length} span(s), ${seconds.toFixed(1)} s in all, excluded as not a ` +
        `recording of the heart (${droppedPeaks} detected peak(s) there dropped)`,
    );
  }
  return {
    peaks: Int32Array.from(kept),
    nn: Int32Array.from(runs.flatMap((r) => Array.from(r))),
    corrections,
    runs,
    quality,
    droppedPeaks,
    cleaned: found.cleaned,
    defects: found.defects,
    inverted: found.inverted,
    warnings,
  };
}
