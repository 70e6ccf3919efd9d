import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import type { TypedArray } from '../ndarray.js';
import type { MatNumeric, MatNumericClass, MatValue } from './types.js';
import { MAT_NUMERIC_CLASSES } from './types.js';
import { readMat5 } from './v5-reader.js';
import { writeMat5 } from './v5-writer.js';

const DIR = new URL('../../fixtures/mat/', import.meta.url);

const num = (
  cls: MatNumericClass,
  shape: number[],
  data: TypedArray,
  imag?: TypedArray,
): MatNumeric =>
  imag === undefined
    ? { kind: 'numeric', class: cls, shape, data }
    : { kind: 'numeric', class: cls, shape, data, imag };
const str = (s: string): MatValue => ({ kind: 'char', shape: [1, s.length], rows: [s] });

/** One value of every kind the writer supports. */
function allKinds(): Record<string, MatValue> {
  const nd = new Float64Array(2 * 3 * 4 * 5);
  nd.forEach((_, i) => (nd[i] = i * 0.5 - 3));
  return {
    d2: num('double', [2, 3], Float64Array.from([1, -0, NaN, Infinity, -Infinity, 5e-324])),
    scalar: num('double', [1, 1], Float64Array.from([3.25])),
    s: num('single', [1, 3], Float32Array.from([1.5, NaN, -2])),
    i8: num('int8', [2, 2], Int8Array.from([-128, 127, 0, -1])),
    u8: num('uint8', [1, 2], Uint8Array.from([0, 255])),
    i16: num('int16', [2, 1], Int16Array.from([-32768, 32767])),
    u16: num('uint16', [1, 2], Uint16Array.from([0, 65535])),
    i32: num('int32', [1, 2], Int32Array.from([-(2 ** 31), 2 ** 31 - 1])),
    u32: num('uint32', [1, 2], Uint32Array.from([0, 2 ** 32 - 1])),
    i64: num('int64', [1, 3], BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 42n])),
    u64: num('uint64', [3, 1], BigUint64Array.from([0n, 2n ** 64n - 1n, 7n])),
    lg: num('logical', [2, 2], Uint8Array.from([1, 0, 0, 1])),
    cplx: num('double', [1, 2], Float64Array.from([1, 2]), Float64Array.from([-3, NaN])),
    nd4: num('double', [2, 3, 4, 5], nd),
    e00: num('double', [0, 0], new Float64Array(0)),
    e10: num('double', [1, 0], new Float64Array(0)),
    e03: num('single', [0, 3], new Float32Array(0)),
    e_nd: num('int16', [2, 0, 3], new Int16Array(0)),
    c1: str('N1'),
    c2: { kind: 'char', shape: [2, 3], rows: ['abc', 'déf'] },
    cU: str('日本語 Ω'),
    cAstral: { kind: 'char', shape: [1, 3], rows: ['a😀b'] },
    cEmpty: { kind: 'char', shape: [0, 0], rows: [] },
    c3d: { kind: 'char', shape: [2, 2, 2], rows: ['ab', 'cd', 'ef', 'gh'] },
    cell: {
      kind: 'cell',
      shape: [1, 4],
      items: [
        str('4'),
        num('double', [0, 0], new Float64Array(0)),
        num('double', [1, 0], new Float64Array(0)),
        { kind: 'cell', shape: [0, 0], items: [] },
      ],
    },
    cell2d: {
      kind: 'cell',
      shape: [2, 3],
      items: [0, 1, 2, 3, 4, 5].map((i) => num('double', [1, 1], Float64Array.from([i]))),
    },
    cellEmpty: { kind: 'cell', shape: [0, 3], items: [] },
    st: {
      kind: 'struct',
      shape: [1, 1],
      fieldNames: ['a', 'long_field_name_with_more_than_32_chars_x'],
      items: [{ a: str('x'), long_field_name_with_more_than_32_chars_x: str('y') }],
    },
    stArr: {
      kind: 'struct',
      shape: [2, 2],
      fieldNames: ['v', 'c'],
      items: [0, 1, 2, 3].map((i) => ({
        v: num('int32', [1, 1], Int32Array.from([i])),
        c: { kind: 'cell', shape: [1, 1], items: [str(`r${i}`)] },
      })),
    },
    stNoFields: { kind: 'struct', shape: [1, 1], fieldNames: [], items: [{}] },
    stEmpty: { kind: 'struct', shape: [0, 0], fieldNames: ['a'], items: [] },
  };
}

function roundTrip(vars: Record<string, MatValue>, compress: boolean): Map<string, MatValue> {
  const bytes = writeMat5(vars, { compress, header: 'MATLAB 5.0 MAT-file, written by a test' });
  const mat = readMat5(bytes, 'roundtrip.mat');
  expect(mat.version).toBe('5');
  expect(mat.header).toBe('MATLAB 5.0 MAT-file, written by a test');
  return new Map(mat.variables);
}

describe('writeMat5', () => {
  for (const compress of [false, true]) {
    it(`round-trips every kind (compress=${compress})`, () => {
      const vars = allKinds();
      const back = roundTrip(vars, compress);
      expect([...back.keys()]).toEqual(Object.keys(vars));
      for (const [k, v] of Object.entries(vars)) expect({ k, v: back.get(k) }).toEqual({ k, v });
    });
  }

  it('accepts a Map and keeps its order', () => {
    const m = new Map<string, MatValue>([
      ['zeta', str('z')],
      ['alpha', str('a')],
    ]);
    const mat = readMat5(writeMat5(m), 'm.mat');
    expect([...mat.variables.keys()]).toEqual(['zeta', 'alpha']);
    expect(mat.header).toMatch(/^MATLAB 5\.0 MAT-file, Platform: /);
  });

  it('lays out files as MATLAB does: header, 8-byte aligned miMATRIX elements, miUTF16 chars', () => {
    const bytes = writeMat5({
      x: num('double', [2, 2], Float64Array.from([1, 2, 3, 4])),
      c: str('ab'),
    });
    expect(Buffer.from(bytes.subarray(0, 10)).toString('latin1')).toBe('MATLAB 5.0');
    expect(Array.from(bytes.subarray(124, 128))).toEqual([0x00, 0x01, 0x49, 0x4d]); // 0x0100, 'IM'
    const v = new DataView(bytes.buffer, bytes.byteOffset);
    expect(v.getUint32(128, true)).toBe(14); // miMATRIX
    const n1 = v.getUint32(132, true);
    expect(n1 % 8).toBe(0);
    // column-major data: [[1, 2], [3, 4]] is stored 1, 3, 2, 4
    const dataAt = 128 + 8 + 16 + 16 + 8; // tag, flags, dims, small name
    expect(v.getUint32(dataAt, true)).toBe(9); // miDOUBLE
    expect([0, 1, 2, 3].map((i) => v.getFloat64(dataAt + 8 + 8 * i, true))).toEqual([1, 3, 2, 4]);
    const second = 128 + 8 + n1;
    expect(v.getUint32(second, true)).toBe(14);
    expect(v.getUint32(second + 8 + 16 + 16 + 8, true)).toBe(17); // miUTF16 chars
    expect(second + 8 + v.getUint32(second + 4, true)).toBe(bytes.length);
  });

  it('wraps each variable in an unpadded miCOMPRESSED element when compressing', () => {
    const bytes = writeMat5(
      { a: str('hello'), b: num('double', [1, 1], Float64Array.from([1])) },
      {
        compress: true,
      },
    );
    const v = new DataView(bytes.buffer, bytes.byteOffset);
    let pos = 128;
    let n = 0;
    while (pos < bytes.length) {
      expect(v.getUint32(pos, true)).toBe(15);
      const len = v.getUint32(pos + 4, true);
      const inner = inflateSync(bytes.subarray(pos + 8, pos + 8 + len));
      expect(new DataView(inner.buffer, inner.byteOffset).getUint32(0, true)).toBe(14);
      pos += 8 + len;
      n++;
    }
    expect(pos).toBe(bytes.length);
    expect(n).toBe(2);
  });

  it('re-writes scipy- and MATLAB-written fixtures to files that read back the same', () => {
    const files = ['types_v5.mat', 'amigos_v5z.mat', 'matlab/teststructnest_7.4_GLNX86.mat'];
    for (const f of files) {
      const orig = readMat5(new Uint8Array(readFileSync(new URL(f, DIR))), f);
      for (const compress of [false, true]) {
        const again = readMat5(writeMat5(orig.variables, { compress }), f);
        expect([...again.variables.entries()]).toEqual([...orig.variables.entries()]);
      }
    }
  });

  it('writes a synthetic AMIGOS-shaped subject (1x20 cells, empty trials) that reads back equal', () => {
    const trials = Array.from({ length: 20 }, (_, t) => {
      const n = t < 2 ? 0 : 300 + t;
      const data = new Float64Array(n * 17);
      for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.01 + t) * 40;
      return num('double', n === 0 ? [0, 0] : [n, 17], data);
    });
    const vars: Record<string, MatValue> = {
      VideoIDs: { kind: 'cell', shape: [1, 20], items: trials.map((_, i) => str(`${i}`)) },
      joined_data: { kind: 'cell', shape: [1, 20], items: trials },
    };
    const bytes = writeMat5(vars, { compress: true });
    const back = readMat5(bytes, 'synthetic.mat');
    expect([...back.variables.entries()]).toEqual(Object.entries(vars));
  });

  describe('refuses invalid input', () => {
    const bad: [string, Record<string, MatValue>, RegExp][] = [
      ['a bad variable name', { '1x': str('a') }, /not a valid MATLAB variable name/],
      [
        'data of the wrong type',
        { x: num('double', [1, 2], Float32Array.from([1, 2])) },
        /must be a Float64Array, got Float32Array/,
      ],
      [
        'a shape that does not match the data',
        { x: num('double', [2, 2], Float64Array.from([1, 2])) },
        /has 2 elements, shape \[2, 2\] needs 4/,
      ],
      ['negative dimensions', { x: num('double', [-1, 2], new Float64Array(0)) }, /not an int32/],
      [
        'rows of the wrong length',
        { x: { kind: 'char', shape: [1, 3], rows: ['ab'] } },
        /row 'ab' has 2 UTF-16 code units, shape needs 3/,
      ],
      [
        'a cell with too few items',
        { x: { kind: 'cell', shape: [1, 2], items: [str('a')] } },
        /needs 2 items, got 1/,
      ],
      [
        'a record missing a field',
        {
          x: { kind: 'struct', shape: [1, 1], fieldNames: ['a', 'b'], items: [{ a: str('a') }] },
        },
        /record 1 has fields \[a\], expected \[a, b\]/,
      ],
      [
        'a complex logical',
        { x: num('logical', [1, 1], Uint8Array.from([1]), Uint8Array.from([0])) },
        /cannot be complex/,
      ],
    ];
    it.each(bad)('%s', (_what, vars, message) => {
      expect(() => writeMat5(vars)).toThrow(message);
      expect(() => writeMat5(vars)).toThrow(RangeError);
    });

    it('a header that is too long or not ASCII', () => {
      expect(() => writeMat5({}, { header: 'x'.repeat(117) })).toThrow(RangeError);
      expect(() => writeMat5({}, { header: 'héllo' })).toThrow(RangeError);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Property: any value tree written is read back equal
// ---------------------------------------------------------------------------------------------

const CLASSES: readonly MatNumericClass[] = MAT_NUMERIC_CLASSES;

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 4 });
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

function dataArb(cls: MatNumericClass, n: number): fc.Arbitrary<TypedArray> {
  const len = { minLength: n, maxLength: n };
  switch (cls) {
    case 'double':
      return fc.array(fc.double(), len).map((a) => Float64Array.from(a));
    case 'single':
      return fc.array(fc.float(), len).map((a) => Float32Array.from(a));
    case 'int64':
      return fc
        .array(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), len)
        .map((a) => BigInt64Array.from(a));
    case 'uint64':
      return fc.array(fc.bigInt(0n, 2n ** 64n - 1n), len).map((a) => BigUint64Array.from(a));
    case 'logical':
      return fc.array(fc.boolean(), len).map((a) => Uint8Array.from(a, Number));
    default: {
      const bits = { int8: 8, uint8: 8, int16: 16, uint16: 16, int32: 32, uint32: 32 }[cls];
      const signed = cls.startsWith('int');
      const min = signed ? -(2 ** (bits - 1)) : 0;
      const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
      const Ctor = {
        int8: Int8Array,
        uint8: Uint8Array,
        int16: Int16Array,
        uint16: Uint16Array,
        int32: Int32Array,
        uint32: Uint32Array,
      }[cls];
      return fc.array(fc.integer({ min, max }), len).map((a) => Ctor.from(a));
    }
  }
}

const numericArb: fc.Arbitrary<MatValue> = fc
  .tuple(fc.constantFrom(...CLASSES), shapeArb, fc.boolean())
  .chain(([cls, shape, complex]) =>
    fc
      .tuple(dataArb(cls, size(shape)), dataArb(cls, size(shape)))
      .map(([d, im]) => num(cls, shape, d, complex && cls !== 'logical' ? im : undefined)),
  );

const charArb: fc.Arbitrary<MatValue> = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 5 }))
  .chain(([r, c]) =>
    fc
      .array(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: c, maxLength: c }), {
        minLength: r,
        maxLength: r,
      })
      .map((rows): MatValue => ({
        kind: 'char',
        shape: [r, c],
        rows:
          r * c === 0 ? new Array<string>(r).fill('') : rows.map((u) => String.fromCharCode(...u)),
      })),
  );

const FIELDS = ['a', 'b2', 'c_3', 'Long_Name_Of_Field_With_40_Characters_xx'];

const valueArb: fc.Arbitrary<MatValue> = fc.letrec<{ value: MatValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numericArb,
    charArb,
    fc
      .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }))
      .chain(([r, c]) =>
        fc
          .array(tie('value'), { minLength: r * c, maxLength: r * c })
          .map((items): MatValue => ({ kind: 'cell', shape: [r, c], items })),
      ),
    fc
      .tuple(fc.subarray(FIELDS), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }))
      .chain(([fields, r, c]) =>
        fc
          .array(fc.array(tie('value'), { minLength: fields.length, maxLength: fields.length }), {
            minLength: r * c,
            maxLength: r * c,
          })
          .map((recs): MatValue => ({
            kind: 'struct',
            shape: [r, c],
            fieldNames: fields,
            items: recs.map((vals) => Object.fromEntries(fields.map((f, i) => [f, vals[i]]))),
          })),
      ),
  ),
})).value;

describe('writeMat5 / readMat5 property', () => {
  it('reads back every written value tree (compressed and not)', () => {
    fc.assert(
      fc.property(
        fc.array(valueArb, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (values, compress) => {
          const vars = Object.fromEntries(values.map((v, i) => [`v${i}`, v]));
          const mat = readMat5(writeMat5(vars, { compress }), 'prop.mat');
          expect([...mat.variables.entries()]).toEqual(Object.entries(vars));
        },
      ),
      { numRuns: 150 },
    );
  });
});
