/**
 * Resizing (own code: synchronous, exact and the same for video frames and image files).
 *
 * - `'area'` (default): every output pixel is the average of the source pixels under its
 *   footprint, each weighted by the overlap of its area with the footprint — OpenCV's
 *   INTER_AREA when shrinking (what FER-style pipelines use to make 48×48 crops: no aliasing).
 *   For an integer factor k this is the plain mean of k × k blocks. When enlarging, the same
 *   footprint average is used (a nearest-neighbour image with blended seams), where OpenCV's
 *   INTER_AREA switches to a bilinear variant.
 * - `'bilinear'`: OpenCV's INTER_LINEAR geometry (pixel centres aligned: source x =
 *   (x + 0.5) · srcW / dstW − 0.5, edge pixels replicated), computed in double precision where
 *   OpenCV uses 11-bit fixed-point weights (so the two can differ by one level). Good for
 *   enlarging; shrinking by more than 2× aliases.
 *
 * Both are separable (rows, then columns, in float64) and round to nearest, halves up.
 */
import { assertImage, type RawImage } from './types.js';

export type ResizeMethod = 'area' | 'bilinear';

/** For each output coordinate: source indices and weights (summing to 1). */
interface Taps {
  index: Int32Array;
  weight: Float64Array;
  start: Int32Array; // taps of output i are start[i] … start[i + 1] − 1
}

function areaTaps(src: number, dst: number): Taps {
  const s = src / dst;
  const index: number[] = [];
  const weight: number[] = [];
  const start = new Int32Array(dst + 1);
  for (let i = 0; i < dst; i++) {
    start[i] = index.length;
    const a = i * s;
    const b = Math.min((i + 1) * s, src);
    for (let j = Math.floor(a); j < b; j++) {
      const w = Math.min(b, j + 1) - Math.max(a, j);
      if (w > 1e-12) {
        index.push(j);
        weight.push(w / (b - a));
      }
    }
  }
  start[dst] = index.length;
  return { index: Int32Array.from(index), weight: Float64Array.from(weight), start };
}

function bilinearTaps(src: number, dst: number): Taps {
  const s = src / dst;
  const index = new Int32Array(2 * dst);
  const weight = new Float64Array(2 * dst);
  const start = new Int32Array(dst + 1);
  for (let i = 0; i < dst; i++) {
    const x = (i + 0.5) * s - 0.5;
    let x0 = Math.floor(x);
    let f = x - x0;
    if (x0 < 0) {
      x0 = 0;
      f = 0;
    }
    if (x0 >= src - 1) {
      x0 = src - 1;
      f = 0;
    }
    start[i] = 2 * i;
    index[2 * i] = x0;
    weight[2 * i] = 1 - f;
    index[2 * i + 1] = Math.min(x0 + 1, src - 1);
    weight[2 * i + 1] = f;
  }
  start[dst] = 2 * dst;
  return { index, weight, start };
}

/** `img` resized to width × height (channels unchanged). */
export function resize(
  img: RawImage,
  width: number,
  height: number,
  method: ResizeMethod = 'area',
): RawImage {
  assertImage(img, 'resize');
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`resize: bad output size ${width}×${height} (expected positive integers)`);
  }
  if (method !== 'area' && method !== 'bilinear') {
    throw new RangeError(
      `resize: unknown method '${String(method)}' (expected 'area' or 'bilinear')`,
    );
  }
  const { width: W, height: H, channels: C, data } = img;
  const taps = method === 'area' ? areaTaps : bilinearTaps;
  const tx = taps(W, width);
  const ty = taps(H, height);

  // Rows first: H × width × C.
  const mid = new Float64Array(H * width * C);
  for (let y = 0; y < H; y++) {
    const row = y * W * C;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * C;
      for (let k = tx.start[x]; k < tx.start[x + 1]; k++) {
        const s = row + tx.index[k] * C;
        const w = tx.weight[k];
        for (let c = 0; c < C; c++) mid[o + c] += w * data[s + c];
      }
    }
  }
  // Then columns, rounding (the 1e-7 keeps exact halves that float error put just below .5).
  const out = new Uint8Array(width * height * C);
  const acc = new Float64Array(C);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      acc.fill(0);
      for (let k = ty.start[y]; k < ty.start[y + 1]; k++) {
        const s = (ty.index[k] * width + x) * C;
        const w = ty.weight[k];
        for (let c = 0; c < C; c++) acc[c] += w * mid[s + c];
      }
      const o = (y * width + x) * C;
      for (let c = 0; c < C; c++) {
        const v = Math.floor(acc[c] + 0.5 + 1e-7);
        out[o + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return { width, height, channels: C, data: out };
}
