/**
 * RR-interval artefact detection and correction, and instantaneous heart rate.
 *
 * Classification follows J. A. Lipponen & M. P. Tarvainen, "A robust algorithm for heart rate
 * variability time series artefact correction using novel beat classification", J. Med. Eng.
 * Technol. 2019;43(3):173–181 (the method of Kubios HRV):
 *
 *  - dRR(j) = RR(j) − RR(j−1), normalised by a time-varying threshold Th1(j) = α·QD, QD the
 *    quartile deviation (Q3 − Q1)/2 of |dRR| over the 91 surrounding intervals, α = 5.2;
 *  - mRR(j) = RR(j) − median of the 11 surrounding intervals (negative values doubled),
 *    normalised by Th2(j) = α·QD of |mRR| over 91 intervals;
 *  - ectopic when |dRR(j)| > 1 and the neighbouring differences have the opposite sign:
 *    S12(j) = max(dRR(j−1), dRR(j+1)) if dRR(j) > 0, else the min; ectopic if
 *    dRR > 1 ∧ S12 < −c1·dRR − c2 or dRR < −1 ∧ S12 > −c1·dRR + c2 (c1 = 0.13, c2 = 0.17);
 *  - long/short when |dRR(j)| > 1 and S22(j) (min of dRR(j+1), dRR(j+2) if dRR(j) ≥ 0, else
 *    the max) has the opposite sign beyond 1, or |mRR(j)| > 3; a long interval is a missed
 *    beat when |RR(j)/2 − medRR(j)| < Th2(j), a short one an extra beat when
 *    |RR(j) + RR(j+1) − medRR(j)| < Th2(j).
 *
 * Choices of this implementation (documented, not in the paper):
 *  - dRR(0) = RR(0) − medRR(0), so that the first interval can be classified too;
 *  - QD is floored at 1 % of the median RR, so that perfectly regular (synthetic) series do
 *    not divide by zero;
 *  - a long interval of about k ≥ 2 median intervals (|RR/k − medRR| < Th2) counts as k − 1
 *    missed beats (the paper's rule is k = 2);
 *  - corrections act on peaks (sample indices), not on the RR series: an extra beat is removed,
 *    missed beats are inserted evenly, and for an ectopic/long/short interval the bounding peak
 *    whose move to the midpoint of its neighbours brings its two intervals closest to the local
 *    median is moved there (an ectopic beat and its compensatory pause become two average
 *    intervals, as the paper's interpolation does). The move must bring the two intervals'
 *    summed distance to the median down by more than half and by more than Th2(j); otherwise
 *    (a genuine pause or rate change, or beat-to-beat variability that only just crosses the
 *    thresholds) the interval is left alone and reported unresolved.
 *  - classification and correction repeat until nothing changes (at most 10 passes), each
 *    pass correcting only intervals whose peaks no earlier correction of that pass touched.
 */
import { median, quantileSorted } from './internal.js';

/** The artefact types of Lipponen & Tarvainen. */
export type RrArtefact = 'ectopic' | 'missed' | 'extra' | 'long' | 'short';

export interface RrClassifyOptions {
  /** Threshold multiplier α. Default 5.2. */
  readonly alpha?: number;
  /** Ectopic decision boundary slope c1. Default 0.13. */
  readonly c1?: number;
  /** Ectopic decision boundary offset c2. Default 0.17. */
  readonly c2?: number;
  /** Intervals in the quartile-deviation window. Default 91. */
  readonly qdWindow?: number;
  /** Intervals in the median window. Default 11. */
  readonly medianWindow?: number;
}

export interface RrClassification {
  /** Per interval: its artefact type, or null for a normal interval. */
  readonly types: ReadonlyArray<RrArtefact | null>;
  /** Missed beats per interval (k − 1 for a 'missed' interval of k median intervals, else 0). */
  readonly missedBeats: Int32Array;
  /** Normalised successive differences dRR(j) / Th1(j). */
  readonly dRR: Float64Array;
  /** Normalised deviations from the local median mRR(j) / Th2(j). */
  readonly mRR: Float64Array;
  /** Local median interval medRR(j), in the input's units. */
  readonly medRR: Float64Array;
  /** Threshold Th2(j), in the input's units. */
  readonly th2: Float64Array;
}

function checkPositive(fn: string, name: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) {
    throw new RangeError(`${fn}: ${name} must be a positive number, got ${v}`);
  }
}

/** Quartile deviation of |v| over a centred window of `w` values (shrinking at the edges). */
function windowedQd(v: Float64Array, w: number): Float64Array {
  const m = v.length;
  const half = w >> 1;
  const out = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const lo = Math.max(0, j - half);
    const hi = Math.min(m, j + half + 1);
    const s = new Float64Array(hi - lo);
    for (let i = lo; i < hi; i++) s[i - lo] = Math.abs(v[i]);
    s.sort();
    out[j] = (quantileSorted(s, 0.75) - quantileSorted(s, 0.25)) / 2;
  }
  return out;
}

/**
 * Classifies each interval of the RR series `rr` (any time unit; all intervals > 0) as normal
 * (null) or one of Lipponen & Tarvainen's artefact types. See the module comment.
 */
export function classifyRr(rr: ArrayLike<number>, opts: RrClassifyOptions = {}): RrClassification {
  const alpha = opts.alpha ?? 5.2;
  const c1 = opts.c1 ?? 0.13;
  const c2 = opts.c2 ?? 0.17;
  const qdWindow = opts.qdWindow ?? 91;
  const medWindow = opts.medianWindow ?? 11;
  checkPositive('classifyRr', 'alpha', alpha);
  checkPositive('classifyRr', 'qdWindow', qdWindow);
  checkPositive('classifyRr', 'medianWindow', medWindow);
  if (!Number.isFinite(c1) || !Number.isFinite(c2)) {
    throw new RangeError(`classifyRr: c1 and c2 must be finite, got ${c1}, ${c2}`);
  }
  const m = rr.length;
  const r = Float64Array.from(rr);
  for (let j = 0; j < m; j++) {
    if (!(r[j] > 0) || !Number.isFinite(r[j])) {
      throw new RangeError(`classifyRr: interval ${j} is ${r[j]}; intervals must be positive`);
    }
  }
  const types: Array<RrArtefact | null> = new Array<RrArtefact | null>(m).fill(null);
  const missedBeats = new Int32Array(m);
  const medRR = new Float64Array(m);
  const halfMed = medWindow >> 1;
  for (let j = 0; j < m; j++) {
    medRR[j] = median(r.subarray(Math.max(0, j - halfMed), Math.min(m, j + halfMed + 1)));
  }
  const qdFloor = 0.01 * median(r);
  const dRRs = new Float64Array(m);
  for (let j = 0; j < m; j++) dRRs[j] = j > 0 ? r[j] - r[j - 1] : r[0] - medRR[0];
  const mRRs = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const d = r[j] - medRR[j];
    mRRs[j] = d < 0 ? 2 * d : d;
  }
  const qd1 = windowedQd(dRRs, qdWindow);
  const qd2 = windowedQd(mRRs, qdWindow);
  const dRR = new Float64Array(m);
  const mRR = new Float64Array(m);
  const th2 = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    dRR[j] = dRRs[j] / (alpha * Math.max(qd1[j], qdFloor));
    th2[j] = alpha * Math.max(qd2[j], qdFloor);
    mRR[j] = mRRs[j] / th2[j];
  }
  const at = (j: number): number => (j >= 0 && j < m ? dRR[j] : 0);
  for (let j = 0; j < m; j++) {
    const d = dRR[j];
    const s12 = d > 0 ? Math.max(at(j - 1), at(j + 1)) : Math.min(at(j - 1), at(j + 1));
    const s22 = d >= 0 ? Math.min(at(j + 1), at(j + 2)) : Math.max(at(j + 1), at(j + 2));
    if ((d > 1 && s12 < -c1 * d - c2) || (d < -1 && s12 > -c1 * d + c2)) {
      types[j] = 'ectopic';
      continue;
    }
    if ((d > 1 && s22 < -1) || (d < -1 && s22 > 1) || Math.abs(mRR[j]) > 3) {
      if (r[j] > medRR[j]) {
        const k = Math.round(r[j] / medRR[j]);
        if (k >= 2 && Math.abs(r[j] / k - medRR[j]) < th2[j]) {
          types[j] = 'missed';
          missedBeats[j] = k - 1;
        } else {
          types[j] = 'long';
        }
      } else if (j + 1 < m && Math.abs(r[j] + r[j + 1] - medRR[j]) < th2[j]) {
        types[j] = 'extra';
      } else {
        types[j] = 'short';
      }
    }
  }
  return { types, missedBeats, dRR, mRR, medRR, th2 };
}

/** One change correctPeaks made. */
export interface PeakChange {
  /** The artefact that was corrected. */
  readonly artefact: RrArtefact;
  readonly action: 'removed' | 'inserted' | 'moved';
  /** Sample index before the change (null for an inserted peak). */
  readonly from: number | null;
  /** Sample index after the change (null for a removed peak). */
  readonly to: number | null;
}

export interface CorrectedPeaks {
  /** Corrected peak sample indices, increasing. */
  readonly peaks: Int32Array;
  /** What was changed, in the order it was done. */
  readonly changes: PeakChange[];
  /** Intervals still flagged after correction: [index into the corrected intervals, type]. */
  readonly unresolved: ReadonlyArray<readonly [number, RrArtefact]>;
  /** Classification passes run. */
  readonly passes: number;
}

export interface CorrectPeaksOptions extends RrClassifyOptions {
  /** Most classification/correction passes. Default 10. */
  readonly maxPasses?: number;
}

function checkPeaks(fn: string, peaks: ArrayLike<number>): number[] {
  const p = Array.from(peaks);
  for (let i = 0; i < p.length; i++) {
    if (!Number.isFinite(p[i])) throw new RangeError(`${fn}: peak ${i} is ${p[i]}`);
    if (i > 0 && !(p[i] > p[i - 1])) {
      throw new RangeError(
        `${fn}: peaks must be strictly increasing sample indices (peak ${i} = ${p[i]} after ${p[i - 1]})`,
      );
    }
  }
  return p;
}

/**
 * Corrects the peak series `peaks` (sample indices at `fs` Hz, increasing) for missed, extra,
 * ectopic and misplaced beats (Lipponen & Tarvainen 2019; see the module comment). Fewer than
 * four peaks are returned unchanged.
 */
export function correctPeaks(
  peaks: ArrayLike<number>,
  fs: number,
  opts: CorrectPeaksOptions = {},
): CorrectedPeaks {
  checkPositive('correctPeaks', 'fs', fs);
  const maxPasses = opts.maxPasses ?? 10;
  let p = checkPeaks('correctPeaks', peaks);
  const changes: PeakChange[] = [];
  let passes = 0;
  let unresolved: Array<readonly [number, RrArtefact]> = [];
  while (p.length >= 4 && passes < maxPasses) {
    passes++;
    const rr = new Float64Array(p.length - 1);
    for (let j = 0; j < rr.length; j++) rr[j] = p[j + 1] - p[j];
    const cls = classifyRr(rr, opts);
    const touched = new Uint8Array(p.length);
    const remove = new Uint8Array(p.length);
    const moved = new Map<number, number>();
    const inserts = new Map<number, number[]>(); // after peak index → new samples
    unresolved = [];
    let acted = false;
    const touch = (...idx: number[]): void => {
      for (const i of idx) if (i >= 0 && i < p.length) touched[i] = 1;
    };
    for (let j = 0; j < rr.length; j++) {
      const type = cls.types[j];
      if (type === null) continue;
      const a = j;
      const b = j + 1;
      if (touched[a] || touched[b]) continue;
      if (type === 'missed') {
        const k = cls.missedBeats[j] + 1;
        const added: number[] = [];
        for (let s = 1; s < k; s++) added.push(Math.round(p[a] + ((p[b] - p[a]) * s) / k));
        inserts.set(a, added);
        for (const v of added)
          changes.push({ artefact: 'missed', action: 'inserted', from: null, to: v });
        touch(a, b);
        acted = true;
      } else if (type === 'extra') {
        remove[b] = 1;
        changes.push({ artefact: 'extra', action: 'removed', from: p[b], to: null });
        touch(a, b, b + 1);
        acted = true;
      } else {
        // ectopic / long / short: move the bounding peak that best restores its intervals
        const med = cls.medRR[j];
        let best = -1;
        let bestGain = 0;
        let bestBefore = 0;
        for (const c of [a, b]) {
          if (c < 1 || c > p.length - 2 || touched[c - 1] || touched[c + 1]) continue;
          const A = p[c] - p[c - 1];
          const B = p[c + 1] - p[c];
          const before = Math.abs(A - med) + Math.abs(B - med);
          const after = 2 * Math.abs((A + B) / 2 - med);
          if (before - after > bestGain) {
            bestGain = before - after;
            bestBefore = before;
            best = c;
          }
        }
        if (best >= 0 && bestGain > Math.max(0.5 * bestBefore, cls.th2[j])) {
          const to = Math.round((p[best - 1] + p[best + 1]) / 2);
          const artefact: RrArtefact =
            cls.types[best - 1] === 'ectopic' || cls.types[best] === 'ectopic' ? 'ectopic' : type;
          if (to !== p[best]) {
            moved.set(best, to);
            changes.push({ artefact, action: 'moved', from: p[best], to });
            acted = true;
            touch(best - 1, best, best + 1);
          } else {
            unresolved.push([j, type]);
          }
        } else {
          unresolved.push([j, type]);
        }
      }
    }
    if (!acted) break;
    const next: number[] = [];
    for (let i = 0; i < p.length; i++) {
      if (!remove[i]) next.push(moved.get(i) ?? p[i]);
      const add = inserts.get(i);
      if (add) next.push(...add);
    }
    p = next;
    if (passes === maxPasses) {
      // report what the last correction left
      const rr2 = new Float64Array(Math.max(0, p.length - 1));
      for (let j = 0; j < rr2.length; j++) rr2[j] = p[j + 1] - p[j];
      const cls2 = classifyRr(rr2, opts);
      unresolved = [];
      cls2.types.forEach((t, j) => {
        if (t !== null) unresolved.push([j, t]);
      });
    }
  }
  return { peaks: Int32Array.from(p), changes, unresolved, passes };
}

export interface InstantaneousRateOptions {
  /** 'monotone' (Fritsch–Carlson monotone cubic, the default) or 'linear'. */
  readonly interpolation?: 'monotone' | 'linear';
}

/** Monotone cubic Hermite tangents (F. N. Fritsch & R. E. Carlson, SIAM J. Numer. Anal.
 * 1980;17(2):238–246): no overshoot between knots. */
function monotoneTangents(t: Float64Array, y: Float64Array): Float64Array {
  const k = t.length;
  const d = new Float64Array(k - 1);
  for (let i = 0; i < k - 1; i++) d[i] = (y[i + 1] - y[i]) / (t[i + 1] - t[i]);
  const m = new Float64Array(k);
  m[0] = d[0];
  m[k - 1] = d[k - 2];
  for (let i = 1; i < k - 1; i++) m[i] = d[i - 1] * d[i] <= 0 ? 0 : (d[i - 1] + d[i]) / 2;
  for (let i = 0; i < k - 1; i++) {
    if (d[i] === 0) {
      m[i] = 0;
      m[i + 1] = 0;
      continue;
    }
    const a = m[i] / d[i];
    const b = m[i + 1] / d[i];
    const s = a * a + b * b;
    if (s > 9) {
      const tau = 3 / Math.sqrt(s);
      m[i] = tau * a * d[i];
      m[i + 1] = tau * b * d[i];
    }
  }
  return m;
}

/**
 * Heart rate in beats per minute at every sample of a signal of `n` samples at `fs` Hz (or at
 * every sample of the same time span at `outFs` Hz: ceil(n·outFs/fs) values), from the peaks
 * (sample indices, increasing, at least two). The rate of each interval, 60·fs/(p(k) − p(k−1)),
 * is placed at the interval's closing peak and interpolated between peaks (monotone cubic by
 * default, never overshooting); before the first and after the last it is held constant.
 */
export function instantaneousRate(
  peaks: ArrayLike<number>,
  fs: number,
  n: number,
  outFs?: number,
  opts: InstantaneousRateOptions = {},
): Float64Array {
  checkPositive('instantaneousRate', 'fs', fs);
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`instantaneousRate: n must be a non-negative integer, got ${n}`);
  }
  if (outFs !== undefined) checkPositive('instantaneousRate', 'outFs', outFs);
  const mode = opts.interpolation ?? 'monotone';
  if (mode !== 'monotone' && mode !== 'linear') {
    throw new RangeError(`instantaneousRate: interpolation must be 'monotone' or 'linear'`);
  }
  const p = checkPeaks('instantaneousRate', peaks);
  if (p.length < 2) {
    throw new RangeError(
      `instantaneousRate: at least 2 peaks are needed for a heart rate, got ${p.length}`,
    );
  }
  const k = p.length - 1;
  const t = new Float64Array(k);
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    t[i] = p[i + 1] / fs;
    y[i] = (60 * fs) / (p[i + 1] - p[i]);
  }
  const rate = outFs ?? fs;
  const count = outFs === undefined ? n : Math.ceil((n * outFs) / fs);
  const out = new Float64Array(count);
  const tangents = mode === 'monotone' && k >= 2 ? monotoneTangents(t, y) : null;
  let seg = 0;
  for (let i = 0; i < count; i++) {
    const ti = i / rate;
    if (ti <= t[0]) {
      out[i] = y[0];
      continue;
    }
    if (ti >= t[k - 1]) {
      out[i] = y[k - 1];
      continue;
    }
    while (t[seg + 1] < ti) seg++;
    const h = t[seg + 1] - t[seg];
    const s = (ti - t[seg]) / h;
    if (tangents === null) {
      out[i] = y[seg] + (y[seg + 1] - y[seg]) * s;
    } else {
      const s2 = s * s;
      const s3 = s2 * s;
      out[i] =
        (2 * s3 - 3 * s2 + 1) * y[seg] +
        (s3 - 2 * s2 + s) * h * tangents[seg] +
        (-2 * s3 + 3 * s2) * y[seg + 1] +
        (s3 - s2) * h * tangents[seg + 1];
    }
  }
  return out;
}
