import type { TypedArray } from '../ndarray.js';

/** MATLAB numeric and logical array classes as stored in MAT files. */
export const MAT_NUMERIC_CLASSES = [
  'double',
  'single',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'logical',
] as const;
export type MatNumericClass = (typeof MAT_NUMERIC_CLASSES)[number];

/**
 * A numeric or logical array. `data` is in C (row-major) order of `shape` — the readers
 * convert MATLAB's column-major storage. Empty arrays have a zero in `shape` and empty data.
 */
export interface MatNumeric {
  readonly kind: 'numeric';
  readonly class: MatNumericClass;
  readonly shape: readonly number[];
  readonly data: TypedArray;
  /** Imaginary part for complex arrays, same layout as data. */
  readonly imag?: TypedArray;
  /**
   * 'F' when the reader was asked to keep MATLAB's column-major order (`readMat(…, { order:
   * 'F' })`): then `data` (and `imag`) are column-major and may be views of the file's bytes.
   * Absent means C (row-major) order.
   */
  readonly order?: 'F';
}

/** A char array. `rows` holds each row of a 2-D char matrix (one string for a 1×n char). */
export interface MatChar {
  readonly kind: 'char';
  readonly shape: readonly number[];
  readonly rows: readonly string[];
}

/** A cell array; `items` in C (row-major) order of `shape`. */
export interface MatCell {
  readonly kind: 'cell';
  readonly shape: readonly number[];
  readonly items: readonly MatValue[];
}

/** A struct array; one record per element in C order of `shape`. */
export interface MatStruct {
  readonly kind: 'struct';
  readonly shape: readonly number[];
  readonly fieldNames: readonly string[];
  readonly items: readonly Readonly<Record<string, MatValue>>[];
}

export type MatValue = MatNumeric | MatChar | MatCell | MatStruct;

export interface MatFile {
  /** '5' for level-5 files (v5/v6/v7), '7.3' for HDF5-based files. */
  readonly version: '5' | '7.3';
  /** The 116-byte descriptive text of the header (trimmed). */
  readonly header: string;
  readonly variables: ReadonlyMap<string, MatValue>;
}
