/**
 * Image files through sharp (libvips): decoding JPEG, PNG, WebP, TIFF, GIF… into raw pixels
 * and writing raw pixels out (PNG for looking at crops). EXIF orientation is applied, alpha is
 * dropped and the pixels are 8-bit sRGB; `grey` converts with this package's BT.601 `toGrey`
 * (not libvips' colourimetric b-w), so image files and video frames go grey the same way — a
 * grey file (R = G = B after decoding) comes back exactly as stored.
 */
import sharp from 'sharp';
import { toGrey } from './grey.js';
import { assertImage, type RawImage } from './types.js';

export interface ReadImageOptions {
  /** One grey channel (BT.601 luma) instead of RGB. */
  grey?: boolean;
}

function label(input: string | Uint8Array): string {
  return typeof input === 'string' ? input : `<${input.length}-byte buffer>`;
}

/** Decode an image file (path) or an encoded image in memory into RGB or grey pixels. */
export async function readImage(
  input: string | Uint8Array,
  opts: ReadImageOptions = {},
): Promise<RawImage> {
  const { data, info } = await sharp(input, { failOn: 'error' })
    .autoOrient()
    .removeAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .catch((e: unknown) => {
      throw new Error(
        `${label(input)}: cannot decode the image: ${e instanceof Error ? e.message : String(e)} (expected a JPEG, PNG, WebP, TIFF or GIF file)`,
      );
    });
  const img: RawImage = {
    width: info.width,
    height: info.height,
    channels: info.channels,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
  assertImage(img, label(input), [3]);
  return opts.grey ? toGrey(img) : img;
}

/** Write pixels to a file; the format follows the extension (.png, .jpg, .webp, .tiff…). */
export async function writeImage(path: string, img: RawImage): Promise<void> {
  assertImage(img, `writeImage ${path}`);
  const { width, height, channels, data } = img;
  await sharp(data, { raw: { width, height, channels: channels as 1 | 3 | 4 } }).toFile(path);
}
