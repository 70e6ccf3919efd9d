import { describe, expect, test } from '@jest/globals';
import type { FaceBox } from './boxes.js';
import { bestFace, boxCentre, boxIou, boxSize, largestFace, withMargin } from './boxes.js';

describe('box helpers', () => {
  test('centre, size (√(w·h)) and IoU', () => {
    expect(boxCentre([10, 20, 30, 40])).toEqual([25, 40]);
    expect(boxSize([0, 0, 16, 9])).toBe(12);
    expect(boxIou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(boxIou([0, 0, 10, 10], [5, 0, 10, 10])).toBeCloseTo(50 / 150);
    expect(boxIou([0, 0, 10, 10], [20, 20, 5, 5])).toBe(0);
  });

  test('largestFace: the largest area, ties to the higher score; null for none', () => {
    expect(largestFace([])).toBeNull();
    const a = { box: [0, 0, 10, 10] as FaceBox, score: 0.9 };
    const b = { box: [50, 50, 20, 20] as FaceBox, score: 0.6 };
    const c = { box: [90, 0, 20, 20] as FaceBox, score: 0.8 };
    expect(largestFace([a, b])).toBe(b);
    expect(largestFace([a, b, c])).toBe(c);
    expect(largestFace([b, a])).toBe(b);
  });

  test('bestFace: the highest score, ties to the larger box; null for none', () => {
    expect(bestFace([])).toBeNull();
    const real = { box: [300, 250, 110, 110] as FaceBox, score: 0.72 };
    const shadow = { box: [30, 130, 290, 290] as FaceBox, score: 0.58 }; // larger, less sure
    expect(bestFace([shadow, real])).toBe(real);
    expect(largestFace([shadow, real])).toBe(shadow);
    const tie = { box: [0, 0, 200, 200] as FaceBox, score: 0.72 };
    expect(bestFace([real, tie])).toBe(tie);
    expect(bestFace([tie, real])).toBe(tie);
  });
});

describe('withMargin', () => {
  test('grows by the margin on each side, squares on the larger side, keeps the centre', () => {
    // 100×80 box centred at (200, 150): side 100·1.4 = 140.
    expect(withMargin([150, 110, 100, 80], 0.2, 400, 300)).toEqual([130, 80, 140, 140]);
    expect(withMargin([150, 110, 100, 80], 0, 400, 300)).toEqual([150, 100, 100, 100]);
    expect(withMargin([150, 110, 100, 80], undefined, 400, 300)).toEqual([130, 80, 140, 140]);
  });

  test('lift raises the crop by a share of the face box, so the face sits lower in it', () => {
    // centre (200, 150), side 140; lift 0.1 of the larger side (100) raises it by 10 pixels
    expect(withMargin([150, 110, 100, 80], 0.2, 400, 300, 0.1)).toEqual([130, 70, 140, 140]);
    expect(withMargin([150, 110, 100, 80], 0.2, 400, 300, -0.1)).toEqual([130, 90, 140, 140]);
    // still inside the frame at the top edge
    expect(withMargin([150, 10, 100, 80], 0.2, 400, 300, 0.5)).toEqual([130, 0, 140, 140]);
    expect(() => withMargin([0, 0, 10, 10], 0.2, 100, 100, Number.NaN)).toThrow(/lift/);
  });

  test('a box near an edge is shifted inside the frame and stays square', () => {
    expect(withMargin([-20, -10, 60, 60], 0.2, 400, 300)).toEqual([0, 0, 84, 84]);
    expect(withMargin([360, 260, 60, 60], 0.2, 400, 300)).toEqual([316, 216, 84, 84]);
  });

  test('a box larger than the frame becomes the largest square that fits', () => {
    expect(withMargin([0, 0, 380, 290], 0.2, 400, 300)).toEqual([40, 0, 300, 300]);
  });

  test('integer results inside the frame for fractional boxes', () => {
    const b = withMargin([10.4, 20.6, 33.3, 31.1], 0.25, 64, 48);
    for (const v of b) expect(Number.isInteger(v)).toBe(true);
    expect(b[0]).toBeGreaterThanOrEqual(0);
    expect(b[1]).toBeGreaterThanOrEqual(0);
    expect(b[0] + b[2]).toBeLessThanOrEqual(64);
    expect(b[1] + b[3]).toBeLessThanOrEqual(48);
    expect(b[2]).toBe(b[3]);
  });

  test('bad input is refused', () => {
    expect(() => withMargin([0, 0, 10, 10], -0.1, 100, 100)).toThrow(/margin/);
    expect(() => withMargin([0, 0, 10, 10], 0.2, 0, 100)).toThrow(/frame size/);
    expect(() => withMargin([0, Number.NaN, 10, 10], 0.2, 100, 100)).toThrow(/finite/);
  });
});
