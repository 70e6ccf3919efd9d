/**
 * The face-crop recipe in one call: crop (with padding at the borders) → grey → resize to
 * size × size → histogram equalisation (global by default, CLAHE as an option). This is the
 * FER2013-style input of the face CNN (48 × 48 grey, equalised).
 */
import { clahe, type ClaheOptions } from './clahe.js';
import { cropBox, type Box, type CropPad } from './crop.js';
import { equalizeHist } from './equalize.js';
import { toGrey } from './grey.js';
import { resize, type ResizeMethod } from './resize.js';
import type { RawImage } from './types.js';

export type EqualizeMethod = 'hist' | 'clahe' | 'none';

export interface FaceCropOptions {
  /** Side of the square output, pixels (default 48). */
  size?: number;
  /** Resizing method (default 'area'). */
  resize?: ResizeMethod;
  /** 'hist': global equalisation (default); 'clahe'; 'none'. */
  equalize?: EqualizeMethod;
  /** CLAHE parameters when equalize is 'clahe' (defaults: clipLimit 2, 8 × 8 tiles). */
  clahe?: ClaheOptions;
  /** How parts of the box outside the image are filled (default 'edge'). */
  pad?: CropPad;
}

/**
 * A size × size one-channel face crop of `img` (RGB, RGBA or grey). Without a box the whole
 * image is used (it is then only resized, not made square).
 */
export function faceCrop(img: RawImage, box?: Box, opts: FaceCropOptions = {}): RawImage {
  const size = opts.size ?? 48;
  const cropped = box ? cropBox(img, box, opts.pad ?? 'edge') : img;
  const grey = toGrey(cropped);
  const small =
    grey.width === size && grey.height === size
      ? grey
      : resize(grey, size, size, opts.resize ?? 'area');
  switch (opts.equalize ?? 'hist') {
    case 'hist':
      return equalizeHist(small);
    case 'clahe':
      return clahe(small, opts.clahe);
    case 'none':
      return small;
    default:
      throw new RangeError(
        `faceCrop: unknown equalize '${String(opts.equalize)}' (expected 'hist', 'clahe' or 'none')`,
      );
  }
}
