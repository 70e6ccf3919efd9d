/**
 * Physiological signal simulators for the synthetic corpus: ECG (with ground-truth R-peaks),
 * photoplethysmogram, skin conductance, and cheap filler channels (EEG, EOG, EMG, respiration,
 * temperature). Cardiac and electrodermal signals follow the emotion effects of design.ts; the
 * fillers do not depend on the emotion.
 *
 * Heart beats: an RR series with respiratory sinus arrhythmia (the subject's breathing rate,
 * 0.2–0.33 Hz), Mayer waves (LF, ~0.1 Hz, three sinusoids with random phases), a slow
 * Ornstein–Uhlenbeck drift of the heart rate, white RR jitter and occasional premature
 * (ectopic) beats with a compensatory pause. ECG beats are a sum of Gaussians (P, Q, R, S, T;
 * the T wave moves with √RR as the QT interval does), after McSharry et al.'s ECGSYN
 * morphology. Skin-conductance responses are Bateman functions (difference of two
 * exponentials) realised as two one-pole filters over an impulse train.
 */
import type { Rng } from '@emo/runtime';
import type { Emotion } from '../emotions.js';
import { trialPhysio, type SubjectProfile } from './design.js';

// Local aliases: module-scope bindings are faster than global lookups in hot loops (notably
// inside VM contexts such as jest's).
const { sqrt, max, min, exp, sin, cos, floor, ceil, round, log, PI } = Math;

const TWO_PI = 2 * PI;

/** Heart-beat times of a record. */
export interface BeatSeries {
  /** R-peak times in seconds from the start of the record (may start slightly before 0). */
  readonly timesS: readonly number[];
  /** Whether each beat is ectopic (premature ventricular). */
  readonly ectopic: readonly boolean[];
}

export interface BeatOptions {
  /** Trial intensity (see design.trialIntensity); 1 by default. */
  intensity?: number;
}

/**
 * Beat times for `durationS` seconds of `subject` feeling `emotion` (the heart-rate and HRV
 * effects of design.ts). Beats from 1.5 s before the start are included so that waveforms
 * that began before the record are complete.
 */
export function simulateBeats(
  rng: Rng,
  subject: SubjectProfile,
  emotion: Emotion,
  durationS: number,
  opts: BeatOptions = {},
): BeatSeries {
  const p = trialPhysio(subject, emotion, opts.intensity ?? 1);
  // Mayer waves: three sinusoids around the subject's LF frequency, unit RMS in total.
  const lfF = [0, 1, 2].map(() => subject.lfHz * rng.uniform(0.8, 1.2));
  const lfPh = [0, 1, 2].map(() => rng.uniform(0, TWO_PI));
  const lfW = sqrt(2 / 3);
  let respPhase = rng.uniform(0, TWO_PI);
  let respDev = 0; // OU deviation of the breathing rate, fraction
  let hrDev = rng.normal(0, 1.5); // OU deviation of the heart rate, bpm
  const hrTau = 20;
  const hrSd = 1.5;
  const rrJitter = 0.005 * subject.hrvScale;
  const ectopicP = subject.ectopicPerMin / 60;

  const times: number[] = [];
  const ectopic: boolean[] = [];
  let t = -1.5 + rng.uniform(0, 60 / p.hrBpm);
  let nextEctopic = false;
  let compensation = 0;
  while (t < durationS + 0.2) {
    times.push(t);
    ectopic.push(nextEctopic);
    const rr0 = 60 / max(35, p.hrBpm + hrDev);
    let lf = 0;
    for (let k = 0; k < 3; k++) lf += sin(TWO_PI * lfF[k] * t + lfPh[k]);
    let rr = rr0 * (1 + p.hfAmp * sin(respPhase) + p.lfAmp * lfW * lf) + rng.normal(0, rrJitter);
    rr = max(0.3, rr);
    if (compensation > 0) {
      rr = compensation;
      compensation = 0;
      nextEctopic = false;
    } else if (!nextEctopic && rng.next() < ectopicP * rr) {
      const early = rr * rng.uniform(0.55, 0.7);
      compensation = 2 * rr - early;
      rr = early;
      nextEctopic = true;
    } else {
      nextEctopic = false;
    }
    // Advance the slow processes by one beat.
    const a = rr / hrTau;
    hrDev += -hrDev * a + hrSd * sqrt(2 * a) * rng.normal();
    respDev += -respDev * (rr / 15) + 0.08 * sqrt((2 * rr) / 15) * rng.normal();
    respPhase += TWO_PI * subject.respRateHz * (1 + respDev) * rr;
    t += rr;
  }
  return { timesS: times, ectopic };
}

/** Add amp·exp(−(t−c)²/2σ²) to `sig` (c, σ in samples) over ±4σ. */
function addGauss(sig: Float64Array, c: number, sigma: number, amp: number): void {
  const lo = max(0, ceil(c - 4 * sigma));
  const hi = min(sig.length - 1, floor(c + 4 * sigma));
  const k = -0.5 / (sigma * sigma);
  for (let i = lo; i <= hi; i++) {
    const d = i - c;
    sig[i] += amp * exp(k * d * d);
  }
}

/** Index of the extreme (max for polarity > 0, else min) of `sig` within [c−w, c+w]. */
function extremeNear(sig: Float64Array, c: number, w: number, polarity: number): number {
  const lo = max(0, c - w);
  const hi = min(sig.length - 1, c + w);
  let best = lo;
  for (let i = lo + 1; i <= hi; i++) if (polarity * sig[i] > polarity * sig[best]) best = i;
  return best;
}

export interface EcgOptions extends BeatOptions {
  /** Which of the subject's two leads (AMIGOS has two ECG channels); 0 by default. */
  lead?: 0 | 1;
  /** Beats to draw (e.g. another lead's `beats`); simulated when absent. */
  beats?: BeatSeries;
  /** Scales all noise and baseline wander; 0 gives a clean ECG. 1 by default. */
  noise?: number;
}

export interface EcgResult {
  /** The ECG in mV. */
  readonly signal: Float64Array;
  /** Ground-truth R-peak sample indices: the QRS extreme (a minimum on an inverted lead). */
  readonly rpeaks: number[];
  /** Indices into `rpeaks` of ectopic beats. */
  readonly ectopic: number[];
  /** The beats drawn, for the other lead or the plethysmograph. */
  readonly beats: BeatSeries;
}

/**
 * An ECG lead of `nSamples` at `fs` Hz (default 128) for a trial of `emotion`. R waves are
 * about `subject.ecgAmplitudeMv` × the lead gain (negative gains invert the lead).
 */
export function simulateEcg(
  rng: Rng,
  subject: SubjectProfile,
  emotion: Emotion,
  nSamples: number,
  fs = 128,
  opts: EcgOptions = {},
): EcgResult {
  const beats =
    opts.beats ??
    simulateBeats(rng, subject, emotion, nSamples / fs, { intensity: opts.intensity });
  const gain = subject.ecgAmplitudeMv * subject.ecgLeadGains[opts.lead ?? 0];
  const polarity = gain >= 0 ? 1 : -1;
  const noise = opts.noise ?? 1;
  const sig = new Float64Array(nSamples);
  const rIdx: number[] = [];
  const ectopicIdx: number[] = [];
  const { timesS, ectopic } = beats;
  const tAmp = subject.ecgTWave;
  const sAmp = subject.ecgSWave;
  for (let b = 0; b < timesS.length; b++) {
    const t = timesS[b];
    const rr = b + 1 < timesS.length ? timesS[b + 1] - t : b > 0 ? t - timesS[b - 1] : 0.8;
    const prevRr = b > 0 ? t - timesS[b - 1] : rr;
    const c = t * fs;
    if (c < -fs || c > nSamples + fs) continue;
    const a = gain * (1 + 0.04 * rng.normal());
    if (ectopic[b]) {
      // Premature ventricular beat: no P wave, wide tall QRS, discordant T wave.
      addGauss(sig, c - 0.03 * fs, 0.018 * fs, -0.15 * a);
      addGauss(sig, c, 0.022 * fs, 1.25 * a);
      addGauss(sig, c + 0.055 * fs, 0.025 * fs, -0.45 * a);
      addGauss(sig, c + 0.3 * fs, 0.07 * fs, -0.35 * a);
    } else {
      const qt = sqrt(max(0.35, min(prevRr, 1.6)));
      addGauss(sig, c - 0.165 * fs, 0.022 * fs, 0.12 * a);
      addGauss(sig, c - 0.028 * fs, 0.009 * fs, -0.1 * a);
      addGauss(sig, c, 0.0115 * fs, a);
      addGauss(sig, c + 0.03 * fs, 0.01 * fs, -sAmp * a);
      addGauss(sig, c + 0.25 * qt * fs, 0.045 * qt * fs, tAmp * a);
      addGauss(sig, c + 0.31 * qt * fs, 0.035 * qt * fs, 0.3 * tAmp * a);
    }
    const ci = round(c);
    if (ci >= 0 && ci < nSamples) {
      if (ectopic[b]) ectopicIdx.push(rIdx.length);
      rIdx.push(extremeNear(sig, ci, 3, polarity));
    }
  }
  // The peaks were located on the clean waveform; neighbouring beats never overlap within ±3
  // samples of a QRS, but recompute to be safe now that all beats are drawn.
  for (let k = 0; k < rIdx.length; k++) rIdx[k] = extremeNear(sig, rIdx[k], 2, polarity);

  if (noise > 0) addEcgNoise(rng, subject, sig, fs, noise);
  return { signal: sig, rpeaks: rIdx, ectopic: ectopicIdx, beats };
}

function addEcgNoise(
  rng: Rng,
  subject: SubjectProfile,
  sig: Float64Array,
  fs: number,
  scale: number,
): void {
  const n = sig.length;
  const wanderAmp = scale * rng.uniform(0.03, 0.1);
  const respW = (TWO_PI * subject.respRateHz) / fs;
  const respPh = rng.uniform(0, TWO_PI);
  const mainsW = (TWO_PI * subject.mainsHz) / fs;
  const mainsPh = rng.uniform(0, TWO_PI);
  const mains = scale * subject.mainsMv;
  const emg = scale * subject.ecgNoiseMv * sqrt(3);
  // Slow baseline drift: an OU process with a 5 s time constant and 0.05 mV sd.
  const ouA = exp(-1 / (5 * fs));
  const ouB = scale * 0.05 * sqrt(1 - ouA * ouA);
  let ou = scale * rng.normal(0, 0.05);
  // Occasional motion/EMG bursts.
  const burstP = 0.5 / 60 / fs;
  let burstLeft = 0;
  let burstGain = 1;
  for (let i = 0; i < n; i++) {
    ou = ouA * ou + ouB * (2 * rng.next() - 1) * 1.7320508;
    if (burstLeft > 0) burstLeft--;
    else if (rng.next() < burstP) {
      burstLeft = round(rng.uniform(0.5, 2) * fs);
      burstGain = rng.uniform(3, 6);
    }
    const w = (2 * rng.next() - 1) * emg * (burstLeft > 0 ? burstGain : 1);
    sig[i] += wanderAmp * sin(respW * i + respPh) + ou + mains * sin(mainsW * i + mainsPh) + w;
  }
}

/** Lowest and highest plethysmograph values of DEAP's scale (arbitrary units). */
export const PPG_RANGE: readonly [number, number] = [-16000, -1500];

export interface PpgOptions extends BeatOptions {
  /** Scales noise and drift; 0 gives a clean pulse wave. 1 by default. */
  noise?: number;
}

export interface PpgResult {
  /** Plethysmograph in DEAP's arbitrary units (negative, within {@link PPG_RANGE}). */
  readonly signal: Float64Array;
  /** Ground-truth systolic peak sample indices. */
  readonly peaks: number[];
  readonly beats: BeatSeries;
}

/**
 * A plethysmograph (systolic peak, dicrotic notch and wave) for a trial of `emotion`. Pass the
 * ECG's `rpeaks` (sample indices at the same `fs`) or its `beats` to make the pulses follow
 * those heart beats, `subject.pttS` later; otherwise beats are simulated.
 */
export function simulatePpg(
  rng: Rng,
  subject: SubjectProfile,
  emotion: Emotion,
  nSamples: number,
  fs = 128,
  beats?: readonly number[] | BeatSeries,
  opts: PpgOptions = {},
): PpgResult {
  const series: BeatSeries =
    beats === undefined
      ? simulateBeats(rng, subject, emotion, nSamples / fs, { intensity: opts.intensity })
      : isBeatSeries(beats)
        ? beats
        : { timesS: beats.map((i) => i / fs), ectopic: beats.map(() => false) };
  const noise = opts.noise ?? 1;
  const pulse = new Float64Array(nSamples);
  const peakIdx: number[] = [];
  const { timesS, ectopic } = series;
  const respW = (TWO_PI * subject.respRateHz) / fs;
  const respPh = rng.uniform(0, TWO_PI);
  for (let b = 0; b < timesS.length; b++) {
    const rr = b + 1 < timesS.length ? timesS[b + 1] - timesS[b] : 0.8;
    const ts = (timesS[b] + subject.pttS) * fs;
    if (ts < -fs || ts > nSamples + fs) continue;
    // Respiration modulates the pulse amplitude by ±8 %; an ectopic beat ejects less blood.
    const amp =
      (ectopic[b] ? 0.5 : 1) * (1 + 0.08 * sin(respW * ts + respPh)) * (1 + 0.03 * rng.normal());
    const s1 = 0.055 * fs;
    const s2 = 0.09 * fs * min(1, sqrt(rr / 0.8));
    // Asymmetric systolic wave: fast upstroke, slower fall.
    const lo = max(0, ceil(ts - 4 * s1));
    const hi = min(nSamples - 1, floor(ts + 4 * s2));
    const k1 = -0.5 / (s1 * s1);
    const k2 = -0.5 / (s2 * s2);
    for (let i = lo; i <= hi; i++) {
      const d = i - ts;
      pulse[i] += amp * exp((d < 0 ? k1 : k2) * d * d);
    }
    const dic = 0.27 * min(1, sqrt(rr / 0.8));
    addGauss(pulse, ts + dic * fs, 0.05 * fs, 0.33 * amp);
    const ci = round(ts);
    if (ci >= 0 && ci < nSamples) peakIdx.push(ci);
  }
  for (let k = 0; k < peakIdx.length; k++) peakIdx[k] = extremeNear(pulse, peakIdx[k], 3, 1);

  const sig = new Float64Array(nSamples);
  const A = subject.ppgAmplitude * (1 + 0.1 * rng.normal());
  const driftA = exp(-1 / (10 * fs));
  const driftB = noise * 0.15 * A * sqrt(1 - driftA * driftA);
  let drift = noise * rng.normal(0, 0.15 * A);
  const wn = noise * 0.01 * A * sqrt(3);
  const respBase = noise * 0.05 * A;
  const [lo, hi] = PPG_RANGE;
  for (let i = 0; i < nSamples; i++) {
    drift = driftA * drift + driftB * (2 * rng.next() - 1) * 1.7320508;
    const v =
      subject.ppgOffset +
      A * (pulse[i] - 0.3) +
      drift +
      respBase * sin(respW * i + respPh) +
      wn * (2 * rng.next() - 1);
    sig[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return { signal: sig, peaks: peakIdx, beats: series };
}

function isBeatSeries(b: readonly number[] | BeatSeries): b is BeatSeries {
  return !Array.isArray(b);
}

export interface GsrOptions extends BeatOptions {
  /** Scales measurement noise and tonic drift; 0 gives noiseless SCRs on a flat level. */
  noise?: number;
}

export interface GsrResult {
  /** Skin conductance, µS (always positive). */
  readonly conductanceUs: Float64Array;
  /** Ground-truth SCR onset sample indices (within the record). */
  readonly scrOnsets: number[];
  /** Peak amplitude of each SCR in `scrOnsets`, µS. */
  readonly scrAmplitudesUs: number[];
}

/** SCR rise time constant, s. */
const SCR_RISE_S = 0.75;

/**
 * Skin conductance for a trial of `emotion`: the subject's tonic level (plus the class shift)
 * with slow drift, non-specific SCRs at the class rate and amplitude, and noise.
 */
export function simulateGsr(
  rng: Rng,
  subject: SubjectProfile,
  emotion: Emotion,
  nSamples: number,
  fs = 128,
  opts: GsrOptions = {},
): GsrResult {
  const p = trialPhysio(subject, emotion, opts.intensity ?? 1);
  const noise = opts.noise ?? 1;
  // Simulate 20 s before the record so that earlier responses are still recovering at t = 0.
  const burn = round(20 * fs);
  const total = nSamples + burn;
  const ratePerSample = p.scrPerMin / 60 / fs;
  const refractory = round(1.0 * fs);
  const tauR = SCR_RISE_S;
  const tauD = max(subject.scrDecayS, 1.5 * tauR);
  const aR = exp(-1 / (tauR * fs));
  const aD = exp(-1 / (tauD * fs));
  // Peak of exp(−t/τd) − exp(−t/τr), to normalise the response to unit height.
  const tPeak = (log(tauD / tauR) * tauD * tauR) / (tauD - tauR);
  const norm = exp(-tPeak / tauD) - exp(-tPeak / tauR);

  const out = new Float64Array(nSamples);
  const onsets: number[] = [];
  const amps: number[] = [];
  let yR = 0;
  let yD = 0;
  let sinceLast = refractory;
  // Tonic drift, smooth at the scale of an SCR: a linear trend plus three slow sinusoids
  // (periods 40–200 s), both proportional to √SCL.
  const trend = (noise * rng.normal(0, 0.15) * sqrt(p.sclUs)) / (60 * fs);
  const driftSd = noise * 0.08 * sqrt(p.sclUs);
  const dW = [0, 1, 2].map(() => TWO_PI / (rng.uniform(40, 200) * fs));
  const dPh = [0, 1, 2].map(() => rng.uniform(0, TWO_PI));
  const dA = driftSd * sqrt(2 / 3);
  const wn = noise * 0.004 * sqrt(3);
  const minUs = 0.05;
  for (let i = 0; i < total; i++) {
    sinceLast++;
    let x = 0;
    if (sinceLast >= refractory && rng.next() < ratePerSample) {
      // Log-normal amplitude around the class mean.
      const a = p.scrAmpUs * exp(rng.normal(-0.08, 0.4));
      x = a / norm;
      sinceLast = 0;
      if (i >= burn) {
        onsets.push(i - burn);
        amps.push(a);
      }
    }
    yR = aR * yR + x;
    yD = aD * yD + x;
    if (i >= burn) {
      const j = i - burn;
      const drift =
        dA * (sin(dW[0] * i + dPh[0]) + sin(dW[1] * i + dPh[1]) + sin(dW[2] * i + dPh[2]));
      const v = p.sclUs + trend * j + drift + (yD - yR) + wn * (2 * rng.next() - 1);
      out[j] = v < minUs ? minUs : v;
    }
  }
  return { conductanceUs: out, scrOnsets: onsets, scrAmplitudesUs: amps };
}

/**
 * Cheap EEG-like noise for `nChannels` channels: a 1/f-like broadband part (three one-pole
 * low-passes of white noise), an alpha rhythm (a resonator at 8–12 Hz, waxing and waning) and
 * a component common to all channels; each channel has zero mean and a standard deviation
 * near `scaleUv` (×0.7–1.3). Not emotion dependent.
 */
export function simulateEeg(
  rng: Rng,
  nChannels: number,
  nSamples: number,
  fs = 128,
  scaleUv = 10,
): Float64Array[] {
  const common = new Float64Array(nSamples);
  pinkInto(rng, common, fs);
  const out: Float64Array[] = [];
  for (let c = 0; c < nChannels; c++) {
    const sig = new Float64Array(nSamples);
    const alphaHz = rng.uniform(8.5, 11.5);
    const r = exp((-PI * 1.2) / fs); // ~1.2 Hz bandwidth
    const a1 = 2 * r * cos((TWO_PI * alphaHz) / fs);
    const a2 = -r * r;
    const arVar = (1 - a2) / ((1 + a2) * ((1 - a2) * (1 - a2) - a1 * a1));
    const alphaGain = rng.uniform(0.6, 1.6) / sqrt(arVar / 12);
    const commonW = rng.uniform(0.2, 0.5);
    pinkInto(rng, sig, fs);
    let y1 = 0;
    let y2 = 0;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < nSamples; i++) {
      const w = rng.next() - 0.5;
      const y = a1 * y1 + a2 * y2 + w;
      y2 = y1;
      y1 = y;
      const v = sig[i] + alphaGain * y + commonW * common[i];
      sig[i] = v;
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / nSamples;
    const sd = sqrt(max(1e-12, sumSq / nSamples - mean * mean));
    const g = (scaleUv * rng.uniform(0.7, 1.3)) / sd;
    for (let i = 0; i < nSamples; i++) sig[i] = (sig[i] - mean) * g;
    out.push(sig);
  }
  return out;
}

/** Fill `sig` with roughly unit-variance 1/f-like noise (three one-pole low-passes). */
function pinkInto(rng: Rng, sig: Float64Array, fs: number): void {
  const fc = [2, 8, 30];
  const a = fc.map((f) => exp((-TWO_PI * f) / fs));
  const g = fc.map((f, k) => (1 - a[k]) / sqrt(f / fc[0]) / sqrt((1 - a[k]) / (1 + a[k]) / 12));
  const [a0, a1, a2] = a;
  const [g0, g1, g2] = g;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  const norm = 1 / sqrt(1 + 1 / 4 + 1 / 15);
  for (let i = 0; i < sig.length; i++) {
    const w = rng.next() - 0.5;
    s0 = a0 * s0 + w;
    s1 = a1 * s1 + w;
    s2 = a2 * s2 + w;
    sig[i] = norm * (g0 * s0 + g1 * s1 + g2 * s2);
  }
}

/**
 * Horizontal and vertical EOG (µV): blinks (~0.3 s pulses, 10–20 a minute) on the vertical
 * channel, saccades (steps decaying back over ~2 s) on the horizontal one, plus noise.
 */
export function simulateEog(
  rng: Rng,
  nSamples: number,
  fs = 128,
  scaleUv = 150,
): { heog: Float64Array; veog: Float64Array } {
  const heog = new Float64Array(nSamples);
  const veog = new Float64Array(nSamples);
  const blinkP = rng.uniform(10, 20) / 60 / fs;
  const saccP = rng.uniform(20, 40) / 60 / fs;
  const decay = exp(-1 / (2 * fs));
  let pos = 0;
  const noise = 0.05 * scaleUv * sqrt(3);
  for (let i = 0; i < nSamples; i++) {
    if (rng.next() < blinkP)
      addGauss(veog, i + 0.12 * fs, 0.06 * fs, scaleUv * rng.uniform(0.7, 1.3));
    if (rng.next() < saccP) pos += rng.normal(0, 0.5 * scaleUv);
    pos *= decay;
    heog[i] += pos + noise * (2 * rng.next() - 1);
    veog[i] += noise * (2 * rng.next() - 1);
  }
  return { heog, veog };
}

/** Surface EMG (µV): broadband noise with a slowly varying envelope and occasional bursts. */
export function simulateEmg(rng: Rng, nSamples: number, fs = 128, scaleUv = 10): Float64Array {
  const out = new Float64Array(nSamples);
  const burstP = rng.uniform(1, 5) / 60 / fs;
  let left = 0;
  let gain = 1;
  const envA = exp(-1 / (2 * fs));
  const envB = 0.2 * sqrt(1 - envA * envA);
  let env = 0;
  let prev = 0;
  const k = scaleUv * sqrt(3) * 0.7;
  for (let i = 0; i < nSamples; i++) {
    if (left > 0) left--;
    else if (rng.next() < burstP) {
      left = round(rng.uniform(0.3, 1.5) * fs);
      gain = rng.uniform(3, 8);
    }
    env = envA * env + envB * (2 * rng.next() - 1) * 1.7320508;
    const w = 2 * rng.next() - 1;
    // First difference: high-pass like muscle activity.
    out[i] = k * (w - 0.5 * prev) * max(0.2, 1 + env) * (left > 0 ? gain : 1);
    prev = w;
  }
  return out;
}

/**
 * A respiration belt (arbitrary units around `subject.respOffset`, amplitude about
 * `subject.respAmplitude`) breathing at the subject's rate with rate and depth variability and
 * an occasional sigh.
 */
export function simulateRespiration(
  rng: Rng,
  subject: SubjectProfile,
  nSamples: number,
  fs = 128,
): Float64Array {
  const out = new Float64Array(nSamples);
  let phase = rng.uniform(0, TWO_PI);
  const ouA = exp(-1 / (8 * fs));
  const ouB = sqrt(1 - ouA * ouA) * 1.7320508;
  let rateDev = rng.normal(0, 0.1);
  let depthDev = rng.normal(0, 0.15);
  let drift = 0;
  const driftA = exp(-1 / (30 * fs));
  const driftB = 0.2 * sqrt(1 - driftA * driftA) * 1.7320508;
  let sigh = 0;
  const sighP = 1 / 60 / fs;
  const A = subject.respAmplitude;
  for (let i = 0; i < nSamples; i++) {
    rateDev = ouA * rateDev + 0.1 * ouB * (2 * rng.next() - 1);
    depthDev = ouA * depthDev + 0.15 * ouB * (2 * rng.next() - 1);
    drift = driftA * drift + driftB * (2 * rng.next() - 1);
    const dPhase = (TWO_PI * subject.respRateHz * (1 + rateDev)) / fs;
    const before = phase % TWO_PI;
    phase += dPhase;
    if (phase % TWO_PI < before) sigh = rng.next() < sighP * fs * 6 ? 1 : 0;
    const wave = sin(phase) + 0.2 * sin(2 * phase);
    out[i] =
      subject.respOffset +
      A * ((1 + depthDev) * (1 + sigh) * wave + drift) +
      0.01 * A * (2 * rng.next() - 1);
  }
  return out;
}

/** Skin temperature, °C, around `subject.skinTempC` with a slow drift and sensor noise. */
export function simulateTemperature(
  rng: Rng,
  subject: SubjectProfile,
  nSamples: number,
  fs = 128,
): Float64Array {
  const out = new Float64Array(nSamples);
  const trend = rng.normal(0, 0.1) / (60 * fs);
  const ouA = exp(-1 / (20 * fs));
  const ouB = 0.04 * sqrt(1 - ouA * ouA) * 1.7320508;
  let ou = rng.normal(0, 0.04);
  for (let i = 0; i < nSamples; i++) {
    ou = ouA * ou + ouB * (2 * rng.next() - 1);
    out[i] = subject.skinTempC + trend * i + ou + 0.005 * (2 * rng.next() - 1);
  }
  return out;
}
