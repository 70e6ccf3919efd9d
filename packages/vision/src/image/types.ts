/**
 * The one image type of this package: 8-bit pixels, row-major, channels interleaved
 * (grey: 1, RGB: 3, RGBA: 4). Video frames from `decodeFrames` are RawImages too.
 */
export interface RawImage {
  width: number;
  height: number;
  channels: number;
  /** width × height × channels bytes: row y, column x, channel c at (y · width + x) · channels + c. */
  data: Uint8Array;
}

/** Throw a clear error unless `img` is a well-formed RawImage (optionally with `channels`). */
export function assertImage(img: RawImage, where: string, channels?: readonly number[]): void {
  const { width, height } = img;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(
      `${where}: bad image size ${width}×${height} (expected positive integers)`,
    );
  }
  if (![1, 3, 4].includes(img.channels)) {
    throw new RangeError(`${where}: ${img.channels} channels (expected 1, 3 or 4)`);
  }
  if (channels && !channels.includes(img.channels)) {
    throw new RangeError(
      `${where}: ${img.channels}-channel image (expected ${channels.join(' or ')} channel${channels.length === 1 && channels[0] === 1 ? '' : 's'})`,
    );
  }
  const need = width * height * img.channels;
  if (img.data.length !== need) {
    throw new RangeError(
      `${where}: ${img.data.length} bytes for a ${width}×${height}×${img.channels} image (expected ${need})`,
    );
  }
}
