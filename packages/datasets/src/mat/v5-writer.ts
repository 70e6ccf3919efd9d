/**
 * Writer of MAT-files level 5, laid out as MATLAB and scipy.io.savemat write them: a 128-byte
 * header, then each variable as an miMATRIX element (inside an miCOMPRESSED element when
 * compressing), every sub-element padded to 8 bytes, data in column-major order.
 */
import { deflateSync } from 'node:zlib';
import type { TypedArray } from '../ndarray.js';
import type { MatChar, MatNumeric, MatStruct, MatValue } from './types.js';
import {
  CLASS_ARRAY,
  CLASS_CODE,
  CLASS_STORAGE,
  MAT_FLAG,
  MI,
  MX,
  NATIVE_LITTLE_ENDIAN,
  reverseAxesInto,
  rowToColumnMajorItems,
  type TypedArrayCtor,
} from './v5-reader.js';

export interface WriteMat5Options {
  /** Wrap each variable in an miCOMPRESSED element (zlib, default level), as MATLAB -v7 does. */
  readonly compress?: boolean;
  /** Descriptive header text (ASCII, at most 116 characters). */
  readonly header?: string;
}

/** MATLAB variable names: a letter, then letters, digits or underscores, at most 63 in all. */
const VARIABLE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
/** Field names: as variable names, also allowing a leading underscore (scipy's renamed duplicates). */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const pad8 = (n: number): number => (n + 7) & ~7;

/** A serialisable piece: its size in bytes and how to write it at an 8-aligned offset. */
interface Piece {
  readonly size: number;
  write(out: Uint8Array, view: DataView, pos: number): void;
}

function fail(path: string, message: string): never {
  throw new RangeError(`writeMat5: ${path}: ${message}`);
}

function normShape(shape: readonly number[], path: string): number[] {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0x7fffffff) {
      fail(path, `dimension ${d} in shape [${shape.join(', ')}] is not an int32 >= 0`);
    }
  }
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [1, shape[0]];
  return [...shape];
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function writeTag(view: DataView, pos: number, type: number, nbytes: number): void {
  view.setUint32(pos, type, NATIVE_LITTLE_ENDIAN);
  view.setUint32(pos + 4, nbytes, NATIVE_LITTLE_ENDIAN);
}

/** Array flags, dimensions and name sub-elements. */
function headerPieces(cls: number, flags: number, shape: readonly number[], name: string): Piece {
  const nameBytes = Buffer.from(name, 'latin1');
  const dimsSize = 8 + pad8(4 * shape.length);
  const nameSize = nameBytes.length > 0 && nameBytes.length <= 4 ? 8 : 8 + pad8(nameBytes.length);
  return {
    size: 16 + dimsSize + nameSize,
    write(out, view, pos) {
      writeTag(view, pos, MI.UINT32, 8);
      view.setUint32(pos + 8, cls | flags, NATIVE_LITTLE_ENDIAN);
      view.setUint32(pos + 12, 0, NATIVE_LITTLE_ENDIAN);
      let p = pos + 16;
      writeTag(view, p, MI.INT32, 4 * shape.length);
      for (let i = 0; i < shape.length; i++) {
        view.setInt32(p + 8 + 4 * i, shape[i], NATIVE_LITTLE_ENDIAN);
      }
      p += dimsSize;
      if (nameBytes.length > 0 && nameBytes.length <= 4) {
        // small data element: [type:16, nbytes:16] in one 32-bit word, then up to 4 bytes
        view.setUint32(p, (nameBytes.length << 16) | MI.INT8, NATIVE_LITTLE_ENDIAN);
        out.set(nameBytes, p + 4);
      } else {
        writeTag(view, p, MI.INT8, nameBytes.length);
        out.set(nameBytes, p + 8);
      }
    },
  };
}

function matrix(header: Piece, parts: readonly Piece[]): Piece {
  const body = header.size + parts.reduce((a, p) => a + p.size, 0);
  return {
    size: 8 + body,
    write(out, view, pos) {
      writeTag(view, pos, MI.MATRIX, body);
      header.write(out, view, pos + 8);
      let p = pos + 8 + header.size;
      for (const part of parts) {
        part.write(out, view, p);
        p += part.size;
      }
    },
  };
}

/** A numeric data element whose column-major data is produced straight into the output. */
function numericPart(
  type: number,
  data: TypedArray,
  shape: readonly number[],
  Ctor: TypedArrayCtor,
): Piece {
  const nbytes = data.byteLength;
  return {
    size: 8 + pad8(nbytes),
    write(out, view, pos) {
      writeTag(view, pos, type, nbytes);
      if (nbytes === 0) return;
      const dst = new Ctor(out.buffer, out.byteOffset + pos + 8, data.length);
      reverseAxesInto(data, shape, dst);
    },
  };
}

function bytesPart(type: number, bytes: Uint8Array): Piece {
  return {
    size: 8 + pad8(bytes.length),
    write(out, view, pos) {
      writeTag(view, pos, type, bytes.length);
      out.set(bytes, pos + 8);
    },
  };
}

function numericPiece(v: MatNumeric, name: string, path: string): Piece {
  const Ctor = CLASS_ARRAY[v.class];
  if (Ctor === undefined) fail(path, `unknown numeric class '${String(v.class)}'`);
  const shape = normShape(v.shape, path);
  const n = count(shape);
  const check = (a: TypedArray, what: string): void => {
    if (!(a instanceof Ctor)) {
      fail(
        path,
        `${what} of a '${v.class}' array must be a ${Ctor.name}, got ${a.constructor.name}`,
      );
    }
    if (a.length !== n) {
      fail(path, `${what} has ${a.length} elements, shape [${shape.join(', ')}] needs ${n}`);
    }
  };
  check(v.data, 'data');
  let flags = v.class === 'logical' ? MAT_FLAG.LOGICAL : 0;
  const type = CLASS_STORAGE[v.class];
  const parts = [numericPart(type, v.data, shape, Ctor)];
  if (v.imag !== undefined) {
    if (v.class === 'logical') fail(path, 'a logical array cannot be complex');
    check(v.imag, 'imag');
    flags |= MAT_FLAG.COMPLEX;
    parts.push(numericPart(type, v.imag, shape, Ctor));
  }
  return matrix(headerPieces(CLASS_CODE[v.class], flags, shape, name), parts);
}

function charPiece(v: MatChar, name: string, path: string): Piece {
  const shape = normShape(v.shape, path);
  const n = count(shape);
  const rowLen = shape[shape.length - 1];
  const nrows = count(shape.slice(0, -1));
  if (n === 0) {
    if (!v.rows.every((r) => r === '')) fail(path, 'an empty char array has non-empty rows');
    return matrix(headerPieces(MX.CHAR, 0, shape, name), [bytesPart(MI.UTF8, new Uint8Array(0))]);
  }
  if (v.rows.length !== nrows) {
    fail(path, `shape [${shape.join(', ')}] needs ${nrows} rows, got ${v.rows.length}`);
  }
  if (v.rows.every((r) => r.length === rowLen)) {
    // UTF-16 code units as miUTF16, as MATLAB 7 writes non-ASCII text. (miUINT16 would be read
    // by MATLAB too, but scipy decodes miUINT16 chars with its uint16_codec, by default the
    // system encoding applied to the low bytes only, which garbles non-ASCII text.)
    const units = new Uint16Array(n);
    for (let r = 0; r < nrows; r++) {
      const row = v.rows[r];
      for (let i = 0; i < rowLen; i++) units[r * rowLen + i] = row.charCodeAt(i);
    }
    return matrix(headerPieces(MX.CHAR, 0, shape, name), [
      numericPart(MI.UTF16, units, shape, Uint16Array),
    ]);
  }
  // Rows whose length matches in code points only (a shape counted as scipy does): miUTF8
  const chars: string[] = [];
  for (const row of v.rows) {
    const cps = Array.from(row);
    if (cps.length !== rowLen) {
      fail(path, `row '${row}' has ${row.length} UTF-16 code units, shape needs ${rowLen}`);
    }
    chars.push(...cps);
  }
  const utf8 = Buffer.from(rowToColumnMajorItems(chars, shape).join(''), 'utf8');
  return matrix(headerPieces(MX.CHAR, 0, shape, name), [bytesPart(MI.UTF8, utf8)]);
}

function structPiece(v: MatStruct, name: string, path: string, depth: number): Piece {
  const shape = normShape(v.shape, path);
  const n = count(shape);
  if (v.items.length !== n) {
    fail(path, `shape [${shape.join(', ')}] needs ${n} records, got ${v.items.length}`);
  }
  const fields = v.fieldNames;
  if (new Set(fields).size !== fields.length) fail(path, 'duplicate field names');
  for (const f of fields) {
    if (!FIELD_NAME.test(f)) fail(path, `invalid field name '${f}'`);
  }
  const len = fields.every((f) => f.length < 32) ? 32 : 64;
  const names = new Uint8Array(len * fields.length);
  fields.forEach((f, i) => names.set(Buffer.from(f, 'latin1'), i * len));
  const lenPiece: Piece = {
    size: 8,
    write(_out, view, pos) {
      view.setUint32(pos, (4 << 16) | MI.INT32, NATIVE_LITTLE_ENDIAN);
      view.setInt32(pos + 4, len, NATIVE_LITTLE_ENDIAN);
    },
  };
  const parts: Piece[] = [lenPiece, bytesPart(MI.INT8, names)];
  const ordered = rowToColumnMajorItems(v.items, shape);
  ordered.forEach((rec, k) => {
    const keys = Object.keys(rec);
    if (keys.length !== fields.length || !fields.every((f) => Object.hasOwn(rec, f))) {
      fail(
        path,
        `record ${k + 1} has fields [${keys.join(', ')}], expected [${fields.join(', ')}]`,
      );
    }
    for (const f of fields) parts.push(piece(rec[f], '', `${path}(${k + 1}).${f}`, depth + 1));
  });
  return matrix(headerPieces(MX.STRUCT, 0, shape, name), parts);
}

function piece(v: MatValue, name: string, path: string, depth: number): Piece {
  if (depth > 200) fail(path, 'values nested more than 200 deep');
  switch (v.kind) {
    case 'numeric':
      return numericPiece(v, name, path);
    case 'char':
      return charPiece(v, name, path);
    case 'cell': {
      const shape = normShape(v.shape, path);
      const n = count(shape);
      if (v.items.length !== n) {
        fail(path, `shape [${shape.join(', ')}] needs ${n} items, got ${v.items.length}`);
      }
      const ordered = rowToColumnMajorItems(v.items, shape);
      return matrix(
        headerPieces(MX.CELL, 0, shape, name),
        ordered.map((item, k) => piece(item, '', `${path}{${k + 1}}`, depth + 1)),
      );
    }
    case 'struct':
      return structPiece(v, name, path, depth);
    default:
      return fail(path, `unknown value kind '${String((v as { kind?: unknown }).kind)}'`);
  }
}

function headerBytes(text: string): Uint8Array {
  if (text.length > 116 || !/^[\x20-\x7e]*$/.test(text)) {
    throw new RangeError('writeMat5: the header text must be printable ASCII of at most 116 chars');
  }
  const out = new Uint8Array(128);
  out.fill(0x20, 0, 116);
  out.set(Buffer.from(text, 'latin1'), 0);
  const view = new DataView(out.buffer);
  view.setUint16(124, 0x0100, NATIVE_LITTLE_ENDIAN);
  // 'IM' read in the writer's byte order: the bytes 'I','M' on little-endian machines
  view.setUint16(126, 0x4d49, NATIVE_LITTLE_ENDIAN);
  return out;
}

function serialize(p: Piece): Uint8Array {
  const out = new Uint8Array(p.size);
  p.write(out, new DataView(out.buffer), 0);
  return out;
}

/**
 * Writes a level-5 MAT-file (as MATLAB `save -v7` / `-v6`, readable by scipy.io.loadmat and
 * MATLAB). Values use the layout of ./types.ts: data in row-major order of `shape`, typed arrays
 * matching the class (double: Float64Array, ..., int64: BigInt64Array, logical: Uint8Array).
 * Char rows are stored as UTF-16 code units (miUTF16); rows whose lengths match the shape only
 * in code points (as scipy reports astral characters) are stored as miUTF8, as scipy does. Shapes of fewer than
 * two dimensions are written as rows ([] → 1×1, [n] → 1×n).
 *
 * @throws RangeError for invalid names, shapes, data types or header text
 */
export function writeMat5(
  variables: ReadonlyMap<string, MatValue> | Readonly<Record<string, MatValue>>,
  opts: WriteMat5Options = {},
): Uint8Array {
  const entries: [string, MatValue][] =
    variables instanceof Map ? [...variables.entries()] : Object.entries(variables);
  const header = headerBytes(
    opts.header ??
      `MATLAB 5.0 MAT-file, Platform: ${process.platform}, Created on: ${new Date().toUTCString()}`,
  );
  const pieces: [string, Piece][] = entries.map(([name, value]) => {
    if (!VARIABLE_NAME.test(name)) {
      throw new RangeError(`writeMat5: '${name}' is not a valid MATLAB variable name`);
    }
    return [name, piece(value, name, `variable '${name}'`, 0)];
  });
  if (!opts.compress) {
    const out = new Uint8Array(header.length + pieces.reduce((a, [, p]) => a + p.size, 0));
    const view = new DataView(out.buffer);
    out.set(header, 0);
    let pos = header.length;
    for (const [, p] of pieces) {
      p.write(out, view, pos);
      pos += p.size;
    }
    return out;
  }
  const chunks: Uint8Array[] = [];
  let total = header.length;
  for (const [, p] of pieces) {
    const z = deflateSync(serialize(p));
    chunks.push(z);
    total += 8 + z.length; // miCOMPRESSED elements are not padded
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(header, 0);
  let pos = header.length;
  for (const z of chunks) {
    writeTag(view, pos, MI.COMPRESSED, z.length);
    out.set(z, pos + 8);
    pos += 8 + z.length;
  }
  return out;
}
