import { describe, expect, it } from '@jest/globals';
import { parseFramecrc } from './keyframes.js';
import { planSegments, seekStep, type SegmentPlanInput } from './spans.js';

/** A 2-fps grid from 9 s (seek 8 s) on a 25-fps video with a key frame every `gop` s. */
function input(
  wanted: number[],
  gop: number,
  more: Partial<SegmentPlanInput> = {},
): SegmentPlanInput {
  return {
    wanted,
    sampleFps: 2,
    seekS: 8,
    startS: 9,
    step: 1,
    marginSlots: 2,
    keyframesS: Array.from({ length: Math.ceil(1500 / gop) }, (_, i) => i * gop),
    videoFps: 25,
    seekCostFrames: 100,
    ...more,
  };
}

/** The stage's pattern: the crop every 20 samples (10 s) and the 2 samples before it. */
const stagePattern = (windows: number): number[] =>
  Array.from({ length: windows }, (_, w) => [20 * w, 20 * w + 1, 20 * w + 2]).flat();

describe('seekStep', () => {
  it('is the fewest sample periods that are whole µs and whole time-base ticks', () => {
    expect(seekStep(2, [1, 12800])).toBe(1); // 0.5 s = 6400 ticks
    expect(seekStep(2, [1, 50])).toBe(1);
    expect(seekStep(2, [1, 25])).toBe(2); // 0.5 s = 12.5 ticks: 1 s = 25
    expect(seekStep(2, [1, 1000])).toBe(1);
    expect(seekStep(4, [1, 25])).toBe(4);
    expect(seekStep(3, [1, 12800])).toBeNull(); // a third of a second is no whole µs
    expect(seekStep(2, [1001, 30000])).toBeNull(); // 1001 periods: over 10 s
  });
});

describe('planSegments', () => {
  it('decodes through when the key frames are too far apart to save anything', () => {
    // key frame every 10 s just after each crop's track frames: seeking saves nothing
    const segs = planSegments(input(stagePattern(50), 10));
    expect(segs).toEqual([{ from: 0, slots: stagePattern(50) }]);
  });

  it('seeks to each window when key frames are close, starting marginSlots before it', () => {
    const segs = planSegments(input(stagePattern(5), 1));
    expect(segs.map((s) => s.from)).toEqual([0, 18, 38, 58, 78]);
    expect(segs.map((s) => s.slots)).toEqual(
      [0, 1, 2, 3, 4].map((w) => [20 * w, 20 * w + 1, 20 * w + 2]),
    );
  });

  it('merges spans whose gap costs fewer source frames than a seek', () => {
    // samples 40 and 46: a new run would start at 44 (seek 30 s, key frame 30 s): it saves
    // (30 − 29) s × 25 = 25 frames < 100, so one run
    expect(planSegments(input([40, 46], 1))).toEqual([{ from: 38, slots: [40, 46] }]);
    // 40 and 100: key frame at 57 s, 28 s after sample 40 (29 s): 700 frames saved
    expect(planSegments(input([40, 100], 1))).toEqual([
      { from: 38, slots: [40] },
      { from: 98, slots: [100] },
    ]);
    // a dearer seek merges them
    expect(planSegments(input([40, 100], 1, { seekCostFrames: 1000 }))).toHaveLength(1);
  });

  it('starts segments on multiples of the step, and never before the span', () => {
    const segs = planSegments(input([1, 61, 121], 1, { step: 2, marginSlots: 3 }));
    expect(segs).toEqual([
      { from: 0, slots: [1] },
      { from: 58, slots: [61] },
      { from: 118, slots: [121] },
    ]);
    for (const s of segs) for (const n of s.slots) expect(n - s.from).toBeGreaterThanOrEqual(1);
  });

  it('one segment without key frames or a step; none for nothing; rejects bad lists', () => {
    expect(planSegments(input([5, 200], 1, { step: null }))).toEqual([
      { from: 0, slots: [5, 200] },
    ]);
    expect(planSegments(input([5, 200], 1, { keyframesS: [] }))).toEqual([
      { from: 0, slots: [5, 200] },
    ]);
    expect(planSegments(input([], 1))).toEqual([]);
    expect(() => planSegments(input([3, 3], 1))).toThrow(/ascending/);
    expect(() => planSegments(input([2, 1], 1))).toThrow(/ascending/);
  });
});

describe('parseFramecrc', () => {
  it('reads the time base and the key frames (packets without F=0x0)', () => {
    const text = [
      '#tb 0: 1/12800',
      '#media_type 0: video',
      '0,          0,          0,      512,    13654, 0xb37a7ecd',
      '0,        512,        512,      512,       90, 0x954e265b, F=0x0',
      '0,       1024,       1024,      512,       99, 0xbede2d67, F=0x0',
      '0,      12800,      12800,      512,    13001, 0x00000001',
      '0,      13312,      13312,      512,       88, 0x00000002, F=0x4',
    ].join('\n');
    expect(parseFramecrc(text)).toEqual({ timeBase: [1, 12800], keyframesS: [0, 1] });
    expect(parseFramecrc(text, 0.5)).toEqual({ timeBase: [1, 12800], keyframesS: [-0.5, 0.5] });
    expect(parseFramecrc('0, 0, 0, 1, 2, 0x1')).toBeNull();
    expect(parseFramecrc('#tb 0: 1/50\n0, 1, 1, 1, 2, 0x1, F=0x0')).toBeNull();
  });
});
