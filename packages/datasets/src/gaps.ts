/**
 * Missing samples in a trial's signal columns, and what conversion keeps of them.
 *
 * Method: keep the good samples and mark the gaps, rather than discard a recording for one gap
 * (the usual practice for physiological signals: bridge only short gaps and keep a mask of
 * them; here the mask is the NaN itself, which dsp reads: packages/dsp/src/windows/segment.ts,
 * fillGaps and windowProblems). A missing sample is one that is
 * not a finite number (AMIGOS marks gaps with NaN; ±Infinity counts too). The rule is per trial
 * and per signal column (`ecg`, `ecg_left`, `gsr`, `ppg`), so a gap in one signal never
 * discards another: a 0.8 s gap in GSR leaves the trial's 80 s of ECG whole.
 *
 * - share missing ≤ `maxMissingShare` (default 0.5): the column is kept, NaN where the gaps
 *   were; the dsp stage bridges the gaps and flags the windows that hold them;
 * - share missing > `maxMissingShare`: the column is dropped from that trial (null in the
 *   shard, as a signal the trial does not have); the trial's other columns are kept;
 * - every column dropped: the trial is skipped.
 *
 * 0 drops any column with a missing sample; 1 keeps every column, even an all-NaN one.
 * A dropped column reaches dsp as a missing modality: its windows are flagged `…: missing`.
 * (AMIGOS: dsp reads the cardiac signal from `ecg`, the right-arm lead, or from `ecg_left` where
 * the right one was dropped.)
 * Every trial kept with gaps and every skipped trial is reported with the share missing and
 * the longest gap of each column.
 */

/** The signal columns of a recordings shard, as people name them. */
export const SIGNAL_LABELS = Object.freeze({
  ecg: 'ECG',
  ecg_left: 'ECG left',
  gsr: 'GSR',
  ppg: 'PPG',
});

export type SignalColumn = keyof typeof SIGNAL_LABELS;

/** One signal column's missing samples in one trial. */
export interface ColumnGaps {
  readonly column: SignalColumn;
  readonly samples: number;
  readonly missing: number;
  /** missing / samples. */
  readonly share: number;
  /** Separate runs of missing samples, and the longest one in seconds. */
  readonly gaps: number;
  readonly longestS: number;
  /** More than `maxMissingShare` missing: dropped from the trial (null in the shard). */
  readonly dropped: boolean;
}

/** A trial kept although some of its signal columns have missing samples. */
export interface TrialGaps {
  readonly trial: number;
  readonly stimulusId: string;
  /** The columns with missing samples (clean ones are not listed). */
  readonly columns: readonly ColumnGaps[];
  /** One line for people, e.g. "1.3 % of GSR missing (1 gap, longest 0.8 s): kept, …". */
  readonly summary: string;
}

/** What the rule keeps of one trial's signals. */
export interface ScreenedSignals<K extends SignalColumn> {
  /** Each column as the shard stores it (Float32, NaN kept), or null when dropped. */
  readonly kept: Readonly<Record<K, Float32Array | null>>;
  /** The columns with missing samples, in the order given. */
  readonly gaps: readonly ColumnGaps[];
  /** Why the trial is skipped (every column dropped); null when it is kept. */
  readonly skipReason: string | null;
  /** One line saying what is missing and what was done; null when nothing is missing. */
  readonly summary: string | null;
}

/** Runs of non-finite samples: how many samples, how many runs, the longest run. */
export function missingRuns(x: ArrayLike<number>): {
  missing: number;
  gaps: number;
  longest: number;
} {
  let missing = 0;
  let gaps = 0;
  let longest = 0;
  let run = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i])) {
      run = 0;
      continue;
    }
    if (run === 0) gaps++;
    run++;
    missing++;
    if (run > longest) longest = run;
  }
  return { missing, gaps, longest };
}

/** A `maxMissingShare` from a user: a number from 0 to 1. */
export function checkMaxMissingShare(value: number): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new RangeError(
      `convert: maxMissingShare must be a number from 0 to 1 (the share of a signal column's samples that may be missing), got ${String(value)}`,
    );
  }
  return value;
}

function percent(share: number): string {
  const p = share * 100;
  return p >= 1 ? p.toFixed(1) : p.toPrecision(1);
}

function seconds(s: number): string {
  return s >= 0.1 ? s.toFixed(1) : s.toPrecision(2);
}

/** "62.0 % of GSR missing (3 gaps, longest 41.3 s)". */
export function describeColumnGaps(c: ColumnGaps): string {
  return (
    `${percent(c.share)} % of ${SIGNAL_LABELS[c.column]} missing ` +
    `(${c.gaps} gap${c.gaps === 1 ? '' : 's'}, longest ${seconds(c.longestS)} s)`
  );
}

/** Apply the rule (top of this file) to one trial's signal columns, sampled at `fs`. */
export function screenSignals<K extends SignalColumn>(
  signals: Readonly<Record<K, Float64Array>>,
  fs: number,
  maxMissingShare: number,
): ScreenedSignals<K> {
  const names = Object.keys(signals) as K[];
  const limit = `maxMissingShare=${maxMissingShare}`;
  const kept = {} as Record<K, Float32Array | null>;
  const gaps: ColumnGaps[] = [];
  for (const column of names) {
    const x = signals[column];
    const r = missingRuns(x);
    const share = x.length > 0 ? r.missing / x.length : 0;
    const dropped = share > maxMissingShare;
    kept[column] = dropped ? null : Float32Array.from(x);
    if (r.missing > 0) {
      gaps.push({
        column,
        samples: x.length,
        missing: r.missing,
        share,
        gaps: r.gaps,
        longestS: r.longest / fs,
        dropped,
      });
    }
  }
  if (names.every((c) => kept[c] === null)) {
    const what = gaps.map(describeColumnGaps).join(', ');
    return { kept, gaps, skipReason: `${what}: every signal above ${limit}`, summary: null };
  }
  const bridged = gaps.filter((c) => !c.dropped).map(describeColumnGaps);
  const summary = [
    ...(bridged.length
      ? [`${bridged.join(', ')}: kept, dsp flags the windows that hold the gaps`]
      : []),
    ...gaps
      .filter((c) => c.dropped)
      .map((c) => `${describeColumnGaps(c)}, above ${limit}: ${SIGNAL_LABELS[c.column]} dropped`),
  ].join('; ');
  return { kept, gaps, skipReason: null, summary: summary || null };
}
