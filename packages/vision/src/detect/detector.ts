/**
 * Face detection on RGB frames with BlazeFace (@vladmandic/human's copy, tfjs wasm backend).
 *
 * The frame is letterboxed to a square before detection (mid-grey bands, the frame centred),
 * because BlazeFace runs on a 256×256 input: squeezing a 4:3 frame into it distorts the face
 * and shifts the box (Human's own `square` option gets the offset wrong, so we pad ourselves).
 * Optionally a `border` (share of the frame's larger side, same grey) is added on every side:
 * BlazeFace finds faces that fill most of the picture (tight crops such as FER2013's 48×48)
 * far more reliably with some context around them.
 *
 * By default BlazeFace sees the frame's luma (grey, BT.601, repeated in its three input channels),
 * not its colours: in dim video the camera's colour noise is what makes BlazeFace miss faces
 * (measured on darkened, noisy webcam video: 83 % of frames with colour input, 100 % with luma;
 * see README.md), and on well-lit video both find every face. `input: 'rgb'` gives it the colours.
 *
 * Boxes come back in the frame's pixels, as BlazeFace sees them (roughly eyebrows to chin,
 * cheek to cheek, nearly square), not enlarged; they may reach past the frame edge for a face
 * cut by it. Use `withMargin` for a square crop box inside the frame.
 */
import { toGrey } from '../image/grey.js';
import type { FaceBox } from './boxes.js';
import type { HumanDetectorConfig, ModelLocation } from './human.js';
import { loadFaceRuntime } from './human.js';

/**
 * An RGB24 frame (row-major, 3 bytes per pixel). Grey (1 byte per pixel) and RGBA (4, alpha
 * ignored) work too: `channels` says which; without it, the data length decides between 3 and 1.
 * The package's RawImage and VideoFrame are Frames.
 */
export interface Frame {
  width: number;
  height: number;
  data: Uint8Array;
  channels?: number;
}

/** One detected face. */
export interface DetectedFace {
  /** `[x, y, w, h]` in frame pixels (not clamped to the frame). */
  box: FaceBox;
  /** BlazeFace's confidence, 0–1 (two decimals). */
  score: number;
  /**
   * BlazeFace's six keypoints `[x, y]` in frame pixels, in the model's order: the subject's right
   * eye, left eye, nose tip, mouth centre, right ear, left ear (the subject's right eye is on the
   * image's left for a frontal face).
   */
  landmarks: Array<[number, number]>;
}

/** What BlazeFace is given: the frame's luma (default) or its colours. */
export type DetectorInput = 'luma' | 'rgb';

export interface FaceDetectorOptions {
  /** `'luma'` (default): detect on the frame's grey version; `'rgb'`: on its colours. */
  input?: DetectorInput;
  /** Minimum score of a returned face. Default 0.5. */
  minScore?: number;
  /** At most this many faces per frame, best first. Default 5. */
  maxFaces?: number;
  /** Non-maximum suppression: boxes overlapping more than this (IoU) are merged. Default 0.3. */
  iouThreshold?: number;
  /** Grey border added on each side, as a share of the frame's larger side. Default 0. */
  border?: number;
  /** Folder with `blazeface.json` and its weights. Default: @vladmandic/human's `models/`. */
  modelDir?: string;
  /** Folder with tfjs-backend-wasm's `.wasm` files. Default: the one Human's tfjs uses. */
  wasmDir?: string;
}

export interface FaceDetector {
  /** The options in force (defaults filled in). */
  readonly options: Readonly<Required<Omit<FaceDetectorOptions, 'modelDir' | 'wasmDir'>>>;
  /** Where the model and the wasm binaries were loaded from. */
  readonly location: Readonly<ModelLocation>;
  /** The tfjs backend the detector runs on (`'wasm'`). */
  readonly backend: string;
  /** Faces in the frame, highest score first (empty when there is none). */
  detect(frame: Frame): Promise<DetectedFace[]>;
  /** Stop using this detector. The model stays loaded for other detectors of the process. */
  dispose(): void;
}

export const FACE_DETECTOR_DEFAULTS = {
  input: 'luma' as DetectorInput,
  minScore: 0.5,
  maxFaces: 5,
  iouThreshold: 0.3,
  border: 0,
} as const;

/** Grey used for the letterbox bands and the border (≈ 0 after BlazeFace's normalisation). */
const PAD_VALUE = 127;

/**
 * A face detector. The first call in a process loads the model (about 0.5 MB from disk, tens of
 * milliseconds); later calls share it. Rejects with a FaceModelError naming the file when the
 * model or the wasm binaries are missing. Detection calls from all detectors run one at a time.
 */
export async function createFaceDetector(opts: FaceDetectorOptions = {}): Promise<FaceDetector> {
  const options = {
    input: opts.input ?? FACE_DETECTOR_DEFAULTS.input,
    minScore: opts.minScore ?? FACE_DETECTOR_DEFAULTS.minScore,
    maxFaces: opts.maxFaces ?? FACE_DETECTOR_DEFAULTS.maxFaces,
    iouThreshold: opts.iouThreshold ?? FACE_DETECTOR_DEFAULTS.iouThreshold,
    border: opts.border ?? FACE_DETECTOR_DEFAULTS.border,
  };
  if (options.input !== 'luma' && options.input !== 'rgb') {
    throw new RangeError(
      `createFaceDetector: input must be 'luma' or 'rgb', got ${String(options.input)}`,
    );
  }
  if (!(options.minScore >= 0 && options.minScore <= 1)) {
    throw new RangeError(`createFaceDetector: minScore must be in [0, 1], got ${options.minScore}`);
  }
  if (!(Number.isInteger(options.maxFaces) && options.maxFaces >= 1)) {
    throw new RangeError(
      `createFaceDetector: maxFaces must be an integer ≥ 1, got ${options.maxFaces}`,
    );
  }
  if (!(options.iouThreshold > 0 && options.iouThreshold <= 1)) {
    throw new RangeError(
      `createFaceDetector: iouThreshold must be in (0, 1], got ${options.iouThreshold}`,
    );
  }
  if (!(options.border >= 0 && options.border <= 4)) {
    throw new RangeError(`createFaceDetector: border must be in [0, 4], got ${options.border}`);
  }
  const runtime = await loadFaceRuntime({ modelDir: opts.modelDir, wasmDir: opts.wasmDir });
  const { tf } = runtime;
  const config: HumanDetectorConfig = {
    minConfidence: options.minScore,
    maxDetected: options.maxFaces,
    iouThreshold: options.iouThreshold,
  };
  let disposed = false;

  const detect = async (frame: Frame): Promise<DetectedFace[]> => {
    if (disposed) throw new Error('FaceDetector.detect: the detector has been disposed');
    const { width: w, height: h } = frame;
    const channels = checkFrame(frame);
    const border = Math.round(options.border * Math.max(w, h));
    const side = Math.max(w, h) + 2 * border;
    const left = Math.floor((side - w) / 2);
    const top = Math.floor((side - h) / 2);
    // float32 straight away: the values Human would get from padding an int32 tensor and casting
    // it (the same numbers, so the same boxes), without those two passes over the frame
    const input = tf.tensor3d(
      networkInput(frame, channels, options.input, side, left, top),
      [side, side, 3],
      'float32',
    );
    let found;
    try {
      found = await runtime.detect(input, config);
    } finally {
      input.dispose();
    }
    const faces: DetectedFace[] = [];
    for (const f of found) {
      if (!(f.score >= options.minScore)) continue;
      const cx = (f.boxRaw[0] + f.boxRaw[2] / 2) * side - left;
      const cy = (f.boxRaw[1] + f.boxRaw[3] / 2) * side - top;
      const [bw, bh] = f.size;
      faces.push({
        box: [cx - bw / 2, cy - bh / 2, bw, bh],
        score: f.score,
        landmarks: f.mesh.map((p) => [p[0] - left, p[1] - top] as [number, number]),
      });
    }
    faces.sort((a, b) => b.score - a.score);
    return faces.slice(0, options.maxFaces);
  };

  return {
    options,
    location: runtime.location,
    backend: tf.getBackend(),
    detect,
    dispose: () => {
      disposed = true;
    },
  };
}

/**
 * What BlazeFace is given, as float32 RGB: the frame's luma in R, G and B (`input` 'luma', or a
 * grey frame) or its colours without alpha, centred at (`left`, `top`) in a `side` × `side`
 * square of mid-grey. Done here rather than with tfjs's tile, slice, pad and cast, which on the
 * wasm backend cost more than the network itself (~50 ms for a 640×480 frame).
 */
function networkInput(
  frame: Frame,
  channels: 1 | 3 | 4,
  input: DetectorInput,
  side: number,
  left: number,
  top: number,
): Float32Array {
  const { width: w, height: h, data } = frame;
  const out = new Float32Array(side * side * 3);
  // mid-grey around the frame only (rows above and below, then each row's sides)
  out.fill(PAD_VALUE, 0, top * side * 3).fill(PAD_VALUE, (top + h) * side * 3);
  const grey =
    channels === 1
      ? data
      : input === 'luma'
        ? toGrey({ width: w, height: h, channels, data }).data
        : null;
  for (let y = 0; y < h; y++) {
    const row = (y + top) * side * 3;
    out.fill(PAD_VALUE, row, row + left * 3).fill(PAD_VALUE, row + (left + w) * 3, row + side * 3);
    let j = row + left * 3;
    if (grey) {
      for (let i = y * w, e = i + w; i < e; i++, j += 3) {
        out[j] = out[j + 1] = out[j + 2] = grey[i];
      }
    } else {
      for (let i = y * w * channels, e = i + w * channels; i < e; i += channels, j += 3) {
        out[j] = data[i];
        out[j + 1] = data[i + 1];
        out[j + 2] = data[i + 2];
      }
    }
  }
  return out;
}

/** Validates a frame; returns its number of channels. */
function checkFrame(frame: Frame): 1 | 3 | 4 {
  const { width: w, height: h, data, channels } = frame;
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0)) {
    throw new RangeError(
      `FaceDetector.detect: frame size must be positive integers, got ${w}×${h}`,
    );
  }
  if (!(data instanceof Uint8Array)) {
    throw new TypeError('FaceDetector.detect: frame.data must be a Uint8Array (RGB24)');
  }
  if (channels !== undefined) {
    if (channels !== 1 && channels !== 3 && channels !== 4) {
      throw new RangeError(
        `FaceDetector.detect: frame.channels must be 1, 3 or 4, got ${channels}`,
      );
    }
    if (data.length !== w * h * channels) {
      throw new RangeError(
        `FaceDetector.detect: frame.data has ${data.length} bytes; a ${w}×${h}×${channels} ` +
          `frame has ${w * h * channels}`,
      );
    }
    return channels;
  }
  if (data.length === w * h * 3) return 3;
  if (data.length === w * h) return 1;
  throw new RangeError(
    `FaceDetector.detect: frame.data has ${data.length} bytes; a ${w}×${h} RGB24 frame has ` +
      `${w * h * 3} (or ${w * h} for grey)`,
  );
}
