/**
 * The `predictions` shard (docs/DESIGN.md, "Data contracts"): one row per evaluated window (or
 * image), written by the training/evaluation stage and read by the report. Each row carries the
 * window's keys, the evaluation protocol, fold and model that produced it, the true label (null
 * where unknown) and `probs`, the model's softmax output over the classes in {@link EMOTIONS}
 * order.
 */
import { DataType } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { EMOTIONS } from '../emotions.js';
import type { Emotion } from '../emotions.js';
import {
  fixedSizeListColumn,
  int32Column,
  makeShardTable,
  readShardFile,
  shardColumns,
  utf8Column,
  writeShardFile,
} from './arrow.js';
import type { WindowKey } from './windows.js';
import { windowKeyColumns, windowKeyReader } from './windows.js';

export const PREDICTIONS_SCHEMA_VERSION = '1';

/** Columns that identify a predictions shard (beyond the window keys). */
const PREDICTION_COLUMNS = ['protocol', 'fold', 'model', 'y_true', 'probs'] as const;

export interface PredictionRow extends WindowKey {
  /** Evaluation protocol, e.g. 'random-70-15-15'. */
  readonly protocol: string;
  readonly fold: number;
  /** 'hybrid', 'cnnOnly', 'rnnOnly' or any other model name. */
  readonly model: string;
  /** The true label, or null where it is unknown. */
  readonly yTrue: Emotion | null;
}

export interface PredictionsMetadata {
  /** Producing stage (default 'train'). */
  readonly stage?: string;
  readonly stageVersion: string;
  readonly synthetic: boolean;
  /** The tfjs backend the predictions were computed on ('tensorflow', 'wasm', 'cpu', …). */
  readonly backend: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly notes: readonly string[];
}

export interface PredictionsShard {
  readonly metadata: PredictionsMetadata & {
    readonly schemaVersion: string;
    readonly stage: string;
    readonly classes: readonly string[];
  };
  readonly rows: PredictionRow[];
  /** rows × 5 probabilities, row-major, in EMOTIONS order. */
  readonly probs: Float32Array;
}

function predictionsTable(
  rows: readonly PredictionRow[],
  probs: Float32Array,
  meta: PredictionsMetadata,
): Table {
  const col = <T>(f: (r: PredictionRow) => T): T[] => rows.map(f);
  const columns = [
    ...windowKeyColumns(rows),
    utf8Column(
      'protocol',
      col((r) => r.protocol),
    ),
    int32Column(
      'fold',
      col((r) => r.fold),
    ),
    utf8Column(
      'model',
      col((r) => r.model),
    ),
    utf8Column(
      'y_true',
      col((r) => r.yTrue),
    ),
    fixedSizeListColumn('probs', EMOTIONS.length, probs, rows.length),
  ];
  const m = new Map<string, string>([
    ['schema_version', PREDICTIONS_SCHEMA_VERSION],
    ['stage', meta.stage ?? 'train'],
    ['stage_version', meta.stageVersion],
    ['classes', JSON.stringify(EMOTIONS)],
    ['synthetic', String(meta.synthetic)],
    ['backend', meta.backend],
    ['parameters', JSON.stringify(meta.parameters)],
    ['notes', JSON.stringify(meta.notes)],
  ]);
  return makeShardTable(columns, m);
}

/** Write a predictions shard atomically; `probs` holds rows × 5 values. Returns the bytes. */
export function writePredictionsShard(
  path: string,
  rows: readonly PredictionRow[],
  probs: Float32Array,
  meta: PredictionsMetadata,
): number {
  return writeShardFile(path, predictionsTable(rows, probs, meta));
}

/** Refuse a table that is not a predictions shard of this schema, naming the file. */
function checkPredictionsTable(path: string, table: Table): void {
  const md = table.schema.metadata;
  const version = md.get('schema_version');
  const missing = PREDICTION_COLUMNS.filter((c) => !table.getChild(c));
  if (version !== PREDICTIONS_SCHEMA_VERSION || missing.length > 0) {
    throw new Error(
      `${path}: not a predictions shard of schema ${PREDICTIONS_SCHEMA_VERSION} (schema_version ${version}, stage ${md.get('stage')}${missing.length ? `, missing columns ${missing.join(', ')}` : ''})`,
    );
  }
  const type = table.getChild('probs')?.type as { listSize?: number; valueType?: DataType };
  const width = type.listSize;
  if (width !== EMOTIONS.length || !DataType.isFloat(type.valueType)) {
    throw new Error(
      `${path}: column 'probs' has ${width ?? 'no fixed'} values of ${String(type.valueType)} per row, expected ${EMOTIONS.length} floats (${EMOTIONS.join(', ')})`,
    );
  }
}

export function readPredictionsShard(path: string): PredictionsShard {
  const table = readShardFile(path);
  checkPredictionsTable(path, table);
  const md = table.schema.metadata;
  const json = <T>(key: string): T => {
    const text = md.get(key);
    if (text === undefined) throw new Error(`${path}: metadata '${key}' missing`);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`${path}: metadata '${key}' is not valid JSON`);
    }
  };
  const classes = json<string[]>('classes');
  if (JSON.stringify(classes) !== JSON.stringify(EMOTIONS)) {
    throw new Error(
      `${path}: classes ${JSON.stringify(classes)} differ from ${JSON.stringify(EMOTIONS)}`,
    );
  }
  const columns = shardColumns(table, path, 'predictions');
  const { str, num, flat } = columns;
  const key = windowKeyReader(columns);
  const cols = {
    protocol: str('protocol'),
    fold: num('fold'),
    model: str('model'),
    yTrue: str('y_true'),
  };
  const rows: PredictionRow[] = [];
  for (let i = 0; i < table.numRows; i++) {
    rows.push({
      ...key(i),
      protocol: cols.protocol(i) ?? '',
      fold: cols.fold(i) ?? 0,
      model: cols.model(i) ?? '',
      yTrue: cols.yTrue(i) as Emotion | null,
    });
  }
  return {
    metadata: {
      schemaVersion: md.get('schema_version') as string,
      stage: md.get('stage') ?? '',
      stageVersion: md.get('stage_version') ?? '',
      classes,
      synthetic: md.get('synthetic') === 'true',
      backend: md.get('backend') ?? '',
      parameters: json('parameters'),
      notes: json('notes'),
    },
    rows,
    probs: flat<Float32Array>('probs'),
  };
}
