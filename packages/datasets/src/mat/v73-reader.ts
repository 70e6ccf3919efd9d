/**
 * Reader of MATLAB 7.3 MAT-files: HDF5 files behind a 512-byte user block whose first 128 bytes
 * are a MAT header. Each variable is a dataset or group carrying a `MATLAB_class` attribute;
 * arrays are stored with their dimensions reversed (the HDF5 data is the column-major data of
 * the MATLAB shape), char as uint16 code units, cells as object references into `#refs#`, empty
 * arrays as a uint64 vector of their dimensions marked `MATLAB_empty`, structs as groups of
 * fields (struct arrays: one reference dataset per field).
 *
 * The file is parsed by h5wasm (the HDF5 C library compiled to WebAssembly). HDF5 does not
 * report byte offsets, so FormatErrors raised here name the file and the HDF5 object path
 * instead of an offset (the header checks before HDF5 is involved do give offsets).
 */
import h5wasm, { Dataset, Group, Reference } from 'h5wasm';
import type { Entity, OutputData } from 'h5wasm';
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
import { MAT_NUMERIC_CLASSES } from './types.js';
import { hasHdf5Signature } from './hdf5-signature.js';
import { CLASS_ARRAY, columnToRowMajor, columnToRowMajorItems, headerText } from './v5-reader.js';

const NUMERIC_CLASSES: ReadonlySet<string> = new Set<MatNumericClass>(MAT_NUMERIC_CLASSES);

const MAX_DEPTH = 200;
const NO_OFFSET = '; HDF5 reports no byte offsets';

let sequence = 0;

interface Ctx {
  readonly file: string;
  readonly root: Group;
  /** Largest dataset (bytes) the file can legitimately hold: its size x the zlib ratio bound. */
  readonly maxBytes: number;
  /** Values of objects reached through references, by HDF5 path (shared, read once). */
  readonly seen: Map<string, MatValue>;
}

/** zlib (HDF5's deflate filter) expands data by at most 1032:1. */
const MAX_INFLATE_RATIO = 1032;

function fail(c: Ctx, where: string, path: string, expected: string, detail: string): FormatError {
  return new FormatError(
    c.file,
    undefined,
    expected,
    `${where} (HDF5 object ${path}${NO_OFFSET}): ${detail}`,
  );
}

type AttrValue = OutputData | null;

function attributes(ent: Dataset | Group): Map<string, AttrValue> {
  const out = new Map<string, AttrValue>();
  const attrs = ent.attrs;
  for (const name of Object.keys(attrs)) {
    if (name.startsWith('MATLAB_')) out.set(name, attrs[name].value);
  }
  return out;
}

function attrString(v: AttrValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  return undefined;
}

function attrTruthy(v: AttrValue | undefined): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')
    return Number(v) !== 0;
  if (ArrayBuffer.isView(v)) return v.length > 0 && Number(v[0]) !== 0;
  return true;
}

/** MATLAB_fields: a vlen sequence of 1-character strings per field name. */
function fieldNamesAttr(v: AttrValue | undefined): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((x) => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x)) return x.map((ch) => (typeof ch === 'string' ? ch : String(ch))).join('');
    if (ArrayBuffer.isView(x) && !(x instanceof BigInt64Array || x instanceof BigUint64Array)) {
      return String.fromCharCode(...Array.from(x as Uint8Array));
    }
    return String(x);
  });
}

/** MATLAB shape of a dataset: its HDF5 shape reversed, at least two dimensions. */
function matShape(h5shape: readonly number[] | null): number[] {
  const s = [...(h5shape ?? [])].reverse();
  while (s.length < 2) s.push(1);
  return s;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isTyped(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function convertTo(src: TypedArray, cls: MatNumericClass): TypedArray | string {
  const Ctor = CLASS_ARRAY[cls];
  if (cls === 'logical') {
    const out = new Uint8Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = Number(src[i]) !== 0 ? 1 : 0;
    return out;
  }
  if (src instanceof Ctor) return src;
  const out = new Ctor(src.length);
  const srcBig = src instanceof BigInt64Array || src instanceof BigUint64Array;
  const outBig = out instanceof BigInt64Array || out instanceof BigUint64Array;
  if (srcBig === outBig) {
    (out as Float64Array).set(src as Float64Array);
  } else if (outBig) {
    for (let i = 0; i < src.length; i++) {
      const v = Number(src[i]);
      if (!Number.isInteger(v)) return `element ${i} (${v}) is not an integer`;
      (out as BigInt64Array)[i] = BigInt(v);
    }
  } else {
    for (let i = 0; i < src.length; i++) (out as Float64Array)[i] = Number(src[i]);
  }
  return out;
}

function readEntity(c: Ctx, ent: unknown, where: string, depth: number): MatValue {
  if (depth > MAX_DEPTH) {
    throw fail(c, where, '?', `cells and structs nested at most ${MAX_DEPTH} deep`, 'deeper');
  }
  if (!(ent instanceof Dataset) && !(ent instanceof Group)) {
    const what = typeof ent === 'object' && ent !== null ? ent.constructor.name : String(ent);
    throw fail(c, where, '?', 'a dataset or group', `the link resolves to ${what}`);
  }
  const path = ent.path;
  const attrs = attributes(ent);
  const cls = attrString(attrs.get('MATLAB_class'));
  if (attrs.has('MATLAB_object_decode') || cls === 'function_handle') {
    throw fail(
      c,
      where,
      path,
      'a numeric, logical, char, cell or struct array (MATLAB objects and function handles are ' +
        'not supported)',
      `it is a MATLAB ${cls === 'function_handle' ? 'function handle' : `object (class '${cls ?? '?'}')`}`,
    );
  }
  if (attrs.has('MATLAB_sparse')) {
    throw fail(
      c,
      where,
      path,
      'a dense array (sparse arrays are not supported; save them with full())',
      'it is a sparse array',
    );
  }
  if (cls === undefined) {
    throw fail(c, where, path, "a 'MATLAB_class' string attribute", 'there is none');
  }
  if (ent instanceof Group) {
    if (cls !== 'struct') {
      throw fail(c, where, path, "a group of MATLAB_class 'struct'", `MATLAB_class is '${cls}'`);
    }
    return readStructGroup(c, ent, attrs, where, depth);
  }
  if (attrTruthy(attrs.get('MATLAB_empty'))) return readEmpty(c, ent, cls, attrs, where);
  if (cls === 'cell') return readCell(c, ent, where, depth);
  if (cls === 'char') return readChar(c, ent, where);
  if (NUMERIC_CLASSES.has(cls)) return readNumeric(c, ent, cls as MatNumericClass, where);
  throw fail(
    c,
    where,
    path,
    'MATLAB_class double, single, int8..uint64, logical, char, cell or struct',
    `MATLAB_class is '${cls}'`,
  );
}

function datasetValue(c: Ctx, ds: Dataset, where: string): OutputData {
  const meta = ds.metadata;
  const nbytes = meta.total_size * meta.size;
  if (nbytes > c.maxBytes) {
    throw fail(
      c,
      where,
      ds.path,
      `a dataset of at most ${c.maxBytes} bytes (the file size x ${MAX_INFLATE_RATIO})`,
      `it declares ${nbytes} bytes`,
    );
  }
  const v = ds.value;
  if (v === null) throw fail(c, where, ds.path, 'a dataset with a dataspace', 'it has none');
  return v;
}

function readEmpty(
  c: Ctx,
  ds: Dataset,
  cls: string,
  attrs: Map<string, AttrValue>,
  where: string,
): MatValue {
  const v = datasetValue(c, ds, where);
  const dims = isTyped(v)
    ? Array.from(v, Number)
    : typeof v === 'number' || typeof v === 'bigint'
      ? [Number(v)]
      : [];
  if (
    dims.length < 2 ||
    !dims.every((d) => Number.isSafeInteger(d) && d >= 0) ||
    sizeOf(dims) !== 0
  ) {
    throw fail(
      c,
      where,
      ds.path,
      'the dimensions of an empty array (MATLAB_empty)',
      `found [${dims.join(', ')}]`,
    );
  }
  if (cls === 'char') {
    const nrows = sizeOf(dims.slice(0, -1));
    if (nrows > 1 << 20) throw fail(c, where, ds.path, 'an empty char array', `${nrows} rows`);
    return { kind: 'char', shape: dims, rows: new Array<string>(nrows).fill('') };
  }
  if (cls === 'cell') return { kind: 'cell', shape: dims, items: [] };
  if (cls === 'struct') {
    const fieldNames = fieldNamesAttr(attrs.get('MATLAB_fields')) ?? [];
    return { kind: 'struct', shape: dims, fieldNames, items: [] };
  }
  if (NUMERIC_CLASSES.has(cls)) {
    const Ctor = CLASS_ARRAY[cls as MatNumericClass];
    return { kind: 'numeric', class: cls as MatNumericClass, shape: dims, data: new Ctor(0) };
  }
  throw fail(c, where, ds.path, 'a known MATLAB_class', `MATLAB_class is '${cls}'`);
}

function readNumeric(c: Ctx, ds: Dataset, cls: MatNumericClass, where: string): MatNumeric {
  const shape = matShape(ds.shape);
  const n = sizeOf(shape);
  const meta = ds.metadata;
  if (meta.type === 6) {
    // complex: compound {real, imag}; h5wasm returns [re, im] pairs
    const v = datasetValue(c, ds, where);
    const pairs = Array.isArray(v) ? v : [v];
    if (pairs.length !== n) {
      throw fail(c, where, ds.path, `${n} complex values`, `found ${pairs.length}`);
    }
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const p = pairs[i];
      if (!Array.isArray(p) || p.length !== 2) {
        throw fail(c, where, ds.path, 'a compound of real and imag parts', `element ${i}`);
      }
      re[i] = Number(p[0]);
      im[i] = Number(p[1]);
    }
    const data = convertTo(re, cls);
    const imag = convertTo(im, cls);
    if (typeof data === 'string' || typeof imag === 'string') {
      throw fail(c, where, ds.path, `values of class ${cls}`, String(data));
    }
    return {
      kind: 'numeric',
      class: cls,
      shape,
      data: columnToRowMajor(data, shape),
      imag: columnToRowMajor(imag, shape),
    };
  }
  const v = datasetValue(c, ds, where);
  const raw = isTyped(v) ? v : typeof v === 'number' ? new Float64Array([v]) : null;
  if (raw === null || raw.length !== n) {
    throw fail(
      c,
      where,
      ds.path,
      `${n} numeric values for shape [${shape.join('x')}]`,
      raw === null ? `found a value of type ${typeof v}` : `found ${raw.length}`,
    );
  }
  const data = convertTo(raw, cls);
  if (typeof data === 'string') throw fail(c, where, ds.path, `values of class ${cls}`, data);
  return { kind: 'numeric', class: cls, shape, data: columnToRowMajor(data, shape) };
}

function readChar(c: Ctx, ds: Dataset, where: string): MatChar {
  const shape = matShape(ds.shape);
  const n = sizeOf(shape);
  const v = datasetValue(c, ds, where);
  if (!isTyped(v) || v.length !== n) {
    throw fail(c, where, ds.path, `${n} uint16 character codes`, 'found something else');
  }
  const units = v instanceof Uint16Array ? v : Uint16Array.from(v as ArrayLike<number>);
  const rowMajor = columnToRowMajor(units, shape);
  const rowLen = shape[shape.length - 1];
  const nrows = sizeOf(shape.slice(0, -1));
  const rows = new Array<string>(nrows);
  for (let r = 0; r < nrows; r++) {
    let s = '';
    for (let i = r * rowLen; i < (r + 1) * rowLen; i += 8192) {
      s += String.fromCharCode(...rowMajor.subarray(i, Math.min((r + 1) * rowLen, i + 8192)));
    }
    rows[r] = s;
  }
  return { kind: 'char', shape, rows };
}

function references(c: Ctx, ds: Dataset, where: string, n: number): Reference[] {
  const v = datasetValue(c, ds, where);
  const refs = Array.isArray(v) ? v : [v];
  if (refs.length !== n || !refs.every((r) => r instanceof Reference)) {
    throw fail(c, where, ds.path, `${n} object references`, `found ${refs.length} values`);
  }
  return refs as Reference[];
}

function deref(c: Ctx, ref: Reference, where: string, path: string): unknown {
  try {
    return c.root.dereference(ref);
  } catch (e) {
    throw fail(c, where, path, 'a valid object reference', hdf5Message(e));
  }
}

/**
 * The value of the object a reference points to. Objects referenced more than once are read
 * once (a shared value), so reference graphs cannot make reading exponential; cycles end at the
 * depth limit.
 */
function readRef(c: Ctx, ref: Reference, where: string, path: string, depth: number): MatValue {
  const target = deref(c, ref, where, path);
  const key = target instanceof Dataset || target instanceof Group ? target.path : undefined;
  const known = key === undefined ? undefined : c.seen.get(key);
  if (known !== undefined) return known;
  const v = readEntity(c, target, where, depth);
  if (key !== undefined) c.seen.set(key, v);
  return v;
}

function readCell(c: Ctx, ds: Dataset, where: string, depth: number): MatCell {
  const shape = matShape(ds.shape);
  const n = sizeOf(shape);
  const refs = references(c, ds, where, n);
  // references are in column-major order: label items with MATLAB's linear index
  const items = refs.map((r, k) => readRef(c, r, `${where}{${k + 1}}`, ds.path, depth + 1));
  return { kind: 'cell', shape, items: columnToRowMajorItems(items, shape) };
}

function readStructGroup(
  c: Ctx,
  g: Group,
  attrs: Map<string, AttrValue>,
  where: string,
  depth: number,
): MatStruct {
  const fieldNames = fieldNamesAttr(attrs.get('MATLAB_fields')) ?? g.keys();
  const members = new Map<string, Entity | null>();
  for (const f of fieldNames) {
    const e = g.get(f);
    if (e === null) {
      throw fail(c, where, g.path, `a member '${f}' (listed in MATLAB_fields)`, 'it is missing');
    }
    members.set(f, e);
  }
  const first = fieldNames.length > 0 ? members.get(fieldNames[0]) : undefined;
  const isArray =
    first instanceof Dataset && first.metadata.type === 7 && !('MATLAB_class' in first.attrs);
  if (!isArray) {
    const rec: [string, MatValue][] = fieldNames.map((f) => [
      f,
      readEntity(c, members.get(f) ?? null, `${where}.${f}`, depth + 1),
    ]);
    return { kind: 'struct', shape: [1, 1], fieldNames, items: [Object.fromEntries(rec)] };
  }
  const shape = matShape(first.shape);
  const n = sizeOf(shape);
  const records: [string, MatValue][][] = Array.from({ length: n }, () => []);
  for (const f of fieldNames) {
    const ds = members.get(f);
    if (!(ds instanceof Dataset)) {
      throw fail(c, where, g.path, `a reference dataset for field '${f}'`, 'found a group');
    }
    const refs = references(c, ds, `${where}.${f}`, n);
    refs.forEach((r, k) => {
      records[k].push([f, readRef(c, r, `${where}(${k + 1}).${f}`, ds.path, depth + 1)]);
    });
  }
  return {
    kind: 'struct',
    shape,
    fieldNames,
    items: columnToRowMajorItems(
      records.map((r) => Object.fromEntries(r)),
      shape,
    ),
  };
}

/** The innermost HDF5 diagnostic ("in FUNC(): message") of an h5wasm error, or its message. */
function hdf5Message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split('\n').filter((l) => /\(\):/.test(l));
  const last = lines.length > 0 ? lines[lines.length - 1] : text;
  return last.replace(/^.*? in (\w+\(\)): /, '$1: ').trim();
}

/**
 * Reads a MATLAB 7.3 MAT-file (HDF5) into the same shapes as {@link readMat5}: data in
 * row-major order of the MATLAB shape, char rows as strings, cells and structs resolved (an
 * object referenced from several cells is read once and shared). The HDF5 signature is looked
 * for at 512 (MATLAB's user block), then 0, 1024 and 2048. Sparse arrays, objects and function
 * handles are refused; so are datasets declaring more than 1032x the file size (zlib's bound).
 * Errors from HDF5 itself carry no byte offset: the FormatError names the variable and the HDF5
 * object path instead. (HDF5's error handler is switched to throwing while reading and back to
 * the library default afterwards.)
 *
 * @param bytes the whole file
 * @param file the file name used in error messages
 */
export async function readMat73(bytes: Uint8Array, file: string): Promise<MatFile> {
  let base = -1;
  for (const off of [512, 0, 1024, 2048]) {
    if (hasHdf5Signature(bytes, off)) {
      base = off;
      break;
    }
  }
  if (base < 0) {
    throw new FormatError(
      file,
      512,
      'the HDF5 signature \\x89HDF\\r\\n\\x1a\\n after the 512-byte MAT header (MAT v7.3)',
      bytes.length < 520 ? `the file has only ${bytes.length} bytes` : 'it is not there',
    );
  }
  const header = base >= 128 ? headerText(bytes) : '';
  const Module = await h5wasm.ready;
  const name = `/emo-mat73-${++sequence}-${Date.now().toString(36)}.mat`;
  Module.FS.writeFile(name, bytes);
  Module.activate_throwing_error_handler();
  let f: InstanceType<typeof h5wasm.File> | undefined;
  try {
    try {
      f = new h5wasm.File(name, 'r');
    } catch (e) {
      throw new FormatError(
        file,
        undefined,
        'a readable HDF5 file (MAT v7.3)',
        `HDF5 cannot open it${NO_OFFSET}: ${hdf5Message(e)}`,
      );
    }
    const c: Ctx = {
      file,
      root: f,
      maxBytes: bytes.length * MAX_INFLATE_RATIO + (1 << 20),
      seen: new Map(),
    };
    const variables = new Map<string, MatValue>();
    let keys: string[];
    try {
      keys = f.keys();
    } catch (e) {
      throw new FormatError(
        file,
        undefined,
        'a readable HDF5 root group',
        `HDF5 error${NO_OFFSET}: ${hdf5Message(e)}`,
      );
    }
    for (const key of keys) {
      if (key.startsWith('#')) continue; // #refs#, #subsystem#
      const where = `variable '${key}'`;
      try {
        variables.set(key, readEntity(c, f.get(key), where, 0));
      } catch (e) {
        if (e instanceof FormatError) throw e;
        throw new FormatError(
          file,
          undefined,
          'a readable MATLAB variable',
          `${where}: HDF5 error${NO_OFFSET}: ${hdf5Message(e)}`,
        );
      }
    }
    return { version: '7.3', header, variables };
  } finally {
    try {
      f?.close();
    } catch {
      // closing a file HDF5 failed to read may fail as well; nothing is left to release
    }
    Module.deactivate_throwing_error_handler();
    try {
      Module.FS.unlink(name);
    } catch {
      // already gone
    }
  }
}
