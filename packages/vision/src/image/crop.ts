/**
 * Cropping a box out of an image, with the parts of the box outside the image filled in
 * (detections near the frame border are common):
 *
 * - `'edge'` (default): the nearest border pixel (OpenCV's BORDER_REPLICATE);
 * - `'mean'`: the per-channel mean of the part of the box that lies inside the image, rounded
 *   (of the whole image when the box lies entirely outside);
 * - a number: that constant in every channel.
 *
 * Boxes are in pixels with (x, y) the top-left corner; fractional boxes snap to the pixel grid
 * (x0 = round(x), x1 = round(x + width), likewise in y), and the output is x1 − x0 by y1 − y0
 * pixels (at least 1 × 1).
 */
import { assertImage, type RawImage } from './types.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type CropPad = 'edge' | 'mean' | number;

/** A box snapped to the pixel grid (see the module comment): integer corners, size ≥ 1. */
export function snapBox(box: Box): Box {
  for (const k of ['x', 'y', 'width', 'height'] as const) {
    if (!Number.isFinite(box[k])) throw new RangeError(`box.${k} must be finite, got ${box[k]}`);
  }
  if (!(box.width > 0 && box.height > 0)) {
    throw new RangeError(`box size must be positive, got ${box.width}×${box.height}`);
  }
  const x0 = Math.round(box.x);
  const y0 = Math.round(box.y);
  return {
    x: x0,
    y: y0,
    width: Math.max(1, Math.round(box.x + box.width) - x0),
    height: Math.max(1, Math.round(box.y + box.height) - y0),
  };
}

/**
 * The part of `box` (snapped) inside a width × height image; `clamped` says whether anything
 * was cut off. An empty intersection has width or height 0.
 */
export function clampBox(box: Box, width: number, height: number): Box & { clamped: boolean } {
  const b = snapBox(box);
  const x0 = Math.min(Math.max(b.x, 0), width);
  const y0 = Math.min(Math.max(b.y, 0), height);
  const x1 = Math.min(Math.max(b.x + b.width, 0), width);
  const y1 = Math.min(Math.max(b.y + b.height, 0), height);
  return {
    x: x0,
    y: y0,
    width: x1 - x0,
    height: y1 - y0,
    clamped: x0 !== b.x || y0 !== b.y || x1 !== b.x + b.width || y1 !== b.y + b.height,
  };
}

/**
 * The square box of side max(width, height) × scale with the same centre (face detectors give
 * tall boxes; face crops are square). `scale` > 1 adds a margin.
 */
export function squareBox(box: Box, scale = 1): Box {
  if (!(scale > 0)) throw new RangeError(`squareBox: scale must be > 0, got ${scale}`);
  const side = Math.max(box.width, box.height) * scale;
  return {
    x: box.x + box.width / 2 - side / 2,
    y: box.y + box.height / 2 - side / 2,
    width: side,
    height: side,
  };
}

/** The pixels of `box` (snapped to the grid), the parts outside the image filled per `pad`. */
export function cropBox(img: RawImage, box: Box, pad: CropPad = 'edge'): RawImage {
  assertImage(img, 'cropBox');
  const { width: W, height: H, channels: C, data } = img;
  const b = snapBox(box);
  const out = new Uint8Array(b.width * b.height * C);
  const inside = clampBox(b, W, H);

  let fill: number[] | null = null;
  if (typeof pad === 'number') {
    if (!(Number.isInteger(pad) && pad >= 0 && pad <= 255)) {
      throw new RangeError(`cropBox: pad value must be an integer 0…255, got ${pad}`);
    }
    fill = new Array<number>(C).fill(pad);
  } else if (pad === 'mean') {
    const src =
      inside.width > 0 && inside.height > 0 ? inside : { x: 0, y: 0, width: W, height: H };
    const sums = new Array<number>(C).fill(0);
    for (let y = src.y; y < src.y + src.height; y++) {
      for (let x = src.x; x < src.x + src.width; x++) {
        const o = (y * W + x) * C;
        for (let c = 0; c < C; c++) sums[c] += data[o + c];
      }
    }
    fill = sums.map((s) => Math.round(s / (src.width * src.height)));
  } else if (pad !== 'edge') {
    throw new RangeError(`cropBox: pad must be 'edge', 'mean' or a number, got ${String(pad)}`);
  }

  for (let v = 0; v < b.height; v++) {
    const sy = b.y + v;
    const rowInside = sy >= 0 && sy < H;
    const cy = Math.min(Math.max(sy, 0), H - 1);
    for (let u = 0; u < b.width; u++) {
      const sx = b.x + u;
      const o = (v * b.width + u) * C;
      if (rowInside && sx >= 0 && sx < W) {
        const s = (sy * W + sx) * C;
        for (let c = 0; c < C; c++) out[o + c] = data[s + c];
      } else if (fill) {
        for (let c = 0; c < C; c++) out[o + c] = fill[c];
      } else {
        const s = (cy * W + Math.min(Math.max(sx, 0), W - 1)) * C;
        for (let c = 0; c < C; c++) out[o + c] = data[s + c];
      }
    }
  }
  return { width: b.width, height: b.height, channels: C, data: out };
}
