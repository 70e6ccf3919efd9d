import { describe, expect, test } from '@jest/globals';
import type { FaceBox } from './boxes.js';
import { BoxTracker, boxSteps, smoothBoxes } from './tracker.js';

/** A box from its centre and size. */
const at = (cx: number, cy: number, w: number, h = w): FaceBox => [cx - w / 2, cy - h / 2, w, h];

describe('BoxTracker (ema)', () => {
  test('the first box passes through; later ones are averaged with weight alpha', () => {
    const t = new BoxTracker({ alpha: 0.5 });
    const first = t.update(at(100, 100, 50));
    expect(first).toEqual({
      box: at(100, 100, 50),
      raw: at(100, 100, 50),
      found: true,
      carried: false,
      reset: true,
    });
    const second = t.update(at(110, 100, 60));
    expect(second.reset).toBe(false);
    expect(second.box).toEqual(at(105, 100, 55));
    expect(t.current).toEqual(at(105, 100, 55));
  });

  test('jitter around a fixed box is reduced', () => {
    const jitter = [3, -2, 4, -3, 2, -4, 3, -1, 2, -3];
    const raw = jitter.map((d, i) => at(200 + d, 150 - d, 100 + (i % 2 ? 2 : -2)));
    const smooth = smoothBoxes(raw, { alpha: 0.3 }).map((r) => r.box);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rawSteps = mean(boxSteps(raw).map((s) => s.centre));
    const smoothSteps = mean(boxSteps(smooth).map((s) => s.centre));
    expect(smoothSteps).toBeLessThan(rawSteps / 2);
  });

  test('a jump farther than jumpThreshold × size, or a size change beyond the ratio, resets', () => {
    const t = new BoxTracker({ alpha: 0.2, jumpThreshold: 0.5, sizeJumpRatio: 1.5 });
    t.update(at(100, 100, 50));
    expect(t.update(at(120, 100, 50)).reset).toBe(false); // 20 px < 25 px
    const jumped = t.update(at(300, 100, 50));
    expect(jumped.reset).toBe(true);
    expect(jumped.box).toEqual(at(300, 100, 50));
    expect(t.update(at(300, 100, 80)).reset).toBe(true); // 80 / 50 > 1.5
    expect(t.update(at(300, 100, 90)).reset).toBe(false);
  });

  test('a frame without a face is flagged, never filled in silently', () => {
    const out = smoothBoxes([at(100, 100, 50), null, at(100, 100, 50)]);
    expect(out[1]).toEqual({ box: null, raw: null, found: false, carried: false, reset: false });
    // without carrying, the gap restarts the smoothing
    expect(out[2].reset).toBe(true);
  });

  test('carryFrames carries the last smoothed box, flagged, for at most N frames', () => {
    const out = smoothBoxes(
      [at(100, 100, 50), at(104, 100, 50), null, null, null, at(100, 100, 50)],
      {
        carryFrames: 2,
      },
    );
    expect(out[2]).toEqual({
      box: out[1].box,
      raw: null,
      found: false,
      carried: true,
      reset: false,
    });
    expect(out[3].carried).toBe(true);
    expect(out[4]).toEqual({ box: null, raw: null, found: false, carried: false, reset: false });
    expect(out[5].reset).toBe(true);
    // within the carry window the smoothing goes on
    const short = smoothBoxes([at(100, 100, 50), null, at(104, 100, 50)], {
      carryFrames: 1,
      alpha: 0.5,
    });
    expect(short[2].reset).toBe(false);
    expect(short[2].box).toEqual(at(102, 100, 50));
  });
});

describe('BoxTracker (median)', () => {
  test('per-coordinate median of the last `window` boxes ignores a single outlier', () => {
    const seq = [at(100, 100, 50), at(102, 100, 50), at(118, 100, 50), at(101, 100, 50)];
    const out = smoothBoxes(seq, { method: 'median', window: 3, jumpThreshold: 1 });
    expect(out[2].box).toEqual(at(102, 100, 50)); // median of 100, 102, 118
    expect(out[3].box).toEqual(at(102, 100, 50)); // median of 102, 118, 101
  });

  test('window 1 is no smoothing', () => {
    const seq = [at(100, 100, 50), at(110, 105, 52)];
    expect(smoothBoxes(seq, { method: 'median', window: 1 }).map((r) => r.box)).toEqual(seq);
  });
});

describe('smoothBoxes and options', () => {
  test('batch and streaming give the same output', () => {
    const seq = [at(100, 100, 50), at(103, 99, 51), null, at(101, 102, 49), at(250, 100, 50)];
    const opts = { alpha: 0.4, carryFrames: 1 };
    const t = new BoxTracker(opts);
    expect(smoothBoxes(seq, opts)).toEqual(seq.map((b) => t.update(b)));
  });

  test('bad options and boxes are refused', () => {
    expect(() => new BoxTracker({ alpha: 0 })).toThrow(/alpha/);
    expect(() => new BoxTracker({ window: 0 })).toThrow(/window/);
    expect(() => new BoxTracker({ sizeJumpRatio: 1 })).toThrow(/sizeJumpRatio/);
    expect(() => new BoxTracker({ carryFrames: -1 })).toThrow(/carryFrames/);
    expect(() => new BoxTracker().update([0, 0, 0, 10])).toThrow(/w, h > 0/);
  });

  test('boxSteps: centre move and size change relative to the earlier box', () => {
    const steps = boxSteps([at(100, 100, 50), at(105, 100, 55), null, at(0, 0, 10)]);
    expect(steps).toEqual([{ index: 1, centre: 0.1, size: 0.1 }]);
  });
});
