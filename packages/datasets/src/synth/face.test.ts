import { describe, expect, it } from '@jest/globals';
import { mkdir } from 'node:fs/promises';
import { Rng } from '@emo/runtime';
import { EMOTIONS, type Emotion } from '../emotions.js';
import { makeSubject, type SubjectProfile } from './design.js';
import {
  animateFrames,
  expressionFor,
  faceBox,
  regionMean,
  renderFace,
  stillFrame,
} from './face.js';
import { writePng } from './video.js';

const W = 128;
const H = 96;
const subjects = (seed: number, n: number): SubjectProfile[] => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => makeSubject(rng, i));
};

/** Mean absolute difference (grey levels, all channels) of two frames over a box. */
function boxDiff(
  a: Uint8Array,
  b: Uint8Array,
  w: number,
  box: { x0: number; y0: number; x1: number; y1: number },
): number {
  let d = 0;
  let c = 0;
  for (let y = Math.max(0, box.y0); y < box.y1; y++) {
    for (let x = Math.max(0, box.x0); x < box.x1; x++) {
      const k = 3 * (y * w + x);
      d += Math.abs(a[k] - b[k]) + Math.abs(a[k + 1] - b[k + 1]) + Math.abs(a[k + 2] - b[k + 2]);
      c += 3;
    }
  }
  return d / c;
}

function renderClasses(s: SubjectProfile, w = W, h = H): Record<Emotion, Uint8Array> {
  const out = {} as Record<Emotion, Uint8Array>;
  for (const e of EMOTIONS) {
    const expr = expressionFor(new Rng(`${s.index}:${e}`), s, e, 1);
    out[e] = renderFace(s, expr, stillFrame(), w, h);
  }
  return out;
}

describe('face: rendering', () => {
  const subs = subjects(21, 10);

  it('renders RGB24 frames deterministically, into a given buffer', () => {
    const s = subs[0];
    const expr = expressionFor(new Rng(1), s, 'happy', 1);
    const frames = animateFrames(new Rng(2), s, 3, 25);
    const a = renderFace(s, expr, frames[1], W, H);
    expect(a).toHaveLength(W * H * 3);
    const out = new Uint8Array(W * H * 3);
    const b = renderFace(s, expr, frames[1], W, H, out);
    expect(b).toBe(out);
    expect(b).toEqual(a);
    // Sensor noise changes with the frame's noise seed.
    const c = renderFace(s, expr, { ...frames[1], noiseSeed: frames[1].noiseSeed + 1 }, W, H);
    expect(c).not.toEqual(a);
    expect(() => renderFace(s, expr, frames[0], W, H, new Uint8Array(10))).toThrow(RangeError);
  });

  it('draws a face: skin-toned cheeks, dark pupils and lashes, 40–60 % of the frame high', () => {
    const [w, h] = [256, 192];
    for (const s of subs) {
      const img = renderFace(s, expressionFor(new Rng(1), s, 'neutral', 1), stillFrame(), w, h);
      const box = faceBox(s, w, h);
      const cx = Math.round((box.x0 + box.x1) / 2);
      const halfW = (box.x1 - box.x0) / 2;
      // Cheek colour has the hue of the subject's skin tone (red/blue ratio).
      const y = box.eyeY + Math.round((box.mouthY - box.eyeY) * 0.4);
      const k = 3 * (y * w + cx + Math.round(0.5 * halfW));
      const skin = s.face.skinRgb;
      expect((img[k] + 1) / (img[k + 2] + 1)).toBeGreaterThan(
        0.8 * ((skin[0] + 1) / (skin[2] + 1)),
      );
      // Each eye holds pixels much darker than anything on the nose bridge between the eyes.
      const minGrey = (x0: number, y0: number, x1: number, y1: number): number => {
        let m = 255;
        for (let yy = y0; yy < y1; yy++) {
          for (let xx = x0; xx < x1; xx++)
            m = Math.min(m, regionMean(img, w, xx, yy, xx + 1, yy + 1));
        }
        return m;
      };
      const ex = Math.round(s.face.eyeSpacing * halfW);
      const r = Math.round(s.face.eyeSize * halfW);
      const bridge = minGrey(cx - 2, box.eyeY - 3, cx + 3, box.eyeY + 3);
      for (const side of [-1, 1]) {
        const eye = minGrey(cx + side * ex - r, box.eyeY - r, cx + side * ex + r, box.eyeY + r);
        expect(eye).toBeLessThan(0.6 * bridge);
      }
      expect((box.y1 - box.y0) / h).toBeGreaterThanOrEqual(0.4);
      expect((box.y1 - box.y0) / h).toBeLessThanOrEqual(0.6);
    }
  });

  it('separates the face groups and keeps pair members near-identical', () => {
    const diff: Record<string, number[]> = {};
    const mouth: Record<string, number[]> = {};
    const brows: Record<string, number[]> = {};
    const pairs: [Emotion, Emotion][] = [
      ['angry', 'neutral'],
      ['fear', 'sad'],
      ['angry', 'happy'],
      ['sad', 'happy'],
      ['angry', 'sad'],
      ['neutral', 'fear'],
    ];
    for (const s of subs) {
      const img = renderClasses(s);
      const box = faceBox(s, W, H);
      const cx = Math.round((box.x0 + box.x1) / 2);
      const hw = Math.round((box.x1 - box.x0) * 0.25);
      const mouthBox = { x0: cx - hw, x1: cx + hw, y0: box.mouthY - 4, y1: box.mouthY + 5 };
      const browBox = { x0: box.x0, x1: box.x1, y0: box.browY - 5, y1: box.eyeY - 1 };
      for (const [a, b] of pairs) {
        const key = `${a}-${b}`;
        (diff[key] ??= []).push(boxDiff(img[a], img[b], W, box));
        (mouth[key] ??= []).push(boxDiff(img[a], img[b], W, mouthBox));
        (brows[key] ??= []).push(boxDiff(img[a], img[b], W, browBox));
      }
    }
    const m = (x: Record<string, number[]>, k: string): number =>
      x[k].reduce((p, q) => p + q, 0) / x[k].length;
    // Whole face: within-pair differences are much smaller than between-group ones.
    expect(m(diff, 'angry-neutral')).toBeLessThan(0.4 * m(diff, 'angry-happy'));
    expect(m(diff, 'fear-sad')).toBeLessThan(0.4 * m(diff, 'sad-happy'));
    expect(m(diff, 'angry-neutral')).toBeLessThan(0.4 * m(diff, 'angry-sad'));
    expect(m(diff, 'fear-sad')).toBeLessThan(0.5 * m(diff, 'neutral-fear'));
    // The mouth tells the smile from the down-turned mouth; the brows tell raised from lowered.
    expect(m(mouth, 'sad-happy')).toBeGreaterThan(3 * m(mouth, 'fear-sad'));
    expect(m(mouth, 'angry-happy')).toBeGreaterThan(3 * m(mouth, 'angry-neutral'));
    expect(m(brows, 'angry-sad')).toBeGreaterThan(2 * m(brows, 'angry-neutral'));
    expect(m(brows, 'angry-sad')).toBeGreaterThan(2 * m(brows, 'fear-sad'));
  });

  it('maps classes to the designed facial actions', () => {
    for (const s of subs) {
      const x = (e: Emotion) => expressionFor(new Rng(3), s, e, 1);
      expect(x('happy').smile).toBeGreaterThan(x('sad').smile + 0.2);
      expect(x('happy').smile).toBeGreaterThan(x('angry').smile + 0.2);
      expect(x('sad').browInnerRaise).toBeGreaterThan(x('angry').browInnerRaise + 0.1);
      expect(x('fear').browInnerRaise).toBeGreaterThan(x('neutral').browInnerRaise + 0.1);
      expect(x('angry').browLower).toBeGreaterThan(x('happy').browLower + 0.05);
    }
  });

  it('animates head motion and blinks within bounds', () => {
    const s = subs[1];
    const frames = animateFrames(new Rng(4), s, 25 * 60, 25);
    expect(frames).toEqual(animateFrames(new Rng(4), s, 25 * 60, 25));
    const blinks = frames.filter(
      (f, i) => f.blink > 0.5 && (i === 0 || frames[i - 1].blink <= 0.5),
    );
    expect(blinks.length).toBeGreaterThan(2);
    expect(blinks.length).toBeLessThan(40);
    for (const f of frames) {
      expect(Math.abs(f.dx)).toBeLessThan(0.2);
      expect(Math.abs(f.roll)).toBeLessThan(0.3);
      expect(f.expressionGain).toBeGreaterThanOrEqual(0.35);
      expect(f.expressionGain).toBeLessThanOrEqual(1.15);
    }
  });

  it('renders a 256×192 frame in about 2 ms', () => {
    const s = subs[2];
    const frames = animateFrames(new Rng(5), s, 200, 25);
    const expr = expressionFor(new Rng(6), s, 'fear', 1);
    const out = new Uint8Array(256 * 192 * 3);
    for (let i = 0; i < 50; i++) renderFace(s, expr, frames[i], 256, 192, out);
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) renderFace(s, expr, frames[i], 256, 192, out);
    const ms = (performance.now() - t0) / 200;
    // Typically 1–1.5 ms; the bound leaves room for a loaded machine.
    expect(ms).toBeLessThan(6);
  });

  it('saves one frame per class as PNG for inspection', async () => {
    const dir = '/tmp/emo-synth-faces';
    await mkdir(dir, { recursive: true });
    const s = subs[3];
    const img = renderClasses(s, 256, 192);
    for (const e of EMOTIONS) await writePng(`${dir}/${e}.png`, img[e], 256, 192);
  });
});
