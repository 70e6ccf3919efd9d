/**
 * Shard provenance: the schema metadata (string keys and values) that every shard kind carries
 * — schema version, producing stage and its version, data set and subject, source file,
 * parameters, synthetic flag, label mapping, classes, notes — plus each kind's own keys, written
 * in one fixed way and read back with checks whose errors name the file, the key and what was
 * expected. A shard module declares a {@link ShardSpec} and states only what is specific to it.
 *
 * The order of a spec's keys is part of the bytes written, and so of the content hashes of the
 * pipeline's cache: it must not change without a new schema version.
 */
import type { Table } from 'apache-arrow';
import { EMOTIONS } from '../emotions.js';
import type { ShardColumns } from './arrow.js';
import { readShardFile, shardColumns } from './arrow.js';

/** What makes a table a shard of one kind, and the metadata keys it carries. */
export interface ShardSpec {
  /** 'recordings', 'windows', …: named in errors. */
  readonly kind: string;
  readonly schemaVersion: string;
  /** The stage that writes this kind; written when the provenance names none. */
  readonly stage: string;
  /** Whether any stage may write it (otherwise a shard of another stage is refused). */
  readonly anyStage?: boolean;
  /** Columns a table must have to be of this kind (checked before its metadata). */
  readonly columns?: readonly string[];
  /** Every metadata key of this kind, in the order written. */
  readonly keys: readonly string[];
}

/** The provenance of a shard; the optional fields are written where the spec lists their keys. */
export interface Provenance {
  /** The producing stage; the spec's stage when absent. */
  readonly stage?: string;
  readonly stageVersion: string;
  readonly dataset?: string;
  readonly subject?: string;
  /** The file the shard was made from, and its sha256. */
  readonly sourceFile?: string;
  readonly sourceSha256?: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly synthetic: boolean;
  readonly labelMapping?: string;
  /** The classes labels and probabilities refer to, in order (default EMOTIONS). */
  readonly classes?: readonly string[];
  readonly notes: readonly string[];
}

/**
 * A metadata value: strings are written as they are, numbers and booleans with String()
 * ('48', '0.4', 'true'), lists and objects as JSON.
 */
export type MetadataValue =
  string | number | boolean | readonly unknown[] | Readonly<Record<string, unknown>>;

function encode(value: MetadataValue): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * The schema metadata of a shard: the common provenance and the kind's own `entries`, in the
 * order of `spec.keys`. Throws when a listed key has no value or an entry is not listed.
 */
export function provenanceMetadata(
  spec: ShardSpec,
  provenance: Provenance,
  entries: Readonly<Record<string, MetadataValue>> = {},
): Map<string, string> {
  const common: Record<string, MetadataValue | undefined> = {
    schema_version: spec.schemaVersion,
    stage: provenance.stage ?? spec.stage,
    stage_version: provenance.stageVersion,
    dataset: provenance.dataset,
    subject: provenance.subject,
    source_file: provenance.sourceFile,
    source_sha256: provenance.sourceSha256,
    parameters: provenance.parameters,
    synthetic: provenance.synthetic,
    label_mapping: provenance.labelMapping,
    classes: provenance.classes ?? EMOTIONS,
    notes: provenance.notes,
  };
  for (const key of Object.keys(entries)) {
    if (key in common || !spec.keys.includes(key)) {
      throw new Error(`${spec.kind} shard: '${key}' is not one of its own metadata keys`);
    }
  }
  const values: Record<string, MetadataValue | undefined> = { ...common, ...entries };
  return new Map(
    spec.keys.map((key) => {
      const value = values[key];
      if (value === undefined) {
        throw new Error(`${spec.kind} shard: no value for metadata '${key}'`);
      }
      return [key, encode(value)];
    }),
  );
}

/** The expected shape of a JSON metadata value, and its description for errors. */
export interface JsonShape<T> {
  readonly expected: string;
  is(value: unknown): value is T;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const JSON_OBJECT: JsonShape<Record<string, unknown>> = {
  expected: 'a JSON object',
  is: isObject,
};

export const JSON_OBJECT_LIST: JsonShape<Record<string, unknown>[]> = {
  expected: 'a JSON list of objects',
  is: (v): v is Record<string, unknown>[] => Array.isArray(v) && v.every(isObject),
};

export const STRING_LIST: JsonShape<string[]> = {
  expected: 'a JSON list of strings',
  is: (v): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string'),
};

export const STRING_RECORD: JsonShape<Record<string, string>> = {
  expected: 'a JSON object of strings',
  is: (v): v is Record<string, string> =>
    isObject(v) && Object.values(v).every((s) => typeof s === 'string'),
};

/** The provenance read from a shard, and typed access to the kind's own keys. */
export interface ShardMetadata {
  readonly schemaVersion: string;
  readonly stage: string;
  readonly stageVersion: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly synthetic: boolean;
  readonly classes: readonly string[];
  readonly notes: readonly string[];
  /** A string value; with `allowed`, one of those. */
  str(key: string): string;
  str<T extends string>(key: string, allowed: readonly T[]): T;
  /** 'true' or 'false'. */
  bool(key: string): boolean;
  /** An integer value ('48'). */
  int(key: string): number;
  /** A finite number ('0.4'). */
  num(key: string): number;
  /** A JSON value of the given shape. */
  json<T>(key: string, shape: JsonShape<T>): T;
}

/** A value as shown in errors: quoted, and cut short when long. */
function shown(value: string): string {
  return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
}

/**
 * Check that `table` (read from `path`) is a shard of `spec`'s kind and read its provenance.
 * Throws, naming the file, when the schema version, stage or a listed column does not match;
 * the common keys and, through the accessors, the kind's own keys throw, naming the file and
 * the key, when missing or not what the key holds.
 */
export function readProvenance(table: Table, path: string, spec: ShardSpec): ShardMetadata {
  const md = table.schema.metadata;
  const version = md.get('schema_version');
  const stage = md.get('stage');
  const missingColumns = (spec.columns ?? []).filter((c) => !table.getChild(c));
  if (
    version !== spec.schemaVersion ||
    (!spec.anyStage && stage !== spec.stage) ||
    missingColumns.length > 0
  ) {
    const columns = missingColumns.length ? `, missing columns ${missingColumns.join(', ')}` : '';
    throw new Error(
      `${path}: not a ${spec.kind} shard of schema ${spec.schemaVersion} (schema_version ${version ?? '(none)'}, stage ${stage ?? '(none)'}${columns})`,
    );
  }
  const refuse = (key: string, value: string | undefined, expected: string) =>
    new Error(
      `${path}: metadata '${key}' ${value === undefined ? 'missing' : `is ${shown(value)}`}, expected ${expected} (a ${spec.kind} shard?)`,
    );
  const text = (key: string, expected: string): string => {
    const value = md.get(key);
    if (value === undefined) throw refuse(key, value, expected);
    return value;
  };
  function str(key: string): string;
  function str<T extends string>(key: string, allowed: readonly T[]): T;
  function str(key: string, allowed?: readonly string[]): string {
    const expected = allowed ? `one of ${allowed.join(', ')}` : 'a string';
    const value = text(key, expected);
    if (allowed && !allowed.includes(value)) throw refuse(key, value, expected);
    return value;
  }
  const bool = (key: string): boolean => {
    const value = text(key, 'true or false');
    if (value !== 'true' && value !== 'false') throw refuse(key, value, 'true or false');
    return value === 'true';
  };
  const int = (key: string): number => {
    const value = text(key, 'an integer');
    if (!/^-?\d+$/.test(value)) throw refuse(key, value, 'an integer');
    return Number(value);
  };
  const num = (key: string): number => {
    const value = text(key, 'a number');
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw refuse(key, value, 'a number');
    return n;
  };
  const json = <T>(key: string, shape: JsonShape<T>): T => {
    const value = text(key, shape.expected);
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw refuse(key, value, shape.expected);
    }
    if (!shape.is(parsed)) throw refuse(key, value, shape.expected);
    return parsed;
  };
  return {
    schemaVersion: spec.schemaVersion,
    stage: str('stage'),
    stageVersion: str('stage_version'),
    parameters: json('parameters', JSON_OBJECT),
    synthetic: bool('synthetic'),
    classes: json('classes', STRING_LIST),
    notes: json('notes', STRING_LIST),
    str,
    bool,
    int,
    num,
    json,
  };
}

/** A shard file read as `spec`'s kind. */
export interface ShardFile {
  readonly table: Table;
  readonly md: ShardMetadata;
  readonly columns: ShardColumns;
}

/** Read the shard file at `path` as `spec`'s kind (see readProvenance). */
export function readShard(path: string, spec: ShardSpec): ShardFile {
  const table = readShardFile(path);
  const md = readProvenance(table, path, spec);
  return { table, md, columns: shardColumns(table, path, spec.kind) };
}
