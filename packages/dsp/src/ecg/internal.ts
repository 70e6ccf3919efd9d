/**
 * Helpers shared by the ECG and PPG detectors: argument checks, bad-input inspection (non-finite
 * runs, flat lines, clipping), centred moving averages and "blocks of interest" (Elgendi's
 * two-moving-average segmentation). Internal to @emo/dsp; not part of the public API.
 */

/** A half-open run of samples [start, end). */
export interface Run {
  readonly start: number;
  readonly end: number;
}

/** Throws unless `fs` is a finite sampling rate within [min, max] Hz. */
export function checkFs(fn: string, fs: number, min: number, max: number, why: string): void {
  if (typeof fs !== 'number' || !Number.isFinite(fs) || fs <= 0) {
    throw new RangeError(`${fn}: fs must be a positive finite sampling rate in Hz, got ${fs}`);
  }
  if (fs < min) {
    throw new RangeError(`${fn}: fs = ${fs} Hz is too low (${why} needs fs ≥ ${min} Hz)`);
  }
  if (fs > max) {
    throw new RangeError(
      `${fn}: fs = ${fs} Hz is implausible (expected at most ${max} Hz; is it in Hz?)`,
    );
  }
}

/** Copies an array-like of numbers, refusing anything that is not one. */
/** Throws when `n` samples at `fs` Hz last less than `minS` seconds. */
export function checkDuration(fn: string, n: number, fs: number, minS: number): void {
  const duration = n / fs;
  if (duration < minS) {
    throw new RangeError(
      `${fn}: the signal is too short: ${n} samples = ${duration.toFixed(3)} s at ${fs} Hz ` +
        `(at least ${minS} s needed)`,
    );
  }
}

/**
 * Warnings about a detector's beats: none found, or a median rate outside [30, maxBpm].
 * `what` names the beats ('R peak', 'pulse peak') and `rate` the rate ('heart', 'pulse').
 */
export function beatWarnings(
  peaks: readonly number[],
  fs: number,
  what: string,
  rate: string,
  maxBpm: number,
): string[] {
  if (peaks.length === 0) return [`no ${what} was found`];
  if (peaks.length < 3) return [];
  const rr = new Float64Array(peaks.length - 1);
  for (let i = 1; i < peaks.length; i++) rr[i - 1] = (peaks[i] - peaks[i - 1]) / fs;
  const bpm = 60 / median(rr);
  return bpm < 30 || bpm > maxBpm
    ? [`implausible median ${rate} rate ${bpm.toFixed(0)} bpm (expected 30–${maxBpm})`]
    : [];
}

export function toFloat64(fn: string, x: ArrayLike<number>): Float64Array {
  if (x === null || typeof x !== 'object' || typeof x.length !== 'number') {
    throw new TypeError(`${fn}: the signal must be an array of numbers`);
  }
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    // Non-numbers (strings, null…) become NaN and are handled as missing samples.
    out[i] = typeof v === 'number' ? v : NaN;
  }
  return out;
}

/** Runs of `true` in a predicate over indices 0..n-1. */
function runsWhere(n: number, pred: (i: number) => boolean): Run[] {
  const runs: Run[] = [];
  let start = -1;
  for (let i = 0; i < n; i++) {
    if (pred(i)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      runs.push({ start, end: i });
      start = -1;
    }
  }
  if (start >= 0) runs.push({ start, end: n });
  return runs;
}

/**
 * Replaces non-finite samples (NaN, ±Infinity) in place by linear interpolation between the
 * finite samples around each run (the nearest finite value at the ends). Returns the runs, or
 * null when no sample is finite.
 */
export function fillNonFinite(x: Float64Array): Run[] | null {
  // v − v is 0 for a finite v and NaN for NaN and ±Infinity
  const runs = runsWhere(x.length, (i) => x[i] - x[i] !== 0);
  if (runs.length === 1 && runs[0].start === 0 && runs[0].end === x.length) return null;
  for (const { start, end } of runs) {
    const left = start > 0 ? x[start - 1] : x[end];
    const right = end < x.length ? x[end] : x[start - 1];
    const span = end - start + 1;
    for (let i = start; i < end; i++) {
      const f = (i - start + 1) / span;
      x[i] = left + (right - left) * f;
    }
  }
  return runs;
}

/** Runs of at least `minLen` samples where the value does not change at all. */
export function flatRuns(x: Float64Array, minLen: number): Run[] {
  const runs: Run[] = [];
  let start = 0;
  for (let i = 1; i <= x.length; i++) {
    if (i === x.length || x[i] !== x[start]) {
      if (i - start >= minLen) runs.push({ start, end: i });
      start = i;
    }
  }
  return runs;
}

/**
 * Plateaus at the signal's own maximum or minimum at least `minLen` samples long: the signature
 * of an amplifier or ADC that saturated.
 */
export function clippedRuns(x: Float64Array, minLen: number): Run[] {
  let hi = -Infinity;
  let lo = Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] > hi) hi = x[i];
    if (x[i] < lo) lo = x[i];
  }
  if (!(hi > lo)) return [];
  return [...runsWhere(x.length, (i) => x[i] === hi), ...runsWhere(x.length, (i) => x[i] === lo)]
    .filter((r) => r.end - r.start >= minLen)
    .sort((a, b) => a.start - b.start);
}

/** Whether sample i lies inside one of the sorted runs widened by `margin` samples. */
export function makeRunTest(runs: readonly Run[], margin: number): (i: number) => boolean {
  return (i: number) => {
    // runs are few; binary search on start keeps it cheap even when they are not
    let lo = 0;
    let hi = runs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = runs[mid];
      if (i < r.start - margin) hi = mid - 1;
      else if (i >= r.end + margin) lo = mid + 1;
      else return true;
    }
    return false;
  };
}

/** Sorted union of runs (overlaps merged). */
export function mergeRuns(runs: readonly Run[]): Run[] {
  const sorted = [...runs].sort((a, b) => a.start - b.start);
  const out: Run[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end)
      out[out.length - 1] = { start: last.start, end: Math.max(last.end, r.end) };
    else out.push(r);
  }
  return out;
}

/** "3 runs, 2.5 s in all, the longest 1.2 s at 10.0 s" for warnings. */
export function describeRuns(runs: readonly Run[], fs: number): string {
  let total = 0;
  let longest = runs[0];
  for (const r of runs) {
    total += r.end - r.start;
    if (r.end - r.start > longest.end - longest.start) longest = r;
  }
  const s = (v: number): string => `${(v / fs).toFixed(2)} s`;
  return (
    `${runs.length} run${runs.length === 1 ? '' : 's'}, ${s(total)} in all, the longest ` +
    `${s(longest.end - longest.start)} at ${s(longest.start)}`
  );
}

/**
 * Centred moving average over `w` samples (w ≥ 1), the window shrinking at the edges so that
 * the first and last values average only real samples.
 */
export function movingAverage(x: Float64Array, w: number): Float64Array {
  const n = x.length;
  const win = Math.max(1, Math.round(w));
  const cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cum[i + 1] = cum[i] + x[i];
  const out = new Float64Array(n);
  const half = win >> 1;
  // (no Math.* in the loop: global lookups are slow inside jest's VM contexts)
  for (let i = 0; i < n; i++) {
    let lo = i - half;
    let hi = lo + win;
    if (lo < 0) lo = 0;
    if (hi > n) hi = n;
    out[i] = (cum[hi] - cum[lo]) / (hi - lo);
  }
  return out;
}

/** Runs where a[i] > b[i] (Elgendi's "blocks of interest"), at least `minLen` samples long. */
export function blocksAbove(a: Float64Array, b: Float64Array, minLen: number): Run[] {
  return runsWhere(a.length, (i) => a[i] > b[i]).filter((r) => r.end - r.start >= minLen);
}

/**
 * A typical mean of `e` that one large artefact cannot inflate: the median over consecutive
 * windows of `windowLen` samples of each window's mean (samples for which `skip` is true left
 * out; windows with fewer than half their samples left out). With fewer than three usable
 * windows, the plain mean of the usable samples.
 */
export function robustMean(
  e: Float64Array,
  windowLen: number,
  skip: (i: number) => boolean,
): number {
  const w = Math.max(1, Math.round(windowLen));
  const means: number[] = [];
  let total = 0;
  let totalCount = 0;
  for (let start = 0; start < e.length; start += w) {
    const end = Math.min(e.length, start + w);
    let sum = 0;
    let count = 0;
    for (let i = start; i < end; i++) {
      if (skip(i)) continue;
      sum += e[i];
      count++;
    }
    total += sum;
    totalCount += count;
    if (end - start === w && count >= w / 2) means.push(sum / count);
  }
  if (means.length >= 3) return median(means);
  return totalCount > 0 ? total / totalCount : 0;
}

/** Median of a numeric array (NaN for an empty one); does not modify the input. */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  const s = Float64Array.from(values).sort();
  return n % 2 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Linear-interpolated quantile q ∈ [0, 1] of already sorted values (numpy's default). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The checks both detectors run before filtering: non-finite runs are interpolated, a signal
 * with no finite sample or a constant value is refused, flat and clipped runs are reported.
 * Returns the filled signal, the runs where no peak may be reported, and warnings.
 */
/** Where a raw signal is not a recording of the body: sample runs, sorted. */
export interface SignalDefects {
  /** Non-finite samples (NaN, ±Infinity), interpolated for the filters. */
  readonly missing: readonly Run[];
  /** Constant for at least 1 s (an unplugged electrode, a stalled stream). */
  readonly flat: readonly Run[];
  /** Plateaus at the signal's own maximum or minimum (a saturated amplifier or ADC). */
  readonly clipped: readonly Run[];
}

export function inspectSignal(
  fn: string,
  raw: Float64Array,
  fs: number,
): { x: Float64Array; excluded: Run[]; defects: SignalDefects; warnings: string[] } {
  const warnings: string[] = [];
  const x = raw;
  const gaps = fillNonFinite(x);
  if (gaps === null) {
    throw new RangeError(`${fn}: the signal has no finite sample (all NaN or ±Infinity)`);
  }
  if (gaps.length > 0) {
    warnings.push(
      `non-finite samples (NaN/±Infinity): ${describeRuns(gaps, fs)}; interpolated, and no ` +
        'peak is reported there',
    );
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  if (!(hi > lo)) {
    throw new RangeError(`${fn}: the signal is a flat line (every finite sample equals ${lo})`);
  }
  // Flat runs of ≥ 1 s (an unplugged electrode, a stalled stream). Interpolated gaps are
  // straight lines, not flat ones, unless their two ends are equal: those are reported as gaps.
  const flats = flatRuns(x, Math.max(3, Math.round(fs))).filter(
    (r) => !gaps.some((g) => g.start <= r.start && g.end >= r.end),
  );
  if (flats.length > 0) {
    warnings.push(
      `flat segments (constant value ≥ 1 s): ${describeRuns(flats, fs)}; no peak is reported there`,
    );
  }
  const clipped = clippedRuns(x, Math.max(3, Math.round(0.01 * fs))).filter(
    (r) => !flats.some((f) => f.start <= r.start && f.end >= r.end),
  );
  if (clipped.length > 0) {
    let total = 0;
    for (const r of clipped) total += r.end - r.start;
    warnings.push(
      `the signal looks clipped (plateaus at its own maximum or minimum): ${clipped.length} ` +
        `plateau${clipped.length === 1 ? '' : 's'}, ${((100 * total) / x.length).toFixed(2)} % ` +
        'of samples; peaks on a plateau are placed at its centre',
    );
  }
  return {
    x,
    excluded: mergeRuns([...gaps, ...flats]),
    defects: { missing: gaps, flat: flats, clipped },
    warnings,
  };
}
