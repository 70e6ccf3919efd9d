/**
 * The `predictions` shard (docs/DESIGN.md, "Data contracts"): one row per evaluated window (or
 * image), written by the training/evaluation stage and read by the report. Each row carries the
 * window's keys, the evaluation protocol, fold and model that produced it, the true label (null
 * where unknown) and `probs`, the model's softmax output over the task's classes, in the order
 * the metadata's `classes` lists them ({@link EMOTIONS} for the study's task; tasks.ts).
 */
import { DataType } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { EMOTIONS } from '../emotions.js';
import {
  fixedSizeListColumn,
  int32Column,
  makeShardTable,
  utf8Column,
  writeShardFile,
} from './arrow.js';
import type { ShardSpec } from './provenance.js';
import { provenanceMetadata, readShard } from './provenance.js';
import type { WindowKey } from './windows.js';
import { windowKeyColumns, windowKeyedRows } from './windows.js';

export const PREDICTIONS_SCHEMA_VERSION = '1';

export interface PredictionRow extends WindowKey {
  /** Evaluation protocol, e.g. 'random-70-15-15'. */
  readonly protocol: string;
  readonly fold: number;
  /** 'hybrid', 'cnnOnly', 'rnnOnly' or any other model name. */
  readonly model: string;
  /** The true label (one of the metadata's classes), or null where it is unknown. */
  readonly yTrue: string | null;
}

export interface PredictionsMetadata {
  /** Producing stage (default 'train'). */
  readonly stage?: string;
  readonly stageVersion: string;
  readonly synthetic: boolean;
  /** The tfjs backend the predictions were computed on ('tensorflow', 'wasm', 'cpu', …). */
  readonly backend: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The classes of `probs` and `y_true`, in order (default EMOTIONS, the study's task). */
  readonly classes?: readonly string[];
  readonly notes: readonly string[];
}

export interface PredictionsShard {
  readonly metadata: PredictionsMetadata & {
    readonly schemaVersion: string;
    readonly stage: string;
    readonly classes: readonly string[];
  };
  readonly rows: PredictionRow[];
  /** rows × classes probabilities, row-major, in the metadata's class order. */
  readonly probs: Float32Array;
}

/** The predictions shard kind: schema version, identifying columns and metadata key order. */
const PREDICTIONS: ShardSpec = {
  kind: 'predictions',
  schemaVersion: PREDICTIONS_SCHEMA_VERSION,
  stage: 'train',
  anyStage: true,
  columns: ['protocol', 'fold', 'model', 'y_true', 'probs'],
  keys: [
    'schema_version',
    'stage',
    'stage_version',
    'classes',
    'synthetic',
    'backend',
    'parameters',
    'notes',
  ],
};

function predictionsTable(
  rows: readonly PredictionRow[],
  probs: Float32Array,
  meta: PredictionsMetadata,
): Table {
  const pick = <K extends keyof PredictionRow>(k: K) => rows.map((r) => r[k]);
  const columns = [
    ...windowKeyColumns(rows),
    utf8Column('protocol', pick('protocol')),
    int32Column('fold', pick('fold')),
    utf8Column('model', pick('model')),
    utf8Column('y_true', pick('yTrue')),
    fixedSizeListColumn('probs', (meta.classes ?? EMOTIONS).length, probs, rows.length),
  ];
  return makeShardTable(columns, provenanceMetadata(PREDICTIONS, meta, { backend: meta.backend }));
}

/** Write a predictions shard atomically; `probs` holds rows × classes values. Returns the bytes. */
export function writePredictionsShard(
  path: string,
  rows: readonly PredictionRow[],
  probs: Float32Array,
  meta: PredictionsMetadata,
): number {
  const k = (meta.classes ?? EMOTIONS).length;
  if (probs.length !== rows.length * k) {
    throw new Error(
      `${path}: ${rows.length} rows need ${rows.length * k} probabilities (${k} classes), got ${probs.length}`,
    );
  }
  return writeShardFile(path, predictionsTable(rows, probs, meta));
}

export function readPredictionsShard(path: string): PredictionsShard {
  const { table, md, columns } = readShard(path, PREDICTIONS);
  const type = table.getChild('probs')?.type as { listSize?: number; valueType?: DataType };
  const width = type.listSize;
  const classes = md.classes;
  if (classes.length < 2 || new Set(classes).size !== classes.length) {
    throw new Error(
      `${path}: metadata classes ${JSON.stringify(classes)} are not 2 or more distinct names`,
    );
  }
  if (width !== classes.length || !DataType.isFloat(type.valueType)) {
    throw new Error(
      `${path}: column 'probs' has ${width ?? 'no fixed'} values of ${String(type.valueType)} per row, expected ${classes.length} floats (${classes.join(', ')})`,
    );
  }
  const { str, num, flat } = columns;
  const cols = {
    protocol: str('protocol'),
    fold: num('fold'),
    model: str('model'),
    yTrue: str('y_true'),
  };
  const rows: PredictionRow[] = windowKeyedRows(table.numRows, columns, (i) => ({
    protocol: cols.protocol(i) ?? '',
    fold: cols.fold(i) ?? 0,
    model: cols.model(i) ?? '',
    yTrue: cols.yTrue(i),
  }));
  rows.forEach((r, i) => {
    if (r.yTrue !== null && !classes.includes(r.yTrue)) {
      throw new Error(`${path} row ${i}: y_true '${r.yTrue}' is not one of ${classes.join(', ')}`);
    }
  });
  return {
    metadata: {
      schemaVersion: md.schemaVersion,
      stage: md.stage,
      stageVersion: md.stageVersion,
      classes: md.classes,
      synthetic: md.synthetic,
      backend: md.str('backend'),
      parameters: md.parameters,
      notes: md.notes,
    },
    rows,
    probs: flat<Float32Array>('probs'),
  };
}
