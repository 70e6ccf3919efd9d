import { describe, expect, it } from '@jest/globals';
import { clampBox, cropBox, snapBox, squareBox } from './crop.js';
import type { RawImage } from './types.js';

// 4 × 3 grey image, value = 10 · row + column:
//  0  1  2  3
// 10 11 12 13
// 20 21 22 23
const img: RawImage = {
  width: 4,
  height: 3,
  channels: 1,
  data: Uint8Array.from([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]),
};
const rows = (a: RawImage): number[][] =>
  Array.from({ length: a.height }, (_, y) =>
    Array.from(a.data.subarray(y * a.width, (y + 1) * a.width)),
  );

describe('cropBox', () => {
  it('copies a box inside the image', () => {
    expect(rows(cropBox(img, { x: 1, y: 1, width: 2, height: 2 }))).toEqual([
      [11, 12],
      [21, 22],
    ]);
  });

  it('replicates the edge outside the image (default)', () => {
    expect(rows(cropBox(img, { x: -2, y: -1, width: 4, height: 3 }))).toEqual([
      [0, 0, 0, 1],
      [0, 0, 0, 1],
      [10, 10, 10, 11],
    ]);
    expect(rows(cropBox(img, { x: 2, y: 1, width: 4, height: 3 }))).toEqual([
      [12, 13, 13, 13],
      [22, 23, 23, 23],
      [22, 23, 23, 23],
    ]);
  });

  it("pads with the mean of the box's visible part, or a constant", () => {
    // Visible part: 12, 13, 22, 23 → mean 17.5 → 18.
    expect(rows(cropBox(img, { x: 2, y: 1, width: 3, height: 3 }, 'mean'))).toEqual([
      [12, 13, 18],
      [22, 23, 18],
      [18, 18, 18],
    ]);
    expect(rows(cropBox(img, { x: -1, y: 2, width: 2, height: 2 }, 0))).toEqual([
      [0, 20],
      [0, 0],
    ]);
    // Entirely outside: the whole image's mean (138 / 12 = 11.5 → 12), or the nearest corner.
    expect(Array.from(cropBox(img, { x: 10, y: 10, width: 2, height: 1 }, 'mean').data)).toEqual([
      12, 12,
    ]);
    expect(Array.from(cropBox(img, { x: 10, y: -5, width: 1, height: 1 }).data)).toEqual([3]);
  });

  it('keeps every channel together', () => {
    const rgb: RawImage = {
      width: 2,
      height: 1,
      channels: 3,
      data: Uint8Array.from([1, 2, 3, 4, 5, 6]),
    };
    expect(Array.from(cropBox(rgb, { x: 1, y: 0, width: 2, height: 2 }).data)).toEqual([
      4, 5, 6, 4, 5, 6, 4, 5, 6, 4, 5, 6,
    ]);
    expect(Array.from(cropBox(rgb, { x: -1, y: 0, width: 2, height: 1 }, 'mean').data)).toEqual([
      1, 2, 3, 1, 2, 3,
    ]);
  });

  it('snaps fractional boxes to the pixel grid and rejects bad ones', () => {
    expect(snapBox({ x: 0.6, y: 1.4, width: 2.2, height: 0.2 })).toEqual({
      x: 1,
      y: 1,
      width: 2,
      height: 1,
    });
    expect(() => cropBox(img, { x: 0, y: 0, width: 0, height: 2 })).toThrow(
      /size must be positive/,
    );
    expect(() => cropBox(img, { x: Number.NaN, y: 0, width: 1, height: 1 })).toThrow(/box.x/);
    expect(() => cropBox(img, { x: 0, y: 0, width: 1, height: 1 }, 300)).toThrow(/pad value/);
  });
});

describe('clampBox and squareBox', () => {
  it('clampBox gives the visible part and says whether it cut', () => {
    expect(clampBox({ x: -1, y: 1, width: 3, height: 5 }, 4, 3)).toEqual({
      x: 0,
      y: 1,
      width: 2,
      height: 2,
      clamped: true,
    });
    expect(clampBox({ x: 1, y: 0, width: 2, height: 3 }, 4, 3).clamped).toBe(false);
    expect(clampBox({ x: 9, y: 9, width: 2, height: 2 }, 4, 3)).toMatchObject({
      width: 0,
      height: 0,
    });
  });

  it('squareBox keeps the centre and takes the longer side times the scale', () => {
    expect(squareBox({ x: 10, y: 20, width: 40, height: 60 })).toEqual({
      x: 0,
      y: 20,
      width: 60,
      height: 60,
    });
    expect(squareBox({ x: 10, y: 20, width: 40, height: 60 }, 1.5)).toEqual({
      x: -15,
      y: 5,
      width: 90,
      height: 90,
    });
  });
});
