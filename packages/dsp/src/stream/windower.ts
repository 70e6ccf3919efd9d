/**
 * The dsp stage's windows over a live stream: cardiac (ECG or PPG) and GSR samples arrive in
 * chunks at one rate, and every `stepSec` a window of `windowSec` is computed exactly as the
 * dsp stage computes a trial's windows (`processTrial`, `trialSequences`, `windowOf` of
 * subject.ts): on a buffer holding the window and the `contextSec` before it, the context in
 * the part of the trial's baseline (the filters, the beat detection and the EDA split see it;
 * the window starts after it). The same buffer as a recordings row, its baseline the context,
 * gives the same sequence and features through the dsp stage (`stream.test.ts` checks it).
 *
 * Per-subject normalisation needs the person's statistics, which a stream learns as it goes:
 * the channels are z-scored by a running estimate over every processed sample so far (each
 * counted once, the first time it ends a window), and the windows that end within the first
 * `calibrationSec` are flagged `calibrating` (the estimate is still settling). With
 * `normalise: 'none'` the sequences are left as they are.
 */
import type { DspParams } from '../subject.js';
import { CHANNELS, DSP_DEFAULTS, processTrial, trialSequences, windowOf } from '../subject.js';
import { RunningStats } from '../windows/normalise.js';

export interface StreamWindowerOptions {
  /** Sampling rate of every signal of the stream (Hz). */
  readonly fs: number;
  /** The cardiac signal: 'ecg', 'ppg', or null when the stream has none. */
  readonly cardiac: 'ecg' | 'ppg' | null;
  /** Whether the stream has GSR, and whether it is skin resistance (converted) or conductance. */
  readonly gsr: 'conductance' | 'resistance' | null;
  /** The windows' parameters (default the dsp stage's, DSP_DEFAULTS). */
  readonly params?: Partial<DspParams>;
  /** Seconds of signal before each window that its processing sees (default 20). */
  readonly contextSec?: number;
  /** Windows ending within this many seconds of the start are flagged `calibrating` (60). */
  readonly calibrationSec?: number;
}

export const STREAM_DEFAULTS = { contextSec: 20, calibrationSec: 60 } as const;

export interface StreamWindow {
  /** Window number from the start of the stream (0, 1, …). */
  readonly index: number;
  /** Stream time of its first and last sample (s from the first sample pushed). */
  readonly t0: number;
  readonly t1: number;
  /** T×C sequence (time-major, CHANNELS order) and the FEATURES, as in a windows shard. */
  readonly seq: Float32Array;
  readonly features: number[];
  /** What is off in the window (the dsp stage's flags), plus 'calibrating'. */
  readonly flags: string[];
  readonly calibrating: boolean;
}

/**
 * Per-subject z-scores of a stream's rows (window features), as the batches' `featureNorm:
 * 'subject'` gives them, but from a running estimate: each row is scaled by the mean and SD of
 * the rows so far, itself included (finite values; an SD of 0 only centres; NaN stays NaN).
 */
export class RunningZscore {
  private readonly cols: RunningStats[];
  constructor(readonly width: number) {
    this.cols = Array.from({ length: width }, () => new RunningStats());
  }
  next(row: ArrayLike<number>): Float32Array {
    if (row.length !== this.width) {
      throw new Error(`stream: expected ${this.width} values a row, got ${row.length}`);
    }
    const out = new Float32Array(this.width);
    for (let j = 0; j < this.width; j++) {
      this.cols[j].add([row[j]]);
      const { mean, sd } = this.cols[j].stats();
      out[j] = (row[j] - mean) / sd;
    }
    return out;
  }
}

export class StreamWindower {
  readonly params: DspParams;
  readonly contextSec: number;
  readonly calibrationSec: number;
  private readonly win: number;
  private readonly step: number;
  private readonly keep: number;
  private cardiac: number[] = [];
  private gsr: number[] = [];
  /** Samples pushed so far, and where the buffer starts in them. */
  private total = 0;
  private bufferStart = 0;
  private nextEnd: number;
  private index = 0;
  private readonly running = CHANNELS.map(() => new RunningStats());

  constructor(readonly opts: StreamWindowerOptions) {
    this.params = { ...DSP_DEFAULTS, ...opts.params };
    this.contextSec = opts.contextSec ?? STREAM_DEFAULTS.contextSec;
    this.calibrationSec = opts.calibrationSec ?? STREAM_DEFAULTS.calibrationSec;
    const { fs } = opts;
    if (!(fs > 0)) throw new RangeError(`stream: the sampling rate must be positive, got ${fs}`);
    if (!opts.cardiac && !opts.gsr) throw new Error('stream: no cardiac signal and no GSR');
    if (!(this.contextSec >= 0)) {
      throw new RangeError(`stream: contextSec must be ≥ 0, got ${this.contextSec}`);
    }
    this.win = Math.round(this.params.windowSec * fs);
    this.step = Math.round(this.params.stepSec * fs);
    if (this.win < 1 || this.step < 1) {
      throw new RangeError(
        `stream: windows of ${this.params.windowSec} s every ${this.params.stepSec} s are under one sample at ${fs} Hz`,
      );
    }
    this.keep = this.win + Math.round(this.contextSec * fs);
    this.nextEnd = this.win;
  }

  /** Samples pushed so far. */
  get samples(): number {
    return this.total;
  }

  /**
   * Add samples (the same number of each signal the stream has; NaN for a missing sample) and
   * return the windows they complete, oldest first.
   */
  push(cardiac: ArrayLike<number> | null, gsr: ArrayLike<number> | null): StreamWindow[] {
    const n = (cardiac ?? gsr)?.length ?? 0;
    for (const [name, x, has] of [
      ['cardiac', cardiac, this.opts.cardiac],
      ['gsr', gsr, this.opts.gsr],
    ] as const) {
      if (has && (!x || x.length !== n)) {
        throw new Error(`stream: ${name}: expected ${n} samples, got ${x?.length ?? 'none'}`);
      }
      if (!has && x) throw new Error(`stream: ${name} samples given, but the stream has none`);
    }
    const out: StreamWindow[] = [];
    for (let i = 0; i < n; i++) {
      if (cardiac) this.cardiac.push(cardiac[i]);
      if (gsr) this.gsr.push(gsr[i]);
      this.total++;
      if (this.total === this.nextEnd) {
        out.push(this.window());
        this.nextEnd += this.step;
        this.trim();
      }
    }
    return out;
  }

  /** Drop what no later window's buffer reaches. */
  private trim(): void {
    const from = this.nextEnd - this.keep;
    const drop = from - this.bufferStart;
    if (drop <= 0) return;
    this.cardiac.splice(0, Math.min(drop, this.cardiac.length));
    this.gsr.splice(0, Math.min(drop, this.gsr.length));
    this.bufferStart = from;
  }

  /** The window ending at the newest sample. */
  private window(): StreamWindow {
    const { fs } = this.opts;
    const p = this.params;
    const end = this.total;
    const start = Math.max(this.bufferStart, end - this.keep);
    const slice = (x: number[]) => Float32Array.from(x.slice(start - this.bufferStart));
    const signal = this.opts.cardiac ? slice(this.cardiac) : null;
    const row = {
      fs,
      trial: this.index,
      baselineSamples: end - start - this.win,
      ecg: this.opts.cardiac === 'ecg' ? signal : null,
      ecgLeft: null,
      ppg: this.opts.cardiac === 'ppg' ? signal : null,
      gsr: this.opts.gsr ? slice(this.gsr) : null,
    };
    const t = processTrial(row, p, this.opts.gsr === 'resistance');
    const [span] = t.spans;
    // each processed sample joins the running statistics once: the part new since the last window
    const fresh = this.index === 0 ? this.win : this.step;
    t.channels.forEach((ch, c) => {
      if (ch) this.running[c].add(ch.subarray(ch.length - fresh));
    });
    const stats = p.normalise === 'none' ? null : this.running.map((r) => r.stats());
    const { seq, features, flags } = windowOf(t, trialSequences(t, stats, p), span, p);
    const t1 = end / fs;
    const calibrating = t1 <= this.calibrationSec && p.normalise !== 'none';
    if (calibrating) flags.push('calibrating');
    return {
      index: this.index++,
      t0: (end - this.win) / fs,
      t1,
      seq,
      features,
      flags,
      calibrating,
    };
  }
}
