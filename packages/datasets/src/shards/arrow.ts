/**
 * Arrow IPC shard helpers shared by every stage: column constructors that build Arrow data
 * straight from typed arrays (no per-value builders, so writing runs at memory speed),
 * crash-safe writes (temporary file, then rename) and zero-copy reads.
 */
import { readFileSync } from 'node:fs';
import type { AtomicWriteOptions } from '@emo/runtime';
import { writeFileAtomic } from '@emo/runtime';
import {
  Bool,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  List,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Uint8,
  Utf8,
  makeData,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import type { Data, DataType } from 'apache-arrow';

/** One column ready to be written: its field and its data. */
export interface Column {
  readonly field: Field;
  readonly data: Data;
}

function validity(isNull: readonly boolean[]): {
  nullBitmap: Uint8Array | undefined;
  nullCount: number;
} {
  const n = isNull.length;
  let nullCount = 0;
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  for (let i = 0; i < n; i++) {
    if (isNull[i]) nullCount++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  return { nullBitmap: nullCount ? bitmap : undefined, nullCount };
}

export function utf8Column(name: string, values: readonly (string | null)[]): Column {
  const nullable = values.some((v) => v === null);
  return {
    field: new Field(name, new Utf8(), nullable),
    data: vectorFromArray(values, new Utf8()).data[0],
  };
}

export function int32Column(name: string, values: readonly (number | null)[]): Column {
  const { nullBitmap, nullCount } = validity(values.map((v) => v === null));
  const data = Int32Array.from(values, (v) => v ?? 0);
  return {
    field: new Field(name, new Int32(), nullCount > 0),
    data: makeData({ type: new Int32(), length: values.length, nullCount, nullBitmap, data }),
  };
}

export function float64Column(name: string, values: readonly (number | null)[]): Column {
  const { nullBitmap, nullCount } = validity(values.map((v) => v === null));
  const data = Float64Array.from(values, (v) => v ?? 0);
  return {
    field: new Field(name, new Float64(), nullCount > 0),
    data: makeData({ type: new Float64(), length: values.length, nullCount, nullBitmap, data }),
  };
}

export function boolColumn(name: string, values: readonly (boolean | null)[]): Column {
  const { nullBitmap, nullCount } = validity(values.map((v) => v === null));
  const bits = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v) bits[i >> 3] |= 1 << (i & 7);
  });
  return {
    field: new Field(name, new Bool(), nullCount > 0),
    data: makeData({ type: new Bool(), length: values.length, nullCount, nullBitmap, data: bits }),
  };
}

/** A List<Float32> column: one variable-length signal per row (null where absent). */
export function listFloat32Column(
  name: string,
  values: readonly (Float32Array | Float64Array | null)[],
): Column {
  const { nullBitmap, nullCount } = validity(values.map((v) => v === null));
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  values.forEach((v, i) => {
    total += v ? v.length : 0;
    if (total > 0x7fffffff) throw new RangeError(`${name}: more than 2^31 values in one shard`);
    offsets[i + 1] = total;
  });
  const flat = new Float32Array(total);
  values.forEach((v, i) => {
    if (v) flat.set(v, offsets[i]);
  });
  const itemField = new Field('item', new Float32(), false);
  const type = new List(itemField);
  const child = makeData({ type: new Float32(), length: total, nullCount: 0, data: flat });
  return {
    field: new Field(name, type, nullCount > 0),
    data: makeData({
      type,
      length: values.length,
      nullCount,
      nullBitmap,
      valueOffsets: offsets,
      child,
    }),
  };
}

/**
 * The class of a typed array by its tag, not `instanceof`: an array made in another realm (one
 * that came from a worker or child process through structured clone, inside jest's VM) is not an
 * instance of this realm's Float32Array, and must not be mistaken for bytes.
 */
function typedArrayKind(a: ArrayBufferView): string {
  return Object.prototype.toString.call(a).slice(8, -1);
}

/** A FixedSizeList column (e.g. a T×C window or a 48×48 face) from one flat typed array. */
export function fixedSizeListColumn(
  name: string,
  size: number,
  flat: Float32Array | Uint8Array,
  rows: number,
): Column {
  const kind = typedArrayKind(flat);
  if (kind !== 'Float32Array' && kind !== 'Uint8Array') {
    throw new TypeError(`${name}: expected a Float32Array or Uint8Array, got a ${kind}`);
  }
  if (flat.length !== size * rows) {
    throw new RangeError(
      `${name}: ${rows} rows of ${size} need ${size * rows} values, got ${flat.length}`,
    );
  }
  const itemType: DataType = typedArrayKind(flat) === 'Float32Array' ? new Float32() : new Uint8();
  const type = new FixedSizeList(size, new Field('item', itemType, false));
  const child = makeData({
    type: itemType as Float32,
    length: flat.length,
    nullCount: 0,
    data: flat as Float32Array,
  });
  return {
    field: new Field(name, type, false),
    data: makeData({ type, length: rows, nullCount: 0, child }),
  };
}

/** Assemble columns and string metadata into a table. */
export function makeShardTable(
  columns: readonly Column[],
  metadata: ReadonlyMap<string, string>,
): Table {
  const rows = columns.length ? columns[0].data.length : 0;
  for (const c of columns) {
    if (c.data.length !== rows) {
      throw new RangeError(`column ${c.field.name} has ${c.data.length} rows, expected ${rows}`);
    }
  }
  const schema = new Schema(
    columns.map((c) => c.field),
    new Map(metadata),
  );
  const struct = makeData({
    type: new Struct(schema.fields),
    length: rows,
    nullCount: 0,
    children: columns.map((c) => c.data),
  });
  return new Table([new RecordBatch(schema, struct)]);
}

/**
 * Write a table as an Arrow IPC file atomically (see @emo/runtime's writeFileAtomic). Returns
 * the bytes written.
 */
export function writeShardFile(path: string, table: Table, opts: AtomicWriteOptions = {}): number {
  const bytes = tableToIPC(table, 'file');
  writeFileAtomic(path, bytes, opts);
  return bytes.byteLength;
}

/** Read an Arrow IPC file; column buffers are views on the file's bytes (no copy). */
export function readShardFile(path: string): Table {
  const bytes = readFileSync(path);
  try {
    return tableFromIPC(bytes);
  } catch (e) {
    throw new Error(`${path}: not a readable Arrow IPC file (${(e as Error).message})`, {
      cause: e,
    });
  }
}

export function shardMetadata(table: Table): Map<string, string> {
  return new Map(table.schema.metadata);
}

/** Typed access to the columns of a shard, with errors naming the file and the column. */
export interface ShardColumns {
  /** Nullable string column, by row. */
  str(name: string): (row: number) => string | null;
  /** Nullable number column, by row. */
  num(name: string): (row: number) => number | null;
  /** A FixedSizeList column's values, all rows concatenated (a view when in one batch). */
  flat<T extends Float32Array | Uint8Array>(name: string): T;
}

export function shardColumns(table: Table, path: string, what: string): ShardColumns {
  const get = (name: string) => {
    const c = table.getChild(name);
    if (!c) throw new Error(`${path}: column '${name}' missing (expected a ${what} shard)`);
    return c;
  };
  return {
    str(name) {
      const c = get(name);
      return (i) => (c.get(i) as string | null) ?? null;
    },
    num(name) {
      const c = get(name);
      return (i) => (c.get(i) as number | null) ?? null;
    },
    flat<T extends Float32Array | Uint8Array>(name: string): T {
      const c = get(name);
      const size = (c.type as { listSize: number }).listSize;
      const parts = c.data.map((d) => {
        const child = d.children[0];
        return (child.values as T).subarray(
          child.offset + d.offset * size,
          child.offset + (d.offset + d.length) * size,
        ) as T;
      });
      if (parts.length === 1) return parts[0];
      const total = parts.reduce((n, p) => n + p.length, 0);
      const out = (
        typedArrayKind(parts[0]) === 'Uint8Array' ? new Uint8Array(total) : new Float32Array(total)
      ) as T;
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return out;
    },
  };
}
