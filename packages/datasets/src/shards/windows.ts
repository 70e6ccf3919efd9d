/**
 * The `windows` shard (docs/DESIGN.md, "Data contracts"): one row per analysis window of one
 * subject, written by the dsp stage and read by the model. `physio` is the LSTM input, a T×C
 * sequence stored row-major (time first, channel names in the metadata); `features` are named
 * HRV/EDA values (NaN only where the row's `flags` say why).
 */
import type { Table } from 'apache-arrow';
import type { ShardColumns } from './arrow.js';
import type { Emotion } from '../emotions.js';
import { EMOTIONS } from '../emotions.js';
import type { LabelSource } from '../labels.js';
import {
  fixedSizeListColumn,
  float64Column,
  int32Column,
  makeShardTable,
  readShardFile,
  shardColumns,
  utf8Column,
  writeShardFile,
} from './arrow.js';
import type { DatasetName } from './recordings.js';

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

/** Columns dataset, subject, trial, stimulus_id, window, t0, t1. */
export function windowKeyColumns(rows: readonly WindowKey[]) {
  return [
    utf8Column(
      'dataset',
      rows.map((r) => r.dataset),
    ),
    utf8Column(
      'subject',
      rows.map((r) => r.subject),
    ),
    int32Column(
      'trial',
      rows.map((r) => r.trial),
    ),
    utf8Column(
      'stimulus_id',
      rows.map((r) => r.stimulusId),
    ),
    int32Column(
      'window',
      rows.map((r) => r.window),
    ),
    float64Column(
      't0',
      rows.map((r) => r.t0),
    ),
    float64Column(
      't1',
      rows.map((r) => r.t1),
    ),
  ];
}

function windowsTable(
  rows: readonly WindowRow[],
  physio: Float32Array,
  features: Float32Array,
  meta: WindowsMetadata,
): Table {
  const col = <T>(f: (r: WindowRow) => T): T[] => rows.map(f);
  const tc = meta.seqLength * meta.channels.length;
  const columns = [
    ...windowKeyColumns(rows),
    fixedSizeListColumn('physio', tc, physio, rows.length),
    fixedSizeListColumn('features', meta.featureNames.length, features, rows.length),
    utf8Column(
      'label5',
      col((r) => r.label5),
    ),
    utf8Column(
      'label_source',
      col((r) => r.labelSource),
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
    utf8Column(
      'flags',
      col((r) => r.flags),
    ),
  ];
  const m = new Map<string, string>([
    ['schema_version', WINDOWS_SCHEMA_VERSION],
    ['stage', 'dsp'],
    ['stage_version', meta.stageVersion],
    ['dataset', meta.dataset],
    ['subject', meta.subject],
    ['source_file', meta.sourceFile],
    ['source_sha256', meta.sourceSha256],
    ['parameters', JSON.stringify(meta.parameters)],
    ['channels', JSON.stringify(meta.channels)],
    ['seq_length', String(meta.seqLength)],
    ['seq_rate', String(meta.seqRate)],
    ['feature_names', JSON.stringify(meta.featureNames)],
    ['units', JSON.stringify(meta.units)],
    ['cardiac_source', meta.cardiacSource],
    ['synthetic', String(meta.synthetic)],
    ['label_mapping', meta.labelMapping],
    ['classes', JSON.stringify(EMOTIONS)],
    ['notes', JSON.stringify(meta.notes)],
  ]);
  return makeShardTable(columns, m);
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

function parsed<T>(path: string, key: string, text: string | undefined): T {
  if (text === undefined) throw new Error(`${path}: metadata '${key}' missing (a windows shard?)`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${path}: metadata '${key}' is not valid JSON`);
  }
}

export function readWindowsShard(path: string): WindowsShard {
  const table = readShardFile(path);
  const md = table.schema.metadata;
  const version = md.get('schema_version');
  if (version !== WINDOWS_SCHEMA_VERSION || md.get('stage') !== 'dsp') {
    throw new Error(
      `${path}: not a windows shard of schema ${WINDOWS_SCHEMA_VERSION} (schema_version ${version}, stage ${md.get('stage')})`,
    );
  }
  const { str, num, flat } = shardColumns(table, path, 'windows');
  const [dataset, subject, trial, stimulus, win, t0, t1] = [
    str('dataset'),
    str('subject'),
    num('trial'),
    str('stimulus_id'),
    num('window'),
    num('t0'),
    num('t1'),
  ];
  const [label5, source, flags] = [str('label5'), str('label_source'), str('flags')];
  const [valence, arousal, dominance, liking] = ['valence', 'arousal', 'dominance', 'liking'].map(
    num,
  );
  const rows: WindowRow[] = [];
  for (let i = 0; i < table.numRows; i++) {
    rows.push({
      dataset: dataset(i) as DatasetName,
      subject: subject(i) as string,
      trial: trial(i) as number,
      stimulusId: stimulus(i) as string,
      window: win(i) as number,
      t0: t0(i) as number,
      t1: t1(i) as number,
      label5: label5(i) as Emotion | null,
      labelSource: source(i) as LabelSource | null,
      valence: valence(i),
      arousal: arousal(i),
      dominance: dominance(i),
      liking: liking(i),
      flags: flags(i),
    });
  }
  return {
    metadata: {
      schemaVersion: version,
      dataset: md.get('dataset') as DatasetName,
      subject: md.get('subject') ?? '',
      stageVersion: md.get('stage_version') ?? '',
      sourceFile: md.get('source_file') ?? '',
      sourceSha256: md.get('source_sha256') ?? '',
      parameters: parsed(path, 'parameters', md.get('parameters')),
      channels: parsed(path, 'channels', md.get('channels')),
      seqLength: Number(md.get('seq_length')),
      seqRate: Number(md.get('seq_rate')),
      featureNames: parsed(path, 'feature_names', md.get('feature_names')),
      units: parsed(path, 'units', md.get('units')),
      cardiacSource: (md.get('cardiac_source') ?? 'ecg') as 'ecg' | 'ppg',
      synthetic: md.get('synthetic') === 'true',
      labelMapping: md.get('label_mapping') ?? '',
      notes: parsed(path, 'notes', md.get('notes')),
    },
    rows,
    physio: flat<Float32Array>('physio'),
    features: flat<Float32Array>('features'),
  };
}
