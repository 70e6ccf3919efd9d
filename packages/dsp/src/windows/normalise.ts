/**
 * Per-subject normalisation: z-scores of each processed channel with the mean and SD taken over
 * the subject's pre-trial baselines, or over all its trials.
 */

export type NormaliseMode = 'baseline' | 'trials' | 'none';

export interface ChannelStats {
  readonly mean: number;
  readonly sd: number;
}

/** Welford's running mean and SD of the finite values added so far. */
export class RunningStats {
  private n = 0;
  private mean = 0;
  private m2 = 0;
  add(x: ArrayLike<number>): void {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (!Number.isFinite(v)) continue;
      this.n++;
      const d = v - this.mean;
      this.mean += d / this.n;
      this.m2 += d * (v - this.mean);
    }
  }
  /** Mean and SD so far (SD 1 while it is 0). */
  stats(): ChannelStats {
    const sd = this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0;
    return { mean: this.n > 0 ? this.mean : 0, sd: sd > 0 ? sd : 1 };
  }
}

/** Mean and SD of the finite samples of every segment together (SD 1 when it is 0). */
export function pooledStats(segments: readonly ArrayLike<number>[]): ChannelStats {
  const r = new RunningStats();
  for (const s of segments) r.add(s);
  return r.stats();
}

/** (x − mean) / sd into a new array. */
export function zscore(x: ArrayLike<number>, s: ChannelStats): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - s.mean) / s.sd;
  return out;
}
