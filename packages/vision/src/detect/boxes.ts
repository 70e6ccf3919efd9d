/**
 * Face boxes: the box type shared by the detector and the tracker, picking the largest face,
 * and the square crop box with a margin (`withMargin`).
 *
 * Boxes are `[x, y, w, h]` in pixels of the frame they were found in: (x, y) is the top-left
 * corner, w and h the width and height. Detector boxes are real numbers and may reach past the
 * frame edge when a face is cut by it; `withMargin` returns integer boxes inside the frame.
 */

/** `[x, y, w, h]` in pixels; (x, y) is the top-left corner. */
export type FaceBox = [x: number, y: number, w: number, h: number];

/** Anything that carries a box (a detection, a tracked box with its box set). */
export interface HasFaceBox {
  box: FaceBox;
}

/** Centre `[cx, cy]` of a box. */
export function boxCentre(box: FaceBox): [number, number] {
  return [box[0] + box[2] / 2, box[1] + box[3] / 2];
}

/** Linear size of a box: the geometric mean √(w·h) (the side of a square of the same area). */
export function boxSize(box: FaceBox): number {
  return Math.sqrt(Math.max(0, box[2]) * Math.max(0, box[3]));
}

/** Area w·h (0 for a degenerate box). */
export function boxArea(box: FaceBox): number {
  return Math.max(0, box[2]) * Math.max(0, box[3]);
}

/** Intersection over union of two boxes (0 when they do not overlap). */
export function boxIou(a: FaceBox, b: FaceBox): number {
  const x0 = Math.max(a[0], b[0]);
  const y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * The face with the highest `score`; ties go to the larger box, then to the first. `null` for
 * an empty list. This is the face the pipeline crops: in dim, noisy frames BlazeFace also
 * returns large boxes around shadows at scores of 0.5–0.6, above the real face's box in area but
 * below it in score (detect/README.md), so the largest box is not a safe choice.
 */
export function bestFace<T extends HasFaceBox & { score: number }>(faces: readonly T[]): T | null {
  let best: T | null = null;
  for (const face of faces) {
    if (
      best === null ||
      face.score > best.score ||
      (face.score === best.score && boxArea(face.box) > boxArea(best.box))
    ) {
      best = face;
    }
  }
  return best;
}

/**
 * The face with the largest box area; ties go to the one with the higher `score` (when the
 * items have one), then to the first. `null` for an empty list.
 */
export function largestFace<T extends HasFaceBox & { score?: number }>(
  faces: readonly T[],
): T | null {
  let best: T | null = null;
  for (const face of faces) {
    if (best === null) {
      best = face;
      continue;
    }
    const a = boxArea(face.box);
    const b = boxArea(best.box);
    if (a > b || (a === b && (face.score ?? 0) > (best.score ?? 0))) best = face;
  }
  return best;
}

/**
 * The square crop box around a face box, inside a `width`×`height` frame.
 *
 * - The side is the face box's larger side grown by `margin` of it on *each* side:
 *   `side = max(w, h) · (1 + 2·margin)` (margin 0.2 → 1.4× the face, the same enlargement
 *   @vladmandic/human applies to BlazeFace boxes by default).
 * - The square is centred on the face box's centre, raised by `lift` of the box's larger side
 *   (0: centred; a positive lift shows the face lower in the crop), then, when it reaches past an edge, shifted
 *   back inside the frame (it stays square; its centre moves off the face only by what the edge
 *   forces). When the side exceeds the frame's smaller dimension it is reduced to that.
 * - The result is in integer pixels: `x`, `y` ≥ 0, `x + side` ≤ width, `y + side` ≤ height.
 *
 * Throws for a non-positive frame size, a negative margin or a box that is not finite.
 */
export function withMargin(
  box: FaceBox,
  margin = 0.2,
  width: number,
  height: number,
  lift = 0,
): FaceBox {
  if (!(width > 0 && height > 0) || !Number.isFinite(width) || !Number.isFinite(height)) {
    throw new RangeError(`withMargin: frame size must be positive, got ${width}×${height}`);
  }
  if (!(margin >= 0) || !Number.isFinite(margin)) {
    throw new RangeError(`withMargin: margin must be a finite number ≥ 0, got ${margin}`);
  }
  if (!box.every((v) => Number.isFinite(v)) || box[2] < 0 || box[3] < 0) {
    throw new RangeError(`withMargin: box must be finite with w, h ≥ 0, got [${box.join(', ')}]`);
  }
  if (!Number.isFinite(lift)) {
    throw new RangeError(`withMargin: lift must be a finite number, got ${lift}`);
  }
  const [cx, centreY] = boxCentre(box);
  const cy = centreY - lift * Math.max(box[2], box[3]);
  const limit = Math.floor(Math.min(width, height));
  const side = Math.max(
    1,
    Math.min(limit, Math.round(Math.max(box[2], box[3]) * (1 + 2 * margin))),
  );
  const x = clamp(Math.round(cx - side / 2), 0, Math.floor(width) - side);
  const y = clamp(Math.round(cy - side / 2), 0, Math.floor(height) - side);
  return [x, y, side, side];
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
