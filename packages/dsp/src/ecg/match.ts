/**
 * Beat-by-beat comparison of detected peaks with reference annotations, in the manner of the
 * ANSI/AAMI EC57 beat-detection statistics: each reference beat is matched to at most one
 * detection within ±tol samples, and each detection to at most one reference beat.
 */

export interface BeatMatch {
  /** Reference beats with a detection within tolerance. */
  readonly tp: number;
  /** Detections matched to no reference beat. */
  readonly fp: number;
  /** Reference beats matched by no detection. */
  readonly fn: number;
  /** Sensitivity tp / (tp + fn); 1 when there is no reference beat. */
  readonly se: number;
  /** Positive predictivity tp / (tp + fp); 1 when nothing was detected. */
  readonly ppv: number;
  /** Pairs [detected, reference] of matched beats, in time order. */
  readonly pairs: ReadonlyArray<readonly [number, number]>;
}

function sortedCopy(name: string, v: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(v);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new RangeError(`matchBeats: ${name}[${i}] is ${out[i]}`);
  }
  return out.sort();
}

/**
 * Matches `detected` to `reference` (sample indices, any order) within ±`tolSamples`. Both are
 * walked in time order and each reference beat takes the earliest still unmatched detection
 * within tolerance. Because every tolerance window has the same width, this greedy rule gives
 * a maximum one-to-one matching (the most true positives any pairing can give).
 */
export function matchBeats(
  detected: ArrayLike<number>,
  reference: ArrayLike<number>,
  tolSamples: number,
): BeatMatch {
  if (!(tolSamples >= 0) || !Number.isFinite(tolSamples)) {
    throw new RangeError(`matchBeats: tolSamples must be a non-negative number, got ${tolSamples}`);
  }
  const det = sortedCopy('detected', detected);
  const ref = sortedCopy('reference', reference);
  const pairs: Array<readonly [number, number]> = [];
  let j = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    while (j < det.length && det[j] < r - tolSamples) j++;
    if (j < det.length && det[j] <= r + tolSamples) {
      pairs.push([det[j], r]);
      j++;
    }
  }
  const tp = pairs.length;
  const fn = ref.length - tp;
  const fp = det.length - tp;
  return {
    tp,
    fp,
    fn,
    se: ref.length === 0 ? 1 : tp / ref.length,
    ppv: det.length === 0 ? 1 : tp / det.length,
    pairs,
  };
}
