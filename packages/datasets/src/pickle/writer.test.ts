import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ndarray, type NdArray } from '../ndarray.js';
import { asDict, asNdArray, readPickle } from './reader.js';
import { writeDeapPickle, type DeapPickleOptions } from './writer.js';

const dir = new URL('../../fixtures/pickle/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, dir)));

interface Entry {
  file: string;
  error?: string;
  writer?: { form: 'py2' | 'py3'; protocol: 0 | 2 };
}
const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')) as {
  fixtures: Entry[];
};
const withWriter = manifest.fixtures.filter((f) => f.writer !== undefined);

const FORMS: DeapPickleOptions[] = [
  { form: 'py2', protocol: 2 },
  { form: 'py2', protocol: 0 },
  { form: 'py3', protocol: 2 },
  { form: 'py3', protocol: 0 },
];

function readDeap(bytes: Uint8Array, file: string) {
  const root = asDict(readPickle(bytes, file), file);
  return {
    keys: [...root.keys()],
    data: asNdArray(root.get('data'), file, 'data') as NdArray<Float64Array>,
    labels: asNdArray(root.get('labels'), file, 'labels') as NdArray<Float64Array>,
  };
}

const bitsOf = (a: Float64Array): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

/** Deterministic float64 values with every byte value, NaNs with payloads, ±0, ±inf, subnormals. */
function testArray(shape: number[], seed: number): NdArray<Float64Array> {
  const n = shape.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(n * 8);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  const d = new Float64Array(bytes.buffer);
  const specials = [NaN, -0, 0, Infinity, -Infinity, 5e-324, -Number.MAX_VALUE, 7.5];
  for (let i = 0; i < Math.min(n, specials.length); i++) d[i] = specials[i];
  if (n > 9) new BigUint64Array(d.buffer)[9] = 0x7ff0000000000001n; // signalling NaN
  return ndarray('float64', shape, d);
}

describe('writeDeapPickle', () => {
  test('the fixtures list writer cases for all four forms', () => {
    const forms = new Set(withWriter.map((f) => `${f.writer?.form}-${f.writer?.protocol}`));
    expect([...forms].sort()).toEqual(['py2-0', 'py2-2', 'py3-0', 'py3-2']);
  });

  // Python 2.7 cPickle (emulated, checked against real cPickle by the script) and Python 3.11 +
  // numpy 2 wrote these; the writer must produce the same bytes for the same arrays.
  test.each(withWriter.map((f) => [f.file, f.writer as DeapPickleOptions] as const))(
    'writes %s byte for byte',
    (name, opts) => {
      const want = fixture(name);
      const { data, labels } = readDeap(want, name);
      const got = writeDeapPickle({ data, labels }, opts);
      if (!Buffer.from(got).equals(Buffer.from(want))) {
        const i = got.findIndex((b, j) => b !== want[j]);
        throw new Error(
          `${name}: first difference at byte ${i} (lengths ${got.length} / ${want.length}): ` +
            `wrote ${JSON.stringify(Buffer.from(got.subarray(Math.max(0, i - 20), i + 20)).toString('latin1'))} ` +
            `python ${JSON.stringify(Buffer.from(want.subarray(Math.max(0, i - 20), i + 20)).toString('latin1'))}`,
        );
      }
    },
  );

  test('numpy 1.x writes the py3 form with only the module name changed', () => {
    const want = fixture('deap-py3-np1-p2.dat');
    const { data, labels } = readDeap(want, 'np1');
    const ours = Buffer.from(writeDeapPickle({ data, labels }, { form: 'py3', protocol: 2 }));
    const np1 = ours.toString('latin1').replace('numpy._core.multiarray', 'numpy.core.multiarray');
    expect(Buffer.from(np1, 'latin1').equals(Buffer.from(want))).toBe(true);
  });

  test.each(FORMS.map((o) => [`${o.form} protocol ${o.protocol}`, o] as const))(
    'round trip through readPickle: %s',
    (_, opts) => {
      for (const [trials, samples] of [
        [3, 16],
        [1, 1],
        [0, 8],
        [40, 64],
      ]) {
        const data = testArray([trials, 40, samples], 1000 + trials * samples);
        const labels = testArray([trials, 4], 7 + trials);
        const bytes = writeDeapPickle({ data, labels }, opts);
        const back = readDeap(bytes, 'rt.dat');
        expect(back.keys).toEqual(opts.form === 'py2' ? ['labels', 'data'] : ['data', 'labels']);
        expect(back.data.shape).toEqual([trials, 40, samples]);
        expect(back.labels.shape).toEqual([trials, 4]);
        expect(bitsOf(back.data.data)).toBe(bitsOf(data.data));
        expect(bitsOf(back.labels.data)).toBe(bitsOf(labels.data));
      }
    },
  );

  test('protocol-2 py2 form starts like DEAP sXX.dat', () => {
    const data = testArray([40, 40, 8], 1);
    const labels = testArray([40, 4], 2);
    const b = writeDeapPickle({ data, labels }, { form: 'py2', protocol: 2 });
    // what Python 2.7 cPickle + numpy 1.x write for DEAP's dict (see make_pickle_fixtures.py)
    const want =
      '\x80\x02}q\x01(U\x06labelsq\x02cnumpy.core.multiarray\n_reconstruct\nq\x03cnumpy\nndarray\n' +
      'q\x04K\x00\x85U\x01b\x87Rq\x05(K\x01K(K\x04\x86cnumpy\ndtype\nq\x06U\x02f8K\x00K\x01\x87Rq\x07' +
      '(K\x03U\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89T\x00\x05\x00\x00';
    expect(Buffer.from(b.subarray(0, want.length)).toString('latin1')).toBe(want);
    // the data bytes are in the output verbatim (one BINSTRING)
    const raw = Buffer.from(data.data.buffer);
    expect(Buffer.from(b).indexOf(raw)).toBeGreaterThan(0);
    expect(b[b.length - 1]).toBe(0x2e);
  });

  test('keyOrder overrides the default order', () => {
    const data = testArray([1, 40, 2], 3);
    const labels = testArray([1, 4], 4);
    for (const form of ['py2', 'py3'] as const) {
      for (const keyOrder of ['labels-data', 'data-labels'] as const) {
        const b = writeDeapPickle({ data, labels }, { form, protocol: 2, keyOrder });
        expect(readDeap(b, 'k').keys).toEqual(
          keyOrder === 'labels-data' ? ['labels', 'data'] : ['data', 'labels'],
        );
      }
    }
  });

  test('the data is written from views with its own byte offset', () => {
    const big = testArray([2, 40, 4], 9);
    const view = new Float64Array(big.data.buffer, 40 * 4 * 8, 40 * 4); // second trial only
    const data = ndarray('float64', [1, 40, 4], view);
    const labels = testArray([1, 4], 10);
    for (const opts of FORMS) {
      const back = readDeap(writeDeapPickle({ data, labels }, opts), 'v');
      expect(bitsOf(back.data.data)).toBe(bitsOf(view));
    }
  });

  test('refuses arrays that are not float64', () => {
    const bad = ndarray('float32', [1, 4], new Float32Array(4)) as unknown as NdArray<Float64Array>;
    const labels = testArray([1, 4], 1);
    expect(() => writeDeapPickle({ data: bad, labels }, { form: 'py2', protocol: 2 })).toThrow(
      /'data' must be a float64 NdArray/,
    );
  });

  test('a DEAP-sized file (103 MB) is written and read back quickly', () => {
    const data = testArray([40, 40, 8064], 5);
    const labels = testArray([40, 4], 6);
    const t0 = performance.now();
    const bytes = writeDeapPickle({ data, labels }, { form: 'py2', protocol: 2 });
    const t1 = performance.now();
    const back = readDeap(bytes, 'big.dat');
    const t2 = performance.now();
    expect(bytes.length).toBe(103_219_200 + 1280 + 192); // as cPickle (checked in Python)
    expect(Buffer.from(back.data.data.buffer).equals(Buffer.from(data.data.buffer))).toBe(true);
    // generous bounds (memcpy speed is ~10 GB/s); catches accidental per-byte work
    expect(t1 - t0).toBeLessThan(2000);
    expect(t2 - t1).toBeLessThan(2000);
  });
});
