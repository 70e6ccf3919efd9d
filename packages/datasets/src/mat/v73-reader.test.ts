import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import h5wasm from 'h5wasm';
import { readFileSync } from 'node:fs';
import { FormatError } from '../errors.js';
import { readMat5 } from './v5-reader.js';
import { readMat73 } from './v73-reader.js';

const DIR = new URL('../../fixtures/mat/', import.meta.url);
const load = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));

async function rejection(p: Promise<unknown>): Promise<FormatError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FormatError);
  return e as FormatError;
}

type H5File = InstanceType<typeof h5wasm.File>;
let seq = 0;

/** Writes an HDF5 file with h5wasm (no MAT user block: readMat73 also accepts that) */
async function makeH5(build: (f: H5File) => void): Promise<Uint8Array> {
  const Module = await h5wasm.ready;
  const name = `/v73-test-${++seq}.h5`;
  const f = new h5wasm.File(name, 'w');
  build(f);
  f.close();
  const bytes = Module.FS.readFile(name);
  Module.FS.unlink(name);
  return bytes;
}

describe('readMat73', () => {
  it('reads the AMIGOS-shaped v7.3 file like the level-5 one', async () => {
    const v73 = await readMat73(load('amigos_v73.mat'), 'amigos_v73.mat');
    const v5 = readMat5(load('amigos_v5.mat'), 'amigos_v5.mat');
    expect(v73.version).toBe('7.3');
    expect(v73.header).toMatch(/^MATLAB 7\.3 MAT-file, Platform: GLNXA64/);
    expect([...v73.variables.entries()]).toEqual([...v5.variables.entries()]);
  });

  it('reads a file written by MATLAB (HDF5 schema 0.05, header text "MATLAB 7.0")', async () => {
    const mat = await readMat73(load('matlab/testhdf5_7.4_GLNX86.mat'), 'testhdf5.mat');
    expect(mat.header).toMatch(/^MATLAB 7\.0 MAT-file/);
    const v = mat.variables.get('testdouble');
    expect(v).toMatchObject({ kind: 'numeric', class: 'double', shape: [1, 9] });
    if (v?.kind !== 'numeric') throw new Error('not numeric');
    expect(v.data[0]).toBe(0);
    expect(v.data[8]).toBeCloseTo(Math.PI * 2, 12);
  });

  it('refuses files without the HDF5 signature, naming the offset', async () => {
    const bytes = load('amigos_v73.mat').slice(0, 600);
    bytes[512] = 0;
    const e = await rejection(readMat73(bytes, 'nosig.mat'));
    expect(e.message).toMatch(/^nosig\.mat at byte 512: .*expected the HDF5 signature/);
  });

  it('gives a FormatError naming the file for any truncation (HDF5 has no byte offsets)', async () => {
    const bytes = load('types_v73.mat');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 520, max: bytes.length - 1 }), async (cut) => {
        const e = await rejection(readMat73(bytes.subarray(0, cut), 'cut_v73.mat'));
        expect(e.offset).toBeUndefined();
        expect(e.message).toMatch(/^cut_v73\.mat: /);
        expect(e.message).toContain('HDF5 reports no byte offsets');
      }),
      { numRuns: 40 },
    );
  });

  it('removes its temporary files and keeps working after failures', async () => {
    const Module = await h5wasm.ready;
    const before = (Module.FS.readdir('/') as string[]).filter((n) =>
      n.startsWith('emo-mat73-'),
    ).length;
    await rejection(readMat73(load('types_v73.mat').subarray(0, 4000), 'x.mat'));
    const ok = await readMat73(load('types_v73.mat'), 'types_v73.mat');
    expect(ok.variables.size).toBeGreaterThan(20);
    const after = (Module.FS.readdir('/') as string[]).filter((n) =>
      n.startsWith('emo-mat73-'),
    ).length;
    expect(after).toBe(before);
  });

  describe('on hand-made HDF5 files', () => {
    it('reads numeric classes, column-major data and chars without a user block', async () => {
      const bytes = await makeH5((f) => {
        // MATLAB 2x3 double [[1 2 3]; [4 5 6]]: HDF5 shape (3, 2) holding column-major data
        const d = f.create_dataset({
          name: 'd',
          data: Float64Array.from([1, 4, 2, 5, 3, 6]),
          shape: [3, 2],
        });
        d.create_attribute('MATLAB_class', 'double');
        const i = f.create_dataset({
          name: 'i',
          data: BigInt64Array.from([-5n, 9n]),
          shape: [2, 1],
        });
        i.create_attribute('MATLAB_class', 'int64');
        const c = f.create_dataset({
          name: 'c',
          data: Uint16Array.from([0x61, 0x63, 0x62, 0x64]),
          shape: [2, 2],
        });
        c.create_attribute('MATLAB_class', 'char');
        const l = f.create_dataset({ name: 'l', data: Uint8Array.from([1, 0, 2]), shape: [3, 1] });
        l.create_attribute('MATLAB_class', 'logical');
      });
      const mat = await readMat73(bytes, 'made.h5');
      expect(mat.header).toBe('');
      expect(mat.variables.get('d')).toEqual({
        kind: 'numeric',
        class: 'double',
        shape: [2, 3],
        data: Float64Array.from([1, 2, 3, 4, 5, 6]),
      });
      expect(mat.variables.get('i')).toEqual({
        kind: 'numeric',
        class: 'int64',
        shape: [1, 2],
        data: BigInt64Array.from([-5n, 9n]),
      });
      expect(mat.variables.get('c')).toEqual({ kind: 'char', shape: [2, 2], rows: ['ab', 'cd'] });
      expect(mat.variables.get('l')).toEqual({
        kind: 'numeric',
        class: 'logical',
        shape: [1, 3],
        data: Uint8Array.from([1, 0, 1]),
      });
    });

    it('reads an object referenced twice once, and stops reference cycles', async () => {
      const shared = await makeH5((f) => {
        const refs = f.create_group('#refs#');
        const a = refs.create_dataset({
          name: 'a',
          data: Float64Array.from([1, 2]),
          shape: [2, 1],
        });
        a.create_attribute('MATLAB_class', 'double');
        const r = a.create_reference();
        const c = f.create_dataset({ name: 'c', data: [r, r], shape: [2, 1], dtype: 'Reference' });
        c.create_attribute('MATLAB_class', 'cell');
      });
      const mat = await readMat73(shared, 'shared.h5');
      const c = mat.variables.get('c');
      if (c?.kind !== 'cell') throw new Error('not a cell');
      expect(c.shape).toEqual([1, 2]);
      expect(c.items[0]).toEqual({
        kind: 'numeric',
        class: 'double',
        shape: [1, 2],
        data: Float64Array.from([1, 2]),
      });
      expect(c.items[1]).toBe(c.items[0]);

      const cyclic = await makeH5((f) => {
        const dummy = f.create_dataset({ name: 'd', data: Float64Array.from([0]), shape: [1, 1] });
        dummy.create_attribute('MATLAB_class', 'double');
        const x = f.create_dataset({
          name: 'x',
          data: [dummy.create_reference()],
          shape: [1, 1],
          dtype: 'Reference',
        });
        x.create_attribute('MATLAB_class', 'cell');
        x.write_slice(
          [
            [0, 1],
            [0, 1],
          ],
          [x.create_reference()],
        );
      });
      const e = await rejection(readMat73(cyclic, 'cycle.h5'));
      expect(e.message).toMatch(/^cycle\.h5: variable 'x'\{1\}\{1\}/);
      expect(e.message).toMatch(/nested at most 200 deep/);
    });

    it('refuses datasets declaring more data than the file can hold', async () => {
      const bytes = await makeH5((f) => {
        const d = f.create_dataset({
          name: 'big',
          data: Float64Array.from([1]),
          shape: [1, 1],
          maxshape: [null, null],
          chunks: [1, 1],
        });
        d.create_attribute('MATLAB_class', 'double');
        d.resize([100000, 100000]);
      });
      const e = await rejection(readMat73(bytes, 'big.h5'));
      expect(e.message).toMatch(
        /variable 'big' .*it declares 80000000000 bytes \(expected a dataset/,
      );
    });

    const refusals: [string, (f: H5File) => void, RegExp][] = [
      [
        'sparse arrays',
        (f) => {
          const g = f.create_group('sp');
          g.create_attribute('MATLAB_class', 'double');
          g.create_attribute('MATLAB_sparse', 3);
        },
        /variable 'sp' \(HDF5 object \/sp; HDF5 reports no byte offsets\): it is a sparse array/,
      ],
      [
        'function handles',
        (f) => {
          const g = f.create_group('fh');
          g.create_attribute('MATLAB_class', 'function_handle');
        },
        /it is a MATLAB function handle/,
      ],
      [
        'objects',
        (f) => {
          const d = f.create_dataset({ name: 'ob', data: Uint32Array.from([1, 2]), shape: [2, 1] });
          d.create_attribute('MATLAB_class', 'myclass');
          d.create_attribute('MATLAB_object_decode', 3);
        },
        /it is a MATLAB object \(class 'myclass'\)/,
      ],
      [
        'datasets without MATLAB_class',
        (f) => {
          f.create_dataset({ name: 'plain', data: Float64Array.from([1]), shape: [1, 1] });
        },
        /variable 'plain' .*there is none \(expected a 'MATLAB_class' string attribute\)/,
      ],
      [
        'unsupported classes',
        (f) => {
          const d = f.create_dataset({ name: 's', data: Uint8Array.from([1]), shape: [1, 1] });
          d.create_attribute('MATLAB_class', 'string');
        },
        /MATLAB_class is 'string'/,
      ],
      [
        'data that does not match the shape',
        (f) => {
          const d = f.create_dataset({ name: 'c', data: Float64Array.from([1, 2]), shape: [2, 1] });
          d.create_attribute('MATLAB_class', 'cell');
        },
        /expected 2 object references/,
      ],
    ];
    it.each(refusals)(
      'refuses %s with a FormatError naming the variable',
      async (_w, build, re) => {
        const e = await rejection(readMat73(await makeH5(build), 'bad.h5'));
        expect(e.message).toMatch(/^bad\.h5: /);
        expect(e.message).toMatch(re);
      },
    );
  });
});
