/**
 * The vision stage's face crops over a live stream: frames arrive one by one with their stream
 * time (a webcam, a browser page, or a video replayed by `emo stream --video`); each is scaled to
 * `decodeWidth`, run through the face detector and the box tracker, and cropped as the stage
 * crops (margin, square, grey, size × size, equalised), so that a window's crops are ready when
 * its last physiological sample arrives. {@link StreamFaces.forWindow} gives a window its K crops
 * from the frames nearest the times the stage would take them (evenly spaced in the window),
 * flagged as the stage flags them ('no face', 'face carried over'), plus 'no frame' when no frame
 * arrived within one sampling period of a wanted time.
 *
 * The stage detects only on the frames it crops and the `trackFrames` before them; a stream does
 * not know in advance which frames a window will want, so every frame pushed is detected (push
 * frames at the model's `sampleFps`, 2 per second by default). The crops can therefore differ
 * slightly from the stage's where the tracker's smoothing sees other frames.
 */
import { BoxTracker, bestFace, withMargin } from '../detect/index.js';
import type { FaceDetector } from '../detect/index.js';
import { assertImage, faceCrop, resize } from '../image/index.js';
import type { RawImage } from '../image/index.js';
import type { VisionParams } from '../subject.js';
import { centreSquare, visionParams } from '../subject.js';

/** One frame's crop and what the detector and tracker made of it. */
export interface StreamCrop {
  /** Stream time of the frame (s). */
  readonly t: number;
  /** size × size grey bytes. */
  readonly crop: Uint8Array;
  /** A face was detected in this frame. */
  readonly found: boolean;
  /** No face in this frame, the last box carried over. */
  readonly carried: boolean;
  /** The detector's score of the face, null when none was found. */
  readonly score: number | null;
}

/** A window's crops, as a faces shard row holds them. */
export interface WindowFaces {
  /** frames × size × size bytes, frame-major. */
  readonly crops: Uint8Array;
  /** Crops with a detected face. */
  readonly found: number;
  /** Mean detector score over those, null when none. */
  readonly score: number | null;
  /** What is off, as the vision stage says it ('no face', …), with counts when K > 1. */
  readonly flags: string[];
}

export interface StreamFacesOptions {
  /** The crops' parameters (default the vision stage's, VISION_DEFAULTS). */
  readonly params?: Partial<VisionParams>;
  readonly detector: FaceDetector;
  /** Seconds of crops kept for windows still to come (default 60). */
  readonly keepSec?: number;
}

export class StreamFaces {
  readonly params: VisionParams;
  private readonly detector: FaceDetector;
  private readonly keepSec: number;
  private readonly tracker = new BoxTracker({ carryFrames: 2 });
  private readonly crops: StreamCrop[] = [];
  /** Milliseconds each frame took to scale, detect and crop. */
  readonly frameMs: number[] = [];

  constructor(opts: StreamFacesOptions) {
    this.params = visionParams(opts.params ?? {});
    this.detector = opts.detector;
    this.keepSec = opts.keepSec ?? 60;
  }

  /** Detect, track and crop one frame (RGB, RGBA or grey) at stream time `t` (s). */
  async push(frame: RawImage, t: number): Promise<StreamCrop> {
    assertImage(frame, `stream frame at ${t} s`);
    if (!Number.isFinite(t)) throw new RangeError(`stream frame: time ${t} is not a number`);
    const last = this.crops.at(-1);
    if (last && t <= last.t) {
      throw new RangeError(`stream frame at ${t} s: not after the previous frame (${last.t} s)`);
    }
    const start = performance.now();
    const p = this.params;
    const scaled =
      frame.width === p.decodeWidth
        ? frame
        : resize(
            frame,
            p.decodeWidth,
            Math.max(1, Math.round((frame.height * p.decodeWidth) / frame.width)),
          );
    const best = bestFace(await this.detector.detect(scaled));
    const tracked = this.tracker.update(best ? best.box : null);
    const region = tracked.box
      ? (() => {
          const [x, y, w, h] = withMargin(
            tracked.box,
            p.margin,
            scaled.width,
            scaled.height,
            p.lift,
          );
          return { x, y, width: w, height: h };
        })()
      : centreSquare(scaled);
    const crop = faceCrop(scaled, region, { size: p.size, equalize: p.equalize }).data;
    const out: StreamCrop = {
      t,
      crop,
      found: tracked.found && best !== null,
      carried: tracked.carried,
      score: tracked.found && best ? best.score : null,
    };
    this.crops.push(out);
    while (this.crops.length > 1 && this.crops[0].t < t - this.keepSec) this.crops.shift();
    this.frameMs.push(performance.now() - start);
    return out;
  }

  /** The latest crop, null before the first frame. */
  latest(): StreamCrop | null {
    return this.crops.at(-1) ?? null;
  }

  /** The K crops of the window from `t0` to `t1` (stream seconds); see the file comment. */
  forWindow(t0: number, t1: number): WindowFaces {
    const p = this.params;
    const side = p.size * p.size;
    const crops = new Uint8Array(p.frames * side);
    const flags: string[] = [];
    const scores: number[] = [];
    for (let k = 0; k < p.frames; k++) {
      const want = t0 + ((k + 0.5) * (t1 - t0)) / p.frames;
      const c = this.nearest(want);
      if (!c) {
        flags.push('no frame');
        continue;
      }
      crops.set(c.crop, k * side);
      if (c.found && c.score !== null) scores.push(c.score);
      else flags.push(c.carried ? 'face carried over' : 'no face');
    }
    const counted = [...new Set(flags)].map((f) => {
      const n = flags.filter((x) => x === f).length;
      return n > 1 || p.frames > 1 ? `${f} (${n} of ${p.frames})` : f;
    });
    return {
      crops,
      found: scores.length,
      score: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
      flags: counted,
    };
  }

  /** The crop nearest `t`, if one is within one sampling period of it. */
  private nearest(t: number): StreamCrop | null {
    let best: StreamCrop | null = null;
    for (const c of this.crops) {
      if (!best || Math.abs(c.t - t) < Math.abs(best.t - t)) best = c;
    }
    return best && Math.abs(best.t - t) <= 1 / this.params.sampleFps ? best : null;
  }
}
