/**
 * A fast procedural renderer of a frontal face for the synthetic videos: background, shoulders,
 * neck, hair, ears, a shaded face oval, eyes (sclera, iris, pupil, lids, blinks), brows,
 * forehead and glabella lines, nose, cheeks, nasolabial folds and a mouth whose curvature and
 * opening follow the expression. Geometry is computed once per frame; every shape is then an
 * implicit (signed-distance-like) test over the pixels of its own bounding box, with one pixel
 * of anti-aliasing. Colours are accumulated in floats and written to RGB24 with sensor noise.
 */
import type { Rng } from '@emo/runtime';
import type { Emotion } from '../emotions.js';
import {
  EFFECTS,
  NEUTRAL_EXPRESSION,
  type ExpressionParams,
  type SubjectProfile,
} from './design.js';

// Local aliases: module-scope bindings are faster than global lookups in hot loops (notably
// inside VM contexts such as jest's).
const { abs, sqrt, max, min, exp, sin, cos, floor, ceil, round, pow, log, imul, fround, PI } = Math;

/** Per-frame state: head pose, blink, how much of the expression shows, light and noise. */
export interface FrameParams {
  /** Head translation as fractions of the face width (x right, y down). */
  dx: number;
  dy: number;
  /** Head roll (rad) and yaw (−1 … 1; a small turn that shifts the features sideways). */
  roll: number;
  yaw: number;
  /** Head scale (distance to the camera), about 1. */
  scale: number;
  /** Eyelid closure, 0 open … 1 closed. */
  blink: number;
  /** Multiplies the expression's departure from neutral (expressions come and go), 0 … 1.2. */
  expressionGain: number;
  /** Global illumination gain, about 1. */
  brightness: number;
  /** Seed of this frame's sensor noise and its standard deviation in grey levels. */
  noiseSeed: number;
  noise: number;
}

/** A still frame: head centred, eyes open, the full expression, no noise. */
export function stillFrame(): FrameParams {
  return {
    dx: 0,
    dy: 0,
    roll: 0,
    yaw: 0,
    scale: 1,
    blink: 0,
    expressionGain: 1,
    brightness: 1,
    noiseSeed: 0,
    noise: 0,
  };
}

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/**
 * The expression of one trial: the neutral face plus the class effect and the subject's own
 * offsets, scaled by the subject's expressiveness and the trial `intensity`, plus a little
 * trial noise.
 */
export function expressionFor(
  rng: Rng,
  subject: SubjectProfile,
  emotion: Emotion,
  intensity: number,
): ExpressionParams {
  const eff = EFFECTS[emotion].face;
  const off = subject.response[emotion].face;
  const g = subject.expressiveness * intensity;
  const v = (k: keyof ExpressionParams, sd: number): number =>
    NEUTRAL_EXPRESSION[k] + g * (eff[k] + off[k]) + rng.normal(0, sd);
  return {
    smile: clamp(v('smile', 0.05), -1, 1),
    mouthOpen: clamp(v('mouthOpen', 0.03), 0, 1),
    lipPress: clamp(v('lipPress', 0.05), 0, 1),
    browInnerRaise: clamp(v('browInnerRaise', 0.05), 0, 1),
    browLower: clamp(v('browLower', 0.05), 0, 1),
    eyeOpen: clamp(v('eyeOpen', 0.03), 0.5, 1.4),
    cheekRaise: clamp(v('cheekRaise', 0.05), 0, 1),
  };
}

/**
 * Frame parameters for `nFrames` frames at `fps`: head translation, roll, yaw and scale as
 * Ornstein–Uhlenbeck processes (the subject's jitter), blinks at the subject's rate, an
 * expression gain that wanders between about 0.4 and 1.15 (expressions come and go), a slight
 * illumination flicker and the subject's sensor noise.
 */
export function animateFrames(
  rng: Rng,
  subject: SubjectProfile,
  nFrames: number,
  fps: number,
): FrameParams[] {
  const f = subject.face;
  const dt = 1 / fps;
  const ou = (tau: number): [number, number] => {
    const a = exp(-dt / tau);
    return [a, sqrt(1 - a * a)];
  };
  const [aHead, bHead] = ou(2);
  const [aSlow, bSlow] = ou(5);
  const [aExpr, bExpr] = ou(4);
  let dx = rng.normal(0, f.headJitter);
  let dy = rng.normal(0, f.headJitter);
  let roll = rng.normal(0, f.rollJitter);
  let yaw = rng.normal(0, 0.08);
  let scale = rng.normal(0, 0.02);
  let expr = rng.normal(0, 0.25);
  let light = rng.normal(0, 0.02);
  const blinkP = (f.blinkPerMin / 60) * dt;
  let blinkT = -1;
  let blinkDur = 0.2;
  const frames: FrameParams[] = [];
  for (let i = 0; i < nFrames; i++) {
    let blink = 0;
    if (blinkT < 0 && rng.next() < blinkP) {
      blinkT = 0;
      blinkDur = rng.uniform(0.12, 0.3);
    }
    if (blinkT >= 0) {
      blink = sin((PI * blinkT) / blinkDur);
      blinkT += dt;
      if (blinkT > blinkDur) blinkT = -1;
    }
    frames.push({
      dx,
      dy,
      roll,
      yaw,
      scale: 1 + scale,
      blink: clamp(blink * 1.2, 0, 1),
      expressionGain: clamp(0.8 + expr, 0.35, 1.15),
      brightness: 1 + light,
      noiseSeed: rng.uint32(),
      noise: f.sensorNoise,
    });
    dx = aHead * dx + bHead * rng.normal(0, f.headJitter);
    dy = aHead * dy + bHead * rng.normal(0, f.headJitter);
    roll = aHead * roll + bHead * rng.normal(0, f.rollJitter);
    yaw = aSlow * yaw + bSlow * rng.normal(0, 0.08);
    scale = aSlow * scale + bSlow * rng.normal(0, 0.02);
    expr = aExpr * expr + bExpr * rng.normal(0, 0.25);
    light = aSlow * light + bSlow * rng.normal(0, 0.02);
  }
  return frames;
}

// ---- rendering ---------------------------------------------------------------------------------

const NOISE_LEN = 1 << 16;
let noiseTable: Float32Array | undefined;

function noise(): Float32Array {
  if (noiseTable) return noiseTable;
  // A fixed table of standard normals (deterministic: its own xorshift stream).
  const t = new Float32Array(NOISE_LEN + 8);
  let s = 0x9e3779b9;
  const u = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  for (let i = 0; i < t.length; i += 2) {
    const r = sqrt(-2 * log(u()));
    const th = 2 * PI * u();
    t[i] = r * cos(th);
    if (i + 1 < t.length) t[i + 1] = r * sin(th);
  }
  noiseTable = t;
  return t;
}

interface Canvas {
  w: number;
  h: number;
  /** Linear-ish RGB accumulator, 0 … 255. */
  rgb: Float32Array;
  /** Face shading (Lambert) per pixel, valid where the face or neck was drawn. */
  shade: Float32Array;
  /** Background vignette gain per column. */
  colGain: Float32Array;
  /** The columns lo[y] … hi[y] of row y that hold the background this frame (see Backdrop). */
  lo: Int32Array;
  hi: Int32Array;
}

/** Scratch canvases by size (interleaved encodes of different sizes do not reallocate). */
const canvases = new Map<string, Canvas>();

function getCanvas(w: number, h: number): Canvas {
  const key = `${w}x${h}`;
  let canvas = canvases.get(key);
  if (!canvas) {
    const colGain = new Float32Array(w);
    for (let x = 0; x < w; x++) {
      const vx = (x + 0.5) / w - 0.5;
      colGain[x] = 1 - 0.5 * vx * vx;
    }
    canvas = {
      w,
      h,
      rgb: new Float32Array(w * h * 3),
      shade: new Float32Array(w * h),
      colGain,
      lo: new Int32Array(h),
      hi: new Int32Array(h),
    };
    if (canvases.size >= 8) canvases.clear();
    canvases.set(key, canvas);
  }
  return canvas;
}

/**
 * The background, a vertical gradient with a soft vignette: channel c of pixel (x, y) is
 * `bg[c] * rowGain(y) * colGain[x]`, rounded to float32. It is laid in `rgb` lazily, only in the
 * columns lo[y] … hi[y] of each row (a span that grows to cover whatever is drawn); the output
 * computes the same values everywhere else, so most of the frame is never written and read back.
 */
class Backdrop {
  constructor(
    readonly cv: Canvas,
    readonly bgR: number,
    readonly bgG: number,
    readonly bgB: number,
    readonly br: number,
  ) {
    // A new frame: no row holds it yet.
    cv.lo.fill(cv.w);
    cv.hi.fill(-1);
  }

  rowGain(y: number): number {
    return this.br * (1.12 - (0.3 * y) / this.cv.h);
  }

  /** Lay the background in columns x0 … x1 of rows y0 … y1 (all in the frame), where not yet. */
  cover(x0: number, x1: number, y0: number, y1: number): void {
    if (!(x0 <= x1)) return;
    const { lo, hi } = this.cv;
    for (let y = y0; y <= y1; y++) {
      const l = lo[y];
      const r = hi[y];
      if (l > r) {
        this.fill(y, x0, x1);
        lo[y] = x0;
        hi[y] = x1;
        continue;
      }
      // Keep one span per row: fill up to the old span, gap included.
      if (x0 < l) {
        this.fill(y, x0, l - 1);
        lo[y] = x0;
      }
      if (x1 > r) {
        this.fill(y, r + 1, x1);
        hi[y] = x1;
      }
    }
  }

  private fill(y: number, x0: number, x1: number): void {
    const { rgb, colGain, w } = this.cv;
    const rowGain = this.rowGain(y);
    const r0 = this.bgR * rowGain;
    const g0 = this.bgG * rowGain;
    const b0 = this.bgB * rowGain;
    for (let x = x0, k = 3 * (y * w + x0); x <= x1; x++, k += 3) {
      const cg = colGain[x];
      rgb[k] = r0 * cg;
      rgb[k + 1] = g0 * cg;
      rgb[k + 2] = b0 * cg;
    }
  }
}

/**
 * The pixels of the last {@link Head.scan}: face-local coordinates (X, Y) and pixel index of
 * each, in row-major order. Each shape loops over them with its own inline code, so V8 optimises
 * every shape's loop on its own: a per-pixel callback shared by all shapes was megamorphic (not
 * inlined, its float arguments boxed on the heap at every call).
 */
const pts = { X: new Float64Array(4096), Y: new Float64Array(4096), i: new Int32Array(4096) };

/** A head-local frame: pixel ↔ face coordinates (x right, y down, origin at the face centre). */
class Head {
  constructor(
    readonly bd: Backdrop,
    readonly w: number,
    readonly h: number,
    readonly cx: number,
    readonly cy: number,
    readonly cos: number,
    readonly sin: number,
  ) {}

  /**
   * Collect into `pts` every pixel whose centre lies in the box of half-size (rx, ry) around the
   * face-local point (lx, ly), with its face-local coordinates; returns how many. The box gets
   * the background first.
   */
  scan(lx: number, ly: number, rx: number, ry: number): number {
    const { w, h, cx, cy, cos, sin } = this;
    const px = cx + cos * lx - sin * ly;
    const py = cy + sin * lx + cos * ly;
    const r = max(rx, ry) + 1.5;
    const x0 = max(0, floor(px - r));
    const x1 = min(w - 1, ceil(px + r));
    const y0 = max(0, floor(py - r));
    const y1 = min(h - 1, ceil(py + r));
    this.bd.cover(x0, x1, y0, y1);
    const cap = max(0, x1 - x0 + 1) * max(0, y1 - y0 + 1);
    if (cap > pts.i.length) {
      pts.X = new Float64Array(cap);
      pts.Y = new Float64Array(cap);
      pts.i = new Int32Array(cap);
    }
    const { X: ptX, Y: ptY, i: ptI } = pts;
    const xLo = lx - rx;
    const xHi = lx + rx;
    const yLo = ly - ry;
    const yHi = ly + ry;
    const nsin = -sin;
    let m = 0;
    for (let y = y0; y <= y1; y++) {
      const dyp = y + 0.5 - cy;
      // Hoisted products: the same float operations as in X, Y below.
      const sdy = sin * dyp;
      const cdy = cos * dyp;
      for (let x = x0, i = y * w + x0; x <= x1; x++, i++) {
        const dxp = x + 0.5 - cx;
        const X = cos * dxp + sdy;
        const Y = nsin * dxp + cdy;
        if (X < xLo || X > xHi || Y < yLo || Y > yHi) continue;
        ptX[m] = X;
        ptY[m] = Y;
        ptI[m++] = i;
      }
    }
    return m;
  }
}

/** Coverage of an ellipse (centre 0, half-axes a, b) at (x, y), with one pixel of smoothing. */
function ellipseCover(x: number, y: number, a: number, b: number): number {
  const f = (x * x) / (a * a) + (y * y) / (b * b);
  const s = sqrt(f);
  const m = a < b ? a : b;
  // Distance to the boundary along the ray is r(1 − 1/s), and r ≥ s·min(a, b).
  if ((1 - s) * m >= 0.5) return 1;
  if (s <= 0) return 1;
  const d = sqrt(x * x + y * y) * (1 - 1 / s);
  return d >= 0.5 ? 0 : d <= -0.5 ? 1 : 0.5 - d;
}

function paint(rgb: Float32Array, i: number, r: number, g: number, b: number, alpha: number): void {
  if (alpha <= 0) return;
  const k = 3 * i;
  if (alpha >= 1) {
    rgb[k] = r;
    rgb[k + 1] = g;
    rgb[k + 2] = b;
    return;
  }
  rgb[k] += (r - rgb[k]) * alpha;
  rgb[k + 1] += (g - rgb[k + 1]) * alpha;
  rgb[k + 2] += (b - rgb[k + 2]) * alpha;
}

/** Multiply the pixel's colour towards `factor` by `alpha` (darken < 1, lighten > 1). */
function tint(rgb: Float32Array, i: number, factor: number, alpha: number): void {
  if (alpha <= 0) return;
  const m = 1 + (factor - 1) * alpha;
  const k = 3 * i;
  rgb[k] *= m;
  rgb[k + 1] *= m;
  rgb[k + 2] *= m;
}

/**
 * One frame's canvas, head frame, light, colours and expression-dependent geometry, shared by
 * the shape painters below (each a function of its own, which V8 optimises separately).
 */
interface Scene {
  readonly rgb: Float32Array;
  readonly shade: Float32Array;
  readonly bd: Backdrop;
  readonly head: Head;
  readonly f: SubjectProfile['face'];
  readonly frame: FrameParams;
  /** Face half-width and half-height, px. */
  readonly a: number;
  readonly b: number;
  /** Light: brightness, ambient, strength and direction. */
  readonly br: number;
  readonly amb: number;
  readonly ls: number;
  readonly lx: number;
  readonly ly: number;
  readonly lz: number;
  /** Skin and hair colours. */
  readonly sR: number;
  readonly sG: number;
  readonly sB: number;
  readonly hR: number;
  readonly hG: number;
  readonly hB: number;
  readonly yawShift: number;
  readonly eyeY: number;
  /** Eye half-width, relaxed eye half-height (upper lid) and the brows' base line. */
  readonly ew: number;
  readonly eh0: number;
  readonly browBase: number;
  /** Effective expression. */
  readonly smile: number;
  readonly mouthOpen: number;
  readonly lipPress: number;
  readonly browInner: number;
  readonly browLower: number;
  readonly eyeOpen: number;
  readonly cheek: number;
}

/** Lambert shading of a face-local normal (nx, ny, √(1 − nx² − ny²)). */
function lambert(sc: Scene, nx: number, ny: number): number {
  const nz = sqrt(max(0, 1 - nx * nx - ny * ny));
  return sc.br * (sc.amb + sc.ls * max(0, nx * sc.lx + ny * sc.ly + nz * sc.lz));
}

/** The shading at pixel i where the face was drawn, else 1. */
function shadeAt(shade: Float32Array, i: number): number {
  return shade[i] > 0 ? shade[i] : 1;
}

function drawNeck(sc: Scene): void {
  const { rgb, shade, a, b, sR, sG, sB } = sc;
  const nw = 0.42 * a;
  const m = sc.head.scan(0, 1.05 * b, nw, 0.55 * b);
  const { X: ptX, Y: ptY, i: ptI } = pts;
  for (let p = 0; p < m; p++) {
    const X = ptX[p];
    const Y = ptY[p];
    const i = ptI[p];
    const c = clamp(nw - abs(X) + 0.5, 0, 1);
    // Shadow under the chin.
    const s = lambert(sc, (X / nw) * 0.7, 0.2) * (Y < 1.05 * b ? 0.72 : 0.82);
    shade[i] = s;
    paint(rgb, i, sR * s, sG * s, sB * s, c);
  }
}

/** Shoulders (not rolled): row spans of an ellipse, edges anti-aliased. */
function drawShoulders(sc: Scene, width: number, height: number): void {
  const { rgb, a, b, br, amb, ls, lx } = sc;
  const cx = sc.head.cx;
  const [r0, g0, b0] = sc.f.shirtRgb;
  const sa = 2.5 * a;
  const sb = 1.1 * b;
  const scy = sc.head.cy + 2.4 * b;
  const y0 = max(0, floor(scy - sb));
  for (let y = y0; y < height; y++) {
    const Y = (y + 0.5 - scy) / sb;
    if (Y <= -1) continue;
    const hw = Y >= 1 ? 0 : sa * sqrt(1 - Y * Y);
    // Soften the top rows, where the span grows fast.
    const slope = min(1, hw / sb + 0.05);
    const x0 = max(0, floor(cx - hw - 1));
    const x1 = min(width - 1, ceil(cx + hw + 1));
    sc.bd.cover(x0, x1, y, y);
    for (let x = x0; x <= x1; x++) {
      const X = x + 0.5 - cx;
      const c = clamp((hw - abs(X)) * slope + 0.5, 0, 1);
      if (c <= 0) continue;
      const s = br * (amb + ls * (0.55 + 0.45 * clamp((X / sa) * lx * 1.6, -1, 1)));
      paint(rgb, y * width + x, r0 * s, g0 * s, b0 * s, c);
    }
  }
}

/** Hair behind the head. */
function drawHairBack(sc: Scene, hairBottom: number): void {
  const { rgb, a, b, hR, hG, hB } = sc;
  const ha = 1.16 * a;
  const hb = 1.08 * b;
  const hcy = -0.1 * b;
  const m = sc.head.scan(0, hcy, ha, hb);
  const { X: ptX, Y: ptY, i: ptI } = pts;
  for (let p = 0; p < m; p++) {
    const X = ptX[p];
    const Y = ptY[p];
    if (Y > hairBottom + 1) continue;
    const c = ellipseCover(X, Y - hcy, ha, hb) * clamp(hairBottom - Y + 0.5, 0, 1);
    if (c <= 0) continue;
    const s = lambert(sc, (X / ha) * 0.9, ((Y - hcy) / hb) * 0.9) * 0.95;
    paint(rgb, ptI[p], hR * s, hG * s, hB * s, c);
  }
}

function drawEar(sc: Scene, side: number): void {
  const { rgb, a, b, sR, sG, sB, eyeY } = sc;
  const ea = 0.13 * a;
  const eb = 0.24 * b;
  const ecx = side * 0.99 * a;
  const ecy = eyeY + 0.14 * b;
  const m = sc.head.scan(ecx, ecy, ea, eb);
  const { X: ptX, Y: ptY, i: ptI } = pts;
  for (let p = 0; p < m; p++) {
    const X = ptX[p];
    const Y = ptY[p];
    const c = ellipseCover(X - ecx, Y - ecy, ea, eb);
    if (c <= 0) continue;
    const s = lambert(sc, side * 0.85, (Y - ecy) / eb) * 0.92;
    paint(rgb, ptI[p], sR * s, sG * s, sB * s, c);
  }
}

/** Face oval (egg-shaped: narrower jaw) with Lambert shading. */
function drawFaceOval(sc: Scene): void {
  const { rgb, shade, a, b, sR, sG, sB, yawShift } = sc;
  const m = sc.head.scan(0, 0, a, b);
  const { X: ptX, Y: ptY, i: ptI } = pts;
  for (let p = 0; p < m; p++) {
    const X = ptX[p];
    const Y = ptY[p];
    const yn = Y / b;
    const aj = a * (yn > 0 ? 1 - 0.16 * yn * yn : 1);
    const c = ellipseCover(X, Y, aj, b);
    if (c <= 0) continue;
    const s = lambert(sc, (X - yawShift * 0.5) / aj, yn * 0.9);
    const i = ptI[p];
    shade[i] = s;
    paint(rgb, i, sR * s, sG * s, sB * s, c);
  }
}

/** Hair on the forehead (hairline), within the face oval. */
function drawHairline(sc: Scene): void {
  const { rgb, a, b, hR, hG, hB } = sc;
  const hl = -sc.f.hairline * b;
  const m = sc.head.scan(0, -0.6 * b, a, 0.45 * b);
  const { X: ptX, Y: ptY, i: ptI } = pts;
  for (let p = 0; p < m; p++) {
    const X = ptX[p];
    const Y = ptY[p];
    const xn = X / a;
    const yh = hl + 0.32 * b * xn * xn; // hairline curve, lower at the temples
    const c = clamp(yh - Y + 0.5, 0, 1);
    if (c <= 0) continue;
    const yn = Y / b;
    const aj = a * 1.0;
    const inside = ellipseCover(X, Y, aj + 0.5, b + 0.5);
    if (inside <= 0) continue;
    const s = lambert(sc, xn * 0.9, yn * 0.9) * 0.95;
    paint(rgb, ptI[p], hR * s, hG * s, hB * s, c * inside);
  }
}

/** The socket, cheek highlight, eye and brow of one side. */
function drawEye(sc: Scene, side: number): void {
  const { rgb, shade, head, f, frame, a, b, eyeY, cheek, ew, eh0, browBase } = sc;
  const openH = eh0 * sc.eyeOpen * (1 - frame.blink);
  const [iR, iG, iB] = f.irisRgb;
  const gaze = frame.yaw * 0.12 * ew;
  const ecx = side * f.eyeSpacing * a + sc.yawShift;
  // Socket: a soft darker ellipse around the eye.
  {
    const m = head.scan(ecx, eyeY - 0.2 * ew, 1.35 * ew, 0.95 * ew);
    const { X: ptX, Y: ptY, i: ptI } = pts;
    for (let p = 0; p < m; p++) {
      const u = (ptX[p] - ecx) / (1.35 * ew);
      const v = (ptY[p] - eyeY + 0.2 * ew) / (0.95 * ew);
      const d = u * u + v * v;
      if (d >= 1) continue;
      tint(rgb, ptI[p], 0.82, (1 - d) * 0.6);
    }
  }
  // Cheek highlight (cheek raise) below the eye.
  if (cheek > 0.02) {
    const ccy = eyeY + 0.36 * b;
    const ccx = side * 0.5 * a;
    const m = head.scan(ccx, ccy, 0.26 * a, 0.14 * b);
    const { X: ptX, Y: ptY, i: ptI } = pts;
    for (let p = 0; p < m; p++) {
      const u = (ptX[p] - ccx) / (0.26 * a);
      const v = (ptY[p] - ccy) / (0.14 * b);
      const d = u * u + v * v;
      if (d >= 1) continue;
      tint(rgb, ptI[p], 1.1, cheek * (1 - d));
    }
  }
  // Eye: almond between upper lid y_t(x) and lower lid y_b(x).
  const lowerH = eh0 * (0.75 - 0.35 * cheek) * max(0.2, 1 - 0.7 * frame.blink);
  const lash = max(0.9, 0.22 * eh0);
  const ri = 0.5 * ew;
  const icx = ecx + gaze;
  const icy = eyeY - 0.05 * eh0;
  {
    const m = head.scan(ecx, eyeY, ew * 1.08, eh0 * 1.6 + lash);
    const { X: ptX, Y: ptY, i: ptI } = pts;
    for (let p = 0; p < m; p++) {
      const X = ptX[p];
      const Y = ptY[p];
      const i = ptI[p];
      const u = (X - ecx) / ew;
      const q = 1 - u * u;
      if (q <= -0.1) continue;
      const qq = max(0, q);
      const yt = eyeY - openH * sqrt(qq) + 0.1 * eh0 * u * side;
      const yb = eyeY + lowerH * qq;
      const cU = clamp(Y - yt + 0.5, 0, 1);
      const cL = clamp(yb - Y + 0.5, 0, 1);
      const cx0 = clamp((1 - abs(u)) * ew + 0.5, 0, 1);
      const inEye = min(cU, cL, cx0);
      const s = shadeAt(shade, i);
      if (inEye > 0) {
        // Sclera, then iris and pupil, then a highlight.
        let r = 232 * s;
        let gg = 226 * s;
        let bb = 220 * s;
        const di = sqrt((X - icx) * (X - icx) + (Y - icy) * (Y - icy));
        const ci = clamp(ri - di + 0.5, 0, 1);
        if (ci > 0) {
          const cp = clamp(0.45 * ri - di + 0.5, 0, 1);
          const ir = iR * (1 - cp) + 10 * cp;
          const ig = iG * (1 - cp) + 8 * cp;
          const ib = iB * (1 - cp) + 8 * cp;
          r += (ir * s - r) * ci;
          gg += (ig * s - gg) * ci;
          bb += (ib * s - bb) * ci;
        }
        const dh = sqrt((X - icx - 0.3 * ri) ** 2 + (Y - icy + 0.3 * ri) ** 2);
        const ch = clamp(0.18 * ri - dh + 0.5, 0, 1) * 0.8;
        r += (250 - r) * ch;
        gg += (250 - gg) * ch;
        bb += (250 - bb) * ch;
        // Upper-lid shadow on the eyeball.
        const sh = clamp(1 - (Y - yt) / (0.5 * eh0 + 0.5), 0, 1) * 0.35;
        paint(rgb, i, r * (1 - sh), gg * (1 - sh), bb * (1 - sh), inEye);
      }
      // Lashes / upper lid line (also the closed eye), and a faint lower lid line.
      if (abs(u) < 1.08) {
        const dl = yt - Y;
        const cl = clamp(min(dl + 0.5, lash - dl + 0.5), 0, 1) * clamp((1.08 - abs(u)) * ew, 0, 1);
        paint(rgb, i, 28 * s, 20 * s, 18 * s, cl);
        const dlo = Y - yb;
        const clo = clamp(min(dlo + 0.5, 0.6 - dlo), 0, 1) * qq;
        tint(rgb, i, 0.6, clo * 0.5);
      }
    }
  }

  // Brow: a tapered band along y(t); t = −1 at the inner end, +1 at the outer end.
  const { browInner, browLower } = sc;
  const bw = 1.2 * ew;
  const bcx = ecx + side * 0.08 * ew;
  const th0 = f.browThickness * b;
  const browY = (t: number): number => {
    const inner = (1 - t) / 2;
    return (
      browBase -
      0.045 * b * (1 - t * t) - // arch
      browInner * (0.05 * b + 0.12 * b * inner) +
      browLower * (0.05 * b + 0.07 * b * inner)
    );
  };
  // Brows: the hair colour, but always clearly darker than the skin.
  const { sR, sG, sB, hR, hG, hB } = sc;
  const skinLum = 0.3 * sR + 0.59 * sG + 0.11 * sB;
  let brR = hR * 0.6 + sR * 0.15;
  let brG = hG * 0.6 + sG * 0.15;
  let brB = hB * 0.6 + sB * 0.15;
  const browLum = 0.3 * brR + 0.59 * brG + 0.11 * brB;
  if (browLum > 0.55 * skinLum) {
    const k = (0.55 * skinLum) / browLum;
    brR *= k;
    brG *= k;
    brB *= k;
  }
  {
    const m = head.scan(bcx, browBase - 0.05 * b, bw + 1, 0.22 * b);
    const { X: ptX, Y: ptY, i: ptI } = pts;
    for (let p = 0; p < m; p++) {
      const t = (side * (ptX[p] - bcx)) / bw;
      if (t < -1.05 || t > 1.05) continue;
      const th = th0 * (1.15 - 0.35 * (t + 1) * 0.5) * 0.5;
      const d = abs(ptY[p] - browY(t));
      const c = clamp(th - d + 0.5, 0, 1) * clamp((1.02 - abs(t)) * bw, 0, 1);
      if (c <= 0) continue;
      const i = ptI[p];
      const s = shadeAt(shade, i);
      paint(rgb, i, brR * s, brG * s, brB * s, 0.9 * c);
    }
  }
}

/** Forehead lines (inner brow raise). */
function drawForeheadLines(sc: Scene): void {
  const { rgb, a, b, browInner, browBase } = sc;
  const fy = browBase - 0.2 * b;
  const m = sc.head.scan(0, fy - 0.06 * b, 0.34 * a, 0.12 * b);
  const { X: ptX, Y: ptY, i: ptI } = pts;
  for (let p = 0; p < m; p++) {
    const Y = ptY[p];
    const xn = ptX[p] / (0.34 * a);
    if (abs(xn) >= 1) continue;
    let c = 0;
    for (let k = 0; k < 3; k++) {
      const yk = fy - k * 0.065 * b - 0.03 * b * xn * xn;
      c = max(c, clamp(0.9 - abs(Y - yk), 0, 1));
    }
    tint(rgb, ptI[p], 0.8, c * browInner * (1 - xn * xn));
  }
}

/** Glabella lines (brow lowering). */
function drawGlabellaLines(sc: Scene): void {
  const { rgb, a, b, browLower, browBase } = sc;
  const gy = browBase + 0.02 * b;
  const m = sc.head.scan(0, gy, 0.1 * a, 0.08 * b);
  const { X: ptX, Y: ptY, i: ptI } = pts;
  for (let p = 0; p < m; p++) {
    const X = ptX[p];
    const yn = (ptY[p] - gy) / (0.08 * b);
    if (abs(yn) >= 1) continue;
    const c = max(clamp(0.9 - abs(X - 0.06 * a), 0, 1), clamp(0.9 - abs(X + 0.06 * a), 0, 1));
    tint(rgb, ptI[p], 0.78, c * browLower * (1 - yn * yn));
  }
}

/** Nose: shaded side of the bridge, tip, nostrils, shadow beneath. */
function drawNose(sc: Scene, tipY: number, noseX: number): void {
  const { rgb, shade, head, a, b, sR, sG, sB } = sc;
  const darkSide = sc.lx >= 0 ? -1 : 1;
  const bx = noseX + darkSide * 0.1 * a;
  const top = sc.eyeY + 0.05 * b;
  {
    const m = head.scan(bx, (top + tipY) / 2, 0.06 * a, (tipY - top) / 2);
    const { X: ptX, Y: ptY, i: ptI } = pts;
    for (let p = 0; p < m; p++) {
      const t = (ptY[p] - top) / (tipY - top);
      if (t < 0 || t > 1) continue;
      const d = abs(ptX[p] - bx - darkSide * 0.02 * a * t) / (0.05 * a + 0.02 * a * t);
      if (d >= 1) continue;
      tint(rgb, ptI[p], 0.8, (1 - d) * (0.3 + 0.7 * t));
    }
  }
  // Nose wings (alae) as soft darker arcs, the tip highlight and nostrils.
  const m = head.scan(noseX, tipY, 0.24 * a, 0.12 * b);
  const { X: ptX, Y: ptY, i: ptI } = pts;
  for (let p = 0; p < m; p++) {
    const X = ptX[p];
    const Y = ptY[p];
    const i = ptI[p];
    const u = (X - noseX) / (0.2 * a);
    const v = (Y - tipY) / (0.1 * b);
    const d = u * u + v * v;
    const s = shadeAt(shade, i);
    // Shadow beneath the nose.
    const vu = (Y - tipY - 0.07 * b) / (0.05 * b);
    const du = u * u * 0.8 + vu * vu;
    if (du < 1) tint(rgb, i, 0.82, 1 - du);
    // Alae: ring at d ≈ 0.8 on the lower half.
    if (v > -0.6) {
      const ring = clamp(1 - abs(sqrt(d) - 0.9) * 5, 0, 1);
      tint(rgb, i, 0.8, ring * 0.7);
    }
    // Tip highlight.
    const ht =
      ((X - noseX) * (X - noseX)) / (0.07 * a * 0.07 * a) +
      ((Y - tipY + 0.02 * b) / (0.05 * b)) ** 2;
    if (ht < 1) tint(rgb, i, 1.1, 1 - ht);
    // Nostrils.
    for (let side = -1; side <= 1; side += 2) {
      const nu = (X - noseX - side * 0.085 * a) / (0.055 * a);
      const nv = (Y - tipY - 0.045 * b) / (0.03 * b);
      const dn = nu * nu + nv * nv;
      if (dn < 1.4) {
        const c = clamp((1.2 - dn) * 2, 0, 1);
        paint(rgb, i, sR * s * 0.3, sG * s * 0.28, sB * s * 0.28, c);
      }
    }
  }
}

/** Nasolabial folds and the mouth. */
function drawMouth(sc: Scene, tipY: number, noseX: number): void {
  const { rgb, shade, head, f, a, b, smile, lipPress, cheek } = sc;
  const my = f.mouthY * b;
  const mx = sc.yawShift;
  const mw = f.mouthWidth * a * (1 + 0.16 * max(0, smile) - 0.08 * lipPress);
  const curveH = 0.13 * b;
  const open = sc.mouthOpen * 0.2 * b * (1 - 0.7 * lipPress);
  const lipT = f.lipThickness * b * (1 - 0.6 * lipPress);
  const mid = (u: number): number => my - smile * curveH * u * u + 0.01 * b;
  // Nasolabial folds: from the nose wings to beyond the mouth corners, deeper with a smile.
  const foldDepth = 0.12 + 0.4 * cheek + 0.15 * max(0, smile);
  const y0 = tipY - 0.02 * b;
  const y1 = my + 0.12 * b;
  for (let side = -1; side <= 1; side += 2) {
    const xs = noseX + side * 0.2 * a;
    const xe = mx + side * (mw + 0.08 * a);
    const xc = (xs + xe) / 2;
    const m = head.scan(xc, (y0 + y1) / 2, abs(xe - xs) / 2 + 0.05 * a, (y1 - y0) / 2);
    const { X: ptX, Y: ptY, i: ptI } = pts;
    for (let p = 0; p < m; p++) {
      const t = (ptY[p] - y0) / (y1 - y0);
      if (t < 0 || t > 1) continue;
      const st = sin(PI * t);
      const xf = xs + (xe - xs) * sqrt(t) + side * 0.03 * a * st;
      const d = abs(ptX[p] - xf);
      const c = clamp(1.1 - d, 0, 1) * st;
      tint(rgb, ptI[p], 0.72, c * foldDepth);
    }
  }
  const [lR, lG, lB] = f.lipRgb;
  const seamW = clamp(1 - open / 2, 0, 1);
  const m = head.scan(mx, my, mw + 1, 0.3 * b);
  const { X: ptX, Y: ptY, i: ptI } = pts;
  for (let p = 0; p < m; p++) {
    const Y = ptY[p];
    const i = ptI[p];
    const u = (ptX[p] - mx) / mw;
    const q = 1 - u * u;
    if (q <= -0.05) continue;
    const qq = max(0, q);
    const ym = mid(u);
    const yui = ym - open * 0.3 * qq;
    // pow is slow; when the mouth is closed (open = ±0) any qq^0.6 in [0, 1] gives open × 0.
    const yli = ym + open * (open === 0 && qq === qq ? 0 : pow(qq, 0.6));
    const bow = 0.25 * lipT * exp(-(u * u) / 0.02);
    const yuo = yui - lipT * 0.75 * sqrt(qq) + bow;
    const ylo = yli + lipT * 1.05 * sqrt(qq);
    const cx0 = clamp((1 - abs(u)) * mw + 0.5, 0, 1);
    const s = shadeAt(shade, i);
    // Lips.
    const cLip = min(clamp(Y - yuo + 0.5, 0, 1), clamp(ylo - Y + 0.5, 0, 1), cx0);
    if (cLip > 0) {
      const lower = Y > ym ? 1.08 : 0.92;
      paint(rgb, i, lR * s * lower, lG * s * lower, lB * s * lower, cLip);
    }
    // Mouth interior (teeth in the upper part when smiling).
    if (open > 0.3) {
      const cIn = min(clamp(Y - yui + 0.5, 0, 1), clamp(yli - Y + 0.5, 0, 1), cx0);
      if (cIn > 0) {
        const teeth =
          smile > 0.15 && Y < yui + 0.5 * (yli - yui) && abs(u) < 0.8 ? clamp(smile * 2, 0, 1) : 0;
        const r = 55 + (225 - 55) * teeth;
        const gg = 22 + (220 - 22) * teeth;
        const bb = 28 + (210 - 28) * teeth;
        paint(rgb, i, r * s, gg * s, bb * s, cIn);
      }
    }
    // Lip seam (always), darker at the corners.
    const ds = abs(Y - ym);
    const cs = clamp(0.9 - ds, 0, 1) * clamp((1.02 - abs(u)) * mw, 0, 1);
    paint(rgb, i, lR * s * 0.35, lG * s * 0.3, lB * s * 0.3, cs * seamW * (0.7 + 0.3 * u * u));
  }
}

/**
 * Write the frame to RGB24 with sensor noise: the accumulator where the background was laid (and
 * shapes drawn), the background computed in place elsewhere (the same float32 values). The noise
 * of channel value k is `sd * tbl[(off + 7k) mod NOISE_LEN]`; v + 0.5 rounds half up, and `| 0`
 * truncates it as the byte store would, but faster. Without noise (sd ≤ 0, or NaN) v + 0 × tbl[j]
 * gives the bytes of v alone (only −0 becomes +0, and both give 0).
 */
function writeOutput(bd: Backdrop, dst: Uint8Array, off: number, sd: number): void {
  const { w, h, rgb, colGain, lo, hi } = bd.cv;
  const { bgR, bgG, bgB } = bd;
  const tbl = noise();
  const mask = NOISE_LEN - 1;
  const s = sd > 0 ? sd : 0;
  for (let y = 0, k = 0, j = off; y < h; y++) {
    const rowGain = bd.rowGain(y);
    const r0 = bgR * rowGain;
    const g0 = bgG * rowGain;
    const b0 = bgB * rowGain;
    const l = lo[y];
    const r = hi[y];
    // A pixel (three channels) per iteration: V8 runs this unrolled form faster.
    for (let x = 0; x < w; x++, k += 3) {
      let c0: number, c1: number, c2: number;
      if (x < l || x > r) {
        const cg = colGain[x];
        c0 = fround(r0 * cg);
        c1 = fround(g0 * cg);
        c2 = fround(b0 * cg);
      } else {
        c0 = rgb[k];
        c1 = rgb[k + 1];
        c2 = rgb[k + 2];
      }
      const v0 = c0 + s * tbl[j];
      j = (j + 7) & mask;
      const v1 = c1 + s * tbl[j];
      j = (j + 7) & mask;
      const v2 = c2 + s * tbl[j];
      j = (j + 7) & mask;
      dst[k] = v0 < 0 ? 0 : v0 > 255 ? 255 : (v0 + 0.5) | 0;
      dst[k + 1] = v1 < 0 ? 0 : v1 > 255 ? 255 : (v1 + 0.5) | 0;
      dst[k + 2] = v2 < 0 ? 0 : v2 > 255 ? 255 : (v2 + 0.5) | 0;
    }
  }
}

/** Clear the shading buffer for the next frame: it is written only where the background was laid. */
function clearShade(cv: Canvas): void {
  const { w, h, shade, lo, hi } = cv;
  for (let y = 0; y < h; y++) if (lo[y] <= hi[y]) shade.fill(0, y * w + lo[y], y * w + hi[y] + 1);
}

/**
 * Render one RGB24 frame (`width * height * 3` bytes, row-major) of `subject` showing
 * `expression` in the pose of `frame`. The face oval spans `subject.face.height` (0.42–0.56)
 * of the frame height. Writes into `out` when given.
 */
export function renderFace(
  subject: SubjectProfile,
  expression: ExpressionParams,
  frame: FrameParams,
  width: number,
  height: number,
  out?: Uint8Array,
): Uint8Array {
  const n = width * height;
  const dst = out ?? new Uint8Array(n * 3);
  if (dst.length < n * 3)
    throw new RangeError(`renderFace: out has ${dst.length} bytes, need ${n * 3}`);
  const cv = getCanvas(width, height);
  const f = subject.face;

  // Effective expression: neutral + gain × (expression − neutral), blink on top.
  const g = frame.expressionGain;
  const ex = (k: keyof ExpressionParams): number =>
    NEUTRAL_EXPRESSION[k] + g * (expression[k] - NEUTRAL_EXPRESSION[k]);

  // Head frame.
  const b = 0.5 * f.height * height * frame.scale; // face half-height, px
  const a = b * f.aspect; // face half-width, px
  const cx = f.centerX * width + frame.dx * 2 * a;
  const cy = f.centerY * height + frame.dy * 2 * a;
  const [lx, ly, lz] = f.lightDir;
  const [sR, sG, sB] = f.skinRgb;
  const [hR, hG, hB] = f.hairRgb;
  const eyeY = f.eyeY * b;
  const ew = f.eyeSize * a; // eye half-width
  const eh0 = ew * 0.46; // relaxed eye half-height (upper lid)
  const [bgR, bgG, bgB] = f.backgroundRgb;
  const bd = new Backdrop(cv, bgR, bgG, bgB, frame.brightness);
  const sc: Scene = {
    rgb: cv.rgb,
    shade: cv.shade,
    bd,
    head: new Head(bd, width, height, cx, cy, cos(frame.roll), sin(frame.roll)),
    f,
    frame,
    a,
    b,
    br: frame.brightness,
    amb: f.ambient,
    ls: f.lightStrength,
    lx,
    ly,
    lz,
    sR,
    sG,
    sB,
    hR,
    hG,
    hB,
    yawShift: frame.yaw * 0.18 * a,
    eyeY,
    ew,
    eh0,
    browBase: eyeY - f.browGap * b - eh0 * 0.6,
    smile: ex('smile'),
    mouthOpen: max(0, ex('mouthOpen')),
    lipPress: clamp(ex('lipPress'), 0, 1),
    browInner: max(0, ex('browInnerRaise')),
    browLower: max(0, ex('browLower')),
    eyeOpen: max(0.3, ex('eyeOpen')),
    cheek: max(0, ex('cheekRaise')),
  };

  // The shapes back to front, on the background (laid where they draw: see Backdrop).
  drawNeck(sc);
  drawShoulders(sc, width, height);
  drawHairBack(sc, f.hairLength * b);
  drawEar(sc, -1);
  drawEar(sc, 1);
  drawFaceOval(sc);
  drawHairline(sc);
  drawEye(sc, -1);
  drawEye(sc, 1);
  // Forehead lines (inner brow raise) and glabella lines (brow lowering).
  if (sc.browInner > 0.05) drawForeheadLines(sc);
  if (sc.browLower > 0.05) drawGlabellaLines(sc);
  const tipY = eyeY + f.noseLength * b;
  const noseX = sc.yawShift * 1.2;
  drawNose(sc, tipY, noseX);
  drawMouth(sc, tipY, noseX);

  const off = (imul(frame.noiseSeed | 0, 0x9e3779b1) >>> 16) & (NOISE_LEN - 1);
  writeOutput(bd, dst, off, frame.noise);
  clearShade(cv);
  return dst;
}

/** Mean of a channel-averaged rectangle of an RGB24 frame (for tests and quick statistics). */
export function regionMean(
  rgb: Uint8Array,
  width: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): number {
  let sum = 0;
  let count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const k = 3 * (y * width + x);
      sum += rgb[k] + rgb[k + 1] + rgb[k + 2];
      count += 3;
    }
  }
  return count ? sum / count : 0;
}

/** The pixel box of the face oval in a still frame (for crops in tests and quick statistics). */
export function faceBox(
  subject: SubjectProfile,
  width: number,
  height: number,
): { x0: number; y0: number; x1: number; y1: number; mouthY: number; eyeY: number; browY: number } {
  const f = subject.face;
  const b = 0.5 * f.height * height;
  const a = b * f.aspect;
  const cx = f.centerX * width;
  const cy = f.centerY * height;
  return {
    x0: round(cx - a),
    x1: round(cx + a),
    y0: round(cy - b),
    y1: round(cy + b),
    mouthY: round(cy + f.mouthY * b),
    eyeY: round(cy + f.eyeY * b),
    browY: round(cy + f.eyeY * b - f.browGap * b - f.eyeSize * a * 0.46 * 0.6),
  };
}
