// Face detection (BlazeFace on tfjs wasm), box smoothing over time and crop boxes.
export { createFaceDetector, FACE_DETECTOR_DEFAULTS } from './detector.js';
export type {
  DetectedFace,
  DetectorInput,
  FaceDetector,
  FaceDetectorOptions,
  Frame,
} from './detector.js';
export { FaceModelError, BLAZEFACE_MODEL_FILE, defaultModelLocation } from './human.js';
export type { ModelLocation } from './human.js';
export { bestFace, boxArea, boxCentre, boxIou, boxSize, largestFace, withMargin } from './boxes.js';
export type { FaceBox, HasFaceBox } from './boxes.js';
export { BoxTracker, TRACKER_DEFAULTS, boxSteps, smoothBoxes } from './tracker.js';
export type { SmoothingMethod, TrackedBox, TrackerOptions } from './tracker.js';
