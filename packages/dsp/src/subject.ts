/**
 * The dsp stage's work for one subject: its `recordings` shard → its `windows` shard.
 *
 * Per trial: the cardiac signal (AMIGOS ECG, or DEAP's plethysmograph) is cleaned, its beats
 * found, the spans that are not a recording of the heart excluded (signal quality), and the beats
 * of each usable run corrected into NN beats, giving an instantaneous heart rate; the GSR (converted to conductance where the source
 * is resistance) is low-passed and split into tonic and phasic parts with its SCRs found. Each
 * processed channel is z-scored per subject (over the pre-trial baselines, or all trials),
 * resampled to the sequence rate and cut into fixed windows after the baseline. Every window
 * gets its T×C sequence, HRV and EDA features computed from the beats and SCRs inside it, and
 * flags saying what was doubtful (NaN runs, flat or clipped signal, spans excluded by signal
 * quality and why, too few beats). HRV intervals never cross an excluded span.
 */
import type { DatasetName, RecordingRow, WindowRow } from '@emo/datasets';
import { readRecordingsShard, writeWindowsShard } from '@emo/datasets';
import type { Beats } from './beats/index.js';
import { cardiacBeats } from './beats/index.js';
import { instantaneousRate } from './ecg/index.js';
import { edaClean, edaPeaks, edaPhasic, resistanceToConductance } from './eda/index.js';
import { resampleTo } from './filters/index.js';
import { hrvNonlinear, hrvTime } from './hrv/index.js';
import type { ChannelStats, NormaliseMode } from './windows/normalise.js';
import { pooledStats, zscore } from './windows/normalise.js';
import type { WindowSpan } from './windows/segment.js';
import {
  fillGaps,
  finiteStats,
  typicalWindowSd,
  windowProblems,
  windowSpans,
} from './windows/segment.js';
import { sha256File } from './hash.js';

export interface DspParams {
  /** Window length and step (s). */
  readonly windowSec: number;
  readonly stepSec: number;
  /** Rate of the LSTM input sequences (Hz). */
  readonly seqRate: number;
  /** Per-subject z-scores over the pre-trial baselines, all trials, or none. */
  readonly normalise: NormaliseMode;
  /** Mains frequency for the ECG notch (null: no notch). */
  readonly powerline: 50 | 60 | null;
}

export const DSP_DEFAULTS: DspParams = {
  windowSec: 10,
  stepSec: 10,
  seqRate: 32,
  normalise: 'baseline',
  powerline: 50,
};

/**
 * The sizes of the windows these parameters make — sequence steps T, channels C, features F —
 * as the windows shard's metadata will say; the model is sized by the shard, and `emo plan`
 * checks a pretrained model against this before anything runs.
 */
export function windowsShape(params: Partial<DspParams> = {}): {
  readonly seqLength: number;
  readonly channels: number;
  readonly numFeatures: number;
} {
  const p = { ...DSP_DEFAULTS, ...params };
  return {
    seqLength: Math.round(p.windowSec * p.seqRate),
    channels: CHANNELS.length,
    numFeatures: FEATURES.length,
  };
}

/** Bumped when the output changes for the same input and parameters. */
export const DSP_STAGE_VERSION = '1.2.0';

export const CHANNELS = ['cardiac', 'hr', 'gsr_phasic', 'gsr_tonic'] as const;

export const FEATURES = [
  'MeanNN',
  'SDNN',
  'RMSSD',
  'pNN50',
  'MeanHR',
  'SD1',
  'SD2',
  'SCL_mean',
  'SCL_slope',
  'SCR_n',
  'SCR_amplitude_max',
] as const;

export const FEATURE_UNITS: Readonly<Record<(typeof FEATURES)[number], string>> = {
  MeanNN: 'ms',
  SDNN: 'ms',
  RMSSD: 'ms',
  pNN50: '%',
  MeanHR: 'bpm',
  SD1: 'ms',
  SD2: 'ms',
  SCL_mean: 'µS',
  SCL_slope: 'µS/s',
  SCR_n: 'count',
  SCR_amplitude_max: 'µS (0 when no SCR)',
};

export interface SubjectDspResult {
  readonly dataset: DatasetName;
  readonly subject: string;
  readonly trials: number;
  readonly windows: number;
  readonly flagged: number;
  /** Windows per label ('unlabelled' for trials outside the five classes). */
  readonly perClass: Readonly<Record<string, number>>;
  readonly skippedTrials: readonly { trial: number; reason: string }[];
  /** Seconds of cardiac signal analysed, and of it excluded by signal quality (in how many spans). */
  readonly cardiac: {
    readonly seconds: number;
    readonly excludedSeconds: number;
    readonly excludedSpans: number;
  };
  readonly warnings: readonly string[];
  readonly bytes: number;
}

/** A trial's signals processed (beats, EDA split), before its windows are cut. */
export interface ProcessedTrial {
  readonly row: RecordingRow;
  readonly spans: WindowSpan[];
  /** Channels at the recording rate, in CHANNELS order (null: modality missing). */
  readonly channels: (Float64Array | null)[];
  readonly beats: Beats | null;
  readonly scrPeaks: Int32Array | null;
  readonly scrAmplitudes: Float64Array | null;
  readonly tonic: Float64Array | null;
  /** Problems per window index, from the raw signals. */
  readonly problems: string[][];
  readonly notes: string[];
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/**
 * One trial's signals processed: beats, heart rate, the GSR split into tonic and phasic with its
 * SCRs, and the problems of every window after the trial's baseline. Only `fs`, `trial`,
 * `baselineSamples` and the signals of `row` are read (the streaming windows call it on their
 * buffer, stream/windower.ts).
 */
export function processTrial(
  row: Pick<RecordingRow, 'fs' | 'trial' | 'baselineSamples' | 'ecg' | 'ecgLeft' | 'ppg' | 'gsr'>,
  p: DspParams,
  conductanceFromResistance: boolean,
): ProcessedTrial {
  const fs = row.fs;
  const notes: string[] = [];
  const spans = windowSpans(
    Math.max(row.gsr?.length ?? 0, (row.ecg ?? row.ecgLeft ?? row.ppg)?.length ?? 0),
    fs,
    row.baselineSamples,
    p.windowSec,
    p.stepSec,
  );
  const problems: string[][] = spans.map(() => []);
  const check = (name: string, raw: Float32Array) => {
    // flat against the typical window's variation, not the whole trial's (see typicalWindowSd)
    const stats = { ...finiteStats(raw), sd: typicalWindowSd(raw, spans) };
    spans.forEach((s, i) => {
      for (const pr of windowProblems(raw, s, stats)) problems[i].push(`${name} ${pr}`);
    });
  };
  let cardiac: Float64Array | null = null;
  let hr: Float64Array | null = null;
  let beats: Beats | null = null;
  // AMIGOS: the right-arm lead, or the left one where convert dropped the right (mostly missing)
  const rawCardiac = row.ecg ?? row.ecgLeft ?? row.ppg;
  if (!row.ecg && row.ecgLeft) notes.push(`trial ${row.trial}: ECG from the left-arm lead`);
  if (rawCardiac) {
    const kind = row.ecg || row.ecgLeft ? 'ecg' : 'ppg';
    check(kind, rawCardiac);
    try {
      // detection, signal-quality gating, then NN correction per usable run (beats/beats.ts)
      beats = cardiacBeats(kind, rawCardiac, fs, { powerline: p.powerline ?? 'none' });
      cardiac = beats.cleaned;
      hr = instantaneousRate(beats.nn, fs, beats.cleaned.length);
      notes.push(...beats.warnings.map((w) => `trial ${row.trial}: ${w}`));
      if (beats.corrections.length > 0) {
        notes.push(`trial ${row.trial}: ${beats.corrections.length} beat correction(s)`);
      }
      for (const e of beats.quality.excluded) {
        spans.forEach((s, i) => {
          const inside = Math.min(s.end, e.end) - Math.max(s.start, e.start);
          if (inside > 0)
            problems[i].push(`${kind} excluded ${(inside / fs).toFixed(1)} s: ${e.reason}`);
        });
      }
    } catch (e) {
      notes.push(`trial ${row.trial}: cardiac signal unusable: ${message(e)}`);
    }
  }
  let phasic: Float64Array | null = null;
  let tonic: Float64Array | null = null;
  let scrPeaks: Int32Array | null = null;
  let scrAmplitudes: Float64Array | null = null;
  if (row.gsr) {
    check('gsr', row.gsr);
    try {
      let g: Float64Array = Float64Array.from(row.gsr);
      fillGaps(g);
      if (conductanceFromResistance) g = resistanceToConductance(g);
      const split = edaPhasic(edaClean(g, fs), fs);
      phasic = split.phasic;
      tonic = split.tonic;
      const scr = edaPeaks(phasic, fs);
      scrPeaks = Int32Array.from(scr.peaks);
      scrAmplitudes = Float64Array.from(scr.amplitudes);
    } catch (e) {
      notes.push(`trial ${row.trial}: GSR unusable: ${message(e)}`);
    }
  }
  const trial: ProcessedTrial = {
    row: row as RecordingRow,
    spans,
    channels: [cardiac, hr, phasic, tonic],
    beats,
    scrPeaks,
    scrAmplitudes,
    tonic,
    problems,
    notes,
  };
  return trial;
}

/**
 * A trial's channels at the sequence rate, each z-scored by its per-subject `stats` first (null:
 * as they are).
 */
export function trialSequences(
  t: ProcessedTrial,
  stats: readonly ChannelStats[] | null,
  p: DspParams,
): (Float64Array | null)[] {
  const fs = t.row.fs;
  return t.channels.map((ch, c) => {
    if (!ch) return null;
    const z = stats ? zscore(ch, stats[c]) : ch;
    return fs === p.seqRate ? z : resampleTo(z, fs, p.seqRate);
  });
}

/** One window of a trial: its T×C sequence, its features and its flags (why anything is off). */
export function windowOf(
  t: ProcessedTrial,
  seqs: readonly (Float64Array | null)[],
  s: WindowSpan,
  p: DspParams,
): { seq: Float32Array; features: number[]; flags: string[] } {
  const T = windowsShape(p).seqLength;
  const C = CHANNELS.length;
  const flags = [...t.problems[s.index]];
  const seq = new Float32Array(T * C);
  const first = Math.round((s.start * p.seqRate) / t.row.fs);
  seqs.forEach((x, c) => {
    if (!x) return;
    for (let k = 0; k < T; k++) seq[k * C + c] = x[Math.min(first + k, x.length - 1)];
  });
  CHANNELS.forEach((name, c) => {
    if (!seqs[c]) flags.push(`${name}: missing`);
  });
  const features = windowFeatures(t, s, t.row.fs, flags);
  return { seq, features, flags };
}

/** HRV and EDA features of one window; NaN only with a flag saying why. */
function windowFeatures(t: ProcessedTrial, s: WindowSpan, fs: number, flags: string[]): number[] {
  const f = new Array<number>(FEATURES.length).fill(Number.NaN);
  if (t.beats) {
    // NN intervals inside the window, never across a span that signal quality excluded
    const rr: number[] = [];
    const breaks: number[] = [];
    let beatsInside = 0;
    for (const run of t.beats.runs) {
      const inside = Array.from(run).filter((b) => b >= s.start && b < s.end);
      beatsInside += inside.length;
      if (inside.length < 2) continue;
      if (rr.length > 0) breaks.push(rr.length);
      for (let i = 1; i < inside.length; i++) rr.push(((inside[i] - inside[i - 1]) * 1000) / fs);
    }
    if (rr.length - breaks.length >= 3) {
      const time = hrvTime(rr, breaks);
      const nl = hrvNonlinear(rr, breaks);
      f[0] = time.MeanNN;
      f[1] = time.SDNN;
      f[2] = time.RMSSD;
      f[3] = time.pNN50;
      f[4] = time.MeanHR;
      f[5] = nl.SD1;
      f[6] = nl.SD2;
    } else {
      flags.push(`hrv: ${beatsInside} usable beats`);
    }
  } else {
    flags.push('hrv: no cardiac signal');
  }
  if (t.tonic && t.scrPeaks && t.scrAmplitudes) {
    const tonic = t.tonic.subarray(s.start, s.end);
    const n = tonic.length;
    let mean = 0;
    for (const v of tonic) mean += v / n;
    // least-squares slope against time (s)
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      const dt = (i - (n - 1) / 2) / fs;
      num += dt * (tonic[i] - mean);
      den += dt * dt;
    }
    let count = 0;
    let maxAmp = 0;
    t.scrPeaks.forEach((pk, i) => {
      if (pk >= s.start && pk < s.end) {
        count++;
        maxAmp = Math.max(maxAmp, t.scrAmplitudes?.[i] ?? 0);
      }
    });
    f[7] = mean;
    f[8] = den > 0 ? num / den : 0;
    f[9] = count;
    f[10] = maxAmp;
  } else {
    flags.push('eda: no GSR signal');
  }
  return f;
}

export interface ProcessSubjectOptions {
  /**
   * How the windows shard names its source (default: `inPath`). The pipeline passes the shard's
   * file name: with the sha256 beside it, that identifies the input without tying the output
   * bytes to where the store lives.
   */
  readonly sourceName?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Read one subject's recordings shard, write its windows shard to `outPath`. */
export async function processRecordingsShard(
  inPath: string,
  outPath: string,
  params: Partial<DspParams> = {},
  opts: ProcessSubjectOptions = {},
): Promise<SubjectDspResult> {
  const p: DspParams = { ...DSP_DEFAULTS, ...params };
  if (p.windowSec <= 0 || p.stepSec <= 0 || p.seqRate <= 0) {
    throw new RangeError(
      `dsp: windowSec, stepSec and seqRate must be positive (got ${p.windowSec}, ${p.stepSec}, ${p.seqRate})`,
    );
  }
  const shard = readRecordingsShard(inPath);
  const meta = shard.metadata;
  // DEAP's GSR (channel 37) is skin resistance in Ohm: convert to conductance (µS)
  const fromResistance = meta.dataset === 'deap';
  const trials: ProcessedTrial[] = [];
  const skipped: { trial: number; reason: string }[] = [];
  for (const [i, row] of shard.rows.entries()) {
    if (opts.signal?.aborted) throw new Error('dsp: cancelled');
    const t = processTrial(row, p, fromResistance);
    if (t.spans.length === 0) {
      skipped.push({ trial: row.trial, reason: `shorter than one ${p.windowSec}-s window` });
    } else {
      trials.push(t);
    }
    opts.onProgress?.(i + 1, shard.rows.length);
    await new Promise((r) => setImmediate(r)); // let cancellation and progress through
  }
  if (trials.length === 0) {
    throw new Error(`${inPath}: no trial long enough for a ${p.windowSec}-s window`);
  }
  // per-subject statistics of each channel
  const stats = CHANNELS.map((_, c) => {
    const segments = trials.flatMap((t) => {
      const ch = t.channels[c];
      if (!ch) return [];
      return [p.normalise === 'baseline' ? ch.subarray(0, t.row.baselineSamples) : ch];
    });
    return pooledStats(segments);
  });
  const T = windowsShape(p).seqLength;
  const C = CHANNELS.length;
  const rows: WindowRow[] = [];
  const physioParts: Float32Array[] = [];
  const featureRows: number[] = [];
  let flagged = 0;
  const perClass: Record<string, number> = {};
  const notes = trials.flatMap((t) => t.notes);
  for (const t of trials) {
    const seqs = trialSequences(t, p.normalise === 'none' ? null : stats, p);
    for (const s of t.spans) {
      const { seq, features, flags } = windowOf(t, seqs, s, p);
      featureRows.push(...features);
      physioParts.push(seq);
      if (flags.length > 0) flagged++;
      perClass[t.row.label5 ?? 'unlabelled'] = (perClass[t.row.label5 ?? 'unlabelled'] ?? 0) + 1;
      rows.push({
        dataset: t.row.dataset,
        subject: t.row.subject,
        trial: t.row.trial,
        stimulusId: t.row.stimulusId,
        window: s.index,
        t0: s.t0,
        t1: s.t1,
        label5: t.row.label5,
        labelSource: t.row.labelSource,
        valence: t.row.valence,
        arousal: t.row.arousal,
        dominance: t.row.dominance,
        liking: t.row.liking,
        flags: flags.length ? flags.join('; ') : null,
      });
    }
  }
  const physio = new Float32Array(rows.length * T * C);
  physioParts.forEach((part, i) => physio.set(part, i * T * C));
  const bytes = writeWindowsShard(outPath, rows, physio, Float32Array.from(featureRows), {
    dataset: meta.dataset,
    subject: meta.subject,
    stageVersion: DSP_STAGE_VERSION,
    sourceFile: opts.sourceName ?? inPath,
    sourceSha256: await sha256File(inPath),
    parameters: { ...p },
    channels: [...CHANNELS],
    seqLength: T,
    seqRate: p.seqRate,
    featureNames: [...FEATURES],
    units: {
      ...FEATURE_UNITS,
      physio: `per-subject z-scores (${p.normalise}) of: cleaned ${meta.cardiacSource.toUpperCase()}, instantaneous heart rate, GSR phasic and tonic conductance`,
    },
    cardiacSource: meta.cardiacSource,
    synthetic: meta.synthetic,
    labelMapping: meta.labelMapping,
    notes: [
      ...(meta.synthetic ? ['SYNTHETIC data, not a real recording.'] : []),
      ...(meta.cardiacSource === 'ppg'
        ? ['Heart beats from the plethysmograph (PPG pulse peaks), not ECG: DEAP has no ECG.']
        : []),
      ...skipped.map((s) => `trial ${s.trial} skipped: ${s.reason}`),
      ...notes,
    ],
  });
  const cardiac = { seconds: 0, excludedSeconds: 0, excludedSpans: 0 };
  for (const t of trials) {
    if (!t.beats) continue;
    cardiac.seconds += t.beats.cleaned.length / t.row.fs;
    for (const e of t.beats.quality.excluded) {
      cardiac.excludedSeconds += (e.end - e.start) / t.row.fs;
      cardiac.excludedSpans++;
    }
  }
  return {
    dataset: meta.dataset,
    subject: meta.subject,
    trials: trials.length,
    windows: rows.length,
    flagged,
    perClass,
    skippedTrials: skipped,
    cardiac,
    warnings: notes,
    bytes,
  };
}
