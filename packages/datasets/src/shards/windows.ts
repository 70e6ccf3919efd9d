/**
 * The `windows` shard (docs/DESIGN.md, "Data contracts"): one row per analysis window of one
 * subject, written by the dsp stage and read by the model. `physio` is the LSTM input, a T×C
 * sequence stored row-major (time first, channel names in the metadata); `features` are named
 * HRV/EDA values (NaN only where the row's `flags` say why).
 */
import type { Table } from 'apache-arrow';
import type { Column, ShardColumns } from './arrow.js';
import type { Emotion } from '../emotions.js';
import type { LabelSource } from '../labels.js';
import {
  fixedSizeListColumn,
  float64Column,
  int32Column,
  makeShardTable,
  utf8Column,
  writeShardFile,
} from './arrow.js';
import type { ShardSpec } from './provenance.js';
import { STRING_LIST, STRING_RECORD, provenanceMetadata, readShard } from './provenance.js';
import type { DatasetName } from './recordings.js';
import { CARDIAC_SOURCES, DATASET_NAMES } from './recordings.js';

export const WINDOWS_SCHEMA_VERSION = '1';

export interface WindowRow {
  readonly dataset: DatasetName;
  readonly subject: string;
  readonly trial: number;
  readonly stimulusId: string;
  /** Index of the window within its trial (0-based). */
  readonly window: number;
  /** Start and end (s) from the end of the trial's pre-trial baseline. */
  readonly t0: number;
  readonly t1: number;
  readonly label5: Emotion | null;
  readonly labelSource: LabelSource | null;
  readonly valence: number | null;
  readonly arousal: number | null;
  readonly dominance: number | null;
  readonly liking: number | null;
  /** Why the window is doubtful ('nan-run; hrv: 2 beats'), or null when it is clean. */
  readonly flags: string | null;
}

export interface WindowsMetadata {
  readonly dataset: DatasetName;
  readonly subject: string;
  readonly stageVersion: string;
  /** The recordings shard these windows were made from, and its sha256. */
  readonly sourceFile: string;
  readonly sourceSha256: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Channel names of `physio`, in order (C). */
  readonly channels: readonly string[];
  /** Samples per window in `physio` (T) and their rate (Hz). */
  readonly seqLength: number;
  readonly seqRate: number;
  /** Names of `features`, in order (F), with their units. */
  readonly featureNames: readonly string[];
  readonly units: Readonly<Record<string, string>>;
  /** Where heart beats came from: 'ecg' (AMIGOS) or 'ppg' (DEAP's plethysmograph). */
  readonly cardiacSource: 'ecg' | 'ppg';
  readonly synthetic: boolean;
  readonly labelMapping: string;
  readonly notes: readonly string[];
}

export interface WindowsShard {
  readonly metadata: WindowsMetadata & { readonly schemaVersion: string };
  readonly rows: WindowRow[];
  /** rows × T × C, row-major. */
  readonly physio: Float32Array;
  /** rows × F. */
  readonly features: Float32Array;
}

/** The key of a window (or image) row, shared by the windows and faces shards. */
export interface WindowKey {
  readonly dataset: string;
  readonly subject: string;
  readonly trial: number | null;
  readonly stimulusId: string | null;
  readonly window: number | null;
  readonly t0: number | null;
  readonly t1: number | null;
}

/** A reader of the key columns of a shard that has them, by row (see windowKeyColumns). */
export function windowKeyReader(cols: ShardColumns): (row: number) => WindowKey {
  const c = {
    dataset: cols.str('dataset'),
    subject: cols.str('subject'),
    trial: cols.num('trial'),
    stimulusId: cols.str('stimulus_id'),
    window: cols.num('window'),
    t0: cols.num('t0'),
    t1: cols.num('t1'),
  };
  return (i) => ({
    dataset: c.dataset(i) ?? '',
    subject: c.subject(i) ?? '',
    trial: c.trial(i),
    stimulusId: c.stimulusId(i),
    window: c.window(i),
    t0: c.t0(i),
    t1: c.t1(i),
  });
}

/** The `count` rows of a shard with the key columns: each row's key and `rest(row)`. */
export function windowKeyedRows<T>(
  count: number,
  cols: ShardColumns,
  rest: (row: number) => T,
): (WindowKey & T)[] {
  const key = windowKeyReader(cols);
  return Array.from({ length: count }, (_, i) => ({ ...key(i), ...rest(i) }));
}

/** Columns dataset, subject, trial, stimulus_id, window, t0, t1. */
export function windowKeyColumns(rows: readonly WindowKey[]): Column[] {
  const pick = <K extends keyof WindowKey>(k: K) => rows.map((r) => r[k]);
  return [
    utf8Column('dataset', pick('dataset')),
    utf8Column('subject', pick('subject')),
    int32Column('trial', pick('trial')),
    utf8Column('stimulus_id', pick('stimulusId')),
    int32Column('window', pick('window')),
    float64Column('t0', pick('t0')),
    float64Column('t1', pick('t1')),
  ];
}

/** The windows shard kind: its schema version, stage and metadata keys in the order written. */
const WINDOWS: ShardSpec = {
  kind: 'windows',
  schemaVersion: WINDOWS_SCHEMA_VERSION,
  stage: 'dsp',
  keys: [
    'schema_version',
    'stage',
    'stage_version',
    'dataset',
    'subject',
    'source_file',
    'source_sha256',
    'parameters',
    'channels',
    'seq_length',
    'seq_rate',
    'feature_names',
    'units',
    'cardiac_source',
    'synthetic',
    'label_mapping',
    'classes',
    'notes',
  ],
};

function windowsTable(
  rows: readonly WindowRow[],
  physio: Float32Array,
  features: Float32Array,
  meta: WindowsMetadata,
): Table {
  const pick = <K extends keyof WindowRow>(k: K) => rows.map((r) => r[k]);
  const tc = meta.seqLength * meta.channels.length;
  const columns = [
    ...windowKeyColumns(rows),
    fixedSizeListColumn('physio', tc, physio, rows.length),
    fixedSizeListColumn('features', meta.featureNames.length, features, rows.length),
    utf8Column('label5', pick('label5')),
    utf8Column('label_source', pick('labelSource')),
    float64Column('valence', pick('valence')),
    float64Column('arousal', pick('arousal')),
    float64Column('dominance', pick('dominance')),
    float64Column('liking', pick('liking')),
    utf8Column('flags', pick('flags')),
  ];
  const metadata = provenanceMetadata(WINDOWS, meta, {
    channels: meta.channels,
    seq_length: meta.seqLength,
    seq_rate: meta.seqRate,
    feature_names: meta.featureNames,
    units: meta.units,
    cardiac_source: meta.cardiacSource,
  });
  return makeShardTable(columns, metadata);
}

export function writeWindowsShard(
  path: string,
  rows: readonly WindowRow[],
  physio: Float32Array,
  features: Float32Array,
  meta: WindowsMetadata,
): number {
  return writeShardFile(path, windowsTable(rows, physio, features, meta));
}

export function readWindowsShard(path: string): WindowsShard {
  const { table, md, columns } = readShard(path, WINDOWS);
  const { str, num, flat } = columns;
  const [label5, source, flags] = [str('label5'), str('label_source'), str('flags')];
  const [valence, arousal, dominance, liking] = ['valence', 'arousal', 'dominance', 'liking'].map(
    num,
  );
  // the key columns of a windows shard have no nulls
  const rows = windowKeyedRows(table.numRows, columns, (i) => ({
    label5: label5(i) as Emotion | null,
    labelSource: source(i) as LabelSource | null,
    valence: valence(i),
    arousal: arousal(i),
    dominance: dominance(i),
    liking: liking(i),
    flags: flags(i),
  })) as WindowRow[];
  return {
    metadata: {
      schemaVersion: md.schemaVersion,
      dataset: md.str('dataset', DATASET_NAMES),
      subject: md.str('subject'),
      stageVersion: md.stageVersion,
      sourceFile: md.str('source_file'),
      sourceSha256: md.str('source_sha256'),
      parameters: md.parameters,
      channels: md.json('channels', STRING_LIST),
      seqLength: md.int('seq_length'),
      seqRate: md.num('seq_rate'),
      featureNames: md.json('feature_names', STRING_LIST),
      units: md.json('units', STRING_RECORD),
      cardiacSource: md.str('cardiac_source', CARDIAC_SOURCES),
      synthetic: md.synthetic,
      labelMapping: md.str('label_mapping'),
      notes: md.notes,
    },
    rows,
    physio: flat<Float32Array>('physio'),
    features: flat<Float32Array>('features'),
  };
}
