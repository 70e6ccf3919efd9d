/**
 * CLAHE, contrast-limited adaptive histogram equalisation (Zuiderveld, "Contrast Limited
 * Adaptive Histogram Equalization", Graphics Gems IV, 1994), following OpenCV's cv::CLAHE
 * step for step:
 *
 * 1. The image is split into tilesX × tilesY tiles (default 8 × 8). When its size is not a
 *    multiple of the grid, it is extended at the right and bottom by mirroring
 *    (BORDER_REFLECT_101) for the histograms only.
 * 2. Each tile's 256-bin histogram is clipped at
 *    max(1, floor(clipLimit · tilePixels / 256)) counts (clipLimit default 2.0: no level may
 *    take more than twice its share of a flat histogram); the clipped counts are spread evenly
 *    over all bins and the remainder one by one at a regular step from bin 0. clipLimit ≤ 0
 *    turns clipping off (plain adaptive equalisation).
 * 3. Each tile's mapping is lut(v) = round(cdf(v) · 255 / tilePixels) (float32, ties to even).
 *    Unlike equalizeHist there is no cdf_min offset: clipping bounds the slope of the mapping,
 *    and with it how much noise in flat regions is amplified.
 * 4. Every pixel is mapped by the four nearest tiles' mappings, blended bilinearly by its
 *    distance to their centres (ty = y / tileHeight − 0.5, likewise in x; clamped at the
 *    borders, so the outer half-tiles use one or two mappings); a pixel at a tile centre gets
 *    exactly its own tile's mapping. float32 arithmetic as in OpenCV's scalar code, so results
 *    can differ from its SIMD path by one level at exact ties.
 *
 * Note for 48 × 48 faces: 8 × 8 tiles are 6 × 6 = 36 pixels, and the clip limit
 * floor(2 · 36 / 256) = 0 is raised to 1 count per level — strong clipping, a mild effect.
 * Fewer tiles (e.g. 4 × 4) or a higher clipLimit give a stronger one.
 */
import { roundHalfEvenU8 } from './equalize.js';
import { assertImage, type RawImage } from './types.js';

export interface ClaheOptions {
  /** Clip limit relative to a flat histogram (OpenCV's clipLimit); ≤ 0: no clipping. Default 2. */
  clipLimit?: number;
  /** Tile grid [columns, rows] (OpenCV's tileGridSize). Default [8, 8]. */
  tiles?: readonly [number, number];
}

/** Index into 0…n−1 mirrored without repeating the edge (BORDER_REFLECT_101). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

/** The per-tile look-up tables: tilesY × tilesX tables of 256 entries, row-major. */
export function claheLuts(
  img: RawImage,
  opts: ClaheOptions = {},
): { luts: Uint8Array; tileWidth: number; tileHeight: number; tilesX: number; tilesY: number } {
  assertImage(img, 'clahe', [1]);
  const clipLimit = opts.clipLimit ?? 2;
  const [tilesX, tilesY] = opts.tiles ?? [8, 8];
  if (!(Number.isInteger(tilesX) && Number.isInteger(tilesY) && tilesX > 0 && tilesY > 0)) {
    throw new RangeError(`clahe: tiles must be positive integers, got ${tilesX}×${tilesY}`);
  }
  if (!Number.isFinite(clipLimit)) throw new RangeError(`clahe: bad clipLimit ${clipLimit}`);
  const { width: W, height: H, data } = img;
  // Extended size (a multiple of the grid), as OpenCV pads: tiles − (size mod tiles) more.
  const extW = W % tilesX === 0 ? W : W + tilesX - (W % tilesX);
  const extH = H % tilesY === 0 ? H : H + tilesY - (H % tilesY);
  const tileWidth = extW / tilesX;
  const tileHeight = extH / tilesY;
  const tilePixels = tileWidth * tileHeight;
  const lutScale = Math.fround(255 / tilePixels);
  const clip = clipLimit > 0 ? Math.max(1, Math.trunc((clipLimit * tilePixels) / 256)) : 0;

  const luts = new Uint8Array(tilesX * tilesY * 256);
  const hist = new Int32Array(256);
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      hist.fill(0);
      for (let y = ty * tileHeight; y < (ty + 1) * tileHeight; y++) {
        const row = reflect101(y, H) * W;
        for (let x = tx * tileWidth; x < (tx + 1) * tileWidth; x++) {
          hist[data[row + reflect101(x, W)]]++;
        }
      }
      if (clip > 0) {
        let clipped = 0;
        for (let v = 0; v < 256; v++) {
          if (hist[v] > clip) {
            clipped += hist[v] - clip;
            hist[v] = clip;
          }
        }
        const batch = Math.trunc(clipped / 256);
        let residual = clipped - batch * 256;
        for (let v = 0; v < 256; v++) hist[v] += batch;
        if (residual !== 0) {
          const step = Math.max(Math.trunc(256 / residual), 1);
          for (let v = 0; v < 256 && residual > 0; v += step, residual--) hist[v]++;
        }
      }
      const lut = luts.subarray((ty * tilesX + tx) * 256, (ty * tilesX + tx + 1) * 256);
      let sum = 0;
      for (let v = 0; v < 256; v++) {
        sum += hist[v];
        lut[v] = roundHalfEvenU8(Math.fround(Math.fround(sum) * lutScale));
      }
    }
  }
  return { luts, tileWidth, tileHeight, tilesX, tilesY };
}

/** CLAHE of a one-channel image (see the module comment). */
export function clahe(img: RawImage, opts: ClaheOptions = {}): RawImage {
  const { luts, tileWidth, tileHeight, tilesX, tilesY } = claheLuts(img, opts);
  const { width: W, height: H, data } = img;
  const f = Math.fround;
  const invW = f(1 / tileWidth);
  const invH = f(1 / tileHeight);
  // Per column: the two tiles and weights (OpenCV's ind1_p/ind2_p/xa_p/xa1_p).
  const x1 = new Int32Array(W);
  const x2 = new Int32Array(W);
  const xa = new Float64Array(W);
  const xa1 = new Float64Array(W);
  for (let x = 0; x < W; x++) {
    const txf = f(f(x * invW) - 0.5);
    const t1 = Math.floor(txf);
    xa[x] = f(txf - t1);
    xa1[x] = f(1 - xa[x]);
    x1[x] = Math.max(t1, 0) * 256;
    x2[x] = Math.min(t1 + 1, tilesX - 1) * 256;
  }
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    const tyf = f(f(y * invH) - 0.5);
    const t1 = Math.floor(tyf);
    const ya = f(tyf - t1);
    const ya1 = f(1 - ya);
    const plane1 = Math.max(t1, 0) * tilesX * 256;
    const plane2 = Math.min(t1 + 1, tilesY - 1) * tilesX * 256;
    for (let x = 0; x < W; x++) {
      const v = data[y * W + x];
      const i1 = x1[x] + v;
      const i2 = x2[x] + v;
      const top = f(f(luts[plane1 + i1] * xa1[x]) + f(luts[plane1 + i2] * xa[x]));
      const bottom = f(f(luts[plane2 + i1] * xa1[x]) + f(luts[plane2 + i2] * xa[x]));
      out[y * W + x] = roundHalfEvenU8(f(f(top * ya1) + f(bottom * ya)));
    }
  }
  return { width: W, height: H, channels: 1, data: out };
}
