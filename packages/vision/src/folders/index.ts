// Image-folder data sets (a folder per label, or a CSV of path,label) → a faces shard.
export { convertImageFolder, inferNames, FACE_SIZE, FOLDERS_STAGE_VERSION } from './convert.js';
export type {
  ConvertImageFolderOptions,
  ConvertImageFolderResult,
  Equalisation,
  ImageFaceDetector,
  UnreadableImage,
} from './convert.js';
export { CROP_MAX_SIDE, looksLikeFaceCrop } from './crop-rule.js';
export {
  DEFAULT_IMAGE_LABEL_MAP,
  EMOTION_LABEL_ALIASES,
  FER2013_LABEL_MAP,
  FER2013_NUMERIC_LABEL_MAP,
  normaliseLabel,
  resolveImageLabelMap,
} from './labels.js';
export type { ImageLabelMap, LabelVerdict, ResolvedLabelMap } from './labels.js';
export { IMAGE_EXTENSIONS, listCsv, listLabelFolders, parseCsvLine } from './sources.js';
export type { ImageEntry, ImageListing } from './sources.js';
