/**
 * A model bundle applied to one live stream (one person): physiological samples and face frames
 * go in as they arrive, and each finished window comes out with its class probabilities, flags
 * and latency. `emo stream` (a CSV and a video replayed, or stdin) and `emo serve` (a replay or
 * WebSocket clients, and a dashboard) both run one.
 *
 * The windows are the dsp stage's, computed by @emo/dsp's StreamWindower; the face crops the
 * vision stage's, by @emo/vision's StreamFaces (frames are detected as they arrive, so a window
 * only waits for its crops to be looked up). Window features, and face statistics, are scaled
 * per person by a running estimate where the bundle was trained with per-subject scaling.
 */
import { join, resolve } from 'node:path';
import type { DspParams, StreamWindow } from '@emo/dsp';
import { RunningZscore, StreamWindower } from '@emo/dsp';
import { percentile } from '@emo/eval';
import type { InputName } from '@emo/samples';
import { faceRegionMeans, faceStatsSize, readsFaces, writeFaceInput } from '@emo/samples';
import type { FaceDetector, RawImage, StreamCrop, VisionParams } from '@emo/vision';
import { StreamFaces, createFaceDetector } from '@emo/vision';
import type { ModelBundle } from '../bundles.js';
import { readModelBundle } from '../bundles.js';
import { loadModelRuntime } from '../model-runtime.js';

export interface LiveOptions {
  /** Sampling rate of the physiological stream (Hz). */
  readonly fs: number;
  /** The cardiac signal: 'ecg', 'ppg', or null. */
  readonly cardiac: 'ecg' | 'ppg' | null;
  /** GSR as conductance (µS) or resistance (Ω), or null when the stream has none. */
  readonly gsr: 'conductance' | 'resistance' | null;
  readonly calibrationSec: number;
  readonly contextSec: number;
  /** Seconds between windows; default the bundle's (the dsp stage's step). */
  readonly hopSec?: number;
}

/** One window's prediction. */
export interface LivePrediction {
  readonly index: number;
  readonly t0: number;
  readonly t1: number;
  readonly probs: Record<string, number>;
  readonly predicted: string;
  /** The window's quality flags: the signals' (dsp stage) and the face's (vision stage). */
  readonly flags: string[];
  readonly calibrating: boolean;
  /** Mean heart rate over the window (beats/min), null without a cardiac signal or beats. */
  readonly heartRate: number | null;
  /** Crops with a face among the window's K, null for a model that takes no faces. */
  readonly facesFound: number | null;
  /** From the window's last sample arriving to its prediction (ms). */
  readonly latency_ms: number;
}

export interface LiveSummary {
  readonly samples: number;
  readonly seconds: number;
  /** Wall seconds from the first sample or frame pushed to this summary. */
  readonly wallSeconds: number;
  readonly windows: number;
  readonly frames: number;
  readonly badSamples: number;
  readonly droppedSamples: number;
  readonly latencyMs: { p50: number; p95: number; max: number };
  /** Per frame: scaling, face detection and cropping (ms), null without frames. */
  readonly frameMs: { p50: number; p95: number; max: number } | null;
}

/** p50, p95 (numpy's percentiles) and the maximum; NaN for no values. */
function spread(xs: readonly number[]): { p50: number; p95: number; max: number } {
  if (xs.length === 0) return { p50: NaN, p95: NaN, max: NaN };
  const s = Float64Array.from(xs).sort();
  return { p50: percentile(s, 0.5), p95: percentile(s, 0.95), max: s[s.length - 1] };
}

type Predictor = Awaited<ReturnType<Awaited<ReturnType<typeof loadModelRuntime>>['openPredictor']>>;

export class LiveSession {
  readonly windower: StreamWindower;
  readonly faces: StreamFaces | null;
  /** Samples pushed so far (the stream's clock: samples / fs seconds). */
  samples = 0;
  badSamples = 0;
  droppedSamples = 0;
  private readonly latencies: number[] = [];
  private windows = 0;
  private readonly features: RunningZscore | null;
  private readonly faceStats: RunningZscore | null;
  private readonly heartRateAt: number;
  private startedAt: number | null = null;

  private constructor(
    readonly dir: string,
    readonly bundle: ModelBundle,
    readonly options: LiveOptions,
    private readonly predictor: Predictor,
    private readonly detector: FaceDetector | null,
  ) {
    const w = bundle.windows as NonNullable<ModelBundle['windows']>;
    this.windower = new StreamWindower({
      fs: options.fs,
      cardiac: options.cardiac,
      gsr: options.gsr,
      params: {
        ...(w.parameters as Partial<DspParams>),
        ...(options.hopSec === undefined ? {} : { stepSec: options.hopSec }),
      },
      contextSec: options.contextSec,
      calibrationSec: options.calibrationSec,
    });
    const subjectScaled = w.featureNorm === 'subject';
    this.features = subjectScaled ? new RunningZscore(w.featureNames.length) : null;
    this.faces =
      detector && bundle.faces
        ? new StreamFaces({ detector, params: bundle.faces.parameters as Partial<VisionParams> })
        : null;
    this.faceStats =
      subjectScaled && this.inputs.includes('faceStats') && bundle.faces
        ? new RunningZscore(faceStatsSize(bundle.faces.frames))
        : null;
    this.heartRateAt = w.featureNames.indexOf('MeanHR');
  }

  /**
   * Open the bundle in `dir` for a stream; refused in one line when the bundle cannot take it
   * (no physiological windows, or faces needed and `video` false).
   */
  static async open(dir: string, options: LiveOptions, video: boolean): Promise<LiveSession> {
    const abs = resolve(dir);
    const bundle = readModelBundle(abs);
    if (!bundle.windows) {
      throw new Error(
        `${abs}: a ${bundle.kind} model takes no physiological windows, and a stream is windowed by its signals`,
      );
    }
    const faces = bundle.inputs.filter((i) => readsFaces(i as InputName));
    if (faces.length > 0 && !video) {
      throw new Error(
        `${abs}: a ${bundle.kind} model needs face crops (${faces.join(', ')}): give a face stream (--video)`,
      );
    }
    if (faces.length > 0 && !bundle.faces) {
      throw new Error(`${abs}: bundle.json has no crops' recipe for a model that takes faces`);
    }
    const m = await loadModelRuntime();
    const predictor = await m.openPredictor(join(abs, 'model'));
    const minScore = (bundle.faces?.parameters as Partial<VisionParams> | undefined)?.minScore;
    const detector = faces.length > 0 ? await createFaceDetector({ minScore }) : null;
    return new LiveSession(abs, bundle, options, predictor, detector);
  }

  get inputs(): InputName[] {
    return this.bundle.inputs as InputName[];
  }

  /** Seconds of signal pushed so far. */
  get time(): number {
    return this.samples / this.options.fs;
  }

  /** One face frame at stream time `t` (s); its crop. Throws when the model takes no faces. */
  async pushFrame(frame: RawImage, t: number): Promise<StreamCrop> {
    if (!this.faces) throw new Error(`a ${this.bundle.kind} model takes no face frames`);
    this.startedAt ??= performance.now();
    return this.faces.push(frame, t);
  }

  /**
   * One sample of each signal (NaN for a missing one; null for a signal the stream has not),
   * received at `receivedAt` (performance.now()); the windows it completes, predicted.
   */
  pushSample(cardiac: number | null, gsr: number | null, receivedAt: number): LivePrediction[] {
    const count = (v: number | null): number[] | null => {
      if (v === null) return null;
      if (!Number.isFinite(v)) this.badSamples++;
      return [v];
    };
    this.startedAt ??= performance.now();
    this.samples++;
    const done = this.windower.push(count(cardiac), count(gsr));
    return done.map((w) => this.predict(w, receivedAt));
  }

  private predict(w: StreamWindow, receivedAt: number): LivePrediction {
    const inputs: Partial<Record<InputName, Float32Array>> = {};
    const flags = [...w.flags];
    let facesFound: number | null = null;
    if (this.inputs.includes('physio')) inputs.physio = w.seq;
    if (this.inputs.includes('features')) {
      const f = Float32Array.from(w.features);
      inputs.features = this.features ? this.features.next(f) : f;
    }
    if (this.faces) {
      const p = this.faces.params;
      const wf = this.faces.forWindow(w.t0, w.t1);
      facesFound = wf.found;
      flags.push(...wf.flags);
      if (this.inputs.includes('face')) {
        const face = new Float32Array(wf.crops.length);
        writeFaceInput(wf.crops, 0, p.size, p.frames, face, 0);
        inputs.face = face;
      }
      if (this.inputs.includes('faceStats')) {
        const stats = faceRegionMeans(wf.crops, p.size, p.frames);
        inputs.faceStats = this.faceStats ? this.faceStats.next(stats) : stats;
      }
    }
    const probs = this.predictor.predict(inputs);
    const latency = performance.now() - receivedAt;
    this.latencies.push(latency);
    this.windows++;
    let best = 0;
    for (let c = 1; c < probs.length; c++) if (probs[c] > probs[best]) best = c;
    const hr = this.heartRateAt >= 0 ? w.features[this.heartRateAt] : NaN;
    return {
      index: w.index,
      t0: w.t0,
      t1: w.t1,
      probs: Object.fromEntries(this.bundle.classes.map((c, i) => [c, probs[i]])),
      predicted: this.bundle.classes[best],
      flags,
      calibrating: w.calibrating,
      heartRate: Number.isFinite(hr) ? hr : null,
      facesFound,
      latency_ms: latency,
    };
  }

  summary(): LiveSummary {
    const frameMs = this.faces?.frameMs ?? [];
    return {
      samples: this.samples,
      seconds: this.time,
      wallSeconds: this.startedAt === null ? 0 : (performance.now() - this.startedAt) / 1000,
      windows: this.windows,
      frames: frameMs.length,
      badSamples: this.badSamples,
      droppedSamples: this.droppedSamples,
      latencyMs: spread(this.latencies),
      frameMs: frameMs.length ? spread(frameMs) : null,
    };
  }

  close(): void {
    this.predictor.dispose();
    this.detector?.dispose();
  }
}
