/**
 * Which images of a folder are face crops already and which are photos to search for a face,
 * decided per image from its size: a small square image (at most `CROP_MAX_SIDE` pixels a side,
 * such as FER2013's 48×48 grey crops or RAF-DB's 100×100 aligned faces) is taken as a crop; a
 * larger or non-square image is a photo and goes through face detection.
 *
 * Why by size: a crop is made for a classifier's input, so it is small and square; a photo is
 * neither. The two mistakes are not equally bad: a large crop taken for a photo still gives
 * the face (detection finds it, or the whole image is used and flagged), while a photo taken for
 * a crop would give a whole scene as a "face". So the rule leans towards detection.
 */

/** Largest side of an image taken as a face crop without detection, pixels. */
export const CROP_MAX_SIDE = 128;

export function looksLikeFaceCrop(img: {
  readonly width: number;
  readonly height: number;
}): boolean {
  return img.width === img.height && img.width <= CROP_MAX_SIDE;
}
