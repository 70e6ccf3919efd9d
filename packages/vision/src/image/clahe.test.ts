/**
 * CLAHE: exact values against a numpy port of OpenCV's algorithm (float32 arithmetic, written
 * independently of this code; the arrays below are its output), consistency between tiles
 * (each tile's mapping depends only on its own pixels; a pixel at a tile centre gets exactly
 * its tile's mapping; elsewhere the four nearest mappings blend bilinearly), and the bound that
 * the clip limit puts on contrast amplification.
 */
import { describe, expect, it } from '@jest/globals';
import { describeRealdata, realdataPath } from '../testing/realdata.js';
import { clahe, claheLuts } from './clahe.js';
import { equalizeHist } from './equalize.js';
import { readImage } from './io.js';
import type { RawImage } from './types.js';
import { WIKI_IN } from '../testing/images.js';

/** The test pattern of the reference: v = (37x + 101y + 5 · (xy mod 17)) mod 256. */
function pattern(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      data[y * width + x] = (x * 37 + y * 101 + ((x * y) % 17) * 5) % 256;
  }
  return { width, height, channels: 1, data };
}

// numpy port of cv::CLAHE on pattern(20, 16): clipLimit 10, tiles 3 × 2 (20 is not a multiple
// of 3: the histograms see a 21-wide reflect-101 extension, tiles of 7 × 8 pixels, clip 2).
const REF_CLIP10_3x2 = [
  [5, 36, 77, 118, 155, 190, 226, 10, 53, 102, 126, 167, 200, 234, 20, 64, 106, 132, 164, 205],
  [114, 146, 191, 232, 19, 62, 110, 148, 185, 228, 26, 73, 117, 150, 186, 232, 18, 231, 14, 68],
  [205, 250, 41, 87, 137, 183, 241, 30, 81, 43, 98, 137, 178, 225, 25, 73, 118, 82, 127, 168],
  [46, 109, 164, 209, 255, 55, 26, 84, 133, 180, 240, 42, 250, 62, 116, 156, 208, 178, 228, 46],
  [155, 214, 9, 64, 127, 99, 159, 214, 18, 245, 53, 118, 162, 135, 189, 249, 58, 35, 91, 137],
  [249, 61, 121, 179, 166, 222, 34, 7, 74, 134, 193, 170, 238, 50, 29, 95, 147, 127, 186, 245],
  [100, 168, 238, 218, 24, 95, 78, 141, 207, 188, 253, 79, 64, 122, 186, 168, 237, 220, 50, 106],
  [201, 14, 85, 73, 141, 129, 202, 22, 10, 88, 72, 134, 212, 198, 26, 254, 87, 75, 146, 211],
  [44, 114, 200, 196, 12, 255, 84, 73, 144, 135, 212, 207, 42, 34, 107, 100, 174, 167, 242, 73],
  [140, 225, 220, 52, 50, 120, 117, 206, 197, 37, 35, 108, 110, 183, 181, 18, 14, 7, 96, 91],
  [241, 80, 84, 166, 168, 247, 250, 255, 89, 93, 163, 166, 172, 17, 23, 110, 117, 130, 197, 201],
  [95, 186, 199, 19, 29, 41, 119, 124, 132, 226, 234, 246, 84, 95, 102, 191, 200, 209, 56, 64],
  [205, 27, 50, 73, 149, 158, 171, 16, 33, 48, 56, 134, 145, 160, 23, 38, 46, 67, 159, 173],
  [36, 137, 155, 173, 198, 34, 59, 66, 79, 177, 193, 215, 231, 73, 104, 126, 139, 162, 255, 32],
  [132, 237, 14, 27, 67, 78, 181, 202, 220, 241, 14, 46, 125, 156, 180, 209, 226, 246, 132, 146],
  [232, 100, 109, 146, 176, 206, 225, 250, 27, 115, 147, 179, 212, 238, 27, 56, 74, 104, 223, 241],
];
// …and clipLimit 0 (no clipping), tiles 4 × 4 (tiles of 5 × 4 pixels).
const REF_NOCLIP_4x4 = [
  [13, 38, 76, 129, 166, 204, 226, 13, 63, 116, 134, 166, 205, 232, 17, 58, 98, 139, 166, 204],
  [115, 153, 191, 231, 22, 76, 125, 163, 203, 234, 26, 76, 116, 152, 191, 236, 18, 240, 13, 64],
  [204, 242, 51, 93, 144, 191, 248, 37, 99, 51, 102, 144, 177, 218, 26, 76, 115, 88, 128, 178],
  [58, 102, 172, 214, 255, 65, 30, 104, 146, 177, 242, 44, 252, 58, 109, 151, 207, 183, 224, 32],
  [160, 217, 13, 66, 130, 108, 168, 223, 24, 251, 54, 114, 155, 133, 184, 245, 42, 20, 76, 134],
  [252, 54, 118, 187, 171, 231, 51, 9, 79, 140, 199, 169, 242, 40, 18, 87, 144, 117, 181, 236],
  [102, 178, 242, 230, 42, 102, 85, 162, 217, 191, 255, 85, 64, 115, 187, 160, 224, 207, 26, 102],
  [207, 23, 92, 76, 147, 136, 200, 37, 18, 87, 68, 142, 226, 211, 22, 255, 78, 58, 143, 201],
  [44, 122, 204, 196, 15, 255, 80, 58, 163, 149, 220, 215, 44, 31, 104, 92, 166, 158, 242, 57],
  [137, 239, 230, 63, 51, 120, 108, 199, 187, 34, 30, 118, 118, 198, 187, 14, 14, 9, 99, 89],
  [255, 89, 102, 154, 166, 236, 238, 255, 65, 76, 160, 166, 177, 16, 30, 122, 132, 150, 204, 217],
  [108, 184, 207, 21, 32, 37, 118, 125, 145, 216, 226, 243, 75, 88, 106, 199, 212, 224, 48, 61],
  [217, 38, 58, 79, 151, 159, 167, 7, 28, 49, 58, 133, 135, 156, 26, 38, 44, 63, 153, 172],
  [48, 137, 168, 181, 202, 40, 65, 74, 96, 178, 201, 221, 237, 74, 96, 113, 131, 159, 255, 19],
  [128, 255, 13, 38, 76, 96, 177, 207, 218, 246, 6, 51, 105, 156, 178, 198, 221, 243, 102, 128],
  [242, 102, 115, 150, 185, 210, 230, 255, 27, 116, 146, 187, 216, 252, 31, 51, 72, 88, 204, 230],
];

// One tile, no clipping: the plain CDF mapping round(cdf(v) · 255 / N) without the cdf_min
// offset of equalizeHist (numpy: np.rint(np.float32(cdf) * np.float32(255 / 64))).
const WIKI_CLAHE_1x1 = [
  [4, 16, 56, 36, 191, 56, 175, 56],
  [60, 36, 16, 227, 219, 203, 36, 155],
  [68, 88, 96, 239, 251, 227, 68, 159],
  [76, 147, 147, 247, 255, 235, 155, 131],
  [100, 167, 120, 231, 243, 211, 120, 120],
  [120, 191, 40, 147, 179, 96, 24, 171],
  [131, 203, 76, 24, 16, 56, 88, 195],
  [147, 207, 131, 120, 88, 167, 183, 215],
];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('clahe', () => {
  it('matches the numpy port of OpenCV exactly (clipped, non-divisible size; unclipped)', () => {
    const img = pattern(20, 16);
    const a = clahe(img, { clipLimit: 10, tiles: [3, 2] });
    expect(Array.from(a.data)).toEqual(REF_CLIP10_3x2.flat());
    const b = clahe(img, { clipLimit: 0, tiles: [4, 4] });
    expect(Array.from(b.data)).toEqual(REF_NOCLIP_4x4.flat());
  });

  it('with one tile and no clipping it is the global CDF mapping', () => {
    const img: RawImage = {
      width: 8,
      height: 8,
      channels: 1,
      data: Uint8Array.from(WIKI_IN.flat()),
    };
    expect(Array.from(clahe(img, { clipLimit: 0, tiles: [1, 1] }).data)).toEqual(
      WIKI_CLAHE_1x1.flat(),
    );
  });

  it('is tile-consistent: own-pixel mappings, exact at tile centres, bilinear between', () => {
    const rnd = lcg(7);
    const W = 64;
    const H = 48;
    const img: RawImage = {
      width: W,
      height: H,
      channels: 1,
      data: Uint8Array.from({ length: W * H }, (_, i) => {
        const x = i % W;
        const y = Math.floor(i / W);
        return Math.min(255, Math.floor(40 + 2 * x + y + 60 * rnd()));
      }),
    };
    const opts = { clipLimit: 2, tiles: [8, 6] as const }; // tiles of 8 × 8 pixels
    const { luts, tileWidth, tileHeight } = claheLuts(img, opts);
    expect([tileWidth, tileHeight]).toEqual([8, 8]);
    const lut = (tx: number, ty: number, v: number): number => luts[(ty * 8 + tx) * 256 + v];
    // A tile's mapping is computed from its own pixels only.
    for (const [tx, ty] of [
      [0, 0],
      [3, 2],
      [7, 5],
    ]) {
      const tile: RawImage = { width: 8, height: 8, channels: 1, data: new Uint8Array(64) };
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) tile.data[y * 8 + x] = img.data[(ty * 8 + y) * W + tx * 8 + x];
      }
      const own = claheLuts(tile, { clipLimit: 2, tiles: [1, 1] }).luts;
      expect(Array.from(luts.subarray((ty * 8 + tx) * 256, (ty * 8 + tx + 1) * 256))).toEqual(
        Array.from(own),
      );
    }
    const out = clahe(img, opts);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = img.data[y * W + x];
        const got = out.data[y * W + x];
        if (x % 8 === 4 && y % 8 === 4) {
          // At a tile centre: exactly that tile's mapping.
          expect(got).toBe(lut((x - 4) / 8, (y - 4) / 8, v));
        }
        // Everywhere: the bilinear blend of the (clamped) four nearest tiles, ±1 for rounding.
        const fx = x / 8 - 0.5;
        const fy = y / 8 - 0.5;
        const x1 = Math.floor(fx);
        const y1 = Math.floor(fy);
        const ax = fx - x1;
        const ay = fy - y1;
        const cx = (t: number): number => Math.min(Math.max(t, 0), 7);
        const cy = (t: number): number => Math.min(Math.max(t, 0), 5);
        const blend =
          (lut(cx(x1), cy(y1), v) * (1 - ax) + lut(cx(x1 + 1), cy(y1), v) * ax) * (1 - ay) +
          (lut(cx(x1), cy(y1 + 1), v) * (1 - ax) + lut(cx(x1 + 1), cy(y1 + 1), v) * ax) * ay;
        expect(Math.abs(got - blend)).toBeLessThanOrEqual(0.5 + 1e-4);
      }
    }
  });

  it('the clip limit bounds contrast amplification; equalizeHist does not', () => {
    // A low-contrast image: levels 100…103 only; 8 × 8 tiles of 32 × 32 = 1024 pixels.
    const rnd = lcg(3);
    const N = 256;
    const img: RawImage = {
      width: N,
      height: N,
      channels: 1,
      data: Uint8Array.from({ length: N * N }, () => 100 + Math.floor(4 * rnd())),
    };
    const range = (a: RawImage): number => Math.max(...a.data) - Math.min(...a.data);
    expect(range(equalizeHist(img))).toBe(255);
    const tilePixels = 1024;
    for (const clipLimit of [1, 2, 4]) {
      const { luts } = claheLuts(img, { clipLimit });
      // A level keeps at most `clip` counts, gets at most tilePixels / 256 back from the
      // redistribution and one from the residual: slope ≤ (clip + 4 + 1) · 255 / 1024 ≈
      // clipLimit + 1.2 output levels per input level (plus one for rounding).
      const clip = Math.trunc((clipLimit * tilePixels) / 256);
      const bound = Math.ceil(((clip + tilePixels / 256 + 1) * 255) / tilePixels) + 1;
      let maxSlope = 0;
      for (let t = 0; t < 64; t++) {
        for (let v = 0; v < 255; v++) {
          maxSlope = Math.max(maxSlope, luts[t * 256 + v + 1] - luts[t * 256 + v]);
        }
      }
      expect(maxSlope).toBeLessThanOrEqual(bound);
      const out = clahe(img, { clipLimit });
      // Four input levels stay within a few output levels (the mappings of neighbouring tiles
      // differ a little, so the whole image may spread by a level or two more).
      expect(range(out)).toBeLessThanOrEqual(3 * bound + 2);
      expect(range(out)).toBeGreaterThanOrEqual(3);
    }
  });

  it('keeps the size of any image; output stays 0…255; constant in, constant out', () => {
    for (const [w, h] of [
      [50, 37],
      [7, 5],
      [1, 1],
      [48, 48],
    ]) {
      const img = pattern(w, h);
      const out = clahe(img);
      expect([out.width, out.height, out.channels, out.data.length]).toEqual([w, h, 1, w * h]);
      const flat = clahe({
        width: w,
        height: h,
        channels: 1,
        data: new Uint8Array(w * h).fill(90),
      });
      expect(new Set(flat.data).size).toBe(1);
    }
    expect(() => clahe(pattern(8, 8), { tiles: [0, 2] })).toThrow(/tiles must be positive/);
  });
});

describeRealdata('clahe on real FER2013 faces', (root) => {
  it('spreads the levels of a 48 × 48 face without the jumps of global equalisation', async () => {
    const img = await readImage(
      realdataPath(root, 'faces', 'fer2013_public', 'happy', 'PublicTest_10130075.jpg'),
      { grey: true },
    );
    for (const tiles of [
      [8, 8],
      [4, 4],
    ] as const) {
      const out = clahe(img, { clipLimit: 2, tiles });
      const { luts } = claheLuts(img, { clipLimit: 2, tiles });
      // With 8 × 8 tiles (36 pixels) the clip is 1 count per level: slopes ≤ 2·255/36 ≈ 14.
      let maxSlope = 0;
      for (let t = 0; t < luts.length / 256; t++) {
        for (let v = 0; v < 255; v++) {
          maxSlope = Math.max(maxSlope, luts[t * 256 + v + 1] - luts[t * 256 + v]);
        }
      }
      const tilePixels = (48 / tiles[0]) * (48 / tiles[1]);
      const clip = Math.max(1, Math.trunc((2 * tilePixels) / 256));
      expect(maxSlope).toBeLessThanOrEqual(Math.ceil(((clip + 1 + 1) * 255) / tilePixels));
      expect(Math.max(...out.data) - Math.min(...out.data)).toBeGreaterThan(100);
    }
  });
});
