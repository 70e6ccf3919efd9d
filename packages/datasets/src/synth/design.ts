/**
 * The effect model of the synthetic corpus: what a subject looks like and how each emotion
 * changes that subject's heart, skin and face.
 *
 * In plain words:
 *
 * - Every subject gets a profile ({@link makeSubject}): a resting heart rate (55–90 bpm), a heart
 *   rate variability scale, a breathing rate, an ECG amplitude and lead polarity (some leads are
 *   wired inverted), a pulse transit time and plethysmograph scale, a skin-conductance level
 *   (1–20 µS) and SCR gain, and a face (geometry, skin tone, hair, background, lighting, head
 *   jitter, how expressive the person is: 0.4–1.0). These subject differences are much bigger in
 *   raw units than any emotion effect (resting heart rates span 35 bpm, emotions move the rate by
 *   about 10; skin-conductance levels span 19 µS, emotions move them by about 1; faces differ in
 *   size, colour and lighting far more than an expression changes pixels). The pipeline is
 *   expected to normalise per subject.
 *
 * - Each emotion has a fixed class effect ({@link EFFECTS}). Each modality carries only part of
 *   the class information, so that only the fusion of the two can name every class:
 *
 *   | emotion | physiology group                        | face group                            |
 *   |---------|-----------------------------------------|---------------------------------------|
 *   | angry   | high arousal: HR +10, low HRV, LF/HF up, | flat: brows lowered, lips pressed     |
 *   |         | ~6 large SCRs a minute                  |                                       |
 *   | fear    | high arousal (identical to angry)       | brows up: inner brows raised, mouth   |
 *   |         |                                         | corners down, eyes a touch wider      |
 *   | happy   | positive: HR +5, HRV a bit lower,       | smile: corners up, mouth open, cheeks |
 *   |         | ~3.5 moderate SCRs a minute             | raised, eyes narrowed                 |
 *   | sad     | low arousal: HR about rest, higher HRV, | brows up (nearly identical to fear)   |
 *   |         | ~1.2 small SCRs a minute                |                                       |
 *   | neutral | low arousal (identical to sad)          | flat (nearly identical to angry)      |
 *
 *   Physiology alone separates {angry, fear} / {happy} / {sad, neutral}; the face alone
 *   separates {happy} / {fear, sad} / {angry, neutral}; the intersection identifies each class.
 *
 * - Noise on top of the class effects: every subject has a `reactivity` (0.6–1.4) that scales
 *   its physiological effects and an `expressiveness` (0.4–1.0) that scales its facial actions;
 *   every subject also has an idiosyncratic response ({@link SubjectResponse}): its own offsets on
 *   each class's effects, drawn independently per class, so that within one subject angry and
 *   fear (or sad and neutral) are slightly different and the per-class clusters sit in
 *   different places for different subjects — which makes subject-independent evaluation harder
 *   than a random split. Every trial draws a random intensity ({@link trialIntensity}, 0.5–1.3)
 *   that scales the effects; within a trial the heart rate drifts (an Ornstein–Uhlenbeck
 *   process), SCRs arrive as a Poisson process and facial expressions come and go over time
 *   (`FrameParams.expressionGain`), so short windows vary around the trial's mean.
 */
import type { Rng } from '@emo/runtime';
import { EMOTIONS, type Emotion } from '../emotions.js';

export type PhysioGroup = 'high-arousal' | 'positive' | 'low-arousal';
export type FaceGroup = 'smile' | 'brows-up' | 'flat';

/** Class effects on the cardiac and electrodermal system, before subject scaling. */
export interface PhysioEffect {
  /** Added to the resting heart rate, bpm. */
  readonly hrBpm: number;
  /** Multiplies the LF (Mayer wave, ~0.1 Hz) amplitude of the RR series. */
  readonly lfScale: number;
  /** Multiplies the HF (respiratory sinus arrhythmia) amplitude of the RR series. */
  readonly hfScale: number;
  /** Non-specific skin-conductance responses per minute. */
  readonly scrPerMin: number;
  /** Mean SCR amplitude in µS before the subject's SCR gain. */
  readonly scrAmpUs: number;
  /** Added to the tonic skin-conductance level, µS. */
  readonly sclShiftUs: number;
}

/**
 * Facial action parameters (loosely after FACS action units). Also the expression a renderer
 * draws: {@link NEUTRAL_EXPRESSION} is a relaxed face, class effects are added to it.
 */
export interface ExpressionParams {
  /** Mouth-corner curvature: +1 a broad smile (corners up), −1 corners well down. */
  smile: number;
  /** Lips apart, 0 closed … 1 wide open. */
  mouthOpen: number;
  /** Lips pressed together and thinned, 0 … 1. */
  lipPress: number;
  /** Inner brow ends raised (AU1 + AU4 oblique "worried" brows), 0 … 1. */
  browInnerRaise: number;
  /** Whole brows lowered and drawn together (AU4), 0 … 1. */
  browLower: number;
  /** Eye opening relative to the subject's relaxed eye, 1 = relaxed, 1.3 = wide, 0.6 = squint. */
  eyeOpen: number;
  /** Cheeks raised (AU6): cheek highlight and nasolabial folds, 0 … 1. */
  cheekRaise: number;
}

export interface EmotionEffect {
  readonly physioGroup: PhysioGroup;
  readonly faceGroup: FaceGroup;
  readonly physio: PhysioEffect;
  /** Added to {@link NEUTRAL_EXPRESSION}, scaled by expressiveness and trial intensity. */
  readonly face: Readonly<ExpressionParams>;
}

export const NEUTRAL_EXPRESSION: Readonly<ExpressionParams> = Object.freeze({
  smile: 0,
  mouthOpen: 0,
  lipPress: 0,
  browInnerRaise: 0,
  browLower: 0,
  eyeOpen: 1,
  cheekRaise: 0,
});

const PHYSIO_BY_GROUP: Readonly<Record<PhysioGroup, PhysioEffect>> = {
  'high-arousal': {
    hrBpm: 10,
    lfScale: 1.15,
    hfScale: 0.5,
    scrPerMin: 6,
    scrAmpUs: 0.5,
    sclShiftUs: 1.0,
  },
  positive: {
    hrBpm: 5,
    lfScale: 1.0,
    hfScale: 0.75,
    scrPerMin: 3.5,
    scrAmpUs: 0.3,
    sclShiftUs: 0.5,
  },
  'low-arousal': {
    hrBpm: -1,
    lfScale: 0.9,
    hfScale: 1.15,
    scrPerMin: 1.2,
    scrAmpUs: 0.15,
    sclShiftUs: 0,
  },
};

/** Expression deltas (added to the neutral face). Pairs differ only by a small amount. */
const FACE_BY_EMOTION: Readonly<Record<Emotion, ExpressionParams>> = {
  happy: {
    smile: 0.95,
    mouthOpen: 0.5,
    lipPress: 0,
    browInnerRaise: 0,
    browLower: 0,
    eyeOpen: -0.2,
    cheekRaise: 0.8,
  },
  sad: {
    smile: -0.6,
    mouthOpen: 0.02,
    lipPress: 0.15,
    browInnerRaise: 0.85,
    browLower: 0.05,
    eyeOpen: -0.05,
    cheekRaise: 0,
  },
  fear: {
    smile: -0.55,
    mouthOpen: 0.1,
    lipPress: 0.1,
    browInnerRaise: 0.9,
    browLower: 0,
    eyeOpen: 0.06,
    cheekRaise: 0,
  },
  angry: {
    smile: -0.12,
    mouthOpen: 0,
    lipPress: 0.55,
    browInnerRaise: 0,
    browLower: 0.6,
    eyeOpen: -0.06,
    cheekRaise: 0,
  },
  neutral: {
    smile: -0.08,
    mouthOpen: 0,
    lipPress: 0.5,
    browInnerRaise: 0,
    browLower: 0.52,
    eyeOpen: -0.04,
    cheekRaise: 0,
  },
};

const PHYSIO_GROUP: Readonly<Record<Emotion, PhysioGroup>> = {
  angry: 'high-arousal',
  fear: 'high-arousal',
  happy: 'positive',
  sad: 'low-arousal',
  neutral: 'low-arousal',
};

const FACE_GROUP: Readonly<Record<Emotion, FaceGroup>> = {
  happy: 'smile',
  fear: 'brows-up',
  sad: 'brows-up',
  angry: 'flat',
  neutral: 'flat',
};

/** The class effect table: physiology and face effect of every emotion, with its groups. */
export const EFFECTS: Readonly<Record<Emotion, EmotionEffect>> = Object.freeze(
  Object.fromEntries(
    EMOTIONS.map((e) => [
      e,
      Object.freeze({
        physioGroup: PHYSIO_GROUP[e],
        faceGroup: FACE_GROUP[e],
        physio: PHYSIO_BY_GROUP[PHYSIO_GROUP[e]],
        face: Object.freeze({ ...FACE_BY_EMOTION[e] }),
      }),
    ]),
  ) as Record<Emotion, EmotionEffect>,
);

/** Emotions per physiology group and per face group, for tests and documentation. */
export const PHYSIO_GROUPS: Readonly<Record<PhysioGroup, readonly Emotion[]>> = {
  'high-arousal': ['angry', 'fear'],
  positive: ['happy'],
  'low-arousal': ['sad', 'neutral'],
};
export const FACE_GROUPS: Readonly<Record<FaceGroup, readonly Emotion[]>> = {
  smile: ['happy'],
  'brows-up': ['fear', 'sad'],
  flat: ['angry', 'neutral'],
};

/** A subject's own offsets on one class's effects (its idiosyncratic response). */
export interface SubjectResponse {
  /** Added to the class heart-rate effect, bpm. */
  readonly hrBpm: number;
  /** Multiplies the class HF scale (log-normal around 1). */
  readonly hfMul: number;
  /** Multiplies the class SCR rate (log-normal around 1). */
  readonly scrRateMul: number;
  /** Multiplies the class SCR amplitude (log-normal around 1). */
  readonly scrAmpMul: number;
  /** Added to the class facial actions. */
  readonly face: Readonly<ExpressionParams>;
}

export type Rgb = readonly [number, number, number];

/** Face geometry, colours and lighting. Lengths are fractions of the frame unless noted. */
export interface FaceProfile {
  /** Face-oval height (forehead to chin) as a fraction of the frame height, 0.42–0.56. */
  readonly height: number;
  /** Face width / face height, 0.70–0.84. */
  readonly aspect: number;
  /** Face centre as fractions of the frame width and height. */
  readonly centerX: number;
  readonly centerY: number;
  /** Eye centre distance from the midline, fraction of the face half-width, 0.36–0.46. */
  readonly eyeSpacing: number;
  /** Eye vertical position, fraction of the face half-height below the centre (negative = up). */
  readonly eyeY: number;
  /** Eye half-width, fraction of the face half-width, 0.17–0.23. */
  readonly eyeSize: number;
  /** Iris colour. */
  readonly irisRgb: Rgb;
  /** Brow gap above the eye and thickness, fractions of the face half-height. */
  readonly browGap: number;
  readonly browThickness: number;
  /** Mouth half-width, fraction of the face half-width, 0.30–0.42. */
  readonly mouthWidth: number;
  /** Mouth vertical position, fraction of the face half-height below the centre. */
  readonly mouthY: number;
  /** Lip thickness, fraction of the face half-height. */
  readonly lipThickness: number;
  /** Nose length (from the eye line), fraction of the face half-height, 0.32–0.46. */
  readonly noseLength: number;
  /** Hairline height, fraction of the face half-height above the centre (0.6–0.8). */
  readonly hairline: number;
  /** Hair reaching down the sides, fraction of the face half-height (−0.3 … 0.5). */
  readonly hairLength: number;
  readonly skinRgb: Rgb;
  readonly lipRgb: Rgb;
  readonly hairRgb: Rgb;
  readonly backgroundRgb: Rgb;
  readonly shirtRgb: Rgb;
  /** Unit vector towards the light in image coordinates (x right, y down, z towards camera). */
  readonly lightDir: readonly [number, number, number];
  /** Directional light strength 0.35–0.75 and ambient light 0.35–0.55. */
  readonly lightStrength: number;
  readonly ambient: number;
  /** Standard deviation of head translation (fraction of the face width) and roll (rad). */
  readonly headJitter: number;
  readonly rollJitter: number;
  /** Blinks per minute, 8–24. */
  readonly blinkPerMin: number;
  /** Camera noise standard deviation in 8-bit grey levels, 1–5. */
  readonly sensorNoise: number;
}

export interface SubjectProfile {
  /** Zero-based subject index the profile was made for. */
  readonly index: number;
  // --- heart ---------------------------------------------------------------------------------
  /** Resting heart rate, bpm, 55–90. */
  readonly restingHrBpm: number;
  /** Multiplies all RR variability (LF and HF amplitude), log-normal 0.55–1.8. */
  readonly hrvScale: number;
  /** Breathing rate, Hz (0.2–0.33): the HF (respiratory sinus arrhythmia) frequency. */
  readonly respRateHz: number;
  /** Centre frequency of the Mayer (LF) waves, Hz, 0.08–0.12. */
  readonly lfHz: number;
  /** Ectopic (premature ventricular) beats per minute, 0–0.6. */
  readonly ectopicPerMin: number;
  /** R-wave amplitude in mV, 0.7–1.5. */
  readonly ecgAmplitudeMv: number;
  /** Signed gains of the two ECG leads (AMIGOS records two); a negative gain is an inverted lead. */
  readonly ecgLeadGains: readonly [number, number];
  /** Relative T-wave and S-wave sizes of this subject's ECG. */
  readonly ecgTWave: number;
  readonly ecgSWave: number;
  /** Broadband (EMG) noise and mains interference on the ECG, mV. */
  readonly ecgNoiseMv: number;
  readonly mainsMv: number;
  /** Mains frequency, 50 or 60 Hz. */
  readonly mainsHz: number;
  /** Pulse transit time: delay from R-peak to the plethysmograph's systolic peak, s (0.2–0.3). */
  readonly pttS: number;
  /** Plethysmograph offset and pulse amplitude in DEAP's arbitrary units (values are negative). */
  readonly ppgOffset: number;
  readonly ppgAmplitude: number;
  // --- skin ----------------------------------------------------------------------------------
  /** Tonic skin-conductance level, µS, 1–20. */
  readonly sclUs: number;
  /** Multiplies SCR amplitudes, log-normal 0.4–2.5. */
  readonly scrGain: number;
  /** Multiplies SCR rates, 0.75–1.3. */
  readonly scrRateScale: number;
  /** SCR recovery time constant, s, 2–5. */
  readonly scrDecayS: number;
  /** Skin temperature, °C, 30–35. */
  readonly skinTempC: number;
  /** Respiration belt offset and amplitude, arbitrary units. */
  readonly respOffset: number;
  readonly respAmplitude: number;
  // --- response ------------------------------------------------------------------------------
  /** Multiplies the physiological class effects, 0.6–1.4. */
  readonly reactivity: number;
  /** Multiplies the facial class effects, 0.4–1.0. */
  readonly expressiveness: number;
  /** Idiosyncratic offsets on each class's effects. */
  readonly response: Readonly<Record<Emotion, SubjectResponse>>;
  readonly face: FaceProfile;
}

const SKIN_TONES: readonly Rgb[] = [
  [250, 222, 198],
  [238, 195, 165],
  [222, 170, 135],
  [196, 136, 100],
  [160, 104, 72],
  [118, 78, 56],
  [88, 60, 45],
];
const HAIR_COLOURS: readonly Rgb[] = [
  [28, 24, 22],
  [52, 36, 26],
  [92, 60, 36],
  [140, 96, 56],
  [196, 160, 100],
  [150, 142, 134],
  [124, 56, 30],
];
const IRIS_COLOURS: readonly Rgb[] = [
  [60, 40, 28],
  [90, 60, 35],
  [70, 100, 130],
  [80, 110, 80],
  [40, 30, 25],
];

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

function lerpRgb(a: Rgb, b: Rgb, t: number): Rgb {
  return [
    Math.round(a[0] + (b[0] - a[0]) * t),
    Math.round(a[1] + (b[1] - a[1]) * t),
    Math.round(a[2] + (b[2] - a[2]) * t),
  ];
}

function hsvToRgb(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6) % 6;
  const f = h * 6 - Math.floor(h * 6);
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const [r, g, b] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** Log-normal multiplier with median 1, clamped to [lo, hi]. */
function logNormal(rng: Rng, sd: number, lo: number, hi: number): number {
  return clamp(Math.exp(rng.normal(0, sd)), lo, hi);
}

function makeResponse(rng: Rng): SubjectResponse {
  const f = (sd: number): number => rng.normal(0, sd);
  return {
    hrBpm: f(2),
    hfMul: logNormal(rng, 0.12, 0.7, 1.4),
    scrRateMul: logNormal(rng, 0.2, 0.6, 1.6),
    scrAmpMul: logNormal(rng, 0.25, 0.5, 2),
    face: {
      smile: f(0.08),
      mouthOpen: f(0.04),
      lipPress: f(0.08),
      browInnerRaise: f(0.1),
      browLower: f(0.08),
      eyeOpen: f(0.04),
      cheekRaise: f(0.08),
    },
  };
}

function makeFace(rng: Rng): FaceProfile {
  const skinT = rng.next() * (SKIN_TONES.length - 1);
  const k = Math.min(SKIN_TONES.length - 2, Math.floor(skinT));
  const skin = lerpRgb(SKIN_TONES[k], SKIN_TONES[k + 1], skinT - k);
  const lip = lerpRgb(skin, [165, 55, 65], rng.uniform(0.4, 0.6));
  // Backgrounds in muted colours, kept away from the skin tone's brightness a little.
  const bg = hsvToRgb(rng.next(), rng.uniform(0.08, 0.35), rng.uniform(0.3, 0.9));
  const shirt = hsvToRgb(rng.next(), rng.uniform(0.2, 0.7), rng.uniform(0.2, 0.8));
  const lx = rng.uniform(-0.7, 0.7);
  const ly = rng.uniform(-0.7, 0.0);
  const lz = rng.uniform(0.6, 1.0);
  const ln = Math.hypot(lx, ly, lz);
  return {
    height: rng.uniform(0.42, 0.56),
    aspect: rng.uniform(0.7, 0.84),
    centerX: 0.5 + rng.uniform(-0.06, 0.06),
    centerY: 0.47 + rng.uniform(-0.04, 0.04),
    eyeSpacing: rng.uniform(0.36, 0.46),
    eyeY: rng.uniform(-0.2, -0.08),
    eyeSize: rng.uniform(0.17, 0.23),
    irisRgb: rng.pick(IRIS_COLOURS),
    browGap: rng.uniform(0.13, 0.19),
    browThickness: rng.uniform(0.045, 0.075),
    mouthWidth: rng.uniform(0.3, 0.42),
    mouthY: rng.uniform(0.5, 0.6),
    lipThickness: rng.uniform(0.045, 0.075),
    noseLength: rng.uniform(0.32, 0.44),
    hairline: rng.uniform(0.6, 0.8),
    hairLength: rng.uniform(-0.3, 0.5),
    skinRgb: skin,
    lipRgb: lip,
    hairRgb: rng.pick(HAIR_COLOURS),
    backgroundRgb: bg,
    shirtRgb: shirt,
    lightDir: [lx / ln, ly / ln, lz / ln],
    lightStrength: rng.uniform(0.35, 0.75),
    ambient: rng.uniform(0.35, 0.55),
    headJitter: rng.uniform(0.01, 0.03),
    rollJitter: rng.uniform(0.01, 0.04),
    blinkPerMin: rng.uniform(8, 24),
    sensorNoise: rng.uniform(1, 5),
  };
}

/**
 * A subject profile drawn from `rng`. Deterministic in the rng's state; `index` is recorded
 * and selects the lead polarity pattern so that a corpus always has some inverted leads.
 */
export function makeSubject(rng: Rng, index: number): SubjectProfile {
  const r = rng.fork(`subject ${index}`);
  const restingHrBpm = r.uniform(55, 90);
  const hrvScale = logNormal(r, 0.3, 0.55, 1.8);
  const respRateHz = r.uniform(0.2, 0.33);
  const lfHz = r.uniform(0.08, 0.12);
  const ectopicPerMin = r.next() < 0.5 ? r.uniform(0, 0.15) : r.uniform(0.15, 0.6);
  const ecgAmplitudeMv = r.uniform(0.7, 1.5);
  // Roughly one subject in four has its first lead inverted, one in six the second.
  const inv0 = r.next() < 0.25 ? -1 : 1;
  const inv1 = r.next() < 0.17 ? -1 : 1;
  const ecgLeadGains: [number, number] = [inv0 * r.uniform(0.8, 1.1), inv1 * r.uniform(0.5, 1.0)];
  const response = Object.fromEntries(EMOTIONS.map((e) => [e, makeResponse(r)])) as Record<
    Emotion,
    SubjectResponse
  >;
  const ppgAmplitude = r.uniform(300, 1400);
  return {
    index,
    restingHrBpm,
    hrvScale,
    respRateHz,
    lfHz,
    ectopicPerMin,
    ecgAmplitudeMv,
    ecgLeadGains,
    ecgTWave: r.uniform(0.18, 0.4),
    ecgSWave: r.uniform(0.1, 0.35),
    ecgNoiseMv: r.uniform(0.005, 0.02),
    mainsMv: r.uniform(0, 0.02),
    mainsHz: r.next() < 0.8 ? 50 : 60,
    pttS: r.uniform(0.2, 0.3),
    ppgOffset: r.uniform(-12500, -4000),
    ppgAmplitude,
    sclUs: Math.exp(r.uniform(Math.log(1.2), Math.log(18))),
    scrGain: logNormal(r, 0.45, 0.4, 2.5),
    scrRateScale: r.uniform(0.75, 1.3),
    scrDecayS: r.uniform(2, 5),
    skinTempC: r.uniform(30.5, 34.5),
    respOffset: r.uniform(-3000, 3000),
    respAmplitude: r.uniform(400, 2000),
    reactivity: r.uniform(0.6, 1.4),
    expressiveness: r.uniform(0.4, 1.0),
    response,
    face: makeFace(r),
  };
}

/** A trial's random emotion intensity, 0.5–1.3 (scales every class effect of that trial). */
export function trialIntensity(rng: Rng): number {
  return rng.uniform(0.5, 1.3);
}

/** The physiological parameters of one trial: the class effect applied to a subject. */
export interface TrialPhysio {
  readonly hrBpm: number;
  /** Fractional RR modulation amplitudes (sinusoid amplitude / mean RR). */
  readonly lfAmp: number;
  readonly hfAmp: number;
  readonly scrPerMin: number;
  readonly scrAmpUs: number;
  readonly sclUs: number;
}

/** Base fractional RR modulation at hrvScale 1: LF and HF sinusoid amplitudes. */
const BASE_LF_AMP = 0.03;
const BASE_HF_AMP = 0.04;

/**
 * The effective physiological parameters of a trial of `emotion` at `intensity` for `subject`:
 * class effect × subject reactivity × trial intensity, plus the subject's own offsets.
 */
export function trialPhysio(subject: SubjectProfile, emotion: Emotion, intensity = 1): TrialPhysio {
  const eff = EFFECTS[emotion].physio;
  const resp = subject.response[emotion];
  const g = subject.reactivity * intensity;
  return {
    hrBpm: clamp(subject.restingHrBpm + g * eff.hrBpm + resp.hrBpm, 40, 150),
    lfAmp: BASE_LF_AMP * subject.hrvScale * Math.pow(eff.lfScale, g),
    hfAmp: BASE_HF_AMP * subject.hrvScale * Math.pow(eff.hfScale, g) * resp.hfMul,
    scrPerMin: subject.scrRateScale * eff.scrPerMin * resp.scrRateMul * (0.7 + 0.3 * intensity),
    scrAmpUs: subject.scrGain * eff.scrAmpUs * resp.scrAmpMul * (0.5 + 0.5 * intensity),
    sclUs: subject.sclUs + g * eff.sclShiftUs,
  };
}
