/**
 * Per-subject normalisation: z-scores of each processed channel with the mean and SD taken over
 * the subject's pre-trial baselines, or over all its trials.
 */

export type NormaliseMode = 'baseline' | 'trials' | 'none';

export interface ChannelStats {
  readonly mean: number;
  readonly sd: number;
}

/** Mean and SD of the finite samples of every segment together (SD 1 when it is 0). */
export function pooledStats(segments: readonly ArrayLike<number>[]): ChannelStats {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const s of segments) {
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (!Number.isFinite(v)) continue;
      n++;
      const d = v - mean;
      mean += d / n;
      m2 += d * (v - mean);
    }
  }
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  return { mean: n > 0 ? mean : 0, sd: sd > 0 ? sd : 1 };
}

/** (x − mean) / sd into a new array. */
export function zscore(x: ArrayLike<number>, s: ChannelStats): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - s.mean) / s.sd;
  return out;
}
