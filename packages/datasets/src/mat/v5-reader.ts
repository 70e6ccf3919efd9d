/**
 * Reader of MAT-files level 5 (the format of MATLAB's `-v6` and `-v7` saves and of
 * `scipy.io.savemat`): a 128-byte header, then one tagged data element per variable, each an
 * miMATRIX or an miCOMPRESSED element holding a zlib-compressed miMATRIX.
 *
 * Every declared size is checked against the bytes that remain before anything is allocated, and
 * compressed elements are inflated with an output cap derived from their size, so memory stays
 * bounded by a small multiple of the input for any input. Any malformed input gives a
 * {@link FormatError} naming the file, the byte offset and what was expected there.
 */
import { constants as zlibConstants, inflateSync } from 'node:zlib';
import { FormatError } from '../errors.js';
import type { TypedArray } from '../ndarray.js';
import type {
  MatCell,
  MatChar,
  MatFile,
  MatNumeric,
  MatNumericClass,
  MatStruct,
  MatValue,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// Format constants
// ---------------------------------------------------------------------------------------------

/** Data types of tagged data elements. */
export const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;

/** MATLAB array classes (low byte of the array-flags word). */
export const MX = {
  CELL: 1,
  STRUCT: 2,
  OBJECT: 3,
  CHAR: 4,
  SPARSE: 5,
  DOUBLE: 6,
  SINGLE: 7,
  INT8: 8,
  UINT8: 9,
  INT16: 10,
  UINT16: 11,
  INT32: 12,
  UINT32: 13,
  INT64: 14,
  UINT64: 15,
  FUNCTION: 16,
  OPAQUE: 17,
} as const;

/** Array-flags bits (in the second byte of the flags word). */
export const MAT_FLAG = { COMPLEX: 0x0800, GLOBAL: 0x0400, LOGICAL: 0x0200 } as const;

/** A constructor of one of the typed arrays of {@link TypedArray}. */
export interface TypedArrayCtor {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
}

/** The typed array each numeric class is returned in (logical: Uint8Array of 0/1). */
export const CLASS_ARRAY: Readonly<Record<MatNumericClass, TypedArrayCtor>> = {
  double: Float64Array,
  single: Float32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  logical: Uint8Array,
};

/** Array class codes of the numeric classes (logical arrays are mxUINT8 with the logical flag). */
export const CLASS_CODE: Readonly<Record<MatNumericClass, number>> = {
  double: MX.DOUBLE,
  single: MX.SINGLE,
  int8: MX.INT8,
  uint8: MX.UINT8,
  int16: MX.INT16,
  uint16: MX.UINT16,
  int32: MX.INT32,
  uint32: MX.UINT32,
  int64: MX.INT64,
  uint64: MX.UINT64,
  logical: MX.UINT8,
};

/** Storage type (data element type) MATLAB uses for each class. */
export const CLASS_STORAGE: Readonly<Record<MatNumericClass, number>> = {
  double: MI.DOUBLE,
  single: MI.SINGLE,
  int8: MI.INT8,
  uint8: MI.UINT8,
  int16: MI.INT16,
  uint16: MI.UINT16,
  int32: MI.INT32,
  uint32: MI.UINT32,
  int64: MI.INT64,
  uint64: MI.UINT64,
  logical: MI.UINT8,
};

const NUMERIC_CLASS: Readonly<Record<number, MatNumericClass>> = {
  [MX.DOUBLE]: 'double',
  [MX.SINGLE]: 'single',
  [MX.INT8]: 'int8',
  [MX.UINT8]: 'uint8',
  [MX.INT16]: 'int16',
  [MX.UINT16]: 'uint16',
  [MX.INT32]: 'int32',
  [MX.UINT32]: 'uint32',
  [MX.INT64]: 'int64',
  [MX.UINT64]: 'uint64',
};

interface StorageType {
  readonly name: string;
  readonly ctor: TypedArrayCtor;
}

const STORAGE: Readonly<Record<number, StorageType>> = {
  [MI.INT8]: { name: 'miINT8', ctor: Int8Array },
  [MI.UINT8]: { name: 'miUINT8', ctor: Uint8Array },
  [MI.INT16]: { name: 'miINT16', ctor: Int16Array },
  [MI.UINT16]: { name: 'miUINT16', ctor: Uint16Array },
  [MI.INT32]: { name: 'miINT32', ctor: Int32Array },
  [MI.UINT32]: { name: 'miUINT32', ctor: Uint32Array },
  [MI.SINGLE]: { name: 'miSINGLE', ctor: Float32Array },
  [MI.DOUBLE]: { name: 'miDOUBLE', ctor: Float64Array },
  [MI.INT64]: { name: 'miINT64', ctor: BigInt64Array },
  [MI.UINT64]: { name: 'miUINT64', ctor: BigUint64Array },
};

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [MI.MATRIX]: 'miMATRIX',
  [MI.COMPRESSED]: 'miCOMPRESSED',
  [MI.UTF8]: 'miUTF8',
  [MI.UTF16]: 'miUTF16',
  [MI.UTF32]: 'miUTF32',
};

function typeName(type: number): string {
  return STORAGE[type]?.name ?? TYPE_NAMES[type] ?? `unknown data type ${type}`;
}

/** True when this machine stores numbers little-endian (typed arrays use the native order). */
export const NATIVE_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Largest expansion factor of a zlib stream: deflate codes at most 258 bytes in 2 bits, plus
 * block overhead, so no valid stream inflates by more than 1032:1.
 */
const MAX_INFLATE_RATIO = 1032;
/** Nesting depth of cells and structs beyond which a file is refused (stack safety). */
const MAX_DEPTH = 200;

// ---------------------------------------------------------------------------------------------
// Layout: column-major (MATLAB) <-> row-major (C)
// ---------------------------------------------------------------------------------------------

const BLOCK = 64;

type Word = Uint8Array | Uint16Array | Uint32Array | Float64Array;

/**
 * Cache-blocked transpose: for a C-order array of shape `dims` (n >= 2) with `w` words per
 * element, writes the C-order array of the reversed shape.
 */
function reverseAxesWords(src: Word, dst: Word, dims: readonly number[], w: number): void {
  const n = dims.length;
  const srcStride = new Array<number>(n);
  const dstStride = new Array<number>(n);
  let s = 1;
  for (let k = n - 1; k >= 0; k--) {
    srcStride[k] = s;
    s *= dims[k];
  }
  let d = 1;
  for (let k = 0; k < n; k++) {
    dstStride[k] = d;
    d *= dims[k];
  }
  const rows = dims[0];
  const cols = dims[n - 1];
  const sRow = srcStride[0];
  const dCol = dstStride[n - 1];
  // odometer over the middle axes 1..n-2
  const idx = new Array<number>(n).fill(0);
  let sOff = 0;
  let dOff = 0;
  for (;;) {
    if (w === 1) transposeBlock(src, dst, sOff, dOff, rows, cols, sRow, dCol);
    else transposeBlockWide(src, dst, sOff, dOff, rows, cols, sRow, dCol, w);
    let k = n - 2;
    while (k >= 1) {
      idx[k]++;
      sOff += srcStride[k];
      dOff += dstStride[k];
      if (idx[k] < dims[k]) break;
      sOff -= srcStride[k] * dims[k];
      dOff -= dstStride[k] * dims[k];
      idx[k] = 0;
      k--;
    }
    if (k < 1) return;
  }
}

/** dst[dOff + b*dCol + a] = src[sOff + a*sRow + b] for a < rows, b < cols, in tiles. */
function transposeBlock(
  src: Word,
  dst: Word,
  sOff: number,
  dOff: number,
  rows: number,
  cols: number,
  sRow: number,
  dCol: number,
): void {
  for (let a0 = 0; a0 < rows; a0 += BLOCK) {
    const a1 = Math.min(rows, a0 + BLOCK);
    for (let b0 = 0; b0 < cols; b0 += BLOCK) {
      const b1 = Math.min(cols, b0 + BLOCK);
      for (let b = b0; b < b1; b++) {
        let si = sOff + a0 * sRow + b;
        let di = dOff + b * dCol + a0;
        for (let a = a0; a < a1; a++) {
          dst[di++] = src[si];
          si += sRow;
        }
      }
    }
  }
}

function transposeBlockWide(
  src: Word,
  dst: Word,
  sOff: number,
  dOff: number,
  rows: number,
  cols: number,
  sRow: number,
  dCol: number,
  w: number,
): void {
  for (let a0 = 0; a0 < rows; a0 += BLOCK) {
    const a1 = Math.min(rows, a0 + BLOCK);
    for (let b0 = 0; b0 < cols; b0 += BLOCK) {
      const b1 = Math.min(cols, b0 + BLOCK);
      for (let b = b0; b < b1; b++) {
        for (let a = a0; a < a1; a++) {
          const si = (sOff + a * sRow + b) * w;
          const di = (dOff + b * dCol + a) * w;
          for (let q = 0; q < w; q++) dst[di + q] = src[si + q];
        }
      }
    }
  }
}

function wordView(a: TypedArray): { view: Word; w: number } {
  const { buffer, byteOffset, length } = a;
  switch (a.BYTES_PER_ELEMENT) {
    case 1:
      return { view: new Uint8Array(buffer, byteOffset, length), w: 1 };
    case 2:
      return { view: new Uint16Array(buffer, byteOffset, length), w: 1 };
    case 4:
      return { view: new Uint32Array(buffer, byteOffset, length), w: 1 };
    default:
      // float64 is copied as float64; 64-bit integers as pairs of 32-bit words (exact bits)
      return a instanceof Float64Array
        ? { view: a, w: 1 }
        : { view: new Uint32Array(buffer, byteOffset, length * 2), w: 2 };
  }
}

/** Whether reversing the axes of an array of this shape changes its memory layout. */
export function layoutChanges(shape: readonly number[]): boolean {
  let nonUnit = 0;
  for (const d of shape) {
    if (d === 0) return false;
    if (d !== 1) nonUnit++;
  }
  return nonUnit > 1;
}

/**
 * Writes into `dst` the elements of `src` (C order of `cShape`) in C order of the reversed
 * shape — i.e. converts column-major data of shape S (= C order of reversed S) to row-major of S,
 * and row-major of S to column-major of S. `dst` must have the same element size and length and
 * must not overlap `src`.
 */
export function reverseAxesInto(src: TypedArray, cShape: readonly number[], dst: TypedArray): void {
  if (src.length !== dst.length || src.BYTES_PER_ELEMENT !== dst.BYTES_PER_ELEMENT) {
    throw new RangeError('reverseAxesInto: source and destination differ in length or width');
  }
  if (!layoutChanges(cShape)) {
    wordView(dst).view.set(wordView(src).view);
    return;
  }
  const dims = cShape.filter((d) => d !== 1);
  const s = wordView(src);
  const d = wordView(dst);
  reverseAxesWords(s.view, d.view, dims, s.w);
}

/**
 * The elements of `src` (C order of `cShape`) in C order of the reversed shape, as a new array of
 * the same type; `src` itself when the layout does not change.
 */
export function reverseAxes<T extends TypedArray>(src: T, cShape: readonly number[]): T {
  if (!layoutChanges(cShape)) return src;
  const Ctor = src.constructor as new (b: ArrayBuffer, offset: number, n: number) => T;
  // Every element is overwritten below, so skip the zero-fill of a fresh ArrayBuffer (about a
  // third of the time of converting a 100 MB array).
  const raw = Buffer.allocUnsafeSlow(src.byteLength);
  const out = new Ctor(raw.buffer as ArrayBuffer, raw.byteOffset, src.length);
  reverseAxesInto(src, cShape, out);
  return out;
}

/** Row-major (C order) data of the MATLAB shape `shape` from its column-major data. */
export function columnToRowMajor<T extends TypedArray>(colMajor: T, shape: readonly number[]): T {
  return reverseAxes(colMajor, [...shape].reverse());
}

/** Column-major (MATLAB) data of shape `shape` from its row-major (C order) data. */
export function rowToColumnMajor<T extends TypedArray>(rowMajor: T, shape: readonly number[]): T {
  return reverseAxes(rowMajor, shape);
}

/**
 * For each position in C order of `shape`, the position of the same element in column-major
 * order (used to reorder cells, struct records and characters).
 */
export function columnMajorPositions(shape: readonly number[]): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  const nd = shape.length;
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let k = 0; k < nd; k++) {
    fStride[k] = s;
    s *= shape[k];
  }
  const idx = new Array<number>(nd).fill(0);
  let f = 0;
  for (let i = 0; i < n; i++) {
    out[i] = f;
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]++;
      f += fStride[k];
      if (idx[k] < shape[k]) break;
      f -= fStride[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

/** Items given in column-major order of `shape`, returned in C order. */
export function columnToRowMajorItems<T>(items: readonly T[], shape: readonly number[]): T[] {
  if (!layoutChanges(shape)) return [...items];
  const pos = columnMajorPositions(shape);
  const out = new Array<T>(items.length);
  for (let i = 0; i < pos.length; i++) out[i] = items[pos[i]];
  return out;
}

/** Items given in C order of `shape`, returned in column-major order. */
export function rowToColumnMajorItems<T>(items: readonly T[], shape: readonly number[]): T[] {
  if (!layoutChanges(shape)) return [...items];
  const pos = columnMajorPositions(shape);
  const out = new Array<T>(items.length);
  for (let i = 0; i < pos.length; i++) out[pos[i]] = items[i];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

interface Ctx {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly le: boolean;
  /** File offset of the miCOMPRESSED element whose inflated data `bytes` is (else undefined). */
  readonly base: number | undefined;
  /** 'F': keep numeric data column-major (views of the input allowed); 'C' (default): row-major. */
  readonly order: 'C' | 'F';
}

interface Tag {
  readonly at: number;
  readonly type: number;
  readonly nbytes: number;
  /** Offset of the data. */
  readonly data: number;
  /** Offset of the next element (after padding). */
  readonly next: number;
}

function fail(c: Ctx, pos: number, expected: string, detail: string): FormatError {
  if (c.base === undefined) return new FormatError(c.file, pos, expected, detail);
  return new FormatError(
    c.file,
    c.base,
    expected,
    `${detail} [at byte ${pos} of the data inflated from the miCOMPRESSED element at byte ${c.base}]`,
  );
}

const pad8 = (n: number): number => (n + 7) & ~7;

function u32(c: Ctx, pos: number): number {
  return c.view.getUint32(pos, c.le);
}

function readTag(c: Ctx, pos: number, end: number, where: string): Tag {
  if (end - pos < 8) {
    throw fail(
      c,
      pos,
      'an 8-byte data element tag',
      `${where}: only ${Math.max(0, end - pos)} bytes left`,
    );
  }
  const w = u32(c, pos);
  const small = w >>> 16;
  if (small !== 0) {
    if (small > 4) {
      throw fail(
        c,
        pos,
        'a small data element of at most 4 bytes, or a tag with a data type below 65536',
        `${where}: the tag reads ${w}`,
      );
    }
    return { at: pos, type: w & 0xffff, nbytes: small, data: pos + 4, next: pos + 8 };
  }
  const nbytes = u32(c, pos + 4);
  const left = end - pos - 8;
  if (nbytes > left) {
    throw fail(
      c,
      pos,
      `a data element of at most the ${left} bytes that remain`,
      `${where}: the ${typeName(w)} tag declares ${nbytes} bytes`,
    );
  }
  return { at: pos, type: w, nbytes, data: pos + 8, next: Math.min(end, pos + 8 + pad8(nbytes)) };
}

function expectType(c: Ctx, tag: Tag, types: readonly number[], what: string, where: string) {
  if (!types.includes(tag.type)) {
    throw fail(
      c,
      tag.at,
      `${what} (${types.map(typeName).join(' or ')})`,
      `${where}: found ${typeName(tag.type)}`,
    );
  }
}

const LATIN1 = new TextDecoder('latin1');
const UTF8 = new TextDecoder('utf-8');

function latin1(bytes: Uint8Array): string {
  return LATIN1.decode(bytes);
}

interface MatrixHeader {
  readonly tag: Tag;
  readonly end: number;
  readonly cls: number;
  readonly flags: number;
  readonly shape: number[];
  readonly count: number;
  readonly name: string;
  /** Offset of the first sub-element after the name. */
  readonly body: number;
}

/** Reads the tag, array flags, dimensions and name of an miMATRIX at `pos`. */
function readMatrixHeader(c: Ctx, pos: number, end: number, where: string): MatrixHeader | Tag {
  const tag = readTag(c, pos, end, where);
  expectType(c, tag, [MI.MATRIX], 'an array', where);
  if (tag.nbytes === 0) return tag; // MATLAB writes some empty cell elements as bare tags
  const mEnd = tag.data + tag.nbytes;
  const f = readTag(c, tag.data, mEnd, `${where}: array flags`);
  expectType(c, f, [MI.UINT32], 'array flags', where);
  if (f.nbytes !== 8) {
    throw fail(c, f.at, 'an 8-byte array flags element', `${where}: it has ${f.nbytes} bytes`);
  }
  const word = u32(c, f.data);
  const cls = word & 0xff;
  const flags = word & 0xff00;
  const d = readTag(c, f.next, mEnd, `${where}: dimensions`);
  expectType(c, d, [MI.INT32, MI.UINT32], 'the dimensions array', where);
  if (d.nbytes % 4 !== 0 || d.nbytes < 8) {
    throw fail(
      c,
      d.at,
      'at least two 4-byte dimensions',
      `${where}: the dimensions element has ${d.nbytes} bytes`,
    );
  }
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < d.nbytes / 4; i++) {
    const v = c.view.getInt32(d.data + 4 * i, c.le);
    if (v < 0) {
      throw fail(c, d.data + 4 * i, 'a non-negative dimension', `${where}: dimension ${i} is ${v}`);
    }
    shape.push(v);
    count *= v;
  }
  if (!Number.isSafeInteger(count)) {
    throw fail(
      c,
      d.data,
      'dimensions whose product is a safe integer',
      `${where}: [${shape.join('x')}]`,
    );
  }
  const nt = readTag(c, d.next, mEnd, `${where}: array name`);
  expectType(c, nt, [MI.INT8, MI.UINT8, MI.UTF8], 'the array name', where);
  const raw = c.bytes.subarray(nt.data, nt.data + nt.nbytes);
  const name = nt.type === MI.UTF8 ? UTF8.decode(raw) : latin1(raw);
  return { tag, end: mEnd, cls, flags, shape, count, name, body: nt.next };
}

/** What a bare miMATRIX tag (no sub-elements) stands for: a 0x0 double, as in MATLAB. */
function emptyDouble(): MatNumeric {
  return { kind: 'numeric', class: 'double', shape: [0, 0], data: new Float64Array(0) };
}

function refuseClass(c: Ctx, h: MatrixHeader, where: string): never {
  const flagsAt = h.tag.data + 8;
  switch (h.cls) {
    case MX.SPARSE:
      throw fail(
        c,
        flagsAt,
        'a dense array (sparse arrays are not supported; save them with full())',
        `${where}: '${h.name}' is a sparse array`,
      );
    case MX.OBJECT: {
      let className = '';
      try {
        const t = readTag(c, h.body, h.end, where);
        className = latin1(c.bytes.subarray(t.data, t.data + t.nbytes));
      } catch {
        // the class name is only used in the message
      }
      throw fail(
        c,
        flagsAt,
        'a numeric, logical, char, cell or struct array (MATLAB objects are not supported)',
        `${where}: '${h.name}' is an object${className ? ` of class '${className}'` : ''}`,
      );
    }
    case MX.FUNCTION:
      throw fail(
        c,
        flagsAt,
        'a numeric, logical, char, cell or struct array (function handles are not supported)',
        `${where}: '${h.name}' is a function handle`,
      );
    case MX.OPAQUE:
      throw fail(
        c,
        flagsAt,
        'a numeric, logical, char, cell or struct array (MATLAB opaque objects such as ' +
          'string, table or classdef instances are not supported)',
        `${where}: '${h.name}' is an opaque object`,
      );
    default:
      throw fail(c, flagsAt, 'an array class between 1 and 17', `${where}: class ${h.cls}`);
  }
}

function parseMatrix(c: Ctx, pos: number, end: number, where: string, depth: number): MatValue {
  if (depth > MAX_DEPTH) {
    throw fail(c, pos, `cells and structs nested at most ${MAX_DEPTH} deep`, `${where}: deeper`);
  }
  const h = readMatrixHeader(c, pos, end, where);
  if (!('cls' in h)) return emptyDouble();
  return parseBody(c, h, where, depth);
}

function parseBody(c: Ctx, h: MatrixHeader, where: string, depth: number): MatValue {
  const numeric = NUMERIC_CLASS[h.cls];
  if (numeric !== undefined) return readNumeric(c, h, numeric, where);
  switch (h.cls) {
    case MX.CHAR:
      return readChar(c, h, where);
    case MX.CELL:
      return readCell(c, h, where, depth);
    case MX.STRUCT:
      return readStruct(c, h, where, depth);
    default:
      return refuseClass(c, h, where);
  }
}

/** Decodes `count` values of a numeric data element into column-major data of class `cls`. */
function decodePart(
  c: Ctx,
  h: MatrixHeader,
  pos: number,
  cls: MatNumericClass,
  logical: boolean,
  part: string,
): { data: TypedArray; aliasesInput: boolean; next: number } {
  const target = CLASS_ARRAY[cls];
  if (h.count === 0 && pos >= h.end) {
    return { data: new target(0), aliasesInput: false, next: pos };
  }
  const tag = readTag(c, pos, h.end, `${part} of an array`);
  const st = STORAGE[tag.type];
  if (st === undefined) {
    throw fail(
      c,
      tag.at,
      'a numeric data element (miINT8..miUINT64, miSINGLE, miDOUBLE)',
      `${part}: found ${typeName(tag.type)}`,
    );
  }
  const size = st.ctor.BYTES_PER_ELEMENT;
  if (tag.nbytes !== h.count * size) {
    throw fail(
      c,
      tag.at,
      `${h.count * size} bytes of ${st.name} for ${h.count} elements of shape [${h.shape.join('x')}]`,
      `${part}: the element holds ${tag.nbytes} bytes`,
    );
  }
  const count = h.count;
  const start = c.bytes.byteOffset + tag.data;
  let src: TypedArray;
  let aliasesInput: boolean;
  if (size === 1 || (c.le === NATIVE_LITTLE_ENDIAN && start % size === 0)) {
    src = new st.ctor(c.bytes.buffer, start, count);
    aliasesInput = true;
  } else {
    // (a copy: Buffer.prototype.slice would return a view)
    const copy = new Uint8Array(tag.nbytes);
    copy.set(c.bytes.subarray(tag.data, tag.data + tag.nbytes));
    if (c.le !== NATIVE_LITTLE_ENDIAN) swapBytes(copy, size);
    src = new st.ctor(copy.buffer, 0, count);
    aliasesInput = false;
  }
  let data: TypedArray;
  if (logical) {
    data = toLogical(src);
    aliasesInput = false;
  } else if (st.ctor === target) {
    data = src;
  } else {
    data = convert(c, tag, src, target, part);
    aliasesInput = false;
  }
  return { data, aliasesInput, next: tag.next };
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i + size <= b.length; i += size) {
    for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
      const t = b[lo];
      b[lo] = b[hi];
      b[hi] = t;
    }
  }
}

function toLogical(src: TypedArray): Uint8Array {
  const out = new Uint8Array(src.length);
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0n ? 1 : 0;
  } else {
    for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
  }
  return out;
}

function isBig(a: TypedArray): a is BigInt64Array | BigUint64Array {
  return a instanceof BigInt64Array || a instanceof BigUint64Array;
}

function convert(
  c: Ctx,
  tag: Tag,
  src: TypedArray,
  target: TypedArrayCtor,
  part: string,
): TypedArray {
  const out = new target(src.length);
  if (isBig(src) === isBig(out)) {
    (out as Float64Array).set(src as Float64Array);
  } else if (isBig(out)) {
    const num = src as Float64Array;
    const big = out as BigInt64Array;
    const unsigned = out instanceof BigUint64Array;
    for (let i = 0; i < num.length; i++) {
      const v = num[i];
      if (!Number.isInteger(v) || (unsigned && v < 0)) {
        throw fail(
          c,
          tag.data,
          `${unsigned ? 'non-negative ' : ''}integral values for a 64-bit integer class`,
          `${part}: element ${i} is ${v}`,
        );
      }
      big[i] = BigInt(v);
    }
  } else {
    const big = src as BigInt64Array;
    const num = out as Float64Array;
    for (let i = 0; i < big.length; i++) num[i] = Number(big[i]);
  }
  return out;
}

function finishLayout(
  data: TypedArray,
  aliasesInput: boolean,
  shape: readonly number[],
): TypedArray {
  const out = columnToRowMajor(data, shape);
  // never hand out views of the caller's buffer
  return out === data && aliasesInput ? data.slice() : out;
}

function readNumeric(c: Ctx, h: MatrixHeader, cls: MatNumericClass, where: string): MatNumeric {
  const logical = (h.flags & MAT_FLAG.LOGICAL) !== 0;
  const complex = (h.flags & MAT_FLAG.COMPLEX) !== 0;
  const outClass: MatNumericClass = logical ? 'logical' : cls;
  const re = decodePart(c, h, h.body, outClass, logical, `${where}: real part`);
  if (c.order === 'F') {
    const base = {
      kind: 'numeric',
      class: outClass,
      shape: h.shape,
      data: re.data,
      order: 'F',
    } as const;
    if (!complex) return base;
    const imF = decodePart(c, h, re.next, outClass, logical, `${where}: imaginary part`);
    return { ...base, imag: imF.data };
  }
  const data = finishLayout(re.data, re.aliasesInput, h.shape);
  if (!complex) return { kind: 'numeric', class: outClass, shape: h.shape, data };
  const im = decodePart(c, h, re.next, outClass, logical, `${where}: imaginary part`);
  const imag = finishLayout(im.data, im.aliasesInput, h.shape);
  return { kind: 'numeric', class: outClass, shape: h.shape, data, imag };
}

function charRowCount(c: Ctx, h: MatrixHeader, where: string): number {
  const nd = h.shape.length;
  let rows = 1;
  for (let i = 0; i < nd - 1; i++) rows *= h.shape[i];
  if (h.count === 0 && rows > h.tag.nbytes) {
    throw fail(
      c,
      h.tag.at,
      `an empty char array of at most ${h.tag.nbytes} rows`,
      `${where}: ${rows} empty rows`,
    );
  }
  return rows;
}

function readChar(c: Ctx, h: MatrixHeader, where: string): MatChar {
  const nrows = charRowCount(c, h, where);
  const rowLen = h.shape[h.shape.length - 1];
  if (h.count === 0) {
    if (h.body < h.end) readTag(c, h.body, h.end, `${where}: char data`);
    return { kind: 'char', shape: h.shape, rows: new Array<string>(nrows).fill('') };
  }
  const tag = readTag(c, h.body, h.end, `${where}: char data`);
  if (tag.nbytes === 0) {
    // MATLAB has written non-empty char arrays without data; scipy reads them as blanks
    return {
      kind: 'char',
      shape: h.shape,
      rows: new Array<string>(nrows).fill(' '.repeat(rowLen)),
    };
  }
  const units = tag.type === MI.UTF8 ? null : charUnits(c, h, tag, where);
  if (units !== null) {
    const rowMajor = columnToRowMajor(units, h.shape);
    const rows = new Array<string>(nrows);
    for (let r = 0; r < nrows; r++) {
      rows[r] = unitsToString(rowMajor, r * rowLen, rowLen);
    }
    return { kind: 'char', shape: h.shape, rows };
  }
  // miUTF8: MATLAB and scipy store the column-major characters encoded; the dimensions count
  // UTF-16 code units (MATLAB) or code points (scipy).
  const text = UTF8.decode(c.bytes.subarray(tag.data, tag.data + tag.nbytes));
  let chars: string[];
  if (text.length === h.count) chars = text.split('');
  else {
    chars = Array.from(text);
    if (chars.length !== h.count) {
      throw fail(
        c,
        tag.at,
        `${h.count} characters for shape [${h.shape.join('x')}]`,
        `${where}: the miUTF8 data decodes to ${text.length} code units (${chars.length} code points)`,
      );
    }
  }
  const ordered = columnToRowMajorItems(chars, h.shape);
  const rows = new Array<string>(nrows);
  for (let r = 0; r < nrows; r++) rows[r] = ordered.slice(r * rowLen, (r + 1) * rowLen).join('');
  return { kind: 'char', shape: h.shape, rows };
}

/** Character data other than miUTF8 as column-major UTF-16 code units (or code points). */
function charUnits(c: Ctx, h: MatrixHeader, tag: Tag, where: string): Uint16Array | Uint32Array {
  let size: number;
  switch (tag.type) {
    case MI.UINT16:
    case MI.UTF16:
    case MI.INT16:
      size = 2;
      break;
    case MI.UINT8:
    case MI.INT8:
      size = 1;
      break;
    case MI.UTF32:
    case MI.UINT32:
    case MI.INT32:
      size = 4;
      break;
    default:
      throw fail(
        c,
        tag.at,
        'character data (miUINT16, miUTF16, miUTF8, miUTF32 or miUINT8)',
        `${where}: found ${typeName(tag.type)}`,
      );
  }
  if (tag.nbytes !== h.count * size) {
    throw fail(
      c,
      tag.at,
      `${h.count * size} bytes for ${h.count} characters of shape [${h.shape.join('x')}]`,
      `${where}: the ${typeName(tag.type)} element holds ${tag.nbytes} bytes`,
    );
  }
  if (size === 1) return Uint16Array.from(c.bytes.subarray(tag.data, tag.data + tag.nbytes));
  const out = size === 2 ? new Uint16Array(h.count) : new Uint32Array(h.count);
  for (let i = 0; i < h.count; i++) {
    out[i] =
      size === 2
        ? c.view.getUint16(tag.data + 2 * i, c.le)
        : c.view.getUint32(tag.data + 4 * i, c.le);
  }
  if (out instanceof Uint32Array) {
    for (let i = 0; i < out.length; i++) {
      if (out[i] > 0x10ffff) {
        throw fail(c, tag.data + 4 * i, 'a Unicode code point', `${where}: ${out[i]}`);
      }
    }
  }
  return out;
}

function unitsToString(units: Uint16Array | Uint32Array, start: number, len: number): string {
  if (units instanceof Uint32Array) {
    let s = '';
    for (let i = start; i < start + len; i++) s += String.fromCodePoint(units[i]);
    return s;
  }
  const CHUNK = 8192;
  let s = '';
  for (let i = start; i < start + len; i += CHUNK) {
    s += String.fromCharCode(...units.subarray(i, Math.min(start + len, i + CHUNK)));
  }
  return s;
}

function readCell(c: Ctx, h: MatrixHeader, where: string, depth: number): MatCell {
  const left = h.end - h.body;
  if (h.count * 8 > left) {
    throw fail(
      c,
      h.body,
      `${h.count} cell elements of at least 8 bytes each`,
      `${where}: only ${left} bytes remain in the cell array`,
    );
  }
  const items = new Array<MatValue>(h.count);
  let p = h.body;
  // elements are stored in column-major order: labelled with MATLAB's linear index
  for (let k = 0; k < h.count; k++) {
    const w = `${where}{${k + 1}}`;
    const t = readTag(c, p, h.end, w);
    items[k] = parseMatrix(c, p, h.end, w, depth + 1);
    p = t.next;
  }
  return { kind: 'cell', shape: h.shape, items: columnToRowMajorItems(items, h.shape) };
}

function readStruct(c: Ctx, h: MatrixHeader, where: string, depth: number): MatStruct {
  const lt = readTag(c, h.body, h.end, `${where}: field name length`);
  expectType(c, lt, [MI.INT32, MI.UINT32], 'the field name length', where);
  if (lt.nbytes !== 4) {
    throw fail(c, lt.at, 'a 4-byte field name length', `${where}: ${lt.nbytes} bytes`);
  }
  const len = c.view.getInt32(lt.data, c.le);
  const nt = readTag(c, lt.next, h.end, `${where}: field names`);
  expectType(c, nt, [MI.INT8, MI.UINT8], 'the field names', where);
  if (len <= 0 ? nt.nbytes !== 0 : nt.nbytes % len !== 0) {
    throw fail(
      c,
      nt.at,
      `field names of ${len} bytes each`,
      `${where}: the names element holds ${nt.nbytes} bytes`,
    );
  }
  const nFields = len > 0 ? nt.nbytes / len : 0;
  const fieldNames: string[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < nFields; i++) {
    const raw = c.bytes.subarray(nt.data + i * len, nt.data + (i + 1) * len);
    const zero = raw.indexOf(0);
    let name = latin1(zero < 0 ? raw : raw.subarray(0, zero));
    const n = seen.get(name);
    if (n !== undefined) {
      // MATLAB can write duplicate (truncated) names; rename them as scipy does
      seen.set(name, n + 1);
      name = `_${n + 1}_${name}`;
    } else seen.set(name, 0);
    fieldNames.push(name);
  }
  const left = h.end - nt.next;
  if (nFields > 0 ? h.count * nFields * 8 > left : h.count > h.tag.nbytes) {
    throw fail(
      c,
      nt.next,
      `${h.count} struct elements x ${nFields} fields of at least 8 bytes each`,
      `${where}: only ${left} bytes remain in the struct array`,
    );
  }
  const records = new Array<Readonly<Record<string, MatValue>>>(h.count);
  let p = nt.next;
  for (let k = 0; k < h.count; k++) {
    const entries: [string, MatValue][] = [];
    for (const f of fieldNames) {
      const w = `${where}(${k + 1}).${f}`;
      const t = readTag(c, p, h.end, w);
      entries.push([f, parseMatrix(c, p, h.end, w, depth + 1)]);
      p = t.next;
    }
    records[k] = Object.fromEntries(entries);
  }
  return {
    kind: 'struct',
    shape: h.shape,
    fieldNames,
    items: columnToRowMajorItems(records, h.shape),
  };
}

// ---------------------------------------------------------------------------------------------
// Compressed elements
// ---------------------------------------------------------------------------------------------

function zlibMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Inflates the miCOMPRESSED element `tag` of the file. The inflated data must be one miMATRIX:
 * its tag is read from a short prefix first, and the full inflation is capped at the size that
 * tag declares (itself at most {@link MAX_INFLATE_RATIO} times the compressed size).
 */
function inflateElement(c: Ctx, tag: Tag): Uint8Array {
  const comp = c.bytes.subarray(tag.data, tag.data + tag.nbytes);
  let head: Uint8Array;
  try {
    head = inflateSync(comp.subarray(0, Math.min(comp.length, 1024)), {
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
    });
  } catch (e) {
    throw fail(
      c,
      tag.data,
      'zlib-compressed data',
      `the miCOMPRESSED element cannot be inflated: ${zlibMessage(e)}`,
    );
  }
  if (head.length < 8) {
    throw fail(
      c,
      tag.data,
      'compressed data that starts with an 8-byte miMATRIX tag',
      `the miCOMPRESSED element inflates to only ${head.length} bytes`,
    );
  }
  const hv = new DataView(head.buffer, head.byteOffset, head.length);
  const type = hv.getUint32(0, c.le);
  const nbytes = hv.getUint32(4, c.le);
  if (type !== MI.MATRIX) {
    throw fail(
      c,
      tag.data,
      'compressed data that starts with an miMATRIX tag',
      `the inflated data starts with ${typeName(type)}`,
    );
  }
  const declared = 8 + nbytes;
  const cap = comp.length * MAX_INFLATE_RATIO + 64;
  if (declared > cap) {
    throw fail(
      c,
      tag.data,
      `an miMATRIX of at most ${cap} bytes (zlib inflates ${comp.length} bytes by at most ` +
        `${MAX_INFLATE_RATIO}:1)`,
      `the compressed miMATRIX tag declares ${nbytes} bytes`,
    );
  }
  let out: Uint8Array;
  try {
    out = inflateSync(comp, {
      maxOutputLength: declared + 8,
      chunkSize: Math.max(64, declared + 8),
    });
  } catch (e) {
    const tooLong = (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    throw fail(
      c,
      tag.data,
      `compressed data inflating to the ${declared} bytes its miMATRIX tag declares`,
      tooLong
        ? `the miCOMPRESSED element inflates to more than ${declared + 8} bytes`
        : `the miCOMPRESSED element cannot be inflated: ${zlibMessage(e)}`,
    );
  }
  if (out.length < declared) {
    throw fail(
      c,
      tag.data,
      `compressed data inflating to the ${declared} bytes its miMATRIX tag declares`,
      `it inflates to ${out.length} bytes`,
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// File
// ---------------------------------------------------------------------------------------------

/** The descriptive text of a MAT header (bytes 0..115), trailing blanks and NULs removed. */
export function headerText(bytes: Uint8Array): string {
  return latin1(bytes.subarray(0, Math.min(116, bytes.length))).replace(/[\s\0]+$/, '');
}

/**
 * Reads a level-5 MAT-file (MATLAB `-v6`/`-v7`, scipy.io.savemat), little- or big-endian,
 * compressed or not. Numeric, logical, char, cell and struct arrays are returned with data in
 * row-major (C) order of their MATLAB shape (see ./types.ts); int64/uint64 data as
 * BigInt64Array/BigUint64Array, logical data as Uint8Array of 0/1. Sparse arrays, objects and
 * function handles are refused with a FormatError. The subsystem data MATLAB appends for
 * objects (a variable with an empty name) is skipped.
 *
 * @param bytes the whole file
 * @param file the file name used in error messages
 */
/** Options of the MAT readers. */
export interface ReadMatOptions {
  /**
   * Layout of numeric data: 'C' (default) row-major copies; 'F' MATLAB's own column-major
   * order, without reordering and possibly as views of `bytes` (as scipy.io.loadmat returns
   * them). Level-5 files only; v7.3 files are always returned in C order.
   */
  readonly order?: 'C' | 'F';
}

export function readMat5(bytes: Uint8Array, file: string, opts: ReadMatOptions = {}): MatFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = opts.order ?? 'C';
  const top0: Ctx = { file, bytes, view, le: true, base: undefined, order };
  if (bytes.length < 128) {
    throw fail(top0, 0, 'a 128-byte MAT-file header', `the file has only ${bytes.length} bytes`);
  }
  const e0 = bytes[126];
  const e1 = bytes[127];
  let le: boolean;
  if (e0 === 0x49 && e1 === 0x4d) le = true;
  else if (e0 === 0x4d && e1 === 0x49) le = false;
  else {
    throw fail(
      top0,
      126,
      "the endian indicator 'IM' or 'MI'",
      `found bytes 0x${e0.toString(16).padStart(2, '0')} 0x${e1.toString(16).padStart(2, '0')}`,
    );
  }
  const c: Ctx = { file, bytes, view, le, base: undefined, order };
  const version = view.getUint16(124, le);
  if (version !== 0x0100) {
    throw fail(
      c,
      124,
      'MAT-file version 0x0100 (level 5)',
      `found version 0x${version.toString(16).padStart(4, '0')}`,
    );
  }
  const sub = view.getBigUint64(116, le);
  const subsysOffset =
    sub === 0n || sub === 0x2020202020202020n || sub > BigInt(bytes.length)
      ? undefined
      : Number(sub);

  const variables = new Map<string, MatValue>();
  let pos = 128;
  while (pos < bytes.length) {
    const left = bytes.length - pos;
    if (left < 8 && bytes.subarray(pos).every((b) => b === 0)) break; // trailing padding
    const where = `variable ${variables.size + 1}`;
    const tag = readTag(c, pos, bytes.length, where);
    if (tag.type !== MI.MATRIX && tag.type !== MI.COMPRESSED) {
      throw fail(
        c,
        pos,
        'a variable (miMATRIX or miCOMPRESSED element)',
        `${where}: found ${typeName(tag.type)}`,
      );
    }
    const next = tag.type === MI.COMPRESSED ? tag.data + tag.nbytes : tag.next;
    if (pos === subsysOffset) {
      pos = next;
      continue;
    }
    let inner: Ctx = c;
    let at = pos;
    let end = tag.next;
    if (tag.type === MI.COMPRESSED) {
      const out = inflateElement(c, tag);
      inner = {
        file,
        bytes: out,
        view: new DataView(out.buffer, out.byteOffset, out.byteLength),
        le,
        base: pos,
        order,
      };
      at = 0;
      end = out.length;
    }
    const h = readMatrixHeader(inner, at, end, where);
    if ('cls' in h) {
      const label = h.name === '' ? where : `variable '${h.name}'`;
      if (h.name !== '') {
        if (variables.has(h.name)) {
          throw fail(c, pos, 'distinct variable names', `${label} appears twice`);
        }
        variables.set(h.name, parseBody(inner, h, label, 0));
      }
      // a variable with an empty name is MATLAB's subsystem data: skipped
    }
    pos = next;
  }
  return { version: '5', header: headerText(bytes), variables };
}
