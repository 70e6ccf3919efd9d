// Test images shared by the image tests (test-only; excluded from the build).
import type { RawImage } from '../image/types.js';

/** A one-channel image from its pixel values, row-major. */
export const grey = (width: number, height: number, values: ArrayLike<number>): RawImage => ({
  width,
  height,
  channels: 1,
  data: Uint8Array.from(values),
});

/** Wikipedia, "Histogram equalization": the 8×8 worked example's input. */
export const WIKI_IN = [
  [52, 55, 61, 59, 79, 61, 76, 61],
  [62, 59, 55, 104, 94, 85, 59, 71],
  [63, 65, 66, 113, 144, 104, 63, 72],
  [64, 70, 70, 126, 154, 109, 71, 69],
  [67, 73, 68, 106, 122, 88, 68, 68],
  [68, 79, 60, 70, 77, 66, 58, 75],
  [69, 85, 64, 58, 55, 61, 65, 83],
  [70, 87, 69, 68, 65, 73, 78, 90],
];
