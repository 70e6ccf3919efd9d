/**
 * The synthetic corpus (`emo synth`): a seeded simulator that writes a small download in the
 * exact DEAP and AMIGOS file formats, so every reader and every later stage is exercised
 * without the licence-restricted data. Everything it writes is marked synthetic
 * (EMO_SYNTHETIC.json at each root, which the converter turns into `synthetic: true`).
 *
 * DEAP-format: data_preprocessed_python/sXX.dat (Python 2 pickle, protocol 2, the form DEAP
 * ships), metadata_csv/participant_ratings.csv (presentation order shuffled per participant),
 * face_video/sXX/sXX_trialYY.avi (50 fps, the 63 s of the trial, YY = presentation trial).
 * AMIGOS-format: Data_Preprocessed_PXX/Data_Preprocessed_PXX.mat (compressed MAT v5, 1×20
 * cells) and face videos Exp1_PXX_face/P{n}_{VideoID}_face.mov (25 fps; long videos in
 * Exp2_PXX_face). The codecs of the real files are unverified and any codec ffmpeg decodes is
 * read the same way.
 *
 * The dimensions (trials, durations, video size/rate/codec) come from a preset
 * (presets.ts): `small` (the default, MPEG-4 part 2 videos of 180×144 and 256×144) or `full`
 * (the real data sets' dimensions, H.264). Subjects are written one at a time, each data set
 * on its own when asked (`datasets`), so a full-size subject can be made without the rest;
 * the videos are rendered and encoded frame by frame, and a subject's signals are dropped
 * once its file is written.
 *
 * Realistic defects (when `defects`): an AMIGOS participant with an empty trial, one with a
 * NaN run in its ECG, one without long-video trials (as P08/P24/P28), a DEAP participant with
 * a missing face video, and DEAP trials in the "calm" quadrant that the label rule leaves out.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Emotion } from '../emotions.js';
import { EMOTIONS } from '../emotions.js';
import { DEFAULT_SEED, Rng } from '@emo/runtime';
import { ndarray } from '../ndarray.js';
import type { MatValue } from '../mat/types.js';
import { writeMat5 } from '../mat/index.js';
import { writeDeapPickle } from '../pickle/index.js';
import { writeFileAtomic } from '@emo/runtime';
import { SYNTHETIC_MARKER } from '../convert.js';
import { AMIGOS_LONG_IDS, AMIGOS_SHORT_IDS } from '../amigos.js';
import type { ExpressionParams, SubjectProfile } from './design.js';
import { makeSubject, trialIntensity } from './design.js';
import {
  simulateEcg,
  simulateEeg,
  simulateEmg,
  simulateEog,
  simulateGsr,
  simulatePpg,
  simulateRespiration,
  simulateTemperature,
} from './physio.js';
import { animateFrames, expressionFor } from './face.js';
import type { FrameParams } from './face.js';
import type { FaceVideoJob } from './face-video.js';
import { writeFaceVideo } from './face-video.js';
import { RenderThreads } from './render-threads.js';
import type { SynthPresetName, SynthVideoSpec } from './presets.js';
import { SYNTH_PRESETS, SYNTH_PRESET_NAMES, isSynthPresetName } from './presets.js';

export const SYNTH_VERSION = '1.0.0';

/**
 * The corpus's defaults (the pipeline's `synth` settings and `emo synth` take them from here);
 * the dimensions are the preset's (`SYNTH_PRESETS`).
 */
export const SYNTH_DEFAULTS = Object.freeze({
  /** The dimensions: `small` or `full` (the real data sets'), see presets.ts. */
  preset: 'small' as SynthPresetName,
  /** Subjects per data set. */
  subjects: 6,
  seed: DEFAULT_SEED,
  /** Write face videos. */
  video: true,
  /** Include the realistic defects listed above. */
  defects: true,
  /** Concurrent video encodes. */
  videoJobs: 2,
  /**
   * Render the videos on worker threads (one per concurrent encode) rather than on the calling
   * thread; the bytes are the same either way.
   */
  videoThreads: true,
});

/** The data sets the corpus has. */
export type SynthDataset = 'deap' | 'amigos';
export const SYNTH_DATASETS: readonly SynthDataset[] = ['deap', 'amigos'];

export interface SyntheticCorpusOptions {
  /** Output folder; DEAP/ and AMIGOS/ are written inside. */
  readonly out: string;
  /** The dimensions; default {@link SYNTH_DEFAULTS}.preset (`small`). */
  readonly preset?: SynthPresetName;
  /**
   * The data sets to write (default both). Only their folders are replaced; each data set's
   * content is the same whether or not the other is written.
   */
  readonly datasets?: readonly SynthDataset[];
  /** Default {@link SYNTH_DEFAULTS}. */
  readonly subjects?: number;
  readonly seed?: number;
  /** Override the preset's dimension of the same name. */
  readonly deapTrials?: number;
  readonly amigosShortTrials?: number;
  /** Duration of every long-video AMIGOS trial after the baseline, s (overrides the preset's). */
  readonly amigosLongS?: number;
  /** Default {@link SYNTH_DEFAULTS}. */
  readonly video?: boolean;
  readonly defects?: boolean;
  readonly videoJobs?: number;
  /** Default {@link SYNTH_DEFAULTS}. */
  readonly videoThreads?: boolean;
  readonly onProgress?: (message: string) => void;
}

/** A trial's ground truth; 'calm' trials have no class under the label rule. */
export interface SyntheticTrialTruth {
  readonly dataset: 'deap' | 'amigos';
  readonly subject: string;
  readonly trial: number;
  readonly stimulusId: string;
  readonly condition: Emotion | 'calm';
  readonly intensity: number;
}

export interface SyntheticCorpusResult {
  /** The DEAP-format and AMIGOS-format folders (each written only when in `datasets`). */
  readonly deapRoot: string;
  readonly amigosRoot: string;
  readonly preset: SynthPresetName;
  /** The data sets written. */
  readonly datasets: readonly SynthDataset[];
  readonly subjects: number;
  readonly seed: number;
  readonly trials: number;
  readonly videos: number;
  readonly defects: readonly string[];
  readonly seconds: number;
}

/** Sampling rate, samples per DEAP trial (3 s baseline + 60 s) and AMIGOS's baseline: as the real ones. */
const FS = 128;
const DEAP_SAMPLES = 8064;
const DEAP_BASELINE_S = 3;
const AMIGOS_BASELINE_S = 5;

interface RatingSet {
  valence: number;
  arousal: number;
  dominance: number;
  liking: number;
  familiarity: number;
}

/** Self-assessment ratings on 1–9 consistent with the condition under the default rule. */
function ratingsFor(rng: Rng, c: Emotion | 'calm'): RatingSet {
  const hi = () => rng.uniform(6.2, 8.8);
  const lo = () => rng.uniform(1.3, 3.8);
  const mid = () => rng.uniform(4.3, 5.7);
  const r = (valence: number, arousal: number, dominance: number): RatingSet => ({
    valence,
    arousal,
    dominance,
    liking: Math.min(9, Math.max(1, valence + rng.normal(0, 1.2))),
    familiarity: rng.uniform(1, 5),
  });
  switch (c) {
    case 'happy':
      return r(hi(), hi(), rng.uniform(4, 8));
    case 'sad':
      return r(lo(), lo(), rng.uniform(2, 6));
    case 'angry':
      return r(lo(), hi(), rng.uniform(5.2, 8.2));
    case 'fear':
      return r(lo(), hi(), rng.uniform(1.5, 4.6));
    case 'neutral':
      return r(mid(), mid(), rng.uniform(3.5, 6.5));
    case 'calm':
      return r(hi(), lo(), rng.uniform(4, 7));
  }
}

/** A balanced, shuffled list of `n` conditions (`calm` ones included when asked). */
function conditions(rng: Rng, n: number, calm: number): (Emotion | 'calm')[] {
  const out: (Emotion | 'calm')[] = [];
  for (let i = 0; i < n - calm; i++) out.push(EMOTIONS[i % EMOTIONS.length]);
  for (let i = 0; i < calm; i++) out.push('calm');
  return rng.shuffle(out);
}

/** The physiology and face shown for a condition: calm looks like a relaxed neutral. */
function shownEmotion(c: Emotion | 'calm'): Emotion {
  return c === 'calm' ? 'neutral' : c;
}

/** Runs async jobs with at most `n` at a time; `run` waits for a free slot (backpressure). */
class Pool {
  private readonly active = new Set<Promise<void>>();
  private readonly failures: unknown[] = [];
  constructor(private readonly n: number) {}
  async run(job: () => Promise<void>): Promise<void> {
    while (this.active.size >= this.n) await Promise.race(this.active);
    const p: Promise<void> = job()
      .catch((e: unknown) => {
        this.failures.push(e);
      })
      .finally(() => this.active.delete(p));
    this.active.add(p);
  }
  async drain(): Promise<void> {
    await Promise.all(this.active);
    if (this.failures.length) throw this.failures[0];
  }
}

/** A face video's job: the poses drawn from `rng`, the rest as given (see face-video.ts). */
function faceVideoJob(
  rng: Rng,
  subject: SubjectProfile,
  expression: ExpressionParams,
  spec: SynthVideoSpec,
  durationS: number,
  baselineS: number,
  path: string,
): FaceVideoJob {
  const frames = Math.round(durationS * spec.fps);
  const nInput = Math.ceil((frames * spec.inputFps) / spec.fps) + 1;
  const poses: FrameParams[] = animateFrames(rng, subject, nInput, spec.inputFps);
  return { subject, expression, poses, spec, frames, baselineS, path };
}

function csvLine(values: readonly (string | number)[]): string {
  return values
    .map((v) => (typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : v))
    .join(',');
}

/** A corpus's settings, resolved from the options, the defaults and the preset. */
interface Settings {
  readonly preset: SynthPresetName;
  readonly nSubjects: number;
  readonly seed: number;
  readonly deapTrials: number;
  readonly nShort: number;
  /** Long-video duration after the baseline, s, per video id. */
  readonly longS: (id: string) => number;
  /** Short-video duration after the baseline, s, per video id, given the seeded draw. */
  readonly shortS: (id: string, drawn: number) => number;
  /** DEAP participant index s (0-based) has face videos. */
  readonly deapHasVideo: (s: number) => boolean;
  readonly deapVideo: SynthVideoSpec;
  readonly amigosVideo: SynthVideoSpec;
  readonly video: boolean;
  readonly defectsOn: boolean;
  /** What the markers record (today's keys for `small`; the dimensions too for others). */
  readonly parameters: Record<string, unknown>;
}

function resolveSettings(opts: SyntheticCorpusOptions): Settings {
  const d = SYNTH_DEFAULTS;
  const preset = opts.preset ?? d.preset;
  if (!isSynthPresetName(preset))
    throw new RangeError(
      `synth: unknown preset '${String(preset)}' (expected ${SYNTH_PRESET_NAMES.join(' or ')})`,
    );
  const p = SYNTH_PRESETS[preset];
  const nSubjects = opts.subjects ?? d.subjects;
  const seed = opts.seed ?? d.seed;
  const deapTrials = opts.deapTrials ?? p.deapTrials;
  const nShort = opts.amigosShortTrials ?? p.amigosShortTrials;
  const longS = opts.amigosLongS ?? p.amigosLongS;
  const video = opts.video ?? d.video;
  const defectsOn = opts.defects ?? d.defects;
  if (!Number.isInteger(nSubjects) || nSubjects < 1)
    throw new RangeError('synth: subjects must be a positive integer');
  if (!Number.isInteger(deapTrials) || deapTrials < 5 || deapTrials > 40)
    throw new RangeError('synth: deapTrials must be 5–40');
  if (!Number.isInteger(nShort) || nShort < 5 || nShort > 16)
    throw new RangeError('synth: amigosShortTrials must be 5–16');
  if (typeof longS === 'number' && !(Number.isInteger(longS) && longS >= 1))
    throw new RangeError('synth: amigosLongS must be a positive integer (seconds)');
  const listed = (what: string, table: Readonly<Record<string, number>>, id: string): number => {
    const v = table[id];
    if (v === undefined) throw new Error(`synth: preset '${preset}' lists no ${what} for ${id}`);
    return v;
  };
  const shortTable = p.amigosShortS;
  const deapVideoSubjects = p.deapVideoSubjects;
  return {
    preset,
    nSubjects,
    seed,
    deapTrials,
    nShort,
    longS: (id) => (typeof longS === 'number' ? longS : listed('long-video duration', longS, id)),
    shortS: (id, drawn) =>
      shortTable === 'drawn' ? drawn : listed('short-video duration', shortTable, id),
    deapHasVideo: (s) => deapVideoSubjects === 'all' || s < deapVideoSubjects,
    deapVideo: p.deapVideo,
    amigosVideo: p.amigosVideo,
    video,
    defectsOn,
    parameters: {
      subjects: nSubjects,
      seed,
      deapTrials,
      amigosShortTrials: nShort,
      amigosLongS: longS,
      video,
      defects: defectsOn,
      // The default preset's markers keep the keys they always had (their bytes are part of
      // the pipeline's content hashes); any other preset records its dimensions.
      ...(preset === d.preset
        ? {}
        : {
            preset,
            amigosShortS: shortTable,
            deapVideoSubjects,
            deapVideo: p.deapVideo,
            amigosVideo: p.amigosVideo,
          }),
    },
  };
}

/** What writing one data set shares with the other. */
interface WriteContext {
  readonly cfg: Settings;
  readonly root: string;
  readonly truth: SyntheticTrialTruth[];
  readonly defects: string[];
  readonly log: (message: string) => void;
  /** Queues a face video (waiting for a free encoder) and counts it. */
  readonly queueVideo: (label: string, job: () => FaceVideoJob) => Promise<void>;
}

/**
 * Write a synthetic DEAP- and/or AMIGOS-format download under `opts.out` (see the top of this
 * file). Each data set written replaces its folder, marker last.
 */
export async function writeSyntheticCorpus(
  opts: SyntheticCorpusOptions,
): Promise<SyntheticCorpusResult> {
  const t0 = Date.now();
  const cfg = resolveSettings(opts);
  const datasets = SYNTH_DATASETS.filter((x) => (opts.datasets ?? SYNTH_DATASETS).includes(x));
  const unknown = (opts.datasets ?? []).filter((x) => !SYNTH_DATASETS.includes(x));
  if (unknown.length || !datasets.length)
    throw new RangeError(
      `synth: datasets must name deap and/or amigos${unknown.length ? `, got ${unknown.join(', ')}` : ''}`,
    );
  const log = opts.onProgress ?? (() => {});
  const root = new Rng(cfg.seed);
  const deapRoot = join(opts.out, 'DEAP');
  const amigosRoot = join(opts.out, 'AMIGOS');
  // A previous (possibly interrupted) corpus is replaced whole: its marker goes first.
  if (datasets.includes('deap')) rmSync(deapRoot, { recursive: true, force: true });
  if (datasets.includes('amigos')) rmSync(amigosRoot, { recursive: true, force: true });
  const truth: SyntheticTrialTruth[] = [];
  const defects: string[] = [];
  const videoJobs = opts.videoJobs ?? SYNTH_DEFAULTS.videoJobs;
  const pool = new Pool(videoJobs);
  const threads =
    (opts.videoThreads ?? SYNTH_DEFAULTS.videoThreads) ? new RenderThreads(videoJobs) : null;
  const write = (job: FaceVideoJob): Promise<number> =>
    threads ? threads.run(job) : writeFaceVideo(job);
  let videos = 0;
  const ctx = (dir: string): WriteContext => ({
    cfg,
    root: dir,
    truth,
    defects,
    log,
    queueVideo: (label, job) => {
      videos++;
      return pool.run(() =>
        write(job()).then((bytes) => log(`${label}: face video written (${mb(bytes)} MB)`)),
      );
    },
  });
  // Both streams are forked whatever is written, so each data set's content is the same alone.
  const deapRng = root.fork('deap');
  const amRng = root.fork('amigos');
  try {
    if (datasets.includes('deap')) await writeDeap(ctx(deapRoot), deapRng);
    if (datasets.includes('amigos')) await writeAmigos(ctx(amigosRoot), amRng);
    if (cfg.video) log(`encoding ${videos} face videos…`);
    await pool.drain();
  } finally {
    await threads?.close();
  }

  const marker = (dataset: SynthDataset) =>
    Buffer.from(
      JSON.stringify(
        {
          synthetic: true,
          note: 'SYNTHETIC data written by `emo synth` in the exact file format of the real data set. Not a real recording; never report results on it as DEAP/AMIGOS results.',
          generator: { name: 'emo synth', version: SYNTH_VERSION },
          parameters: cfg.parameters,
          units:
            dataset === 'deap'
              ? { gsr: 'Ohm (1e6 / µS)', ppg: 'arbitrary units' }
              : { ecg: 'mV', gsr: 'µS (conductance)' },
          defects: defects.filter((d) => d.startsWith(dataset.toUpperCase())),
          truth: truth.filter((t) => t.dataset === dataset),
        },
        null,
        1,
      ) + '\n',
    );
  // markers last: a corpus without them is incomplete and is rewritten by the next run
  if (datasets.includes('deap')) writeFileAtomic(join(deapRoot, SYNTHETIC_MARKER), marker('deap'));
  if (datasets.includes('amigos'))
    writeFileAtomic(join(amigosRoot, SYNTHETIC_MARKER), marker('amigos'));
  return {
    deapRoot,
    amigosRoot,
    preset: cfg.preset,
    datasets,
    subjects: cfg.nSubjects,
    seed: cfg.seed,
    trials: truth.length,
    videos,
    defects,
    seconds: (Date.now() - t0) / 1000,
  };
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** DEAP: one pickle per participant, the ratings CSV, face videos by presentation trial. */
async function writeDeap(ctx: WriteContext, deapRng: Rng): Promise<void> {
  const { cfg, root: deapRoot, truth, defects, log } = ctx;
  const { nSubjects, deapTrials, video, defectsOn } = cfg;
  const ratingsCsv = [
    'Participant_id,Trial,Experiment_id,Start_time,Valence,Arousal,Dominance,Liking,Familiarity',
  ];
  for (let s = 0; s < nSubjects; s++) {
    const id = `s${String(s + 1).padStart(2, '0')}`;
    const rng = deapRng.fork(id);
    const subject = makeSubject(rng, s);
    const calm = deapTrials >= 10 ? 2 : 1;
    const conds = conditions(rng, deapTrials, calm);
    const data = new Float64Array(deapTrials * 40 * DEAP_SAMPLES);
    const labels = new Float64Array(deapTrials * 4);
    // presentation order: a random permutation of the Experiment_ids
    const order = rng.shuffle(Array.from({ length: deapTrials }, (_, i) => i + 1));
    const presentationOf = new Map(order.map((e, k) => [e, k + 1]));
    const hasVideo = video && cfg.deapHasVideo(s);
    for (let i = 0; i < deapTrials; i++) {
      const cond = conds[i];
      const emo = shownEmotion(cond);
      const intensity = trialIntensity(rng);
      const tr = rng.fork(`trial ${i + 1}`);
      const ch = (c: number) =>
        data.subarray((i * 40 + c - 1) * DEAP_SAMPLES, (i * 40 + c) * DEAP_SAMPLES);
      simulateEeg(tr, 32, DEAP_SAMPLES, FS, 10).forEach((x, k) => ch(k + 1).set(x));
      const eog = simulateEog(tr, DEAP_SAMPLES, FS);
      ch(33).set(eog.heog);
      ch(34).set(eog.veog);
      ch(35).set(simulateEmg(tr, DEAP_SAMPLES, FS));
      ch(36).set(simulateEmg(tr, DEAP_SAMPLES, FS));
      const gsr = simulateGsr(tr, subject, emo, DEAP_SAMPLES, FS, { intensity });
      const g = ch(37);
      for (let k = 0; k < DEAP_SAMPLES; k++) g[k] = 1e6 / gsr.conductanceUs[k]; // Ohm
      ch(38).set(simulateRespiration(tr, subject, DEAP_SAMPLES, FS));
      const ecg = simulateEcg(tr, subject, emo, DEAP_SAMPLES, FS, { intensity });
      ch(39).set(simulatePpg(tr, subject, emo, DEAP_SAMPLES, FS, ecg.beats, { intensity }).signal);
      ch(40).set(simulateTemperature(tr, subject, DEAP_SAMPLES, FS));
      const r = ratingsFor(tr, cond);
      labels.set([r.valence, r.arousal, r.dominance, r.liking], i * 4);
      const presentation = presentationOf.get(i + 1) as number;
      ratingsCsv.push(
        csvLine([
          s + 1,
          presentation,
          i + 1,
          presentation * 90,
          r.valence,
          r.arousal,
          r.dominance,
          r.liking,
          Math.round(r.familiarity),
        ]),
      );
      truth.push({
        dataset: 'deap',
        subject: id,
        trial: i + 1,
        stimulusId: String(i + 1),
        condition: cond,
        intensity,
      });
      const skipVideo =
        defectsOn && nSubjects >= 2 && s === nSubjects - 1 && presentation === deapTrials;
      if (hasVideo && !skipVideo) {
        const name = `${id}_trial${String(presentation).padStart(2, '0')}.avi`;
        const path = join(deapRoot, 'face_video', id, name);
        mkdirSync(join(deapRoot, 'face_video', id), { recursive: true });
        const expr = expressionFor(tr, subject, emo, intensity);
        const vr = tr.fork('video');
        await ctx.queueVideo(`DEAP ${name}`, () =>
          faceVideoJob(vr, subject, expr, cfg.deapVideo, DEAP_SAMPLES / FS, DEAP_BASELINE_S, path),
        );
      } else if (hasVideo && skipVideo) {
        defects.push(
          `DEAP ${id}: no face video for presentation trial ${presentation} (as some DEAP participants)`,
        );
      }
    }
    const bytes = writeDeapPickle(
      {
        data: ndarray('float64', [deapTrials, 40, DEAP_SAMPLES], data),
        labels: ndarray('float64', [deapTrials, 4], labels),
      },
      { protocol: 2, form: 'py2' },
    );
    writeFileAtomic(join(deapRoot, 'data_preprocessed_python', `${id}.dat`), bytes);
    log(`DEAP ${id}: ${deapTrials} trials written`);
  }
  if (deapTrials >= 10)
    defects.push(
      'DEAP: 2 trials per participant rated in the calm quadrant (unlabelled under the rule)',
    );
  if (video && !cfg.deapHasVideo(nSubjects - 1))
    defects.push(
      `DEAP: face videos for the first ${SYNTH_PRESETS[cfg.preset].deapVideoSubjects} participants only (as the real data set: 1–22)`,
    );
  writeFileAtomic(
    join(deapRoot, 'metadata_csv', 'participant_ratings.csv'),
    Buffer.from(ratingsCsv.join('\n') + '\n'),
  );
}

/** AMIGOS: one MAT file of 1×20 cells per participant, face videos per video id. */
async function writeAmigos(ctx: WriteContext, amRng: Rng): Promise<void> {
  const { cfg, root: amigosRoot, truth, defects, log } = ctx;
  const { nSubjects, nShort, video, defectsOn } = cfg;
  const shortIds = AMIGOS_SHORT_IDS.slice(0, nShort);
  const ids = [...shortIds, ...AMIGOS_LONG_IDS];
  for (let s = 0; s < nSubjects; s++) {
    const n = s + 1;
    const id = `P${String(n).padStart(2, '0')}`;
    const rng = amRng.fork(id);
    const subject = makeSubject(rng, 1000 + s);
    const conds = [...conditions(rng, nShort, 0), ...AMIGOS_LONG_IDS.map(() => rng.pick(EMOTIONS))];
    const emptyTrial = defectsOn && s === 1 ? 3 : -1;
    const nanTrial = defectsOn && s === 2 ? 5 : -1;
    const noLong = defectsOn && s === 3;
    const joined: MatValue[] = [];
    const selfAss: MatValue[] = [];
    const ext: MatValue[] = [];
    const empty = (rows: number, cols: number): MatValue => ({
      kind: 'numeric',
      class: 'double',
      shape: [rows, cols],
      data: new Float64Array(0),
    });
    for (let k = 0; k < ids.length; k++) {
      const isLong = k >= nShort;
      const cond = conds[k];
      const emo = shownEmotion(cond);
      const tr = rng.fork(`trial ${k + 1}`);
      const intensity = trialIntensity(tr);
      // short trials always draw (the draw is the `small` preset's duration), long ones never
      const durS =
        AMIGOS_BASELINE_S +
        (isLong ? cfg.longS(ids[k]) : cfg.shortS(ids[k], Math.round(tr.uniform(45, 90))));
      const r = ratingsFor(tr, cond);
      if ((isLong && noLong) || k + 1 === emptyTrial) {
        joined.push(empty(isLong ? 1 : 0, 0));
        selfAss.push(empty(isLong ? 1 : 0, 0));
        ext.push(empty(0, 0));
        defects.push(
          isLong
            ? `AMIGOS ${id}: long-video trial ${k + 1} (${ids[k]}) is an empty 1×0 matrix (as P08/P24/P28)`
            : `AMIGOS ${id}: trial ${k + 1} (${ids[k]}) is an empty 0×0 matrix`,
        );
        continue;
      }
      const nSamp = durS * FS;
      const x = new Float64Array(nSamp * 17);
      const setCol = (c: number, v: Float64Array) => {
        for (let t = 0, o = c - 1; t < nSamp; t++, o += 17) x[o] = v[t];
      };
      simulateEeg(tr, 14, nSamp, FS, 8).forEach((v, c) => setCol(c + 1, v));
      const e1 = simulateEcg(tr, subject, emo, nSamp, FS, { intensity, lead: 0 });
      const e2 = simulateEcg(tr, subject, emo, nSamp, FS, { intensity, lead: 1, beats: e1.beats });
      setCol(15, e1.signal);
      setCol(16, e2.signal);
      setCol(17, simulateGsr(tr, subject, emo, nSamp, FS, { intensity }).conductanceUs);
      if (k + 1 === nanTrial) {
        const at = Math.floor(nSamp / 2);
        for (let t = at; t < at + 2 * FS; t++) for (const c of [15, 16]) x[t * 17 + c - 1] = NaN;
        defects.push(
          `AMIGOS ${id}: trial ${k + 1} (${ids[k]}) has a 2 s NaN run in both ECG columns`,
        );
      }
      joined.push({ kind: 'numeric', class: 'double', shape: [nSamp, 17], data: x });
      // Checkboxes: mostly exactly the class; sometimes with surprise, sometimes none ticked.
      const flags = new Float64Array(7); // neutral disgust happiness surprise anger fear sadness
      const u = tr.next();
      const flagIndex: Record<Emotion, number> = {
        neutral: 0,
        happy: 2,
        angry: 4,
        fear: 5,
        sad: 6,
      };
      if (u < 0.85) flags[flagIndex[emo]] = 1;
      if (u >= 0.7 && u < 0.85) flags[3] = 1;
      selfAss.push({
        kind: 'numeric',
        class: 'double',
        shape: [1, 12],
        data: Float64Array.from([
          r.arousal,
          r.valence,
          r.dominance,
          r.liking,
          r.familiarity,
          ...flags,
        ]),
      });
      const segs = Math.max(1, Math.floor((durS - AMIGOS_BASELINE_S) / 20));
      const ea = new Float64Array(segs * 3);
      for (let q = 0; q < segs; q++) {
        ea.set(
          [
            q + 1,
            (r.valence - 5) / 4 + tr.normal(0, 0.15),
            (r.arousal - 5) / 4 + tr.normal(0, 0.15),
          ],
          q * 3,
        );
      }
      ext.push({ kind: 'numeric', class: 'double', shape: [segs, 3], data: ea });
      truth.push({
        dataset: 'amigos',
        subject: id,
        trial: k + 1,
        stimulusId: ids[k],
        condition: cond,
        intensity,
      });
      if (video) {
        const folder = join(amigosRoot, `${isLong ? 'Exp2' : 'Exp1'}_${id}_face`);
        mkdirSync(folder, { recursive: true });
        const expr = expressionFor(tr, subject, emo, intensity);
        const vr = tr.fork('video');
        const name = `P${n}_${ids[k]}_face.mov`;
        await ctx.queueVideo(`AMIGOS ${name}`, () =>
          faceVideoJob(
            vr,
            subject,
            expr,
            cfg.amigosVideo,
            durS,
            AMIGOS_BASELINE_S,
            join(folder, name),
          ),
        );
      }
    }
    const cell = (items: MatValue[]): MatValue => ({
      kind: 'cell',
      shape: [1, items.length],
      items,
    });
    const mat = writeMat5(
      new Map<string, MatValue>([
        ['VideoIDs', cell(ids.map((v) => ({ kind: 'char', shape: [1, v.length], rows: [v] })))],
        ['joined_data', cell(joined)],
        ['labels_selfassessment', cell(selfAss)],
        ['labels_ext_annotation', cell(ext)],
      ]),
      {
        compress: true,
        header: 'MATLAB 5.0 MAT-file, Platform: GLNXA64, written by emo synth (SYNTHETIC data)',
      },
    );
    writeFileAtomic(
      join(amigosRoot, `Data_Preprocessed_${id}`, `Data_Preprocessed_${id}.mat`),
      mat,
    );
    log(`AMIGOS ${id}: ${ids.length} trials written`);
  }
}
