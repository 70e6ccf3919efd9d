// Public API of @emo/vision: video decoding, face detection, crops, image-folder data sets and
// the vision stage's per-subject work (see README.md).
export * from './video/index.js';
export * from './image/index.js';
export * from './detect/index.js';
export * from './folders/index.js';
export { DETECTOR_NAME, VISION_DEFAULTS, facesShape, processSubjectFaces } from './subject.js';
export type { ProcessFacesOptions, SubjectFacesResult, VisionParams } from './subject.js';
export { convertVideoFaces } from './video-faces.js';
export { StreamFaces } from './stream/faces.js';
export type { StreamCrop, StreamFacesOptions, WindowFaces } from './stream/faces.js';
export type { VideoFacesOptions, VideoFacesResult } from './video-faces.js';
export { processSubjectFacesInChild } from './worker/parent.js';
export { setWorkerLimit, workerLimit } from './worker/pool.js';
