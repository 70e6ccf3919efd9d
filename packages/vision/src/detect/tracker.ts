/**
 * Temporal smoothing of one face box over a frame sequence.
 *
 * The tracker smooths four numbers independently: the centre (cx, cy) and the size (w, h) of the
 * box. Two methods:
 *
 * - `'ema'` (default): exponential moving average, `s ← s + α·(observation − s)`, α = `alpha`
 *   (weight of the newest box; 1 = no smoothing). Lag ≈ (1 − α)/α samples.
 * - `'median'`: per-coordinate median of the last `window` boxes since the last reset
 *   (robust to single outliers; lag ≈ window/2 samples).
 *
 * Both are causal (each output depends only on the boxes up to that frame), so the streaming
 * `BoxTracker` and the batch `smoothBoxes` give identical results. Smoothing is per sample, not
 * per second: choose α or the window for your sampling rate (e.g. α 0.5 at 2 fps is about
 * α 0.06 at 25 fps for the same time constant).
 *
 * Resets: smoothing restarts from the new box (output = that box, `reset: true`) when
 * - it is the first box, or the previous frames had no face for more than `carryFrames` frames;
 * - the new centre is farther than `jumpThreshold` × the smoothed size (√(w·h)) from the smoothed
 *   centre, or the size changes by more than the factor `sizeJumpRatio` (another face, or the
 *   face re-found elsewhere: averaging the two would put the box between them).
 *
 * Frames without a face are never filled silently: they come out with `found: false` and
 * `box: null`, or, for at most `carryFrames` consecutive frames, with the last smoothed box and
 * `carried: true` (still `found: false`).
 */
import type { FaceBox } from './boxes.js';
import { boxCentre, boxSize } from './boxes.js';

export type SmoothingMethod = 'ema' | 'median';

export interface TrackerOptions {
  /** `'ema'` (default) or `'median'`. */
  method?: SmoothingMethod;
  /** EMA weight of the newest box, in (0, 1]. Default 0.5. */
  alpha?: number;
  /** Median window (number of boxes), ≥ 1. Default 5. */
  window?: number;
  /** Reset when the centre moves more than this × the smoothed size. Default 0.5. */
  jumpThreshold?: number;
  /** Reset when the size grows or shrinks by more than this factor (> 1). Default 1.5. */
  sizeJumpRatio?: number;
  /** Carry the last smoothed box over at most this many consecutive missed frames. Default 0. */
  carryFrames?: number;
}

/** One frame's output of the tracker. */
export interface TrackedBox {
  /** Smoothed box; the carried box when `carried`; `null` when no face and nothing carried. */
  box: FaceBox | null;
  /** The box given for this frame (`null` when the frame had no face). */
  raw: FaceBox | null;
  /** A face was detected in this frame. */
  found: boolean;
  /** `box` is the last smoothed box carried over a frame without a face. */
  carried: boolean;
  /** Smoothing restarted at this frame (first box, after a gap, or after a jump). */
  reset: boolean;
}

export const TRACKER_DEFAULTS: Required<TrackerOptions> = {
  method: 'ema',
  alpha: 0.5,
  window: 5,
  jumpThreshold: 0.5,
  sizeJumpRatio: 1.5,
  carryFrames: 0,
};

type State = [cx: number, cy: number, w: number, h: number];

/** Streaming box smoother; feed one box (or `null`) per frame to `update`. */
export class BoxTracker {
  readonly options: Readonly<Required<TrackerOptions>>;
  private state: State | null = null;
  private history: State[] = [];
  private misses = 0;

  constructor(options: TrackerOptions = {}) {
    this.options = validateOptions(options);
  }

  /** The current smoothed box, or `null` when there is none (start, or after a long gap). */
  get current(): FaceBox | null {
    return this.state ? toBox(this.state) : null;
  }

  /** Forget everything; the next box starts afresh. */
  clear(): void {
    this.state = null;
    this.history = [];
    this.misses = 0;
  }

  /** Add the next frame's box (`null`: no face in that frame) and get the frame's output. */
  update(box: FaceBox | null): TrackedBox {
    if (box === null) return this.miss();
    if (!box.every((v) => Number.isFinite(v)) || box[2] <= 0 || box[3] <= 0) {
      throw new RangeError(`BoxTracker: box must be finite with w, h > 0, got [${box.join(', ')}]`);
    }
    const [cx, cy] = boxCentre(box);
    const obs: State = [cx, cy, box[2], box[3]];
    this.misses = 0;
    const reset = this.state === null || this.isJump(obs);
    if (reset) {
      this.history = [obs];
      this.state = [...obs];
    } else if (this.options.method === 'ema') {
      const a = this.options.alpha;
      const s = this.state as State;
      this.state = [0, 1, 2, 3].map((i) => s[i] + a * (obs[i] - s[i])) as State;
    } else {
      this.history.push(obs);
      if (this.history.length > this.options.window) this.history.shift();
      this.state = [0, 1, 2, 3].map((i) => median(this.history.map((h) => h[i]))) as State;
    }
    return { box: toBox(this.state), raw: [...box], found: true, carried: false, reset };
  }

  private miss(): TrackedBox {
    this.misses++;
    if (this.state !== null && this.misses <= this.options.carryFrames) {
      return { box: toBox(this.state), raw: null, found: false, carried: true, reset: false };
    }
    this.state = null;
    this.history = [];
    return { box: null, raw: null, found: false, carried: false, reset: false };
  }

  private isJump(obs: State): boolean {
    const s = this.state as State;
    const size = Math.sqrt(s[2] * s[3]);
    const obsSize = Math.sqrt(obs[2] * obs[3]);
    const dist = Math.hypot(obs[0] - s[0], obs[1] - s[1]);
    const ratio = Math.max(obsSize / size, size / obsSize);
    return dist > this.options.jumpThreshold * size || ratio > this.options.sizeJumpRatio;
  }
}

/** Batch form of `BoxTracker`: one output per input frame, identical to feeding them in order. */
export function smoothBoxes(
  sequence: ReadonlyArray<FaceBox | null>,
  options: TrackerOptions = {},
): TrackedBox[] {
  const tracker = new BoxTracker(options);
  return sequence.map((box) => tracker.update(box));
}

/**
 * Frame-to-frame stability of a box sequence: for each pair of consecutive frames that both
 * have a box, the centre displacement and the size change, each relative to the earlier box's
 * size (√(w·h)). Used by the validation tests and handy for choosing smoothing parameters.
 */
export function boxSteps(
  sequence: ReadonlyArray<FaceBox | null>,
): Array<{ index: number; centre: number; size: number }> {
  const out: Array<{ index: number; centre: number; size: number }> = [];
  for (let i = 1; i < sequence.length; i++) {
    const a = sequence[i - 1];
    const b = sequence[i];
    if (!a || !b) continue;
    const sa = boxSize(a);
    if (!(sa > 0)) continue;
    const [ax, ay] = boxCentre(a);
    const [bx, by] = boxCentre(b);
    out.push({
      index: i,
      centre: Math.hypot(bx - ax, by - ay) / sa,
      size: Math.abs(boxSize(b) - sa) / sa,
    });
  }
  return out;
}

function toBox(s: State): FaceBox {
  return [s[0] - s[2] / 2, s[1] - s[3] / 2, s[2], s[3]];
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function validateOptions(o: TrackerOptions): Required<TrackerOptions> {
  const opts = { ...TRACKER_DEFAULTS, ...stripUndefined(o) };
  const fail = (what: string, v: unknown): never => {
    throw new RangeError(`BoxTracker: ${what}, got ${String(v)}`);
  };
  if (opts.method !== 'ema' && opts.method !== 'median') {
    fail("method must be 'ema' or 'median'", opts.method);
  }
  if (!(opts.alpha > 0 && opts.alpha <= 1)) fail('alpha must be in (0, 1]', opts.alpha);
  if (!(Number.isInteger(opts.window) && opts.window >= 1)) {
    fail('window must be an integer ≥ 1', opts.window);
  }
  if (!(opts.jumpThreshold > 0)) fail('jumpThreshold must be > 0', opts.jumpThreshold);
  if (!(opts.sizeJumpRatio > 1)) fail('sizeJumpRatio must be > 1', opts.sizeJumpRatio);
  if (!(Number.isInteger(opts.carryFrames) && opts.carryFrames >= 0)) {
    fail('carryFrames must be an integer ≥ 0', opts.carryFrames);
  }
  return opts;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
