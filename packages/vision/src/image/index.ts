// Image operations on RawImage ({ width, height, channels, data }).
export { assertImage } from './types.js';
export type { RawImage } from './types.js';
export { toGrey } from './grey.js';
export { clampBox, cropBox, snapBox, squareBox } from './crop.js';
export type { Box, CropPad } from './crop.js';
export { resize } from './resize.js';
export type { ResizeMethod } from './resize.js';
export { equalizeHist, equalizeLut, histogram } from './equalize.js';
export { clahe, claheLuts } from './clahe.js';
export type { ClaheOptions } from './clahe.js';
export { faceCrop } from './face.js';
export type { EqualizeMethod, FaceCropOptions } from './face.js';
export { readImage, writeImage } from './io.js';
export type { ReadImageOptions } from './io.js';
