/**
 * Global histogram equalisation, exactly as OpenCV's cv::equalizeHist defines it (the classic
 * CDF mapping, e.g. Gonzalez & Woods; Wikipedia's "Histogram equalization"):
 *
 *   lut(v) = round( (cdf(v) − cdf_min) · 255 / (N − cdf_min) )
 *
 * with N the number of pixels, cdf(v) the number of pixels ≤ v and cdf_min the count of the
 * darkest level present, so that level maps to 0 and the brightest to 255. Like OpenCV the
 * scale 255 / (N − cdf_min) and the product are float32 and the rounding is to nearest, ties
 * to even (cvRound); a constant image is returned unchanged (OpenCV: dst.setTo(that level)).
 * The output histogram is as flat as the input's ties allow: levels are only moved, never
 * split.
 */
import { assertImage, type RawImage } from './types.js';

/** Counts of each grey level 0…255 of a one-channel image. */
export function histogram(img: RawImage): Uint32Array {
  assertImage(img, 'histogram', [1]);
  const h = new Uint32Array(256);
  const { data } = img;
  for (let i = 0; i < data.length; i++) h[data[i]]++;
  return h;
}

/** Round to nearest, ties to even (C's lrint / OpenCV's cvRound), clamped to 0…255. */
export function roundHalfEvenU8(x: number): number {
  let r = Math.round(x);
  if (r - x === 0.5 && r % 2 !== 0) r -= 1; // Math.round sends ties up; bring odd ones down
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** The equalisation look-up table of a histogram (OpenCV's; see the module comment). */
export function equalizeLut(hist: ArrayLike<number>): Uint8Array {
  const lut = new Uint8Array(256);
  let total = 0;
  for (let v = 0; v < 256; v++) total += hist[v];
  let i = 0;
  while (i < 256 && hist[i] === 0) i++;
  if (i === 256) return lut;
  if (hist[i] === total) {
    for (let v = 0; v < 256; v++) lut[v] = v; // a constant image stays as it is
    return lut;
  }
  const scale = Math.fround(255 / (total - hist[i]));
  let sum = 0;
  for (let v = 0; v <= i; v++) lut[v] = 0;
  for (let v = i + 1; v < 256; v++) {
    sum += hist[v];
    lut[v] = roundHalfEvenU8(Math.fround(Math.fround(sum) * scale));
  }
  return lut;
}

/** Histogram-equalised copy of a one-channel image (cv::equalizeHist). */
export function equalizeHist(img: RawImage): RawImage {
  const lut = equalizeLut(histogram(img));
  const out = new Uint8Array(img.data.length);
  for (let k = 0; k < out.length; k++) out[k] = lut[img.data[k]];
  return { width: img.width, height: img.height, channels: 1, data: out };
}
