/**
 * Entry point for MAT-files: picks the level-5 or the v7.3 (HDF5) reader from the header, and
 * typed accessors that turn "wrong kind of value" into errors naming the file and the variable.
 */
import { DatasetError, FormatError } from '../errors.js';
import type {
  MatCell,
  MatChar,
  MatFile,
  MatNumeric,
  MatNumericClass,
  MatStruct,
  MatValue,
} from './types.js';
import { headerText, readMat5 } from './v5-reader.js';
import type { ReadMatOptions } from './v5-reader.js';
import { hasHdf5Signature } from './hdf5-signature.js';

/** The v7.3 reader loads h5wasm (WebAssembly, ~0.15 s): only when a v7.3 file is read. */
export async function readMat73(bytes: Uint8Array, file: string): Promise<MatFile> {
  return (await import('./v73-reader.js')).readMat73(bytes, file);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Whether the first 20 bytes look like a MAT level 4 matrix header (MOPT type word). */
function looksLikeLevel4(bytes: Uint8Array): boolean {
  if (bytes.length < 20) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const le of [true, false]) {
    const mopt = view.getInt32(0, le);
    const imagf = view.getInt32(12, le);
    const namlen = view.getInt32(16, le);
    if (mopt < 0 || mopt > 4052) continue;
    const m = Math.floor(mopt / 1000);
    const o = Math.floor(mopt / 100) % 10;
    const p = Math.floor(mopt / 10) % 10;
    const t = mopt % 10;
    if (m <= 4 && o === 0 && p <= 5 && t <= 2 && (imagf === 0 || imagf === 1) && namlen > 0) {
      if (namlen < 4096) return true;
    }
  }
  return false;
}

/**
 * Which reader a file needs, from its header: '5' for level 5 (version 0x0100 at bytes 124-125
 * with the endian indicator 'IM'/'MI' at 126-127), '7.3' for HDF5-based files (version 0x0200 or
 * a header text saying 7.3, and the HDF5 signature at byte 512).
 *
 * @throws FormatError saying what was found otherwise (level 4, plain HDF5, anything else)
 */
export function matVersion(bytes: Uint8Array, file: string): '5' | '7.3' {
  if (bytes.length >= 128) {
    const e0 = bytes[126];
    const e1 = bytes[127];
    const le = e0 === 0x49 && e1 === 0x4d;
    const be = e0 === 0x4d && e1 === 0x49;
    const text = headerText(bytes);
    if (le || be) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const version = view.getUint16(124, le);
      if (version === 0x0100) return '5';
      if (version === 0x0200 || /MATLAB 7\.3/.test(text)) {
        if (hasHdf5Signature(bytes, 512)) return '7.3';
        throw new FormatError(
          file,
          512,
          'the HDF5 signature \\x89HDF\\r\\n\\x1a\\n of a MAT v7.3 file',
          `the header announces version 0x${version.toString(16).padStart(4, '0')} but found ` +
            `bytes ${hex(bytes.subarray(512, 520))}`,
        );
      }
      throw new FormatError(
        file,
        124,
        'MAT-file version 0x0100 (level 5) or 0x0200 (v7.3)',
        `found version 0x${version.toString(16).padStart(4, '0')}`,
      );
    }
    if (/MATLAB 7\.3/.test(text) && hasHdf5Signature(bytes, 512)) return '7.3';
  }
  if (hasHdf5Signature(bytes, 0)) {
    throw new FormatError(
      file,
      0,
      'a MAT-file (an HDF5 MAT v7.3 file starts with a 512-byte MAT header)',
      'found a plain HDF5 file without a MAT header',
    );
  }
  if (looksLikeLevel4(bytes)) {
    throw new FormatError(
      file,
      0,
      'a MAT-file of level 5 (MATLAB -v6/-v7) or v7.3',
      'found a MAT level 4 file, which is not supported (re-save it with -v7)',
    );
  }
  if (bytes.length < 128) {
    throw new FormatError(
      file,
      0,
      'a 128-byte MAT-file header',
      `the file has only ${bytes.length} bytes`,
    );
  }
  throw new FormatError(
    file,
    126,
    "the endian indicator 'IM' or 'MI' of a MAT-file header",
    `found bytes ${hex(bytes.subarray(124, 128))} at 124-127 (header text '${headerText(bytes)
      .slice(0, 40)
      .replace(/[^\x20-\x7e]/g, '?')}')`,
  );
}

/**
 * Reads a MAT-file of level 5 (MATLAB -v6/-v7, scipy.io.savemat) or v7.3 (HDF5), picking the
 * reader from the header.
 *
 * @param bytes the whole file
 * @param file the file name used in error messages
 * @throws FormatError naming the file and, for level-5 files, the byte offset of the problem
 */
export async function readMat(
  bytes: Uint8Array,
  file: string,
  opts: ReadMatOptions = {},
): Promise<MatFile> {
  return matVersion(bytes, file) === '5' ? readMat5(bytes, file, opts) : readMat73(bytes, file);
}

// ---------------------------------------------------------------------------------------------
// Typed access
// ---------------------------------------------------------------------------------------------

/** A short description of a value for messages: "double 300x17", "cell 1x20", "char 'N1'". */
export function describeMatValue(v: MatValue): string {
  const dims = v.shape.join('x');
  switch (v.kind) {
    case 'numeric':
      return `${v.imag ? 'complex ' : ''}${v.class} ${dims}`;
    case 'char':
      return v.rows.length === 1 && v.rows[0].length <= 32 ? `char '${v.rows[0]}'` : `char ${dims}`;
    case 'cell':
      return `cell ${dims}`;
    case 'struct':
      return `struct ${dims} with fields [${v.fieldNames.join(', ')}]`;
  }
}

/** Whether a value has no elements (a zero among its dimensions). */
export function isEmptyMat(v: MatValue): boolean {
  return v.shape.some((d) => d === 0);
}

/**
 * The variable `name` of a MAT-file.
 *
 * @throws DatasetError naming the file, the variable and the variables there are
 */
export function getVar(mat: MatFile, name: string, file: string): MatValue {
  const v = mat.variables.get(name);
  if (v === undefined) {
    const have = [...mat.variables.keys()];
    throw new DatasetError(
      file,
      `variable '${name}'`,
      `a variable named '${name}'`,
      `it is missing; the file has ${have.length ? have.map((k) => `'${k}'`).join(', ') : 'no variables'}`,
    );
  }
  return v;
}

function wrongKind(file: string, label: string, expected: string, v: MatValue): never {
  throw new DatasetError(file, label, expected, `found ${describeMatValue(v)}`);
}

/**
 * `v` as a numeric or logical array, optionally of one of `classes`.
 *
 * @param label names the value in messages, e.g. "variable 'labels'" or "joined_data{3}"
 */
export function asNumeric(
  v: MatValue,
  file: string,
  label: string,
  classes?: readonly MatNumericClass[],
): MatNumeric {
  if (v.kind !== 'numeric' || (classes !== undefined && !classes.includes(v.class))) {
    wrongKind(file, label, `a numeric array${classes ? ` of class ${classes.join('/')}` : ''}`, v);
  }
  return v;
}

/** `v` as a real double array (data is a Float64Array in row-major order). */
export function asDouble(
  v: MatValue,
  file: string,
  label: string,
): MatNumeric & { readonly data: Float64Array } {
  if (v.kind !== 'numeric' || v.class !== 'double' || v.imag !== undefined) {
    wrongKind(file, label, 'a real double array', v);
  }
  return v as MatNumeric & { readonly data: Float64Array };
}

/** Any real numeric array's data as float64 (int64 values beyond 2^53 are rounded). */
export function toFloat64(v: MatNumeric): Float64Array {
  const d = v.data;
  if (d instanceof Float64Array) return d;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array)
    return Float64Array.from(d, Number);
  return Float64Array.from(d);
}

export function asChar(v: MatValue, file: string, label: string): MatChar {
  if (v.kind !== 'char') wrongKind(file, label, 'a char array', v);
  return v;
}

/** A char array of at most one row as a string ('' for an empty char array). */
export function asString(v: MatValue, file: string, label: string): string {
  if (v.kind !== 'char' || v.rows.length > 1) wrongKind(file, label, 'a 1xN char array', v);
  return v.rows.length === 0 ? '' : v.rows[0];
}

export function asCell(v: MatValue, file: string, label: string): MatCell {
  if (v.kind !== 'cell') wrongKind(file, label, 'a cell array', v);
  return v;
}

export function asStruct(v: MatValue, file: string, label: string): MatStruct {
  if (v.kind !== 'struct') wrongKind(file, label, 'a struct array', v);
  return v;
}

/** Field `field` of element `index` (C order) of a struct array. */
export function getField(
  s: MatStruct,
  field: string,
  file: string,
  label: string,
  index = 0,
): MatValue {
  const rec = s.items[index];
  if (rec === undefined || !Object.hasOwn(rec, field)) {
    throw new DatasetError(
      file,
      `${label}(${index + 1}).${field}`,
      `a field '${field}' (struct has ${s.fieldNames.join(', ') || 'no fields'})`,
      rec === undefined ? `the struct has only ${s.items.length} elements` : 'it is missing',
    );
  }
  return rec[field];
}
