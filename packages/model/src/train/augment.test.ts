import { describe, expect, it } from '@jest/globals';
import { Rng } from '@emo/runtime';
import { FACE_AUGMENTATION, augmentFaces, augmentationRng } from './augment.js';
import type { FaceAugmentation } from './augment.js';

const NONE: FaceAugmentation = {
  flip: false,
  shift: 0,
  rotate: 0,
  scale: 0,
  brightness: 0,
  contrast: 0,
};

/** n samples of size × size × frames with pixel value 10·y + x + 100·k (+ 7·i). */
function ramp(n: number, size: number, frames: number): Float32Array {
  const a = new Float32Array(n * size * size * frames);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let k = 0; k < frames; k++) {
          a[((i * size + y) * size + x) * frames + k] = 10 * y + x + 100 * k + 7 * i;
        }
      }
    }
  }
  return a;
}

const at = (
  a: Float32Array,
  size: number,
  frames: number,
  i: number,
  y: number,
  x: number,
  k = 0,
) => a[((i * size + y) * size + x) * frames + k];

describe('augmentFaces', () => {
  it('is the identity with every change off', () => {
    const x = ramp(3, 8, 2);
    expect(augmentFaces(x, 3, 8, 2, NONE, new Rng(1))).toEqual(x);
  });

  it('is seeded: the same generator gives the same crops, another gives others', () => {
    const x = ramp(4, 12, 1);
    const a = augmentFaces(x, 4, 12, 1, FACE_AUGMENTATION, augmentationRng(0, 1, 2));
    const b = augmentFaces(x, 4, 12, 1, FACE_AUGMENTATION, augmentationRng(0, 1, 2));
    const c = augmentFaces(x, 4, 12, 1, FACE_AUGMENTATION, augmentationRng(0, 1, 3));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(augmentFaces(x, 4, 12, 1, FACE_AUGMENTATION, augmentationRng(1, 1, 2))).not.toEqual(a);
    // the input is left as it was
    expect(x).toEqual(ramp(4, 12, 1));
  });

  it('mirrors exactly, shifts by whole pixels exactly, and treats the K crops of a sample alike', () => {
    const size = 6;
    const x = ramp(1, size, 2);
    // flip on: a draw mirrors with probability 1/2; find a generator whose first draw does
    let seed = 0;
    while (new Rng(seed).next() >= 0.5) seed++;
    const m = augmentFaces(x, 1, size, 2, { ...NONE, flip: true }, new Rng(seed));
    for (let y = 0; y < size; y++) {
      for (let c = 0; c < size; c++) {
        for (const k of [0, 1]) {
          expect(at(m, size, 2, 0, y, c, k)).toBeCloseTo(at(x, size, 2, 0, y, size - 1 - c, k), 4);
        }
      }
    }
    // a shift of exactly one pixel to the right: column c shows column c − 1 (column 0 the edge)
    const oneRight = { next: () => 0, uniform: (lo: number, hi: number) => (hi > 0 ? hi : 0) };
    const s = augmentFaces(x, 1, size, 2, { ...NONE, shift: 1 / size }, oneRight as unknown as Rng);
    for (let y = 1; y < size; y++) {
      for (let c = 1; c < size; c++) {
        expect(at(s, size, 2, 0, y, c, 1)).toBeCloseTo(at(x, size, 2, 0, y - 1, c - 1, 1), 4);
      }
      expect(at(s, size, 2, 0, y, 0)).toBeCloseTo(at(x, size, 2, 0, y - 1, 0), 4);
    }
  });

  it('changes brightness and contrast within the bounds, clamped to 0–255, the mean kept by contrast', () => {
    const size = 8;
    const x = ramp(20, size, 1);
    const out = augmentFaces(x, 20, size, 1, { ...NONE, brightness: 30 }, new Rng(4));
    for (let i = 0; i < 20; i++) {
      const d = at(out, size, 1, i, 3, 3) - at(x, size, 1, i, 3, 3);
      expect(Math.abs(d)).toBeLessThanOrEqual(30);
      // one offset for the whole crop
      expect(at(out, size, 1, i, 5, 1) - at(x, size, 1, i, 5, 1)).toBeCloseTo(d, 3);
    }
    const c = augmentFaces(x, 20, size, 1, { ...NONE, contrast: 0.5 }, new Rng(4));
    const mean = (a: Float32Array, i: number) =>
      a.subarray(i * size * size, (i + 1) * size * size).reduce((s, v) => s + v, 0) / (size * size);
    for (let i = 0; i < 20; i++) expect(mean(c, i)).toBeCloseTo(mean(x, i), 2);
    const bright = augmentFaces(
      new Float32Array(64).fill(250),
      1,
      8,
      1,
      { ...NONE, brightness: 100 },
      {
        next: () => 0,
        uniform: (_lo: number, hi: number) => hi,
      } as unknown as Rng,
    );
    expect(Math.max(...bright)).toBe(255);
  });

  it('refuses an array that is not whole samples', () => {
    expect(() => augmentFaces(new Float32Array(10), 1, 3, 1, NONE, new Rng(0))).toThrow(
      /10 values are not 1 samples of 3×3×1/,
    );
  });
});
