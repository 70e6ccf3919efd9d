/**
 * The synthetic corpus's presets: the dimensions of what `emo synth` writes (trials, durations,
 * face-video size, rate and codec). `small` is the corpus the pipeline runs on by default (its
 * output is kept byte for byte; `corpus.test.ts` checks digests of it); `full` has the real
 * data sets' dimensions, for measuring the pipeline at scale one subject at a time.
 *
 * Where `full`'s numbers come from (shared/docs/DATASETS.md unless said):
 * - DEAP: 40 trials per participant of 8064 samples at 128 Hz (3 s baseline + 60 s); face
 *   videos for participants 1–22 only, 50 fps, 720×576 (the size is *unverified* in
 *   DATASETS.md), covering the 63 s of the trial.
 * - AMIGOS: 16 short-video trials and 4 long ones (N1, P1, B1, U1) at 128 Hz with a 5 s
 *   pre-stimulus baseline; frontal HD face videos, taken here as 1280×720 at 25 fps.
 *   The short videos last 51–150 s and the long ones about 14–24 min (AMIGOS paper, as the
 *   issue states them). The real per-video durations are not in our notes, so
 *   `AMIGOS_SHORT_S_FULL` and `AMIGOS_LONG_S_FULL` are a documented spread over those ranges
 *   (16 short durations evenly spaced from 51 to 150 s, 4 long ones evenly spaced from 14 to
 *   24 min, assigned to the video ids in a fixed order), not the real per-video values.
 * - Codec: H.264 (libx264 in the npm ffmpeg, `-preset ultrafast -crf 23`, yuv420p) in the
 *   containers the data sets use (DEAP .avi, AMIGOS .mov). The real files' codecs are
 *   unverified; the readers take any codec ffmpeg decodes.
 *
 * Video cost: faces are rendered at `inputFps` poses a second (5, as in `small`: rendering a
 * 1280×720 face takes about 25 ms) and ffmpeg repeats each pose to `fps`. With `grain` > 0
 * every output frame goes to the encoder as a picture of its own with light temporal noise
 * (ffmpeg `noise=alls=grain:allf=t`), so a decoder works through `fps` distinct frames a
 * second as with a camera's video; with `grain` 0 (`small`) the repeats are coded as repeats,
 * which is nearly free.
 */
import type { VideoCodec } from './video.js';

export type SynthPresetName = 'small' | 'full';
export const SYNTH_PRESET_NAMES: readonly SynthPresetName[] = ['small', 'full'];

/** The face videos of one data set. */
export interface SynthVideoSpec {
  readonly width: number;
  readonly height: number;
  /** Frame rate of the written video. */
  readonly fps: number;
  /** Face poses rendered per second (≤ fps); ffmpeg repeats each to reach `fps`. */
  readonly inputFps: number;
  readonly codec: VideoCodec;
  /**
   * Strength of the temporal noise (ffmpeg `noise` filter, 0–100) on every output frame; 0:
   * none, and repeated poses are coded as repeats.
   */
  readonly grain: number;
}

/** The dimensions of a synthetic corpus. */
export interface SynthPreset {
  /** Trials per DEAP participant (5–40; the real data set has 40). */
  readonly deapTrials: number;
  /** Short-video trials per AMIGOS participant (5–16; the real data set has 16); 4 long follow. */
  readonly amigosShortTrials: number;
  /**
   * Duration of each short-video AMIGOS trial after the 5 s baseline, s: `'drawn'` (45–90 s,
   * drawn per trial from the seed) or listed per video id.
   */
  readonly amigosShortS: 'drawn' | Readonly<Record<string, number>>;
  /** Duration of the long-video AMIGOS trials after the baseline, s: one for all, or per id. */
  readonly amigosLongS: number | Readonly<Record<string, number>>;
  /** DEAP participants 1…n have face videos (the real data set: 1–22); `'all'`: every one. */
  readonly deapVideoSubjects: number | 'all';
  readonly deapVideo: SynthVideoSpec;
  readonly amigosVideo: SynthVideoSpec;
}

/** `full`'s short-video durations, s (a spread over the real 51–150 s; see the top). */
export const AMIGOS_SHORT_S_FULL: Readonly<Record<string, number>> = Object.freeze({
  '4': 97,
  '5': 130,
  '9': 64,
  '10': 117,
  '13': 150,
  '18': 77,
  '19': 104,
  '20': 58,
  '23': 143,
  '30': 84,
  '31': 124,
  '34': 51,
  '36': 110,
  '58': 91,
  '80': 137,
  '138': 71,
});

/** `full`'s long-video durations, s (14, 17⅓, 20⅔ and 24 min; see the top). */
export const AMIGOS_LONG_S_FULL: Readonly<Record<string, number>> = Object.freeze({
  N1: 1240,
  P1: 840,
  B1: 1440,
  U1: 1040,
});

export const SYNTH_PRESETS: Readonly<Record<SynthPresetName, SynthPreset>> = Object.freeze({
  /** The pipeline's default corpus: small enough to run everything in minutes. */
  small: Object.freeze({
    deapTrials: 15,
    amigosShortTrials: 16,
    amigosShortS: 'drawn',
    amigosLongS: 120,
    deapVideoSubjects: 'all',
    deapVideo: Object.freeze({
      width: 180,
      height: 144,
      fps: 50,
      inputFps: 5,
      codec: 'mpeg4',
      grain: 0,
    }),
    amigosVideo: Object.freeze({
      width: 256,
      height: 144,
      fps: 25,
      inputFps: 5,
      codec: 'mpeg4',
      grain: 0,
    }),
  }),
  /** The real data sets' dimensions (see the top for the sources). */
  full: Object.freeze({
    deapTrials: 40,
    amigosShortTrials: 16,
    amigosShortS: AMIGOS_SHORT_S_FULL,
    amigosLongS: AMIGOS_LONG_S_FULL,
    deapVideoSubjects: 22,
    deapVideo: Object.freeze({
      width: 720,
      height: 576,
      fps: 50,
      inputFps: 5,
      codec: 'h264',
      grain: 3,
    }),
    amigosVideo: Object.freeze({
      width: 1280,
      height: 720,
      fps: 25,
      inputFps: 5,
      codec: 'h264',
      grain: 3,
    }),
  }),
});

export function isSynthPresetName(v: unknown): v is SynthPresetName {
  return typeof v === 'string' && (SYNTH_PRESET_NAMES as readonly string[]).includes(v);
}
