/**
 * Conversion of a DEAP or AMIGOS download into `recordings` Arrow shards, one per subject.
 * A subject that cannot be read is reported and the others carry on.
 */
import { join } from 'node:path';
import type { AmigosSubjectFiles } from './amigos.js';
import {
  AMIGOS_BASELINE_SAMPLES,
  AMIGOS_ECG_LEFT_COLUMN,
  AMIGOS_ECG_RIGHT_COLUMN,
  AMIGOS_FS,
  AMIGOS_GSR_COLUMN,
  amigosColumn,
  amigosVideoKey,
  discoverAmigos,
  nanRuns,
  readAmigosSubjectFile,
} from './amigos.js';
import type { DeapRatingRow, DeapSubjectFiles } from './deap.js';
import {
  DEAP_BASELINE_SAMPLES,
  DEAP_FS,
  DEAP_GSR_CHANNEL,
  DEAP_PPG_CHANNEL,
  deapChannel,
  deapRatings,
  deapVideoPath,
  discoverDeap,
  readDeapSubjectFile,
  readParticipantRatings,
} from './deap.js';
import { findFiles, isFile } from '@emo/runtime';
import type { AmigosEmotionFlags, LabelCounts, LabelMappingConfig } from './labels.js';
import {
  AMIGOS_FLAG_NAMES,
  addLabelCounts,
  countLabel,
  describeLabelMapping,
  emptyLabelCounts,
  labelAmigos,
  labelFromRatings,
  resolveLabelMapping,
} from './labels.js';
import type { DatasetName, RecordingRow, RecordingsMetadata } from './shards/recordings.js';
import { writeRecordingsShard } from './shards/recordings.js';

/** Bumped whenever conversion output changes for the same input. */
export const CONVERT_STAGE_VERSION = '1.0.0';

/** Marker file the synthetic corpus writes at the root of each download it makes. */
export const SYNTHETIC_MARKER = 'EMO_SYNTHETIC.json';

export type NanPolicy = 'skip' | 'keep';

/** The conversion's defaults (the pipeline's `convert` settings and `emo convert` take them from here). */
export const CONVERT_DEFAULTS = Object.freeze({
  /** Trials whose kept signals contain NaN are skipped, not kept for dsp to flag. */
  nanPolicy: 'skip' as NanPolicy,
});

export interface ConvertOptions {
  readonly dataset: DatasetName;
  readonly root: string;
  readonly outDir: string;
  /** Only these subjects ('s01', 'P03', or numbers); all when absent. */
  readonly subjects?: readonly (string | number)[];
  readonly labelMapping?: Partial<LabelMappingConfig>;
  /** Trials whose kept signals contain NaN: skipped (default) or kept for dsp to flag. */
  readonly nanPolicy?: NanPolicy;
  readonly onSubject?: (r: SubjectConvertResult) => void;
}

export interface SkippedTrial {
  readonly trial: number;
  readonly stimulusId: string;
  readonly reason: string;
}

export interface SubjectConvertResult {
  readonly dataset: DatasetName;
  readonly subject: string;
  readonly sourceFile: string;
  readonly status: 'ok' | 'failed';
  readonly shard: string | null;
  readonly bytes: number;
  readonly trials: number;
  readonly skipped: readonly SkippedTrial[];
  readonly labels: LabelCounts;
  readonly error: string | null;
}

export interface ConvertReport {
  readonly dataset: DatasetName;
  readonly root: string;
  readonly synthetic: boolean;
  readonly labelMapping: string;
  readonly notes: readonly string[];
  readonly subjects: readonly SubjectConvertResult[];
  readonly labels: LabelCounts;
}

export function isSyntheticDownload(root: string): boolean {
  return isFile(join(root, SYNTHETIC_MARKER));
}

export function shardName(dataset: DatasetName, subject: string): string {
  return `${dataset}-${subject}.arrow`;
}

function wanted(filter: ConvertOptions['subjects'], subject: string, n: number): boolean {
  if (!filter || filter.length === 0) return true;
  return filter.some((f) =>
    typeof f === 'number' ? f === n : f.toLowerCase() === subject.toLowerCase() || Number(f) === n,
  );
}

function f32(x: Float64Array): Float32Array {
  return Float32Array.from(x);
}

function failed(
  dataset: DatasetName,
  subject: string,
  sourceFile: string,
  e: unknown,
): SubjectConvertResult {
  return {
    dataset,
    subject,
    sourceFile,
    status: 'failed',
    shard: null,
    bytes: 0,
    trials: 0,
    skipped: [],
    labels: emptyLabelCounts(),
    error: e instanceof Error ? e.message : String(e),
  };
}

const DEAP_UNITS = {
  gsr: 'Ohm (as provided: DEAP channel 37, Geneva format skin resistance)',
  ppg: 'arbitrary units (as provided: DEAP channel 39, plethysmograph)',
  ratings: '1–9 self-assessment',
};

const AMIGOS_UNITS = {
  ecg: 'as provided (joined_data column 15, ECG right; described as mV, unverified)',
  ecg_left: 'as provided (joined_data column 16, ECG left)',
  gsr: 'as provided (joined_data column 17; conductance or resistance unverified)',
  ratings: '1–9 self-assessment',
};

/** Resolved options of one subject's conversion (what `convertDataset` passes down). */
export interface SubjectConvertOptions {
  readonly outDir: string;
  readonly labelMapping: LabelMappingConfig;
  readonly nanPolicy: NanPolicy;
  readonly synthetic: boolean;
  readonly notes?: readonly string[];
}

/** Convert one DEAP subject. Throws only for subject-level failures. */
export async function convertDeapSubject(
  files: DeapSubjectFiles,
  ratings: ReadonlyMap<number, DeapRatingRow[]> | null,
  opts: SubjectConvertOptions,
): Promise<SubjectConvertResult> {
  const d = await readDeapSubjectFile(files.dataFile);
  const nTrials = d.data.shape[0];
  const subjectRatings = ratings?.get(files.number) ?? null;
  const rows: RecordingRow[] = [];
  const skipped: SkippedTrial[] = [];
  const labels = emptyLabelCounts();
  const notes = [
    'DEAP has no ECG: the cardiac signal is the plethysmograph (ppg, channel 39).',
    'Video alignment assumed: video time 0 = signal sample 0 (start of the 3 s pre-trial baseline); not verified against DEAP timing.',
    ...(opts.notes ?? []),
  ];
  if (ratings && !subjectRatings)
    notes.push(
      `participant_ratings.csv has no rows for participant ${files.number}: presentation order unknown`,
    );
  for (let i = 0; i < nTrials; i++) {
    const experimentId = i + 1;
    const stimulusId = String(experimentId);
    const gsr = deapChannel(d, i, DEAP_GSR_CHANNEL);
    const ppg = deapChannel(d, i, DEAP_PPG_CHANNEL);
    const nan = [nanRuns(gsr), nanRuns(ppg)];
    if (opts.nanPolicy === 'skip' && nan.some((r) => r.total > 0)) {
      skipped.push({
        trial: experimentId,
        stimulusId,
        reason: `NaN in GSR/PPG (${nan[0].total + nan[1].total} samples, longest run ${Math.max(nan[0].longest, nan[1].longest)})`,
      });
      continue;
    }
    const lab = deapRatings(d, i);
    const csvRow = subjectRatings?.find((r) => r.experimentId === experimentId) ?? null;
    const decision = labelFromRatings(
      { valence: lab[0], arousal: lab[1], dominance: lab[2] },
      opts.labelMapping,
    );
    countLabel(labels, decision);
    const presentationTrial = csvRow?.trial ?? null;
    const videoPath = presentationTrial !== null ? deapVideoPath(files, presentationTrial) : null;
    rows.push({
      dataset: 'deap',
      subject: files.subject,
      trial: experimentId,
      presentationTrial,
      stimulusId,
      fs: DEAP_FS,
      baselineSamples: DEAP_BASELINE_SAMPLES,
      ecg: null,
      ecgLeft: null,
      gsr: f32(gsr),
      ppg: f32(ppg),
      valence: lab[0],
      arousal: lab[1],
      dominance: lab[2],
      liking: lab[3],
      familiarity: csvRow?.familiarity ?? null,
      emotions: null,
      label5: decision.label,
      labelSource: decision.source,
      videoPath,
      videoOffsetS: videoPath ? 0 : null,
    });
  }
  return writeSubject('deap', files.subject, d.file, d.sha256, rows, skipped, labels, {
    ...opts,
    units: DEAP_UNITS,
    cardiacSource: 'ppg',
    notes,
    extraParams: { source_format: files.format },
  });
}

function flagsOf(sa: Float64Array | null): AmigosEmotionFlags | null {
  if (!sa || sa.length < 12) return null;
  const vals = AMIGOS_FLAG_NAMES.map((_, k) => sa[5 + k]);
  if (vals.some((v) => !Number.isFinite(v))) return null;
  return Object.fromEntries(
    AMIGOS_FLAG_NAMES.map((n, k) => [n, vals[k] >= 0.5]),
  ) as unknown as AmigosEmotionFlags;
}

function finiteOrNull(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

/** Convert one AMIGOS participant. Throws only for participant-level failures. */
export async function convertAmigosSubject(
  files: AmigosSubjectFiles,
  videos: ReadonlyMap<string, string>,
  opts: SubjectConvertOptions,
): Promise<SubjectConvertResult> {
  const d = await readAmigosSubjectFile(files.matFile);
  const rows: RecordingRow[] = [];
  const skipped: SkippedTrial[] = [];
  const labels = emptyLabelCounts();
  for (const t of d.trials) {
    if (!t.joined || t.joined.rows === 0) {
      skipped.push({
        trial: t.index,
        stimulusId: t.videoId,
        reason: 'empty trial (joined_data is an empty matrix)',
      });
      continue;
    }
    const ecg = amigosColumn(t.joined, AMIGOS_ECG_RIGHT_COLUMN);
    const ecgLeft = amigosColumn(t.joined, AMIGOS_ECG_LEFT_COLUMN);
    const gsr = amigosColumn(t.joined, AMIGOS_GSR_COLUMN);
    const nan = [nanRuns(ecg), nanRuns(ecgLeft), nanRuns(gsr)];
    if (opts.nanPolicy === 'skip' && nan.some((r) => r.total > 0)) {
      skipped.push({
        trial: t.index,
        stimulusId: t.videoId,
        reason: `NaN in ECG/GSR columns (${nan.reduce((a, r) => a + r.total, 0)} samples, longest run ${Math.max(...nan.map((r) => r.longest))})`,
      });
      continue;
    }
    const sa = t.selfAssessment;
    // AMIGOS order: arousal, valence, dominance, liking, familiarity (arousal first, unlike DEAP).
    const arousal = finiteOrNull(sa?.[0]);
    const valence = finiteOrNull(sa?.[1]);
    const dominance = finiteOrNull(sa?.[2]);
    const flags = flagsOf(sa);
    const decision = labelAmigos(
      flags,
      { valence: valence ?? NaN, arousal: arousal ?? NaN, dominance: dominance ?? NaN },
      opts.labelMapping,
    );
    countLabel(labels, decision);
    const videoPath = videos.get(amigosVideoKey(files.number, t.videoId)) ?? null;
    rows.push({
      dataset: 'amigos',
      subject: files.subject,
      trial: t.index,
      presentationTrial: null,
      stimulusId: t.videoId,
      fs: AMIGOS_FS,
      baselineSamples: AMIGOS_BASELINE_SAMPLES,
      ecg: f32(ecg),
      ecgLeft: f32(ecgLeft),
      gsr: f32(gsr),
      ppg: null,
      valence,
      arousal,
      dominance,
      liking: finiteOrNull(sa?.[3]),
      familiarity: finiteOrNull(sa?.[4]),
      emotions: flags,
      label5: decision.label,
      labelSource: decision.source,
      videoPath,
      videoOffsetS: videoPath ? 0 : null,
    });
  }
  const notes = [
    'Video alignment assumed: video time 0 = signal sample 0 (start of the 5 s pre-stimulus baseline); not verified against AMIGOS timing.',
    ...(opts.notes ?? []),
  ];
  return writeSubject('amigos', files.subject, d.file, d.sha256, rows, skipped, labels, {
    ...opts,
    units: AMIGOS_UNITS,
    cardiacSource: 'ecg',
    notes,
    extraParams: { mat_version: d.matVersion },
  });
}

function writeSubject(
  dataset: DatasetName,
  subject: string,
  sourceFile: string,
  sourceSha256: string,
  rows: RecordingRow[],
  skipped: SkippedTrial[],
  labels: LabelCounts,
  o: {
    outDir: string;
    labelMapping: LabelMappingConfig;
    nanPolicy: NanPolicy;
    synthetic: boolean;
    units: Record<string, string>;
    cardiacSource: 'ecg' | 'ppg';
    notes: string[];
    extraParams: Record<string, unknown>;
  },
): SubjectConvertResult {
  if (rows.length === 0) {
    throw new Error(
      `${sourceFile}: no usable trials (${skipped.length} skipped: ${skipped.map((s) => `trial ${s.trial}: ${s.reason}`).join('; ')})`,
    );
  }
  const meta: RecordingsMetadata = {
    dataset,
    subject,
    sourceFile,
    sourceSha256,
    stageVersion: CONVERT_STAGE_VERSION,
    parameters: { labelMapping: o.labelMapping, nanPolicy: o.nanPolicy, ...o.extraParams },
    units: o.units,
    cardiacSource: o.cardiacSource,
    synthetic: o.synthetic,
    labelMapping: describeLabelMapping(o.labelMapping),
    skippedTrials: skipped,
    notes: o.synthetic
      ? ['SYNTHETIC data written by `emo synth`, not a real recording.', ...o.notes]
      : o.notes,
  };
  const shard = join(o.outDir, shardName(dataset, subject));
  const bytes = writeRecordingsShard(shard, rows, meta);
  return {
    dataset,
    subject,
    sourceFile,
    status: 'ok',
    shard,
    bytes,
    trials: rows.length,
    skipped,
    labels,
    error: null,
  };
}

/** One subject of a download: its id, the raw files its shard depends on, and its conversion. */
export interface DownloadSubject {
  readonly dataset: DatasetName;
  /** 's01' (DEAP) or 'P01' (AMIGOS). */
  readonly subject: string;
  readonly number: number;
  /** The subject's data file. */
  readonly sourceFile: string;
  /**
   * Every raw file this subject's shard depends on: the data file, DEAP's participant_ratings.csv
   * (presentation order → videos) and the subject's face videos (their paths go into the shard).
   */
  readonly sources: readonly string[];
  /** Convert this subject into `outDir`; throws on a subject-level failure. */
  convert(opts: SubjectConvertRequest): Promise<SubjectConvertResult>;
}

export interface SubjectConvertRequest {
  readonly outDir: string;
  readonly labelMapping?: Partial<LabelMappingConfig>;
  readonly nanPolicy?: NanPolicy;
}

/** A download opened for per-subject conversion (what the pipeline's `convert` stage uses). */
export interface OpenedDownload {
  readonly dataset: DatasetName;
  readonly root: string;
  readonly synthetic: boolean;
  /** Things a user should know about the whole download (missing participants, no ratings…). */
  readonly notes: readonly string[];
  readonly subjects: readonly DownloadSubject[];
}

const DEAP_VIDEO_RE = /^s\d{2}_trial\d{2}\.(avi|mp4|mov)$/i;

/** List a DEAP or AMIGOS download's subjects without reading their data. */
export function openDownload(dataset: DatasetName, root: string): OpenedDownload {
  const synthetic = isSyntheticDownload(root);
  const subjectOptions = (r: SubjectConvertRequest, notes?: readonly string[]) => ({
    outDir: r.outDir,
    labelMapping: resolveLabelMapping(r.labelMapping),
    nanPolicy: r.nanPolicy ?? CONVERT_DEFAULTS.nanPolicy,
    synthetic,
    notes,
  });
  if (dataset === 'deap') {
    const dl = discoverDeap(root);
    let ratings: Map<number, DeapRatingRow[]> | null = null;
    const ratingNotes: string[] = [];
    if (dl.ratingsCsv) {
      try {
        ratings = readParticipantRatings(dl.ratingsCsv);
      } catch (e) {
        ratingNotes.push(
          `participant_ratings.csv unreadable, videos not linked: ${(e as Error).message}`,
        );
      }
    }
    return {
      dataset,
      root,
      synthetic,
      notes: [...dl.notes, ...ratingNotes],
      subjects: dl.subjects.map((s) => ({
        dataset,
        subject: s.subject,
        number: s.number,
        sourceFile: s.dataFile,
        sources: [
          s.dataFile,
          ...(dl.ratingsCsv ? [dl.ratingsCsv] : []),
          ...(s.videoDir ? findFiles(s.videoDir, DEAP_VIDEO_RE, 0) : []),
        ],
        convert: (r) => convertDeapSubject(s, ratings, subjectOptions(r, ratingNotes)),
      })),
    };
  }
  const dl = discoverAmigos(root);
  return {
    dataset,
    root,
    synthetic,
    notes: dl.notes,
    subjects: dl.subjects.map((s) => ({
      dataset,
      subject: s.subject,
      number: s.number,
      sourceFile: s.matFile,
      sources: [
        s.matFile,
        ...[...dl.videos.entries()]
          .filter(([k]) => k.startsWith(`${s.number}_`))
          .map(([, path]) => path)
          .sort(),
      ],
      convert: (r) => convertAmigosSubject(s, dl.videos, subjectOptions(r)),
    })),
  };
}

/** Convert a whole download; failing subjects are reported, the others converted. */
export async function convertDataset(opts: ConvertOptions): Promise<ConvertReport> {
  const labelMapping = resolveLabelMapping(opts.labelMapping);
  const dl = openDownload(opts.dataset, opts.root);
  const results: SubjectConvertResult[] = [];
  const total = emptyLabelCounts();
  for (const s of dl.subjects.filter((s) => wanted(opts.subjects, s.subject, s.number))) {
    let r: SubjectConvertResult;
    try {
      r = await s.convert({ outDir: opts.outDir, labelMapping, nanPolicy: opts.nanPolicy });
    } catch (e) {
      r = failed(opts.dataset, s.subject, s.sourceFile, e);
    }
    results.push(r);
    addLabelCounts(total, r.labels);
    opts.onSubject?.(r);
  }
  let notes = dl.notes;
  if (opts.subjects && opts.subjects.length > 0) {
    for (const f of opts.subjects) {
      if (!results.some((r) => wanted([f], r.subject, Number(r.subject.slice(1))))) {
        notes = [...notes, `requested subject ${f} not found in ${opts.root}`];
      }
    }
  }
  return {
    dataset: opts.dataset,
    root: opts.root,
    synthetic: dl.synthetic,
    labelMapping: describeLabelMapping(labelMapping),
    notes,
    subjects: results,
    labels: total,
  };
}
