/**
 * The `recordings` shard (docs/DESIGN.md, "Data contracts"): one row per trial of one subject,
 * written by the convert stage and read by dsp and vision.
 */
import type { Table } from 'apache-arrow';
import type { Emotion } from '../emotions.js';
import type { AmigosEmotionFlags, LabelSource } from '../labels.js';
import { AMIGOS_FLAG_NAMES } from '../labels.js';
import {
  boolColumn,
  float64Column,
  int32Column,
  listFloat32Column,
  makeShardTable,
  utf8Column,
  writeShardFile,
} from './arrow.js';
import type { JsonShape, ShardSpec } from './provenance.js';
import { JSON_OBJECT_LIST, STRING_RECORD, provenanceMetadata, readShard } from './provenance.js';

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
  /**
   * The trial's face video, when the download has it: its path relative to the download's root
   * (resolveInDownload gives the file; shards written before that hold an absolute path).
   */
  readonly videoPath: string | null;
  /** Time in the video (s) that corresponds to signal sample 0. */
  readonly videoOffsetS: number | null;
}

/** Metadata written on every recordings shard. */
export interface RecordingsMetadata {
  readonly dataset: DatasetName;
  readonly subject: string;
  /** The subject's data file, relative to the download's root (see rootRelative). */
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

/** The values a shard's `dataset` and `cardiac_source` metadata may take. */
export const DATASET_NAMES = ['deap', 'amigos'] as const satisfies readonly DatasetName[];
export const CARDIAC_SOURCES: readonly ('ecg' | 'ppg')[] = ['ecg', 'ppg'];

type SkippedTrial = RecordingsMetadata['skippedTrials'][number];
const SKIPPED_TRIALS: JsonShape<SkippedTrial[]> = {
  expected: 'a JSON list of skipped trials',
  is: (v): v is SkippedTrial[] => JSON_OBJECT_LIST.is(v),
};

/** The recordings shard kind: its schema version, stage and metadata keys in the order written. */
const RECORDINGS: ShardSpec = {
  kind: 'recordings',
  schemaVersion: RECORDINGS_SCHEMA_VERSION,
  stage: 'convert',
  keys: [
    'schema_version',
    'stage',
    'stage_version',
    'dataset',
    'subject',
    'source_file',
    'source_sha256',
    'parameters',
    'units',
    'cardiac_source',
    'synthetic',
    'label_mapping',
    'classes',
    'skipped_trials',
    'notes',
  ],
};

export function recordingsTable(rows: readonly RecordingRow[], meta: RecordingsMetadata): Table {
  const pick = <K extends keyof RecordingRow>(k: K) => rows.map((r) => r[k]);
  const columns = [
    utf8Column('dataset', pick('dataset')),
    utf8Column('subject', pick('subject')),
    int32Column('trial', pick('trial')),
    int32Column('presentation_trial', pick('presentationTrial')),
    utf8Column('stimulus_id', pick('stimulusId')),
    float64Column('fs', pick('fs')),
    int32Column('baseline_samples', pick('baselineSamples')),
    listFloat32Column('ecg', pick('ecg')),
    listFloat32Column('ecg_left', pick('ecgLeft')),
    listFloat32Column('gsr', pick('gsr')),
    listFloat32Column('ppg', pick('ppg')),
    float64Column('valence', pick('valence')),
    float64Column('arousal', pick('arousal')),
    float64Column('dominance', pick('dominance')),
    float64Column('liking', pick('liking')),
    float64Column('familiarity', pick('familiarity')),
    ...AMIGOS_FLAG_NAMES.map((n, i) =>
      boolColumn(
        FLAG_COLUMNS[i],
        rows.map((r) => (r.emotions ? r.emotions[n] : null)),
      ),
    ),
    utf8Column('label5', pick('label5')),
    utf8Column('label_source', pick('labelSource')),
    utf8Column('video_path', pick('videoPath')),
    float64Column('video_offset_s', pick('videoOffsetS')),
  ];
  const metadata = provenanceMetadata(RECORDINGS, meta, {
    units: meta.units,
    cardiac_source: meta.cardiacSource,
    skipped_trials: meta.skippedTrials,
  });
  return makeShardTable(columns, metadata);
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

/** Read a recordings shard; signal arrays are views on the file's bytes. */
export function readRecordingsShard(path: string): RecordingsShard {
  const { table, md, columns } = readShard(path, RECORDINGS);
  const { str, num } = columns;
  const column = (name: string) => {
    const c = table.getChild(name);
    if (!c) throw new Error(`${path}: column '${name}' missing (expected a recordings shard)`);
    return c;
  };
  const list = (name: string) => {
    const c = column(name);
    return (i: number) => (c.get(i) as { toArray(): Float32Array } | null)?.toArray() ?? null;
  };
  const c = {
    dataset: str('dataset'),
    subject: str('subject'),
    trial: num('trial'),
    presentationTrial: num('presentation_trial'),
    stimulusId: str('stimulus_id'),
    fs: num('fs'),
    baselineSamples: num('baseline_samples'),
    ecg: list('ecg'),
    ecgLeft: list('ecg_left'),
    gsr: list('gsr'),
    ppg: list('ppg'),
    valence: num('valence'),
    arousal: num('arousal'),
    dominance: num('dominance'),
    liking: num('liking'),
    familiarity: num('familiarity'),
    flags: FLAG_COLUMNS.map(column),
    label5: str('label5'),
    labelSource: str('label_source'),
    videoPath: str('video_path'),
    videoOffsetS: num('video_offset_s'),
  };
  const rows: RecordingRow[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const flags = c.flags.map((f) => f.get(i) as boolean | null);
    const emotions =
      flags[0] === null
        ? null
        : (Object.fromEntries(
            AMIGOS_FLAG_NAMES.map((n, k) => [n, Boolean(flags[k])]),
          ) as unknown as AmigosEmotionFlags);
    rows.push({
      dataset: c.dataset(i) as DatasetName,
      subject: c.subject(i) as string,
      trial: c.trial(i) as number,
      presentationTrial: c.presentationTrial(i),
      stimulusId: c.stimulusId(i) as string,
      fs: c.fs(i) as number,
      baselineSamples: c.baselineSamples(i) as number,
      ecg: c.ecg(i),
      ecgLeft: c.ecgLeft(i),
      gsr: c.gsr(i),
      ppg: c.ppg(i),
      valence: c.valence(i),
      arousal: c.arousal(i),
      dominance: c.dominance(i),
      liking: c.liking(i),
      familiarity: c.familiarity(i),
      emotions,
      label5: c.label5(i) as Emotion | null,
      labelSource: c.labelSource(i) as LabelSource | null,
      videoPath: c.videoPath(i),
      videoOffsetS: c.videoOffsetS(i),
    });
  }
  const metadata = {
    schemaVersion: md.schemaVersion,
    dataset: md.str('dataset', DATASET_NAMES),
    subject: md.str('subject'),
    sourceFile: md.str('source_file'),
    sourceSha256: md.str('source_sha256'),
    stageVersion: md.stageVersion,
    parameters: md.parameters,
    units: md.json('units', STRING_RECORD),
    cardiacSource: md.str('cardiac_source', CARDIAC_SOURCES),
    synthetic: md.synthetic,
    labelMapping: md.str('label_mapping'),
    skippedTrials: md.json('skipped_trials', SKIPPED_TRIALS),
    notes: md.notes,
  };
  return { metadata, rows };
}
