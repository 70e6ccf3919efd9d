/**
 * Which parts of a video to decode when only some sample times of a decode's grid are wanted
 * (`decodeFrames`'s `only`): the wanted sample numbers are grouped into segments, each decoded
 * by an ffmpeg run of its own that seeks to it, or decoded through when seeking would not save
 * enough.
 *
 * Same frames as one decode of the whole span: a segment's run is the whole span's run with its
 * seek point moved forward by a whole number of sample periods (`from` samples), so that every
 * timestamp ffmpeg computes (after its offset, in the stream's time base and in the `fps`
 * filter's) moves by a whole number of ticks and every rounding comes out the same. That needs
 * a period that is a whole number of microseconds (how ffmpeg reads `-ss`) and of the stream's
 * time-base ticks: {@link seekStep} gives the smallest such number of samples, and segments
 * start at its multiples. A segment starts at least `marginSlots` samples (≥ 1 s, ≥ 2 source
 * frames) before its first wanted sample, so the frame on screen there is decoded, not
 * trimmed away with what precedes the seek point.
 *
 * Cost: a segment's run decodes from the key frame before its seek point; decoding on through
 * the gap instead costs the source frames between the last wanted sample and that key frame.
 * A new segment starts when it saves more than `seekCostFrames` source frames (an ffmpeg start
 * and seek cost about 20–30 ms, what 720p H.264 takes to decode 50–100 frames here).
 */

export interface SegmentPlanInput {
  /** Wanted sample numbers n (times startS + n / sampleFps), ascending, distinct, ≥ 0. */
  readonly wanted: readonly number[];
  readonly sampleFps: number;
  /** The whole span's seek point, s (sample n is at seekS + lead + n / sampleFps). */
  readonly seekS: number;
  /** Time of sample 0, s. */
  readonly startS: number;
  /** Segment starts are multiples of this many samples; null: one segment (never seek). */
  readonly step: number | null;
  /** Samples a segment starts before its first wanted one. */
  readonly marginSlots: number;
  /** Key frame times, s, ascending (empty: unknown, never seek). */
  readonly keyframesS: readonly number[];
  readonly videoFps: number;
  /** Source frames a new ffmpeg run must save to be worth its start (see the file comment). */
  readonly seekCostFrames: number;
}

/** One ffmpeg run: its seek point is `from` sample periods after the span's; its samples. */
export interface Segment {
  readonly from: number;
  readonly slots: readonly number[];
}

export const SEEK_COST_FRAMES = 100;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The smallest number of sample periods that is a whole number of microseconds and of ticks of
 * the time base `num/den`, or null when there is none within 10 s (then never seek).
 */
export function seekStep(sampleFps: number, timeBase: readonly [number, number]): number | null {
  const periodUs = 1e6 / sampleFps;
  const [num, den] = timeBase;
  if (!Number.isInteger(periodUs) || !Number.isInteger(num) || !Number.isInteger(den)) return null;
  // period in ticks = periodUs · den / (num · 1e6); q periods are whole when num·1e6 | q·periodUs·den
  const unit = num * 1e6;
  const per = periodUs * den;
  if (!Number.isSafeInteger(unit) || !Number.isSafeInteger(per)) return null;
  const q = unit / gcd(per, unit);
  return q * periodUs <= 10e6 ? q : null;
}

/** Index of the last key frame at or before t, or -1. */
function keyframeBefore(keys: readonly number[], t: number): number {
  let lo = 0;
  let hi = keys.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] <= t + 1e-9) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return at;
}

/** The segments to decode (see the file comment). */
export function planSegments(p: SegmentPlanInput): Segment[] {
  const { wanted } = p;
  if (wanted.length === 0) return [];
  for (let i = 0; i < wanted.length; i++) {
    if (!(Number.isInteger(wanted[i]) && wanted[i] >= 0) || (i > 0 && wanted[i] <= wanted[i - 1])) {
      throw new RangeError(
        `planSegments: wanted samples must be distinct integers ≥ 0 in ascending order, got ${wanted[i]} at ${i}`,
      );
    }
  }
  if (p.step === null || p.keyframesS.length === 0) return [{ from: 0, slots: [...wanted] }];
  const step = p.step;
  const startOf = (n: number): number => Math.max(0, Math.floor((n - p.marginSlots) / step) * step);
  const out: { from: number; slots: number[] }[] = [{ from: startOf(wanted[0]), slots: [] }];
  for (const n of wanted) {
    const cur = out[out.length - 1];
    if (cur.slots.length > 0) {
      const from = startOf(n);
      const lastT = p.startS + cur.slots[cur.slots.length - 1] / p.sampleFps;
      const k = keyframeBefore(p.keyframesS, p.seekS + from / p.sampleFps);
      const saved = k < 0 ? 0 : (p.keyframesS[k] - lastT) * p.videoFps;
      if (from > cur.from && saved > p.seekCostFrames) {
        out.push({ from, slots: [n] });
        continue;
      }
    }
    cur.slots.push(n);
  }
  return out;
}
