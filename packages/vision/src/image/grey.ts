/**
 * Colour to grey: BT.601 luma Y = 0.299 R + 0.587 G + 0.114 B, in OpenCV's fixed point
 * (cv::cvtColor RGB2GRAY: (4899 R + 9617 G + 1868 B + 8192) >> 14), so the results match
 * OpenCV exactly. Alpha is ignored. A grey image is copied unchanged, and R = G = B gives that
 * value exactly (the weights sum to 2^14).
 */
import { assertImage, type RawImage } from './types.js';

export function toGrey(img: RawImage): RawImage {
  assertImage(img, 'toGrey');
  const { width, height, channels, data } = img;
  const n = width * height;
  if (channels === 1) return { width, height, channels: 1, data: data.slice() };
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    out[i] = (4899 * data[j] + 9617 * data[j + 1] + 1868 * data[j + 2] + 8192) >> 14;
  }
  return { width, height, channels: 1, data: out };
}
