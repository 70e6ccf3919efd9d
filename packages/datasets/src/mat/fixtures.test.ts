/**
 * Golden fixtures written by scipy.io.savemat, h5py (MATLAB 7.3 layout) and real MATLAB releases
 * (tools/fixtures/make_mat_fixtures.py): every value is compared with the expected description
 * and raw little-endian data the script wrote from what scipy / h5py read back.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { FormatError } from '../errors.js';
import type { TypedArray } from '../ndarray.js';
import { readMat } from './reader.js';
import type { MatFile, MatValue } from './types.js';

const DIR = new URL('../../fixtures/mat/', import.meta.url);

interface BinRef {
  offset: number;
  length: number;
  dtype: string;
}
type Node =
  | { kind: 'numeric'; class: string; shape: number[]; data: BinRef; imag?: BinRef }
  | { kind: 'char'; shape: number[]; rows: string[] }
  | { kind: 'cell'; shape: number[]; items: Node[] }
  | { kind: 'struct'; shape: number[]; fieldNames: string[]; items: Record<string, Node>[] };
interface Expected {
  variables: [string, Node][];
}
interface ManifestEntry {
  file: string;
  expected?: string;
  version?: '5' | '7.3';
  refused?: string;
  source: string;
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as ManifestEntry[];

function load(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, DIR)));
}

const BYTES: Record<string, number> = {
  float64: 8,
  float32: 4,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
};

const ARRAY_OF_CLASS: Record<string, string> = {
  double: 'Float64Array',
  single: 'Float32Array',
  int8: 'Int8Array',
  uint8: 'Uint8Array',
  int16: 'Int16Array',
  uint16: 'Uint16Array',
  int32: 'Int32Array',
  uint32: 'Uint32Array',
  int64: 'BigInt64Array',
  uint64: 'BigUint64Array',
  logical: 'Uint8Array',
};

function bytesOf(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Compares the raw bytes (bit-exact, NaN included) and reports the first differing element. */
function sameData(actual: TypedArray, ref: BinRef, bin: Uint8Array, path: string): void {
  const size = BYTES[ref.dtype];
  expect({ path, length: actual.length }).toEqual({ path, length: ref.length });
  expect({ path, width: actual.BYTES_PER_ELEMENT }).toEqual({ path, width: size });
  const want = bin.subarray(ref.offset, ref.offset + ref.length * size);
  const got = bytesOf(actual);
  for (let i = 0; i < want.length; i++) {
    if (want[i] !== got[i]) {
      const el = Math.floor(i / size);
      throw new Error(
        `${path}: element ${el} differs: got ${String(actual[el])}, bytes ` +
          `${Array.from(got.subarray(el * size, (el + 1) * size)).join(',')} vs expected ` +
          `${Array.from(want.subarray(el * size, (el + 1) * size)).join(',')}`,
      );
    }
  }
}

function compare(actual: MatValue, want: Node, bin: Uint8Array, path: string): void {
  expect({ path, kind: actual.kind }).toEqual({ path, kind: want.kind });
  expect({ path, shape: actual.shape }).toEqual({ path, shape: want.shape });
  if (actual.kind === 'numeric' && want.kind === 'numeric') {
    expect({ path, class: actual.class }).toEqual({ path, class: want.class });
    expect({ path, array: actual.data.constructor.name }).toEqual({
      path,
      array: ARRAY_OF_CLASS[want.class],
    });
    sameData(actual.data, want.data, bin, path);
    expect({ path, complex: actual.imag !== undefined }).toEqual({
      path,
      complex: want.imag !== undefined,
    });
    if (actual.imag && want.imag) sameData(actual.imag, want.imag, bin, `${path} (imag)`);
  } else if (actual.kind === 'char' && want.kind === 'char') {
    expect({ path, rows: actual.rows }).toEqual({ path, rows: want.rows });
  } else if (actual.kind === 'cell' && want.kind === 'cell') {
    expect({ path, n: actual.items.length }).toEqual({ path, n: want.items.length });
    want.items.forEach((w, i) => compare(actual.items[i], w, bin, `${path}{${i}}`));
  } else if (actual.kind === 'struct' && want.kind === 'struct') {
    expect({ path, fields: actual.fieldNames }).toEqual({ path, fields: want.fieldNames });
    expect({ path, n: actual.items.length }).toEqual({ path, n: want.items.length });
    want.items.forEach((rec, i) => {
      expect(Object.keys(actual.items[i])).toEqual(want.fieldNames);
      for (const f of want.fieldNames)
        compare(actual.items[i][f], rec[f], bin, `${path}(${i}).${f}`);
    });
  }
}

function checkAgainst(mat: MatFile, stem: string, version: string): void {
  const want = JSON.parse(readFileSync(new URL(`${stem}.expected.json`, DIR), 'utf8')) as Expected;
  const bin = load(`${stem}.expected.bin`);
  expect(mat.version).toBe(version);
  expect([...mat.variables.keys()]).toEqual(want.variables.map(([k]) => k));
  for (const [name, node] of want.variables) {
    const v = mat.variables.get(name);
    if (v === undefined) throw new Error(`missing ${name}`);
    compare(v, node, bin, name);
  }
}

describe('MAT fixtures (scipy, h5py, MATLAB)', () => {
  const readable = manifest.filter((m) => m.expected !== undefined);
  const refused = manifest.filter((m) => m.refused !== undefined);

  it('has the fixtures the script promises', () => {
    expect(readable.length).toBeGreaterThanOrEqual(45);
    expect(refused.length).toBeGreaterThanOrEqual(10);
    const names = manifest.map((m) => m.file);
    for (const f of [
      'amigos_v5.mat',
      'amigos_v5z.mat',
      'amigos_v73.mat',
      'deap_v5.mat',
      'deap_v5z.mat',
      'types_v5.mat',
      'types_v5z.mat',
      'types_v73.mat',
    ]) {
      expect(names).toContain(f);
    }
  });

  it.each(readable.map((m) => [m.file, m.expected as string, m.version as string]))(
    '%s reads value by value as expected',
    async (file, stem, version) => {
      const mat = await readMat(load(file), file);
      checkAgainst(mat, stem, version);
    },
  );

  it.each(refused.map((m) => [m.file, m.refused as string]))(
    '%s is refused with a FormatError mentioning %s',
    async (file, why) => {
      const err = await readMat(load(file), file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FormatError);
      const msg = (err as FormatError).message;
      expect(msg).toContain(file);
      expect(msg.toLowerCase()).toContain(why);
    },
  );
});

describe('AMIGOS-shaped content', () => {
  it('is the same in v5, compressed v5 and v7.3', async () => {
    const [a, b, c] = await Promise.all(
      ['amigos_v5.mat', 'amigos_v5z.mat', 'amigos_v73.mat'].map((f) => readMat(load(f), f)),
    );
    expect(a.version).toBe('5');
    expect(c.version).toBe('7.3');
    expect([...b.variables.entries()]).toEqual([...a.variables.entries()]);
    expect([...c.variables.entries()]).toEqual([...a.variables.entries()]);
  });

  it('has the trials, NaN runs and empty trials where the script put them', async () => {
    const mat = await readMat(load('amigos_v5z.mat'), 'amigos_v5z.mat');
    const ids = mat.variables.get('VideoIDs');
    expect(ids?.kind).toBe('cell');
    if (ids?.kind !== 'cell') return;
    expect(ids.shape).toEqual([1, 4]);
    expect(ids.items.map((v) => (v.kind === 'char' ? v.rows : null))).toEqual([
      ['4'],
      ['N1'],
      ['10'],
      ['138'],
    ]);
    const joined = mat.variables.get('joined_data');
    if (joined?.kind !== 'cell') throw new Error('joined_data is not a cell');
    const [t0, t1, t2, t3] = joined.items;
    if (t0.kind !== 'numeric' || t3.kind !== 'numeric') throw new Error('not numeric');
    expect(t0.shape).toEqual([300, 17]);
    expect(t0.class).toBe('double');
    // row-major: (r, c) at r*17 + c; the script put NaN in rows 100..139 of column 3 and row 250
    for (let r = 95; r < 145; r++) {
      expect(Number.isNaN(t0.data[r * 17 + 3] as number)).toBe(r >= 100 && r < 140);
    }
    for (let col = 0; col < 17; col++) expect(t0.data[250 * 17 + col]).toBeNaN();
    expect(Number.isNaN(t0.data[250 * 17 - 1] as number)).toBe(false);
    expect(t1).toMatchObject({ kind: 'numeric', shape: [0, 0] });
    expect(t2).toMatchObject({ kind: 'numeric', shape: [1, 0] });
    expect((t1 as { data: TypedArray }).data.length).toBe(0);
    expect(t3.shape).toEqual([60, 17]);
    const sa = mat.variables.get('labels_selfassessment');
    if (sa?.kind !== 'cell' || sa.items[3].kind !== 'numeric') throw new Error('bad labels');
    expect(sa.items[3].shape).toEqual([1, 12]);
    expect(sa.items[3].data[5]).toBeNaN();
  });
});

describe('DEAP-shaped content', () => {
  it('has data 3x40x16 in row-major order (uncompressed == compressed)', async () => {
    const a = await readMat(load('deap_v5.mat'), 'deap_v5.mat');
    const b = await readMat(load('deap_v5z.mat'), 'deap_v5z.mat');
    expect([...b.variables.entries()]).toEqual([...a.variables.entries()]);
    const data = a.variables.get('data');
    if (data?.kind !== 'numeric') throw new Error('data is not numeric');
    expect(data.shape).toEqual([3, 40, 16]);
    // the script set data[1, 39, :] = 0..15
    for (let k = 0; k < 16; k++) expect(data.data[1 * 40 * 16 + 39 * 16 + k]).toBe(k);
    expect(a.variables.get('labels')?.shape).toEqual([3, 4]);
    expect(a.header).toMatch(/^MATLAB 5\.0 MAT-file/);
  });
});

describe('types coverage', () => {
  it('keeps 64-bit extremes, astral characters and struct records', async () => {
    const mat = await readMat(load('types_v5z.mat'), 'types_v5z.mat');
    const i64 = mat.variables.get('i_int64');
    const u64 = mat.variables.get('i_uint64');
    if (i64?.kind !== 'numeric' || u64?.kind !== 'numeric') throw new Error('not numeric');
    expect(Array.from(i64.data as BigInt64Array)).toEqual([
      -(2n ** 63n),
      0n,
      1n,
      2n ** 63n - 1n,
      2n ** 63n - 2n,
      7n,
    ]);
    expect((u64.data as BigUint64Array)[3]).toBe(2n ** 64n - 1n);
    expect(mat.variables.get('c_astral')).toEqual({ kind: 'char', shape: [1, 4], rows: ['hé😀!'] });
    expect(mat.variables.get('c_matrix')).toEqual({
      kind: 'char',
      shape: [2, 3],
      rows: ['abc', 'def'],
    });
    const s = mat.variables.get('s_array');
    if (s?.kind !== 'struct') throw new Error('not a struct');
    expect(s.shape).toEqual([1, 3]);
    expect(s.items[2].name).toEqual({ kind: 'char', shape: [1, 5], rows: ['gamma'] });
    const a3 = mat.variables.get('a_3d');
    if (a3?.kind !== 'numeric') throw new Error('not numeric');
    // np.arange(24).reshape(2, 3, 4) * 1.5 - 7 in C order
    expect(Array.from(a3.data as Float64Array)).toEqual(
      Array.from({ length: 24 }, (_, i) => i * 1.5 - 7),
    );
  });

  it('reads big-endian MATLAB files as their little-endian twins', async () => {
    for (const name of ['testmatrix', 'teststructarr', 'testcellnest', 'teststringarray']) {
      const be = await readMat(load(`matlab/${name}_6.1_SOL2.mat`), name);
      const le = await readMat(load(`matlab/${name}_7.4_GLNX86.mat`), name);
      expect(load(`matlab/${name}_6.1_SOL2.mat`).subarray(126, 128)).toEqual(
        new Uint8Array([0x4d, 0x49]),
      );
      expect([...be.variables.entries()]).toEqual([...le.variables.entries()]);
    }
  });
});
