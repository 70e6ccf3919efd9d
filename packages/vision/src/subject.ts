/**
 * The vision stage's work for one subject: its face videos → one `faces` shard row per analysis
 * window of its `windows` shard (the dsp stage's windows, so faces and physiology line up by
 * trial time).
 *
 * Each trial's video is sampled at `sampleFps` over the span its windows need (downscaled for
 * detection), streaming; only the samples the detector sees are decoded and converted (the crop
 * frames and the `trackFrames` before each). BlazeFace runs on those; the best-scoring face's box
 * is smoothed over time, expanded by a margin and made square. For each window, K frames are taken
 * at evenly spaced times (K = 1: the window's middle), cropped, turned grey, resized to
 * size × size and equalised. A window without a face in a frame is flagged and counted in
 * `facesFound` (its crop is then the frame's centre square, never a silent blank); a missing
 * video, one that ends early or cannot be read flags its windows and the others go on. With
 * `workers`, the trials are shared among worker processes (worker/trials.ts); same bytes.
 */
import { isAbsolute } from 'node:path';
import type { FaceRow, RecordingRow, WindowRow } from '@emo/datasets';
import {
  readRecordingsShard,
  readWindowsShard,
  resolveInDownload,
  writeFacesShard,
} from '@emo/datasets';
import {
  BoxTracker,
  FACE_DETECTOR_DEFAULTS,
  bestFace,
  createFaceDetector,
  withMargin,
} from './detect/index.js';
import type { FaceBox, FaceDetector } from './detect/index.js';
import { faceCrop } from './image/index.js';
import type { EqualizeMethod, RawImage } from './image/index.js';
import { decodeFrames } from './video/index.js';
import { facesInWorkers } from './worker/trials.js';

export interface VisionParams {
  /** Frames per second decoded for detection and tracking. */
  readonly sampleFps: number;
  /** Crops per window (K). */
  readonly frames: number;
  /** Crop side (pixels). */
  readonly size: number;
  /** Margin around the detected face, as a share of its size. */
  readonly margin: number;
  /**
   * How far the crop's centre sits above the face box's centre, as a share of the box's larger
   * side (0: centred; positive: the face lower in the crop). See withMargin.
   */
  readonly lift: number;
  readonly equalize: EqualizeMethod;
  /** Detection threshold (BlazeFace's score; why 0.5: detect/README.md). */
  readonly minScore: number;
  /** Width frames are scaled to for detection and cropping (down for HD video, up for smaller). */
  readonly decodeWidth: number;
  /**
   * Sampled frames before each crop that are also run through the detector to smooth the box
   * (detection is the costly step: ~40–45 ms a 640-wide frame on one core; other frames are
   * neither detected nor converted, see `only` in video/decode.ts).
   */
  readonly trackFrames: number;
}

export const VISION_DEFAULTS: VisionParams = {
  sampleFps: 2,
  frames: 1,
  size: 48,
  // framed as FER2013's crops are (the shipped face model's): `pnpm bench crops` finds the face
  // 0.92 of the crop's side, its centre at 0.54 of the height, on the real webcam videos; FER2013
  // PublicTest 0.89 and 0.56 (margin 0.2 and no lift gave 0.73 and 0.47: the face smaller, higher)
  margin: 0.1,
  lift: 0.12,
  equalize: 'hist',
  minScore: FACE_DETECTOR_DEFAULTS.minScore,
  decodeWidth: 640,
  trackFrames: 2,
};

/**
 * The sizes of the crops these parameters make (side, frames per window), as the faces shard's
 * metadata will say; the model is sized by the shard, and `emo plan` checks a pretrained face
 * model against this before anything runs.
 */
export function facesShape(params: Partial<VisionParams> = {}): {
  readonly imageSize: number;
  readonly frames: number;
} {
  const p = { ...VISION_DEFAULTS, ...params };
  return { imageSize: p.size, frames: p.frames };
}

export const DETECTOR_NAME = 'BlazeFace (@vladmandic/human 3.3.6, tfjs 4.22 wasm)';

export interface SubjectFacesResult {
  readonly rows: number;
  /** Windows with a face in every one of their K frames. */
  readonly complete: number;
  readonly flagged: number;
  /** Crops with a detected face over all crops. */
  readonly faceShare: number;
  readonly framesDecoded: number;
  readonly warnings: readonly string[];
  readonly bytes: number;
}

export interface ProcessFacesOptions {
  /** How the shard names its sources (default: the paths given). */
  readonly sourceName?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
  /** A detector to share between subjects (default: one made here). */
  readonly detector?: FaceDetector;
  /**
   * Split the subject's trials over this many worker processes (default: none, everything in
   * this process). Whatever the number of subjects at once, at most one worker per core runs
   * in a process (worker/pool.ts). The crops do not depend on the split: the box tracker
   * starts afresh for each trial and the detector keeps nothing between frames.
   */
  readonly workers?: number;
  /**
   * URL of an ES module whose `registerWasmGradKernels()` registers faster kernels on tfjs's wasm
   * backend (the pipeline passes `@emo/model/kernels`: native AVX2 convolutions where they
   * load). Imported and called before detection, here or in each worker; default: none, tfjs's
   * own kernels.
   */
  readonly kernels?: string;
  /**
   * Where this machine has the recordings' download: a recordings shard names each face video
   * relative to its download's root (@emo/datasets resolveInDownload). Needed when the shard
   * has videos; shards that recorded absolute paths need none.
   */
  readonly datasetRoot?: string;
}

/** The face video of `rec` on this machine; fails before any decoding when it cannot tell. */
function videoFile(recordingsPath: string, rec: RecordingRow, root: string | undefined): string {
  const recorded = rec.videoPath as string;
  if (root === undefined && !isAbsolute(recorded)) {
    throw new Error(
      `vision: ${recordingsPath} names its face videos relative to the download's root (trial ${rec.trial}: '${recorded}'); pass that root (datasetRoot)`,
    );
  }
  return resolveInDownload(root ?? '', recorded);
}

const kernelModules = new Map<string, Promise<void>>();

/** Imports a kernels module (see ProcessFacesOptions.kernels) and registers its kernels, once. */
export function loadKernels(url: string): Promise<void> {
  let loading = kernelModules.get(url);
  if (!loading) {
    loading = import(url).then((m: { registerWasmGradKernels?: unknown }) => {
      if (typeof m.registerWasmGradKernels !== 'function') {
        throw new Error(`vision: the kernels module ${url} exports no registerWasmGradKernels()`);
      }
      (m.registerWasmGradKernels as () => unknown)();
    });
    kernelModules.set(url, loading);
  }
  return loading;
}

/** What some trials of a subject gave, indexed by the row (window) of its windows shard. */
export interface TrialsFaces {
  /** Rows these trials filled (only their slots of the arrays below are set). */
  readonly rows: number[];
  /** rows × frames × size² bytes for every row of the subject. */
  readonly faces: Uint8Array;
  readonly found: number[];
  readonly scores: number[][];
  readonly flags: string[][];
  readonly framesDecoded: number;
}

/** A windows shard's rows grouped by trial, in the order trials first appear. */
export function windowsByTrial(
  rows: readonly WindowRow[],
): Map<number, { index: number; w: WindowRow }[]> {
  const byTrial = new Map<number, { index: number; w: WindowRow }[]>();
  rows.forEach((w, index) => {
    const list = byTrial.get(w.trial);
    if (list) list.push({ index, w });
    else byTrial.set(w.trial, [{ index, w }]);
  });
  return byTrial;
}

/** The parameters with defaults filled in, checked. */
export function visionParams(params: Partial<VisionParams>): VisionParams {
  const p: VisionParams = { ...VISION_DEFAULTS, ...params };
  for (const [k, v] of Object.entries({ sampleFps: p.sampleFps, margin: p.margin + 1 })) {
    if (!(v > 0)) throw new RangeError(`vision: ${k} must be positive, got ${v}`);
  }
  if (!(Math.abs(p.lift) <= 1)) {
    throw new RangeError(`vision: lift must be in [-1, 1], got ${p.lift}`);
  }
  if (!Number.isInteger(p.frames) || p.frames < 1) {
    throw new RangeError(`vision: frames must be a positive integer, got ${p.frames}`);
  }
  return p;
}

/**
 * The crops of the windows of `trials` (every trial when null), in this process, from a
 * subject's recordings and windows shards.
 */
export async function facesOfTrials(
  recordingsPath: string,
  windowsPath: string,
  p: VisionParams,
  trials: readonly number[] | null,
  opts: Pick<ProcessFacesOptions, 'signal' | 'detector' | 'kernels' | 'datasetRoot'> & {
    onTrial?: () => void;
  } = {},
): Promise<TrialsFaces> {
  if (opts.kernels) await loadKernels(opts.kernels);
  const recs = readRecordingsShard(recordingsPath);
  const wins = readWindowsShard(windowsPath);
  const n = wins.rows.length;
  const faces = new Uint8Array(n * p.frames * p.size * p.size);
  const found = new Array<number>(n).fill(0);
  const scores: number[][] = Array.from({ length: n }, () => []);
  const flags: string[][] = Array.from({ length: n }, () => []);
  const rows: number[] = [];
  let framesDecoded = 0;
  const byTrial = windowsByTrial(wins.rows);
  const todo = trials ?? [...byTrial.keys()];
  const videos = new Map<number, string>();
  for (const r of recs.rows) {
    if (r.videoPath && todo.includes(r.trial))
      videos.set(r.trial, videoFile(recordingsPath, r, opts.datasetRoot));
  }
  const detector = opts.detector ?? (await createFaceDetector({ minScore: p.minScore }));
  try {
    for (const trial of todo) {
      const list = byTrial.get(trial);
      if (!list) throw new Error(`vision: trial ${trial} has no window in ${windowsPath}`);
      rows.push(...list.map((x) => x.index));
      const rec = recs.rows.find((r) => r.trial === trial);
      if (!rec) {
        list.forEach(({ index }) => flags[index].push('trial not in the recordings shard'));
      } else {
        framesDecoded += await trialFaces(
          rec,
          videos.get(trial) ?? null,
          list,
          p,
          detector,
          faces,
          found,
          scores,
          flags,
          opts.signal,
        );
      }
      opts.onTrial?.();
    }
  } finally {
    if (!opts.detector) detector.dispose();
  }
  return { rows, faces, found, scores, flags, framesDecoded };
}

interface Slot {
  readonly row: number;
  readonly k: number;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** The centre square of a frame: what a window gets when no face was found (flagged). */
export function centreSquare(f: RawImage): { x: number; y: number; width: number; height: number } {
  const side = Math.min(f.width, f.height);
  return { x: (f.width - side) / 2, y: (f.height - side) / 2, width: side, height: side };
}

/** Crops of one trial's windows, written into `faces` at the rows' offsets. */
async function trialFaces(
  rec: RecordingRow,
  video: string | null,
  windows: readonly { index: number; w: WindowRow }[],
  p: VisionParams,
  detector: FaceDetector,
  faces: Uint8Array,
  found: number[],
  scores: number[][],
  flags: string[][],
  signal: AbortSignal | undefined,
): Promise<number> {
  const crop = p.size * p.size;
  const flagAll = (why: string) => windows.forEach(({ index }) => flags[index].push(why));
  if (!video) {
    flagAll('no video');
    return 0;
  }
  // trial time (s after the baseline) → video time
  const offset = (rec.videoOffsetS ?? 0) + rec.baselineSamples / rec.fs;
  const times = windows.flatMap(({ index, w }) =>
    Array.from({ length: p.frames }, (_, k) => ({
      index,
      k,
      t: offset + w.t0 + ((k + 0.5) * (w.t1 - w.t0)) / p.frames,
    })),
  );
  const startS = Math.max(0, Math.min(...times.map((x) => x.t)) - 1);
  const endS = Math.max(...times.map((x) => x.t)) + 1 / p.sampleFps;
  // the decoded frame nearest to each wanted time
  const wanted = new Map<number, Slot[]>();
  for (const x of times) {
    const i = Math.max(0, Math.round((x.t - startS) * p.sampleFps));
    wanted.set(i, [...(wanted.get(i) ?? []), { row: x.index, k: x.k }]);
  }
  // detection only where a crop is taken, and on the few frames before it for smoothing
  const detectAt = new Set<number>();
  for (const i of wanted.keys()) {
    for (let j = Math.max(0, i - p.trackFrames); j <= i; j++) detectAt.add(j);
  }
  const tracker = new BoxTracker({ carryFrames: 2 });
  const done = new Set<string>();
  let decoded = 0;
  try {
    const frames = decodeFrames(video, {
      startS,
      endS,
      sampleFps: p.sampleFps,
      size: { width: p.decodeWidth },
      allowMissing: Infinity,
      threads: 1,
      signal,
      // only what the detector sees: the other samples are not converted (and, where the key
      // frames allow, not decoded); the same frames as decoding the whole span
      only: [...detectAt].sort((a, b) => a - b),
    });
    for await (const frame of frames) {
      decoded++;
      const faces0 = await detector.detect(frame);
      const best = bestFace(faces0);
      const tracked = tracker.update(best ? best.box : null);
      for (const slot of wanted.get(frame.index) ?? []) {
        const box: FaceBox | null = tracked.box;
        const region = box
          ? (() => {
              const [x, y, w, h] = withMargin(box, p.margin, frame.width, frame.height, p.lift);
              return { x, y, width: w, height: h };
            })()
          : centreSquare(frame);
        const img = faceCrop(frame, region, { size: p.size, equalize: p.equalize });
        faces.set(img.data, (slot.row * p.frames + slot.k) * crop);
        if (tracked.found && best) {
          found[slot.row]++;
          scores[slot.row].push(best.score);
        } else {
          flags[slot.row].push(tracked.carried ? 'face carried over' : 'no face');
        }
        done.add(`${slot.row}:${slot.k}`);
      }
    }
  } catch (e) {
    if (signal?.aborted) throw e;
    flagAll(`video unreadable: ${message(e)}`);
    return decoded;
  }
  for (const x of times) {
    if (!done.has(`${x.index}:${x.k}`)) flags[x.index].push('video ends before this window');
  }
  return decoded;
}

/** Read one subject's recordings and windows shards, write its faces shard to `outPath`. */
export async function processSubjectFaces(
  recordingsPath: string,
  windowsPath: string,
  outPath: string,
  params: Partial<VisionParams> = {},
  opts: ProcessFacesOptions = {},
): Promise<SubjectFacesResult> {
  const p = visionParams(params);
  const recs = readRecordingsShard(recordingsPath);
  const wins = readWindowsShard(windowsPath);
  const n = wins.rows.length;
  const byTrial = windowsByTrial(wins.rows);
  const total = byTrial.size;
  // every video this subject needs is found here first, so that a bad path fails before any
  // worker starts, naming the same trial however the trials are split
  for (const r of recs.rows) {
    if (r.videoPath && byTrial.has(r.trial)) videoFile(recordingsPath, r, opts.datasetRoot);
  }
  let done = 0;
  const onTrial = (): void => opts.onProgress?.(++done, total);
  const parts =
    opts.workers === undefined
      ? [await facesOfTrials(recordingsPath, windowsPath, p, null, { ...opts, onTrial })]
      : await facesInWorkers(recordingsPath, windowsPath, p, wins.rows, opts.workers, {
          signal: opts.signal,
          kernels: opts.kernels,
          datasetRoot: opts.datasetRoot,
          onTrial,
        });
  const crop = p.frames * p.size * p.size;
  const faces = new Uint8Array(n * crop);
  const found = new Array<number>(n).fill(0);
  const scores: number[][] = Array.from({ length: n }, () => []);
  const flags: string[][] = Array.from({ length: n }, () => []);
  const warnings: string[] = [];
  let framesDecoded = 0;
  for (const part of parts) {
    framesDecoded += part.framesDecoded;
    for (const i of part.rows) {
      faces.set(part.faces.subarray(i * crop, (i + 1) * crop), i * crop);
      found[i] = part.found[i];
      scores[i] = part.scores[i];
      flags[i] = part.flags[i];
    }
  }
  const rows: FaceRow[] = wins.rows.map((w, i) => ({
    dataset: w.dataset,
    subject: w.subject,
    trial: w.trial,
    stimulusId: w.stimulusId,
    window: w.window,
    t0: w.t0,
    t1: w.t1,
    facesFound: found[i],
    score: scores[i].length ? scores[i].reduce((a, b) => a + b, 0) / scores[i].length : null,
    label5: w.label5,
    source: recs.rows.find((r) => r.trial === w.trial)?.videoPath ?? '',
    flags: flags[i].length
      ? [...new Set(flags[i])]
          .map((f) => {
            const c = flags[i].filter((x) => x === f).length;
            return c > 1 || p.frames > 1 ? `${f} (${c} of ${p.frames})` : f;
          })
          .join('; ')
      : null,
  }));
  const meta = recs.metadata;
  const bytes = writeFacesShard(outPath, rows, faces, {
    dataset: meta.dataset,
    subject: meta.subject,
    stageVersion: '1.0.0',
    parameters: { ...p, sources: opts.sourceName ?? `${recordingsPath}, ${windowsPath}` },
    size: p.size,
    frames: p.frames,
    equalisation: p.equalize === 'hist' ? 'global' : p.equalize,
    detector: DETECTOR_NAME,
    synthetic: meta.synthetic,
    labelMapping: meta.labelMapping,
    notes: [
      ...(meta.synthetic ? ['SYNTHETIC data, not a real recording.'] : []),
      ...meta.notes.filter((x) => /video/i.test(x)),
      ...warnings,
    ],
  });
  const crops = n * p.frames;
  const totalFound = found.reduce((a, b) => a + b, 0);
  return {
    rows: n,
    complete: found.filter((f) => f === p.frames).length,
    flagged: rows.filter((r) => r.flags !== null).length,
    faceShare: crops ? totalFound / crops : 0,
    framesDecoded,
    warnings,
    bytes,
  };
}
