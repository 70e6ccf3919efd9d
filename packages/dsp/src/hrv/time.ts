/**
 * Time-domain HRV indices (NeuroKit2's names; milliseconds, percent, bpm).
 *
 * - MeanNN, MedianNN, MinNN, MaxNN: of the RR intervals.
 * - SDNN: sample standard deviation (ddof = 1) of the intervals.
 * - RMSSD: √(mean of the squared successive differences ΔRR).
 * - SDSD: sample standard deviation (ddof = 1) of ΔRR.
 * - CVNN = SDNN / MeanNN, CVSD = RMSSD / MeanNN (fractions, as NeuroKit2).
 * - MadNN: 1.4826 × median |RR − MedianNN|; IQRNN: 75th − 25th percentile (linear).
 * - pNN50, pNN20: percent of successive differences with |ΔRR| > 50 (20) ms, strictly, over the
 *   number of differences (N − 1). NeuroKit2 divides by the number of intervals N instead, so
 *   ours is larger by the factor N / (N − 1) (0.2 % at 5 minutes).
 * - MeanHR = 60000 / MeanNN bpm: beats per minute over the recording, which is the
 *   time-weighted mean of the instantaneous rate 60000 / RR_i. (The plain average of
 *   60000 / RR_i is larger by about CVNN².)
 *
 * Intervals are used as given: no ectopic-beat or artefact correction (RR = NN here).
 */
import { checkedRr } from './intervals.js';
import { mean, percentileSorted, sorted, std, successiveDifferences } from './stats.js';

export interface HrvTime {
  MeanNN: number;
  SDNN: number;
  RMSSD: number;
  SDSD: number;
  CVNN: number;
  CVSD: number;
  MedianNN: number;
  MadNN: number;
  IQRNN: number;
  MinNN: number;
  MaxNN: number;
  pNN50: number;
  pNN20: number;
  MeanHR: number;
}

/**
 * Time-domain indices of RR intervals in ms (at least 3). `breaks` lists the intervals that do
 * not follow the one before them (the first of each run after an excluded span): successive
 * differences are taken within runs only.
 */
export function hrvTime(rrMs: ArrayLike<number>, breaks: Iterable<number> = []): HrvTime {
  const rr = checkedRr(rrMs, 'hrvTime');
  const d = successiveDifferences(rr, breaks);
  if (d.length < 2)
    throw new Error(`hrvTime: need at least 2 successive differences within runs, got ${d.length}`);
  const meanNN = mean(rr);
  const sdnn = std(rr, 1);
  let sq = 0;
  let nn50 = 0;
  let nn20 = 0;
  for (let i = 0; i < d.length; i++) {
    sq += d[i] * d[i];
    const a = Math.abs(d[i]);
    if (a > 50) nn50++;
    if (a > 20) nn20++;
  }
  const rmssd = Math.sqrt(sq / d.length);
  const s = sorted(rr);
  const med = percentileSorted(s, 50);
  const absDev = new Float64Array(rr.length);
  for (let i = 0; i < rr.length; i++) absDev[i] = Math.abs(rr[i] - med);
  return {
    MeanNN: meanNN,
    SDNN: sdnn,
    RMSSD: rmssd,
    SDSD: std(d, 1),
    CVNN: sdnn / meanNN,
    CVSD: rmssd / meanNN,
    MedianNN: med,
    MadNN: 1.4826 * percentileSorted(sorted(absDev), 50),
    IQRNN: percentileSorted(s, 75) - percentileSorted(s, 25),
    MinNN: s[0],
    MaxNN: s[s.length - 1],
    pNN50: (nn50 / d.length) * 100,
    pNN20: (nn20 / d.length) * 100,
    MeanHR: 60000 / meanNN,
  };
}
