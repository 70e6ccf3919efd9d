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
const { abs, sqrt, max, min, exp, sin, cos, floor, ceil, round, pow, log, imul, PI } = Math;

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
    canvas = { w, h, rgb: new Float32Array(w * h * 3), shade: new Float32Array(w * h), colGain };
    if (canvases.size >= 8) canvases.clear();
    canvases.set(key, canvas);
  }
  return canvas;
}

/** A head-local frame: pixel ↔ face coordinates (x right, y down, origin at the face centre). */
class Head {
  constructor(
    readonly cv: Canvas,
    readonly cx: number,
    readonly cy: number,
    readonly cos: number,
    readonly sin: number,
  ) {}

  /**
   * Call `fn(X, Y, i)` for every pixel whose centre lies in the box of half-size (rx, ry)
   * around the face-local point (lx, ly); X, Y are face-local coordinates and i the pixel.
   */
  scan(
    lx: number,
    ly: number,
    rx: number,
    ry: number,
    fn: (X: number, Y: number, i: number) => void,
  ): void {
    const { w, h } = this.cv;
    const { cos, sin } = this;
    const px = this.cx + cos * lx - sin * ly;
    const py = this.cy + sin * lx + cos * ly;
    const r = max(rx, ry) + 1.5;
    const x0 = max(0, floor(px - r));
    const x1 = min(w - 1, ceil(px + r));
    const y0 = max(0, floor(py - r));
    const y1 = min(h - 1, ceil(py + r));
    for (let y = y0; y <= y1; y++) {
      const dyp = y + 0.5 - this.cy;
      for (let x = x0; x <= x1; x++) {
        const dxp = x + 0.5 - this.cx;
        const X = cos * dxp + sin * dyp;
        const Y = -sin * dxp + cos * dyp;
        if (X < lx - rx || X > lx + rx || Y < ly - ry || Y > ly + ry) continue;
        fn(X, Y, y * w + x);
      }
    }
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
  const { rgb, shade } = cv;
  const f = subject.face;
  const br = frame.brightness;

  // Effective expression: neutral + gain × (expression − neutral), blink on top.
  const g = frame.expressionGain;
  const ex = (k: keyof ExpressionParams): number =>
    NEUTRAL_EXPRESSION[k] + g * (expression[k] - NEUTRAL_EXPRESSION[k]);
  const smile = ex('smile');
  const mouthOpen = max(0, ex('mouthOpen'));
  const lipPress = clamp(ex('lipPress'), 0, 1);
  const browInner = max(0, ex('browInnerRaise'));
  const browLower = max(0, ex('browLower'));
  const eyeOpen = max(0.3, ex('eyeOpen'));
  const cheek = max(0, ex('cheekRaise'));

  // ---- background: vertical gradient with a soft vignette ----
  const [bgR, bgG, bgB] = f.backgroundRgb;
  const colGain = cv.colGain;
  for (let y = 0; y < height; y++) {
    const rowGain = br * (1.12 - (0.3 * y) / height);
    const r0 = bgR * rowGain;
    const g0 = bgG * rowGain;
    const b0 = bgB * rowGain;
    let k = 3 * y * width;
    for (let x = 0; x < width; x++, k += 3) {
      const cg = colGain[x];
      rgb[k] = r0 * cg;
      rgb[k + 1] = g0 * cg;
      rgb[k + 2] = b0 * cg;
    }
  }

  // ---- head frame ----
  const b = 0.5 * f.height * height * frame.scale; // face half-height, px
  const a = b * f.aspect; // face half-width, px
  const cx = f.centerX * width + frame.dx * 2 * a;
  const cy = f.centerY * height + frame.dy * 2 * a;
  const head = new Head(cv, cx, cy, cos(frame.roll), sin(frame.roll));
  const [lx, ly, lz] = f.lightDir;
  const ls = f.lightStrength;
  const amb = f.ambient;
  const lambert = (nx: number, ny: number): number => {
    const nz = sqrt(max(0, 1 - nx * nx - ny * ny));
    return br * (amb + ls * max(0, nx * lx + ny * ly + nz * lz));
  };
  const [sR, sG, sB] = f.skinRgb;
  const yawShift = frame.yaw * 0.18 * a;

  // ---- neck ----
  {
    const nw = 0.42 * a;
    head.scan(0, 1.05 * b, nw, 0.55 * b, (X, Y, i) => {
      const c = clamp(nw - abs(X) + 0.5, 0, 1);
      // Shadow under the chin.
      const s = lambert((X / nw) * 0.7, 0.2) * (Y < 1.05 * b ? 0.72 : 0.82);
      shade[i] = s;
      paint(rgb, i, sR * s, sG * s, sB * s, c);
    });
  }

  // ---- shoulders (not rolled): row spans of an ellipse, edges anti-aliased ----
  {
    const [r0, g0, b0] = f.shirtRgb;
    const sa = 2.5 * a;
    const sb = 1.1 * b;
    const scy = cy + 2.4 * b;
    const y0 = max(0, floor(scy - sb));
    for (let y = y0; y < height; y++) {
      const Y = (y + 0.5 - scy) / sb;
      if (Y <= -1) continue;
      const hw = Y >= 1 ? 0 : sa * sqrt(1 - Y * Y);
      // Soften the top rows, where the span grows fast.
      const slope = min(1, hw / sb + 0.05);
      const x0 = max(0, floor(cx - hw - 1));
      const x1 = min(width - 1, ceil(cx + hw + 1));
      for (let x = x0; x <= x1; x++) {
        const X = x + 0.5 - cx;
        const c = clamp((hw - abs(X)) * slope + 0.5, 0, 1);
        if (c <= 0) continue;
        const s =
          br *
          (f.ambient +
            f.lightStrength * (0.55 + 0.45 * clamp((X / sa) * f.lightDir[0] * 1.6, -1, 1)));
        paint(rgb, y * width + x, r0 * s, g0 * s, b0 * s, c);
      }
    }
  }

  // ---- hair behind the head ----
  const [hR, hG, hB] = f.hairRgb;
  const hairBottom = f.hairLength * b;
  {
    const ha = 1.16 * a;
    const hb = 1.08 * b;
    const hcy = -0.1 * b;
    head.scan(0, hcy, ha, hb, (X, Y, i) => {
      if (Y > hairBottom + 1) return;
      const c = ellipseCover(X, Y - hcy, ha, hb) * clamp(hairBottom - Y + 0.5, 0, 1);
      if (c <= 0) return;
      const s = lambert((X / ha) * 0.9, ((Y - hcy) / hb) * 0.9) * 0.95;
      paint(rgb, i, hR * s, hG * s, hB * s, c);
    });
  }

  // ---- ears ----
  const eyeY = f.eyeY * b;
  for (const side of [-1, 1]) {
    const ea = 0.13 * a;
    const eb = 0.24 * b;
    const ecx = side * 0.99 * a;
    const ecy = eyeY + 0.14 * b;
    head.scan(ecx, ecy, ea, eb, (X, Y, i) => {
      const c = ellipseCover(X - ecx, Y - ecy, ea, eb);
      if (c <= 0) return;
      const s = lambert(side * 0.85, (Y - ecy) / eb) * 0.92;
      paint(rgb, i, sR * s, sG * s, sB * s, c);
    });
  }

  // ---- face oval (egg-shaped: narrower jaw) with Lambert shading ----
  {
    head.scan(0, 0, a, b, (X, Y, i) => {
      const yn = Y / b;
      const aj = a * (yn > 0 ? 1 - 0.16 * yn * yn : 1);
      const c = ellipseCover(X, Y, aj, b);
      if (c <= 0) return;
      const s = lambert((X - yawShift * 0.5) / aj, yn * 0.9);
      shade[i] = s;
      paint(rgb, i, sR * s, sG * s, sB * s, c);
    });
  }

  // ---- hair on the forehead (hairline), within the face oval ----
  {
    const hl = -f.hairline * b;
    head.scan(0, -0.6 * b, a, 0.45 * b, (X, Y, i) => {
      const xn = X / a;
      const yh = hl + 0.32 * b * xn * xn; // hairline curve, lower at the temples
      const c = clamp(yh - Y + 0.5, 0, 1);
      if (c <= 0) return;
      const yn = Y / b;
      const aj = a * 1.0;
      const inside = ellipseCover(X, Y, aj + 0.5, b + 0.5);
      if (inside <= 0) return;
      const s = lambert(xn * 0.9, yn * 0.9) * 0.95;
      paint(rgb, i, hR * s, hG * s, hB * s, c * inside);
    });
  }

  // ---- eye sockets, eyes, brows ----
  const ew = f.eyeSize * a; // eye half-width
  const eh0 = ew * 0.46; // relaxed eye half-height (upper lid)
  const openH = eh0 * eyeOpen * (1 - frame.blink);
  const browBase = eyeY - f.browGap * b - eh0 * 0.6;
  const [iR, iG, iB] = f.irisRgb;
  const gaze = frame.yaw * 0.12 * ew;
  for (const side of [-1, 1]) {
    const ecx = side * f.eyeSpacing * a + yawShift;
    // Socket: a soft darker ellipse around the eye.
    head.scan(ecx, eyeY - 0.2 * ew, 1.35 * ew, 0.95 * ew, (X, Y, i) => {
      const u = (X - ecx) / (1.35 * ew);
      const v = (Y - eyeY + 0.2 * ew) / (0.95 * ew);
      const d = u * u + v * v;
      if (d >= 1) return;
      tint(rgb, i, 0.82, (1 - d) * 0.6);
    });
    // Cheek highlight (cheek raise) below the eye.
    if (cheek > 0.02) {
      const ccy = eyeY + 0.36 * b;
      const ccx = side * 0.5 * a;
      head.scan(ccx, ccy, 0.26 * a, 0.14 * b, (X, Y, i) => {
        const u = (X - ccx) / (0.26 * a);
        const v = (Y - ccy) / (0.14 * b);
        const d = u * u + v * v;
        if (d >= 1) return;
        tint(rgb, i, 1.1, cheek * (1 - d));
      });
    }
    // Eye: almond between upper lid y_t(x) and lower lid y_b(x).
    const lowerH = eh0 * (0.75 - 0.35 * cheek) * max(0.2, 1 - 0.7 * frame.blink);
    const lash = max(0.9, 0.22 * eh0);
    const ri = 0.5 * ew;
    const icx = ecx + gaze;
    const icy = eyeY - 0.05 * eh0;
    head.scan(ecx, eyeY, ew * 1.08, eh0 * 1.6 + lash, (X, Y, i) => {
      const u = (X - ecx) / ew;
      const q = 1 - u * u;
      if (q <= -0.1) return;
      const qq = max(0, q);
      const yt = eyeY - openH * sqrt(qq) + 0.1 * eh0 * u * side;
      const yb = eyeY + lowerH * qq;
      const cU = clamp(Y - yt + 0.5, 0, 1);
      const cL = clamp(yb - Y + 0.5, 0, 1);
      const cx0 = clamp((1 - abs(u)) * ew + 0.5, 0, 1);
      const inEye = min(cU, cL, cx0);
      const s = shade[i] > 0 ? shade[i] : 1;
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
    });

    // Brow: a tapered band along y(t); t = −1 at the inner end, +1 at the outer end.
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
    const skinLum = 0.3 * sR + 0.59 * sG + 0.11 * sB;
    let [brR, brG, brB] = [hR * 0.6 + sR * 0.15, hG * 0.6 + sG * 0.15, hB * 0.6 + sB * 0.15];
    const browLum = 0.3 * brR + 0.59 * brG + 0.11 * brB;
    if (browLum > 0.55 * skinLum) {
      const k = (0.55 * skinLum) / browLum;
      brR *= k;
      brG *= k;
      brB *= k;
    }
    head.scan(bcx, browBase - 0.05 * b, bw + 1, 0.22 * b, (X, Y, i) => {
      const t = (side * (X - bcx)) / bw;
      if (t < -1.05 || t > 1.05) return;
      const th = th0 * (1.15 - 0.35 * (t + 1) * 0.5) * 0.5;
      const d = abs(Y - browY(t));
      const c = clamp(th - d + 0.5, 0, 1) * clamp((1.02 - abs(t)) * bw, 0, 1);
      if (c <= 0) return;
      const s = shade[i] > 0 ? shade[i] : 1;
      paint(rgb, i, brR * s, brG * s, brB * s, 0.9 * c);
    });
  }

  // ---- forehead lines (inner brow raise) and glabella lines (brow lowering) ----
  if (browInner > 0.05) {
    const fy = browBase - 0.2 * b;
    head.scan(0, fy - 0.06 * b, 0.34 * a, 0.12 * b, (X, Y, i) => {
      const xn = X / (0.34 * a);
      if (abs(xn) >= 1) return;
      let c = 0;
      for (let k = 0; k < 3; k++) {
        const yk = fy - k * 0.065 * b - 0.03 * b * xn * xn;
        c = max(c, clamp(0.9 - abs(Y - yk), 0, 1));
      }
      tint(rgb, i, 0.8, c * browInner * (1 - xn * xn));
    });
  }
  if (browLower > 0.05) {
    const gy = browBase + 0.02 * b;
    head.scan(0, gy, 0.1 * a, 0.08 * b, (X, Y, i) => {
      const yn = (Y - gy) / (0.08 * b);
      if (abs(yn) >= 1) return;
      const c = max(clamp(0.9 - abs(X - 0.06 * a), 0, 1), clamp(0.9 - abs(X + 0.06 * a), 0, 1));
      tint(rgb, i, 0.78, c * browLower * (1 - yn * yn));
    });
  }

  // ---- nose: shaded side of the bridge, tip, nostrils, shadow beneath ----
  const tipY = eyeY + f.noseLength * b;
  const noseX = yawShift * 1.2;
  {
    const darkSide = lx >= 0 ? -1 : 1;
    const bx = noseX + darkSide * 0.1 * a;
    const top = eyeY + 0.05 * b;
    head.scan(bx, (top + tipY) / 2, 0.06 * a, (tipY - top) / 2, (X, Y, i) => {
      const t = (Y - top) / (tipY - top);
      if (t < 0 || t > 1) return;
      const d = abs(X - bx - darkSide * 0.02 * a * t) / (0.05 * a + 0.02 * a * t);
      if (d >= 1) return;
      tint(rgb, i, 0.8, (1 - d) * (0.3 + 0.7 * t));
    });
    // Nose wings (alae) as soft darker arcs, the tip highlight and nostrils.
    head.scan(noseX, tipY, 0.24 * a, 0.12 * b, (X, Y, i) => {
      const u = (X - noseX) / (0.2 * a);
      const v = (Y - tipY) / (0.1 * b);
      const d = u * u + v * v;
      const s = shade[i] > 0 ? shade[i] : 1;
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
      for (const side of [-1, 1]) {
        const nu = (X - noseX - side * 0.085 * a) / (0.055 * a);
        const nv = (Y - tipY - 0.045 * b) / (0.03 * b);
        const dn = nu * nu + nv * nv;
        if (dn < 1.4) {
          const c = clamp((1.2 - dn) * 2, 0, 1);
          paint(rgb, i, sR * s * 0.3, sG * s * 0.28, sB * s * 0.28, c);
        }
      }
    });
  }

  // ---- mouth ----
  const my = f.mouthY * b;
  const mx = yawShift;
  const mw = f.mouthWidth * a * (1 + 0.16 * max(0, smile) - 0.08 * lipPress);
  const curveH = 0.13 * b;
  const open = mouthOpen * 0.2 * b * (1 - 0.7 * lipPress);
  const lipT = f.lipThickness * b * (1 - 0.6 * lipPress);
  const mid = (u: number): number => my - smile * curveH * u * u + 0.01 * b;
  {
    // Nasolabial folds: from the nose wings to beyond the mouth corners, deeper with a smile.
    const foldDepth = 0.12 + 0.4 * cheek + 0.15 * max(0, smile);
    const y0 = tipY - 0.02 * b;
    const y1 = my + 0.12 * b;
    for (const side of [-1, 1]) {
      const xs = noseX + side * 0.2 * a;
      const xe = mx + side * (mw + 0.08 * a);
      const xc = (xs + xe) / 2;
      head.scan(xc, (y0 + y1) / 2, abs(xe - xs) / 2 + 0.05 * a, (y1 - y0) / 2, (X, Y, i) => {
        const t = (Y - y0) / (y1 - y0);
        if (t < 0 || t > 1) return;
        const xf = xs + (xe - xs) * sqrt(t) + side * 0.03 * a * sin(PI * t);
        const d = abs(X - xf);
        const c = clamp(1.1 - d, 0, 1) * sin(PI * t);
        tint(rgb, i, 0.72, c * foldDepth);
      });
    }
    const [lR, lG, lB] = f.lipRgb;
    const seamW = clamp(1 - open / 2, 0, 1);
    head.scan(mx, my, mw + 1, 0.3 * b, (X, Y, i) => {
      const u = (X - mx) / mw;
      const q = 1 - u * u;
      if (q <= -0.05) return;
      const qq = max(0, q);
      const ym = mid(u);
      const yui = ym - open * 0.3 * qq;
      const yli = ym + open * pow(qq, 0.6);
      const bow = 0.25 * lipT * exp(-(u * u) / 0.02);
      const yuo = yui - lipT * 0.75 * sqrt(qq) + bow;
      const ylo = yli + lipT * 1.05 * sqrt(qq);
      const cx0 = clamp((1 - abs(u)) * mw + 0.5, 0, 1);
      const s = shade[i] > 0 ? shade[i] : 1;
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
            smile > 0.15 && Y < yui + 0.5 * (yli - yui) && abs(u) < 0.8
              ? clamp(smile * 2, 0, 1)
              : 0;
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
    });
  }

  // ---- output with sensor noise ----
  const tbl = noise();
  const off = (imul(frame.noiseSeed | 0, 0x9e3779b1) >>> 16) & (NOISE_LEN - 1);
  const sd = frame.noise;
  const n3 = n * 3;
  // v + 0.5 rounds half up; `| 0` truncates it as the byte store would, but faster
  if (sd > 0) {
    for (let k = 0, j = off; k < n3; k++, j = (j + 7) & (NOISE_LEN - 1)) {
      const v = rgb[k] + sd * tbl[j];
      dst[k] = v < 0 ? 0 : v > 255 ? 255 : (v + 0.5) | 0;
    }
  } else {
    for (let k = 0; k < n3; k++) {
      const v = rgb[k];
      dst[k] = v < 0 ? 0 : v > 255 ? 255 : (v + 0.5) | 0;
    }
  }
  // Reset the shading buffer for the next frame.
  shade.fill(0);
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
