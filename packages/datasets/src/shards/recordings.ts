/**
 * The `recordings` shard (docs/DESIGN.md, "Data contracts"): one row per trial of one subject,
 * written by the convert stage and read by dsp and vision.
 */
import type { Table } from 'apache-arrow';
import type { Emotion } from '../emotions.js';
import { EMOTIONS } from '../emotions.js';
import type { AmigosEmotionFlags, LabelSource } from '../labels.js';
import { AMIGOS_FLAG_NAMES } from '../labels.js';
import {
  boolColumn,
  float64Column,
  int32Column,
  listFloat32Column,
  makeShardTable,
  readShardFile,
  utf8Column,
  writeShardFile,
} from './arrow.js';

export const RECORDINGS_SCHEMA_VERSION = '1';

export type DatasetName = 'deap' | 'amigos';

export interface RecordingRow {
  readonly dataset: DatasetName;
  /** 's01' for DEAP, 'P01' for AMIGOS. */
  readonly subject: string;
  /** DEAP: Experiment_id (video order, 1–40). AMIGOS: position in the 1×20 cells (1–20). */
  readonly trial: number;
  /** DEAP: presentation order (1–40) from participant_ratings.csv, when known. */
  readonly presentationTrial: number | null;
  /** DEAP: the Experiment_id; AMIGOS: the VideoID ('4', 'N1', …). */
  readonly stimulusId: string;
  readonly fs: number;
  /** Samples of pre-trial baseline at the start of every signal. */
  readonly baselineSamples: number;
  /** AMIGOS ECG right arm lead (column 15); null for DEAP, which has no ECG. */
  readonly ecg: Float32Array | null;
  /** AMIGOS ECG left arm lead (column 16). */
  readonly ecgLeft: Float32Array | null;
  readonly gsr: Float32Array | null;
  /** DEAP plethysmograph (channel 39); null for AMIGOS. */
  readonly ppg: Float32Array | null;
  readonly valence: number | null;
  readonly arousal: number | null;
  readonly dominance: number | null;
  readonly liking: number | null;
  readonly familiarity: number | null;
  /** AMIGOS basic-emotion checkboxes; null for DEAP. */
  readonly emotions: AmigosEmotionFlags | null;
  readonly label5: Emotion | null;
  readonly labelSource: LabelSource | null;
  /** Absolute path of the trial's face video, when the download has it. */
  readonly videoPath: string | null;
  /** Time in the video (s) that corresponds to signal sample 0. */
  readonly videoOffsetS: number | null;
}

/** Metadata written on every recordings shard. */
export interface RecordingsMetadata {
  readonly dataset: DatasetName;
  readonly subject: string;
  readonly sourceFile: string;
  readonly sourceSha256: string;
  readonly stageVersion: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly units: Readonly<Record<string, string>>;
  /** Where the cardiac signal comes from: 'ecg' (AMIGOS) or 'ppg' (DEAP has no ECG). */
  readonly cardiacSource: 'ecg' | 'ppg';
  readonly synthetic: boolean;
  readonly labelMapping: string;
  readonly skippedTrials: readonly { trial: number; stimulusId: string; reason: string }[];
  readonly notes: readonly string[];
}

const FLAG_COLUMNS = AMIGOS_FLAG_NAMES.map((n) => `emo_${n}`);

export function recordingsTable(rows: readonly RecordingRow[], meta: RecordingsMetadata): Table {
  const col = <T>(f: (r: RecordingRow) => T): T[] => rows.map(f);
  const columns = [
    utf8Column(
      'dataset',
      col((r) => r.dataset),
    ),
    utf8Column(
      'subject',
      col((r) => r.subject),
    ),
    int32Column(
      'trial',
      col((r) => r.trial),
    ),
    int32Column(
      'presentation_trial',
      col((r) => r.presentationTrial),
    ),
    utf8Column(
      'stimulus_id',
      col((r) => r.stimulusId),
    ),
    float64Column(
      'fs',
      col((r) => r.fs),
    ),
    int32Column(
      'baseline_samples',
      col((r) => r.baselineSamples),
    ),
    listFloat32Column(
      'ecg',
      col((r) => r.ecg),
    ),
    listFloat32Column(
      'ecg_left',
      col((r) => r.ecgLeft),
    ),
    listFloat32Column(
      'gsr',
      col((r) => r.gsr),
    ),
    listFloat32Column(
      'ppg',
      col((r) => r.ppg),
    ),
    float64Column(
      'valence',
      col((r) => r.valence),
    ),
    float64Column(
      'arousal',
      col((r) => r.arousal),
    ),
    float64Column(
      'dominance',
      col((r) => r.dominance),
    ),
    float64Column(
      'liking',
      col((r) => r.liking),
    ),
    float64Column(
      'familiarity',
      col((r) => r.familiarity),
    ),
    ...AMIGOS_FLAG_NAMES.map((n, i) =>
      boolColumn(
        FLAG_COLUMNS[i],
        col((r) => (r.emotions ? r.emotions[n] : null)),
      ),
    ),
    utf8Column(
      'label5',
      col((r) => r.label5),
    ),
    utf8Column(
      'label_source',
      col((r) => r.labelSource),
    ),
    utf8Column(
      'video_path',
      col((r) => r.videoPath),
    ),
    float64Column(
      'video_offset_s',
      col((r) => r.videoOffsetS),
    ),
  ];
  const m = new Map<string, string>([
    ['schema_version', RECORDINGS_SCHEMA_VERSION],
    ['stage', 'convert'],
    ['stage_version', meta.stageVersion],
    ['dataset', meta.dataset],
    ['subject', meta.subject],
    ['source_file', meta.sourceFile],
    ['source_sha256', meta.sourceSha256],
    ['parameters', JSON.stringify(meta.parameters)],
    ['units', JSON.stringify(meta.units)],
    ['cardiac_source', meta.cardiacSource],
    ['synthetic', String(meta.synthetic)],
    ['label_mapping', meta.labelMapping],
    ['classes', JSON.stringify(EMOTIONS)],
    ['skipped_trials', JSON.stringify(meta.skippedTrials)],
    ['notes', JSON.stringify(meta.notes)],
  ]);
  return makeShardTable(columns, m);
}

export function writeRecordingsShard(
  path: string,
  rows: readonly RecordingRow[],
  meta: RecordingsMetadata,
): number {
  return writeShardFile(path, recordingsTable(rows, meta));
}

export interface RecordingsShard {
  readonly metadata: RecordingsMetadata & { readonly schemaVersion: string };
  readonly rows: RecordingRow[];
}

function parseJson<T>(path: string, key: string, text: string | undefined, fallback: T): T {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${path}: shard metadata '${key}' is not valid JSON`);
  }
}

/** Read a recordings shard; signal arrays are views on the file's bytes. */
export function readRecordingsShard(path: string): RecordingsShard {
  const table = readShardFile(path);
  const md = table.schema.metadata;
  const version = md.get('schema_version');
  if (version !== RECORDINGS_SCHEMA_VERSION) {
    throw new Error(
      `${path}: recordings schema_version ${version ?? '(none)'} (expected ${RECORDINGS_SCHEMA_VERSION}); re-run convert`,
    );
  }
  // each column is looked up once, not once per row
  const columns = new Map<string, { get(i: number): unknown }>();
  const get = (name: string) => {
    let v = columns.get(name);
    if (!v) {
      const c = table.getChild(name);
      if (!c) throw new Error(`${path}: column '${name}' missing (expected a recordings shard)`);
      v = c;
      columns.set(name, v);
    }
    return v;
  };
  const list = (name: string, i: number): Float32Array | null => {
    const v = get(name).get(i) as { toArray(): Float32Array } | null;
    return v ? v.toArray() : null;
  };
  const num = (name: string, i: number): number | null =>
    (get(name).get(i) as number | null) ?? null;
  const str = (name: string, i: number): string | null =>
    (get(name).get(i) as string | null) ?? null;
  const rows: RecordingRow[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const flags = FLAG_COLUMNS.map((c) => get(c).get(i) as boolean | null);
    const emotions =
      flags[0] === null
        ? null
        : (Object.fromEntries(
            AMIGOS_FLAG_NAMES.map((n, k) => [n, Boolean(flags[k])]),
          ) as unknown as AmigosEmotionFlags);
    rows.push({
      dataset: str('dataset', i) as DatasetName,
      subject: str('subject', i) as string,
      trial: num('trial', i) as number,
      presentationTrial: num('presentation_trial', i),
      stimulusId: str('stimulus_id', i) as string,
      fs: num('fs', i) as number,
      baselineSamples: num('baseline_samples', i) as number,
      ecg: list('ecg', i),
      ecgLeft: list('ecg_left', i),
      gsr: list('gsr', i),
      ppg: list('ppg', i),
      valence: num('valence', i),
      arousal: num('arousal', i),
      dominance: num('dominance', i),
      liking: num('liking', i),
      familiarity: num('familiarity', i),
      emotions,
      label5: str('label5', i) as Emotion | null,
      labelSource: str('label_source', i) as LabelSource | null,
      videoPath: str('video_path', i),
      videoOffsetS: num('video_offset_s', i),
    });
  }
  const metadata = {
    schemaVersion: version,
    dataset: md.get('dataset') as DatasetName,
    subject: md.get('subject') ?? '',
    sourceFile: md.get('source_file') ?? '',
    sourceSha256: md.get('source_sha256') ?? '',
    stageVersion: md.get('stage_version') ?? '',
    parameters: parseJson(path, 'parameters', md.get('parameters'), {}),
    units: parseJson(path, 'units', md.get('units'), {}),
    cardiacSource: (md.get('cardiac_source') ?? 'ecg') as 'ecg' | 'ppg',
    synthetic: md.get('synthetic') === 'true',
    labelMapping: md.get('label_mapping') ?? '',
    skippedTrials: parseJson(path, 'skipped_trials', md.get('skipped_trials'), []),
    notes: parseJson(path, 'notes', md.get('notes'), []),
  };
  return { metadata, rows };
}
