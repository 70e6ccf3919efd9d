/**
 * Conversion of a DEAP or AMIGOS download into `recordings` Arrow shards, one per subject.
 * A subject that cannot be read is reported and the others carry on.
 */
import { isAbsolute, join, relative, sep } from 'node:path';
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
import type { SignalColumn, TrialGaps } from './gaps.js';
import { checkMaxMissingShare, screenSignals } from './gaps.js';
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
export const CONVERT_STAGE_VERSION = '1.1.0';

/** Marker file the synthetic corpus writes at the root of each download it makes. */
export const SYNTHETIC_MARKER = 'EMO_SYNTHETIC.json';

/** The conversion's defaults (the pipeline's `convert` settings and `emo convert` take them from here). */
export const CONVERT_DEFAULTS = Object.freeze({
  /**
   * A trial's signal column (ECG, ECG left, GSR, PPG) with more than this share of its samples
   * missing (NaN) is dropped from that trial; a trial is skipped only when every column is.
   * Shorter gaps stay NaN for the dsp stage to bridge and flag (the rule: gaps.ts).
   * 0: any missing sample leaves the column out; 1: keep every column.
   */
  maxMissingShare: 0.5,
});

export interface ConvertOptions {
  readonly dataset: DatasetName;
  readonly root: string;
  readonly outDir: string;
  /** Only these subjects ('s01', 'P03', or numbers); all when absent. */
  readonly subjects?: readonly (string | number)[];
  readonly labelMapping?: Partial<LabelMappingConfig>;
  /** See CONVERT_DEFAULTS.maxMissingShare. */
  readonly maxMissingShare?: number;
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
  /** Trials kept although some signal columns have missing samples (a column may be dropped). */
  readonly keptWithGaps: readonly TrialGaps[];
  readonly labels: LabelCounts;
  readonly error: string | null;
}

export interface ConvertReport {
  readonly dataset: DatasetName;
  readonly root: string;
  readonly synthetic: boolean;
  readonly labelMapping: string;
  /** The threshold used (see CONVERT_DEFAULTS.maxMissingShare). */
  readonly maxMissingShare: number;
  readonly notes: readonly string[];
  readonly subjects: readonly SubjectConvertResult[];
  readonly labels: LabelCounts;
}

/** "9 trials, 1 skipped, 2 kept with gaps" (the parts that are not zero after the first). */
export function trialCounts(
  r: Pick<SubjectConvertResult, 'trials' | 'skipped' | 'keptWithGaps'>,
): string {
  return [
    `${r.trials} trials`,
    ...(r.skipped.length ? [`${r.skipped.length} skipped`] : []),
    ...(r.keptWithGaps.length ? [`${r.keptWithGaps.length} kept with gaps`] : []),
  ].join(', ');
}

export function isSyntheticDownload(root: string): boolean {
  return isFile(join(root, SYNTHETIC_MARKER));
}

export function shardName(dataset: DatasetName, subject: string): string {
  return `${dataset}-${subject}.arrow`;
}

/**
 * `path` relative to the download's `root`, with '/' separators: how a shard records a file of
 * the download (see {@link resolveInDownload}).
 */
export function rootRelative(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

/**
 * A file a shard recorded relative to its download's root (see {@link rootRelative}), as a path
 * here; `root` is where this machine has that download. A path recorded absolute (shards written
 * before paths were relative) is returned as it is.
 */
export function resolveInDownload(root: string, recorded: string): string {
  return isAbsolute(recorded) ? recorded : join(root, ...recorded.split('/'));
}

function wanted(filter: ConvertOptions['subjects'], subject: string, n: number): boolean {
  if (!filter || filter.length === 0) return true;
  return filter.some((f) =>
    typeof f === 'number' ? f === n : f.toLowerCase() === subject.toLowerCase() || Number(f) === n,
  );
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
    keptWithGaps: [],
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
  /**
   * The download's root folder: the shard records its files (data file, face videos) relative to
   * it, so the shard's bytes do not depend on where the download lies.
   */
  readonly root: string;
  readonly labelMapping: LabelMappingConfig;
  readonly maxMissingShare: number;
  readonly synthetic: boolean;
  readonly notes?: readonly string[];
}

/** The trials of one subject that were skipped, or kept with gaps in their signals. */
interface TrialLog {
  readonly skipped: SkippedTrial[];
  readonly keptWithGaps: TrialGaps[];
}

const trialLog = (): TrialLog => ({ skipped: [], keptWithGaps: [] });

/**
 * A trial's signal columns as the shard keeps them (gaps.ts: NaN kept, a mostly missing column
 * null), recording the trial in `log` when it has gaps; null when the trial is skipped.
 */
function keptSignals<K extends SignalColumn>(
  log: TrialLog,
  trial: number,
  stimulusId: string,
  signals: Readonly<Record<K, Float64Array>>,
  fs: number,
  maxMissingShare: number,
): Readonly<Record<K, Float32Array | null>> | null {
  const s = screenSignals(signals, fs, maxMissingShare);
  if (s.skipReason !== null) {
    log.skipped.push({ trial, stimulusId, reason: s.skipReason });
    return null;
  }
  if (s.summary !== null) {
    log.keptWithGaps.push({ trial, stimulusId, columns: s.gaps, summary: s.summary });
  }
  return s.kept;
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
  const log = trialLog();
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
    const signals = keptSignals(
      log,
      experimentId,
      stimulusId,
      { gsr: deapChannel(d, i, DEAP_GSR_CHANNEL), ppg: deapChannel(d, i, DEAP_PPG_CHANNEL) },
      DEAP_FS,
      opts.maxMissingShare,
    );
    if (!signals) continue;
    const lab = deapRatings(d, i);
    const csvRow = subjectRatings?.find((r) => r.experimentId === experimentId) ?? null;
    const decision = labelFromRatings(
      { valence: lab[0], arousal: lab[1], dominance: lab[2] },
      opts.labelMapping,
    );
    countLabel(labels, decision);
    const presentationTrial = csvRow?.trial ?? null;
    const video = presentationTrial !== null ? deapVideoPath(files, presentationTrial) : null;
    const videoPath = video === null ? null : rootRelative(opts.root, video);
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
      gsr: signals.gsr,
      ppg: signals.ppg,
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
  return writeSubject('deap', files.subject, d.file, d.sha256, rows, log, labels, {
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
  const log = trialLog();
  const labels = emptyLabelCounts();
  for (const t of d.trials) {
    if (!t.joined || t.joined.rows === 0) {
      log.skipped.push({
        trial: t.index,
        stimulusId: t.videoId,
        reason: 'empty trial (joined_data is an empty matrix)',
      });
      continue;
    }
    const signals = keptSignals(
      log,
      t.index,
      t.videoId,
      {
        ecg: amigosColumn(t.joined, AMIGOS_ECG_RIGHT_COLUMN),
        ecg_left: amigosColumn(t.joined, AMIGOS_ECG_LEFT_COLUMN),
        gsr: amigosColumn(t.joined, AMIGOS_GSR_COLUMN),
      },
      AMIGOS_FS,
      opts.maxMissingShare,
    );
    if (!signals) continue;
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
    const video = videos.get(amigosVideoKey(files.number, t.videoId));
    const videoPath = video === undefined ? null : rootRelative(opts.root, video);
    rows.push({
      dataset: 'amigos',
      subject: files.subject,
      trial: t.index,
      presentationTrial: null,
      stimulusId: t.videoId,
      fs: AMIGOS_FS,
      baselineSamples: AMIGOS_BASELINE_SAMPLES,
      ecg: signals.ecg,
      ecgLeft: signals.ecg_left,
      gsr: signals.gsr,
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
  return writeSubject('amigos', files.subject, d.file, d.sha256, rows, log, labels, {
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
  { skipped, keptWithGaps }: TrialLog,
  labels: LabelCounts,
  o: {
    outDir: string;
    root: string;
    labelMapping: LabelMappingConfig;
    maxMissingShare: number;
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
    sourceFile: rootRelative(o.root, sourceFile),
    sourceSha256,
    stageVersion: CONVERT_STAGE_VERSION,
    parameters: {
      labelMapping: o.labelMapping,
      maxMissingShare: o.maxMissingShare,
      ...o.extraParams,
    },
    units: o.units,
    cardiacSource: o.cardiacSource,
    synthetic: o.synthetic,
    labelMapping: describeLabelMapping(o.labelMapping),
    skippedTrials: skipped,
    notes: [
      ...(o.synthetic ? ['SYNTHETIC data written by `emo synth`, not a real recording.'] : []),
      ...o.notes,
      ...keptWithGaps.map((g) => `trial ${g.trial} (stimulus ${g.stimulusId}): ${g.summary}`),
    ],
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
    keptWithGaps,
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
  /** See CONVERT_DEFAULTS.maxMissingShare. */
  readonly maxMissingShare?: number;
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
    root,
    labelMapping: resolveLabelMapping(r.labelMapping),
    maxMissingShare: checkMaxMissingShare(r.maxMissingShare ?? CONVERT_DEFAULTS.maxMissingShare),
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
  const maxMissingShare = checkMaxMissingShare(
    opts.maxMissingShare ?? CONVERT_DEFAULTS.maxMissingShare,
  );
  const dl = openDownload(opts.dataset, opts.root);
  const results: SubjectConvertResult[] = [];
  const total = emptyLabelCounts();
  for (const s of dl.subjects.filter((s) => wanted(opts.subjects, s.subject, s.number))) {
    let r: SubjectConvertResult;
    try {
      r = await s.convert({
        outDir: opts.outDir,
        labelMapping,
        maxMissingShare,
      });
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
    maxMissingShare,
    notes,
    subjects: results,
    labels: total,
  };
}
