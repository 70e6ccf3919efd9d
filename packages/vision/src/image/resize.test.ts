import { describe, expect, it } from '@jest/globals';
import { resize } from './resize.js';
import type { RawImage } from './types.js';
import { grey } from '../testing/images.js';

describe('resize, area', () => {
  it('averages k × k blocks for an integer factor (halves rounded up)', () => {
    const img = grey(4, 2, [0, 1, 10, 20, 2, 3, 30, 41]);
    // (0+1+2+3)/4 = 1.5 → 2; (10+20+30+41)/4 = 25.25 → 25.
    expect(Array.from(resize(img, 2, 1).data)).toEqual([2, 25]);
  });

  it('weights partial pixels by their overlap (3 → 2)', () => {
    // Footprints [0, 1.5) and [1.5, 3): (0 + 0.5·90) / 1.5 = 30, (0.5·90 + 180) / 1.5 = 150.
    expect(Array.from(resize(grey(3, 1, [0, 90, 180]), 2, 1).data)).toEqual([30, 150]);
    // Separable: the same along columns.
    expect(Array.from(resize(grey(1, 3, [0, 90, 180]), 1, 2).data)).toEqual([30, 150]);
  });

  it('keeps a constant image constant and the mean of a large one', () => {
    const flat = resize(grey(400, 300, new Uint8Array(400 * 300).fill(77)), 48, 48);
    expect(new Set(flat.data)).toEqual(new Set([77]));
    const data = Uint8Array.from({ length: 400 * 300 }, (_, i) => (i * 7919) % 256);
    const small = resize(grey(400, 300, data), 48, 48);
    const mean = (a: Uint8Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean(small.data) - mean(data))).toBeLessThan(0.5);
  });

  it('enlarges by repeating pixels, blending where a footprint straddles two', () => {
    // 2 → 3: footprints [0, 2/3), [2/3, 4/3), [4/3, 2): 0, (⅓·0 + ⅓·90) / ⅔ = 45, 90.
    expect(Array.from(resize(grey(2, 1, [0, 90]), 3, 1).data)).toEqual([0, 45, 90]);
  });
});

describe('resize, bilinear', () => {
  it("uses OpenCV's INTER_LINEAR geometry (pixel centres aligned, edges replicated)", () => {
    // 2 → 4: source x = −0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
    expect(Array.from(resize(grey(2, 1, [0, 100]), 4, 1, 'bilinear').data)).toEqual([
      0, 25, 75, 100,
    ]);
    // 4 → 2: source x = 0.5, 2.5 → means of neighbours.
    expect(Array.from(resize(grey(4, 1, [0, 10, 20, 31]), 2, 1, 'bilinear').data)).toEqual([5, 26]);
  });

  it('resizes every channel alike', () => {
    const rgb: RawImage = {
      width: 2,
      height: 1,
      channels: 3,
      data: Uint8Array.from([0, 10, 200, 100, 30, 0]),
    };
    expect(Array.from(resize(rgb, 4, 1, 'bilinear').data)).toEqual([
      0, 10, 200, 25, 15, 150, 75, 25, 50, 100, 30, 0,
    ]);
    expect(Array.from(resize(rgb, 1, 1).data)).toEqual([50, 20, 100]);
  });

  it('rejects bad sizes and methods', () => {
    expect(() => resize(grey(2, 1, [0, 1]), 0, 1)).toThrow(/bad output size/);
    // @ts-expect-error an unknown method
    expect(() => resize(grey(2, 1, [0, 1]), 1, 1, 'lanczos')).toThrow(/unknown method/);
    expect(() =>
      resize({ width: 2, height: 2, channels: 1, data: new Uint8Array(3) }, 1, 1),
    ).toThrow(/3 bytes for a 2×2×1 image/);
  });
});
