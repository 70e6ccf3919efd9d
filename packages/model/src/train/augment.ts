/**
 * Data augmentation of face crops while training: each sample of a batch gets its own random
 * horizontal flip, shift, rotation and scale (one affine warp, bilinear, edges replicated) and a
 * brightness and contrast change, drawn from a seeded generator (the run's seed, the epoch and
 * the batch), so that a run is reproducible and a resumed one sees the same crops. The labels
 * are not touched: every change keeps an expression what it is (a mirrored smile is a smile).
 * The K crops of one sample share one draw (they are one window's face).
 *
 * The `face` input's layout is channels-last: sample i, row y, column x, crop k at
 * ((i · size + y) · size + x) · K + k, grey levels 0–255 (the model scales them by 1/255).
 */
import { Rng } from '@emo/runtime';

export interface FaceAugmentation {
  /** Mirror left–right with probability 1/2. */
  readonly flip: boolean;
  /** Largest shift, as a share of the side, in x and in y. */
  readonly shift: number;
  /** Largest rotation, degrees either way. */
  readonly rotate: number;
  /** Largest change of scale, as a share (0.1: 0.9× to 1.1×). */
  readonly scale: number;
  /** Largest grey-level offset added (0–255 scale). */
  readonly brightness: number;
  /** Largest change of contrast around the crop's mean, as a share (0.2: ×0.8 to ×1.2). */
  readonly contrast: number;
}

/** The recipe for faces (FER2013-style crops): small changes a detector's crop would show. */
export const FACE_AUGMENTATION: FaceAugmentation = Object.freeze({
  flip: true,
  shift: 0.1,
  rotate: 10,
  scale: 0.1,
  brightness: 20,
  contrast: 0.2,
});

/** One sample's draw. */
interface Draw {
  flip: boolean;
  dx: number;
  dy: number;
  angle: number;
  zoom: number;
  offset: number;
  gain: number;
}

function draw(a: FaceAugmentation, size: number, rng: Rng): Draw {
  return {
    flip: a.flip && rng.next() < 0.5,
    dx: rng.uniform(-a.shift, a.shift) * size,
    dy: rng.uniform(-a.shift, a.shift) * size,
    angle: (rng.uniform(-a.rotate, a.rotate) * Math.PI) / 180,
    zoom: 1 + rng.uniform(-a.scale, a.scale),
    offset: rng.uniform(-a.brightness, a.brightness),
    gain: 1 + rng.uniform(-a.contrast, a.contrast),
  };
}

/**
 * Augment `n` samples of `face` (size × size × frames each, channels-last) into a new array;
 * `rng` gives each sample its draw, in order.
 */
export function augmentFaces(
  face: Float32Array,
  n: number,
  size: number,
  frames: number,
  a: FaceAugmentation,
  rng: Rng,
): Float32Array {
  const per = size * size * frames;
  if (face.length !== n * per) {
    throw new RangeError(
      `augmentFaces: ${face.length} values are not ${n} samples of ${size}×${size}×${frames}`,
    );
  }
  const out = new Float32Array(face.length);
  const c = (size - 1) / 2;
  const clampI = (v: number) => (v < 0 ? 0 : v > size - 1 ? size - 1 : v);
  for (let i = 0; i < n; i++) {
    const d = draw(a, size, rng);
    const base = i * per;
    // output (x, y) ← source: undo the shift, then the rotation and zoom about the centre, then
    // the flip
    const cos = Math.cos(d.angle) / d.zoom;
    const sin = Math.sin(d.angle) / d.zoom;
    for (let k = 0; k < frames; k++) {
      let sum = 0;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const u = x - c - d.dx;
          const v = y - c - d.dy;
          let sx = cos * u + sin * v + c;
          const sy = -sin * u + cos * v + c;
          if (d.flip) sx = size - 1 - sx;
          const xs = clampI(sx);
          const ys = clampI(sy);
          const x0 = Math.floor(xs);
          const y0 = Math.floor(ys);
          const x1 = Math.min(x0 + 1, size - 1);
          const y1 = Math.min(y0 + 1, size - 1);
          const fx = xs - x0;
          const fy = ys - y0;
          const at = (yy: number, xx: number) => face[base + (yy * size + xx) * frames + k];
          const val =
            (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) +
            fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
          out[base + (y * size + x) * frames + k] = val;
          sum += val;
        }
      }
      const mean = sum / (size * size);
      for (let p = 0; p < size * size; p++) {
        const j = base + p * frames + k;
        const v = (out[j] - mean) * d.gain + mean + d.offset;
        out[j] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}

/** The generator of one batch's draws: the same for the same seed, epoch and batch. */
export function augmentationRng(seed: number, epoch: number, batch: number): Rng {
  return new Rng(seed).fork('augment').fork(epoch).fork(batch);
}
