import { describe, expect, it } from '@jest/globals';
import { Rng } from '@emo/runtime';
import { EMOTIONS, type Emotion } from '../emotions.js';
import {
  EFFECTS,
  FACE_GROUPS,
  PHYSIO_GROUPS,
  makeSubject,
  trialIntensity,
  trialPhysio,
  type ExpressionParams,
} from './design.js';

const subjects = (seed: number, n: number) => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => makeSubject(rng, i));
};

function faceDistance(a: Emotion, b: Emotion): number {
  const fa = EFFECTS[a].face;
  const fb = EFFECTS[b].face;
  let d = 0;
  for (const k of Object.keys(fa) as (keyof ExpressionParams)[]) d += (fa[k] - fb[k]) ** 2;
  return Math.sqrt(d);
}

describe('design: effect table', () => {
  it('groups every emotion once per modality, consistently with the table', () => {
    const physio = Object.values(PHYSIO_GROUPS).flat().sort();
    const face = Object.values(FACE_GROUPS).flat().sort();
    expect(physio).toEqual([...EMOTIONS].sort());
    expect(face).toEqual([...EMOTIONS].sort());
    for (const [g, es] of Object.entries(PHYSIO_GROUPS)) {
      for (const e of es) expect(EFFECTS[e].physioGroup).toBe(g);
    }
    for (const [g, es] of Object.entries(FACE_GROUPS)) {
      for (const e of es) expect(EFFECTS[e].faceGroup).toBe(g);
    }
  });

  it('only physiology ∩ face identifies every class', () => {
    const keys = new Set(EMOTIONS.map((e) => `${EFFECTS[e].physioGroup}|${EFFECTS[e].faceGroup}`));
    expect(keys.size).toBe(EMOTIONS.length);
    expect(new Set(EMOTIONS.map((e) => EFFECTS[e].physioGroup)).size).toBe(3);
    expect(new Set(EMOTIONS.map((e) => EFFECTS[e].faceGroup)).size).toBe(3);
  });

  it('makes pair members physiologically identical and facially near-identical', () => {
    expect(EFFECTS.angry.physio).toEqual(EFFECTS.fear.physio);
    expect(EFFECTS.sad.physio).toEqual(EFFECTS.neutral.physio);
    const within = Math.max(faceDistance('angry', 'neutral'), faceDistance('fear', 'sad'));
    const between = Math.min(
      faceDistance('angry', 'happy'),
      faceDistance('angry', 'sad'),
      faceDistance('neutral', 'fear'),
      faceDistance('happy', 'sad'),
    );
    expect(within).toBeLessThan(between / 5);
  });

  it('orders arousal: HR up, HF down, SCRs up from low to high arousal', () => {
    const lo = EFFECTS.sad.physio;
    const mid = EFFECTS.happy.physio;
    const hi = EFFECTS.angry.physio;
    expect(hi.hrBpm).toBeGreaterThan(mid.hrBpm);
    expect(mid.hrBpm).toBeGreaterThan(lo.hrBpm);
    expect(hi.hfScale).toBeLessThan(mid.hfScale);
    expect(mid.hfScale).toBeLessThan(lo.hfScale);
    expect(hi.lfScale / hi.hfScale).toBeGreaterThan(lo.lfScale / lo.hfScale);
    expect(hi.scrPerMin).toBeGreaterThan(mid.scrPerMin);
    expect(mid.scrPerMin).toBeGreaterThan(lo.scrPerMin);
    expect(hi.scrAmpUs).toBeGreaterThan(lo.scrAmpUs);
  });
});

describe('design: subjects', () => {
  it('is deterministic in the seed', () => {
    expect(subjects(5, 3)).toEqual(subjects(5, 3));
    expect(subjects(5, 3)).not.toEqual(subjects(6, 3));
  });

  it('draws profiles within the documented ranges', () => {
    const subs = subjects(11, 60);
    for (const s of subs) {
      expect(s.restingHrBpm).toBeGreaterThanOrEqual(55);
      expect(s.restingHrBpm).toBeLessThanOrEqual(90);
      expect(s.sclUs).toBeGreaterThanOrEqual(1);
      expect(s.sclUs).toBeLessThanOrEqual(20);
      expect(s.expressiveness).toBeGreaterThanOrEqual(0.4);
      expect(s.expressiveness).toBeLessThanOrEqual(1);
      expect(s.pttS).toBeGreaterThanOrEqual(0.2);
      expect(s.pttS).toBeLessThanOrEqual(0.3);
      expect(s.face.height).toBeGreaterThanOrEqual(0.4);
      expect(s.face.height).toBeLessThanOrEqual(0.6);
      expect(s.skinTempC).toBeGreaterThanOrEqual(30);
      expect(s.skinTempC).toBeLessThanOrEqual(35);
      for (const c of [...s.face.skinRgb, ...s.face.hairRgb, ...s.face.backgroundRgb]) {
        expect(c).toBeGreaterThanOrEqual(0);
        expect(c).toBeLessThanOrEqual(255);
      }
      expect(Math.hypot(...s.face.lightDir)).toBeCloseTo(1, 6);
    }
    // Some leads are inverted, most are not.
    const inverted = subs.filter((s) => s.ecgLeadGains[0] < 0).length;
    expect(inverted).toBeGreaterThan(3);
    expect(inverted).toBeLessThan(30);
  });

  it('has subject effects bigger than class effects in raw units', () => {
    const subs = subjects(12, 40);
    const hr = subs.map((s) => s.restingHrBpm);
    const scl = subs.map((s) => s.sclUs);
    const classHrSpan = EFFECTS.angry.physio.hrBpm - EFFECTS.sad.physio.hrBpm;
    const classSclSpan = EFFECTS.angry.physio.sclShiftUs - EFFECTS.sad.physio.sclShiftUs;
    expect(Math.max(...hr) - Math.min(...hr)).toBeGreaterThan(2 * classHrSpan);
    expect(Math.max(...scl) - Math.min(...scl)).toBeGreaterThan(5 * classSclSpan);
  });

  it('gives each subject its own response to each class', () => {
    const [a, b] = subjects(13, 2);
    expect(a.response.angry).not.toEqual(a.response.fear);
    expect(a.response.angry).not.toEqual(b.response.angry);
    // The trial physiology of angry and fear differs within a subject only by those offsets.
    const pa = trialPhysio(a, 'angry');
    const pf = trialPhysio(a, 'fear');
    expect(Math.abs(pa.hrBpm - pf.hrBpm)).toBeLessThan(10);
  });

  it('draws trial intensities in 0.5–1.3', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) {
      const x = trialIntensity(rng);
      expect(x).toBeGreaterThanOrEqual(0.5);
      expect(x).toBeLessThanOrEqual(1.3);
    }
  });
});
