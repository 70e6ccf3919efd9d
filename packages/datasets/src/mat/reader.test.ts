import { describe, expect, it } from '@jest/globals';
import h5wasm from 'h5wasm';
import { readFileSync } from 'node:fs';
import { DatasetError, FormatError } from '../errors.js';
import {
  asCell,
  asChar,
  asDouble,
  asNumeric,
  asString,
  asStruct,
  describeMatValue,
  getField,
  getVar,
  isEmptyMat,
  matVersion,
  readMat,
  toFloat64,
} from './index.js';
import type { MatFile, MatValue } from './types.js';
import { writeMat5 } from './v5-writer.js';

const DIR = new URL('../../fixtures/mat/', import.meta.url);
const load = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an exception');
}

describe('matVersion / readMat', () => {
  it('picks level 5 or v7.3 from the header', async () => {
    expect(matVersion(load('amigos_v5.mat'), 'a')).toBe('5');
    expect(matVersion(load('matlab/teststring_6.1_SOL2.mat'), 'a')).toBe('5');
    expect(matVersion(load('amigos_v73.mat'), 'a')).toBe('7.3');
    // MATLAB's own v7.3 file says 'MATLAB 7.0' in its text but version 0x0200
    expect(matVersion(load('matlab/testhdf5_7.4_GLNX86.mat'), 'a')).toBe('7.3');
    expect((await readMat(load('amigos_v73.mat'), 'a')).version).toBe('7.3');
    expect((await readMat(load('amigos_v5z.mat'), 'a')).version).toBe('5');
  });

  it('recognises a v7.3 header by its text when the version field is not set', () => {
    const bytes = load('amigos_v73.mat').slice();
    bytes.fill(0, 124, 128);
    expect(matVersion(bytes, 'a')).toBe('7.3');
  });

  const refused: [string, () => Uint8Array, RegExp][] = [
    [
      'a level 4 file (little-endian)',
      () => load('matlab/test_mat4_le_floats.mat'),
      /^v\.mat at byte 0: found a MAT level 4 file, which is not supported/,
    ],
    [
      'a level 4 file (big-endian)',
      () => load('matlab/testdouble_4.2c_SOL2.mat'),
      /^v\.mat at byte 0: found a MAT level 4 file/,
    ],
    ['a short file', () => new Uint8Array(10), /^v\.mat at byte 0: the file has only 10 bytes/],
    [
      'a header with an unknown endian indicator',
      () => new TextEncoder().encode('hello world'.repeat(20)),
      /^v\.mat at byte 126: found bytes 6c 6f 20 77 at 124-127 \(header text 'hello world/,
    ],
    [
      'an unknown version',
      () => {
        const b = load('amigos_v5.mat').slice(0, 200);
        b[124] = 0x00;
        b[125] = 0x03;
        return b;
      },
      /^v\.mat at byte 124: found version 0x0300/,
    ],
    [
      'version 0x0200 without HDF5 data',
      () => {
        const b = load('amigos_v5.mat').slice(0, 600);
        b[124] = 0x00;
        b[125] = 0x02;
        return b;
      },
      /^v\.mat at byte 512: the header announces version 0x0200 but found bytes/,
    ],
  ];
  it.each(refused)('refuses %s, saying what was found', async (_what, make, message) => {
    const e = await readMat(make(), 'v.mat').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(FormatError);
    expect((e as Error).message).toMatch(message);
  });

  it('refuses a plain HDF5 file (no MAT header)', async () => {
    const Module = await h5wasm.ready;
    const f = new h5wasm.File('/reader-test-plain.h5', 'w');
    f.create_dataset({ name: 'x', data: Float64Array.from([1]) });
    f.close();
    const bytes = Module.FS.readFile('/reader-test-plain.h5');
    Module.FS.unlink('/reader-test-plain.h5');
    const e = thrown(() => matVersion(bytes, 'plain.h5'));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as Error).message).toMatch(/^plain\.h5 at byte 0: found a plain HDF5 file/);
  });
});

describe('typed access', () => {
  let mat: MatFile;
  const file = 'types_v5.mat';
  const get = (name: string): MatValue => getVar(mat, name, file);

  it('loads', async () => {
    mat = await readMat(load(file), file);
    expect(mat.variables.size).toBeGreaterThan(20);
  });

  it('getVar names the file, the variable and what the file has', () => {
    const e = thrown(() => getVar(mat, 'nope', file));
    expect(e).toBeInstanceOf(DatasetError);
    expect((e as Error).message).toMatch(
      /^types_v5\.mat: variable 'nope': it is missing; the file has 'a_double', 'a_scalar', /,
    );
  });

  it('returns values of the right kind', () => {
    expect(asNumeric(get('i_int16'), file, 'i_int16', ['int16']).data).toBeInstanceOf(Int16Array);
    expect(asDouble(get('a_double'), file, 'a_double').data).toBeInstanceOf(Float64Array);
    expect(asCell(get('cell_nested'), file, 'cell_nested').shape).toEqual([2, 2]);
    expect(asStruct(get('s_array'), file, 's_array').fieldNames).toEqual(['name', 'value', 'tags']);
    expect(asChar(get('c_matrix'), file, 'c_matrix').rows).toEqual(['abc', 'def']);
    expect(asString(get('c_row'), file, 'c_row')).toBe('hello world');
    expect(asString(get('c_empty'), file, 'c_empty')).toBe('');
    const s = asStruct(get('s_array'), file, 's_array');
    expect(getField(s, 'name', file, 's_array', 2)).toEqual({
      kind: 'char',
      shape: [1, 5],
      rows: ['gamma'],
    });
  });

  const wrong: [string, () => unknown, RegExp][] = [
    [
      'asCell on a matrix',
      () => asCell(get('a_double'), file, "variable 'a_double'"),
      /^types_v5\.mat: variable 'a_double': found double 2x3 \(expected a cell array\)/,
    ],
    [
      'asNumeric of the wrong class',
      () => asNumeric(get('a_single'), file, 'x', ['double']),
      /found single 1x4 \(expected a numeric array of class double\)/,
    ],
    [
      'asDouble on a complex array',
      () => asDouble(get('a_complex'), file, 'z'),
      /found complex double 2x2 \(expected a real double array\)/,
    ],
    [
      'asString on a 2-row char matrix',
      () => asString(get('c_matrix'), file, 'c_matrix'),
      /found char 2x3 \(expected a 1xN char array\)/,
    ],
    ['asChar on a cell', () => asChar(get('cell_nested'), file, 'c'), /found cell 2x2/],
    [
      'asStruct on a char',
      () => asStruct(get('c_row'), file, 'VideoIDs{1}'),
      /VideoIDs\{1\}: found char 'hello world' \(expected a struct array\)/,
    ],
    [
      'getField of a missing field',
      () => getField(asStruct(get('s_scalar'), file, 's'), 'zz', file, 's'),
      /s\(1\)\.zz: it is missing \(expected a field 'zz' \(struct has x, nested\)\)/,
    ],
  ];
  it.each(wrong)('%s gives a DatasetError naming file and value', (_what, fn, message) => {
    const e = thrown(fn);
    expect(e).toBeInstanceOf(DatasetError);
    expect((e as Error).message).toMatch(message);
  });

  it('converts any real numeric array to float64 and tells empties apart', () => {
    expect(Array.from(toFloat64(asNumeric(get('i_int8'), file, 'x')))).toEqual([
      -128, 0, 1, 127, 126, 7,
    ]);
    expect(toFloat64(asNumeric(get('i_int64'), file, 'x'))[3]).toBe(2 ** 63);
    expect(isEmptyMat(get('a_empty_1x0'))).toBe(true);
    expect(isEmptyMat(get('a_scalar'))).toBe(false);
    expect(describeMatValue(get('s_scalar'))).toBe('struct 1x1 with fields [x, nested]');
  });
});

describe("readMat with { order: 'F' } (MATLAB's layout, as scipy returns it)", () => {
  it.each([false, true])('keeps numeric data column-major (compressed: %p)', async (compress) => {
    const shape = [2, 3, 4];
    const rowMajor = Float64Array.from({ length: 24 }, (_, i) => i * 1.5 - 7);
    const bytes = writeMat5(
      new Map([['x', { kind: 'numeric', class: 'double', shape, data: rowMajor } as const]]),
      { compress },
    );
    const c = (await readMat(bytes, 'c.mat')).variables.get('x');
    const f = (await readMat(bytes, 'f.mat', { order: 'F' })).variables.get('x');
    expect(c?.kind === 'numeric' && c.order).toBeUndefined();
    if (f?.kind !== 'numeric' || c?.kind !== 'numeric') throw new Error('not numeric');
    expect(f.order).toBe('F');
    expect(Array.from(c.data as Float64Array)).toEqual(Array.from(rowMajor));
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 4; k++)
          expect(f.data[i + 2 * (j + 3 * k)]).toBe(rowMajor[(i * 3 + j) * 4 + k]);
  });
});
