import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { deflateSync, inflateSync } from 'node:zlib';
import { FormatError } from '../errors.js';
import type { MatFile } from './types.js';
import { MI, MX, columnToRowMajor, readMat5, reverseAxes, rowToColumnMajor } from './v5-reader.js';

const DIR = new URL('../../fixtures/mat/', import.meta.url);
const load = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));

// ---------------------------------------------------------------------------------------------
// A tiny level-5 builder for hand-made files (either byte order)
// ---------------------------------------------------------------------------------------------

// the format's codes, as the reader names them (hand-made files are also checked against
// scipy-written fixtures in fixtures.test.ts, so a wrong code in the table would not hide)
const mi = MI;
const mx = MX;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

class Maker {
  constructor(readonly le: boolean) {}

  words(type: number, values: readonly number[]): Uint8Array {
    const size = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 16: 1, 17: 2, 18: 4 }[type] ?? 1;
    const out = new Uint8Array(values.length * size);
    const v = new DataView(out.buffer);
    values.forEach((x, i) => {
      const p = i * size;
      switch (type) {
        case mi.INT8:
          v.setInt8(p, x);
          break;
        case mi.UINT8:
        case mi.UTF8:
          v.setUint8(p, x);
          break;
        case mi.INT16:
          v.setInt16(p, x, this.le);
          break;
        case mi.UINT16:
        case mi.UTF16:
          v.setUint16(p, x, this.le);
          break;
        case mi.INT32:
          v.setInt32(p, x, this.le);
          break;
        case mi.UINT32:
        case mi.UTF32:
          v.setUint32(p, x, this.le);
          break;
        case mi.SINGLE:
          v.setFloat32(p, x, this.le);
          break;
        default:
          v.setFloat64(p, x, this.le);
      }
    });
    return out;
  }

  tag(type: number, nbytes: number): Uint8Array {
    const out = new Uint8Array(8);
    const v = new DataView(out.buffer);
    v.setUint32(0, type, this.le);
    v.setUint32(4, nbytes, this.le);
    return out;
  }

  /** A data element: tag, data, padding to 8 bytes (small format when asked and it fits). */
  el(type: number, data: Uint8Array, small = false): Uint8Array {
    if (small && data.length <= 4) {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setUint32(0, (data.length << 16) | type, this.le);
      out.set(data, 4);
      return out;
    }
    const pad = (8 - (data.length % 8)) % 8;
    return concat([this.tag(type, data.length), data, new Uint8Array(pad)]);
  }

  num(type: number, values: readonly number[], small = false): Uint8Array {
    return this.el(type, this.words(type, values), small);
  }

  matrix(
    cls: number,
    dims: readonly number[],
    name: string,
    parts: Uint8Array[],
    flags = 0,
  ): Uint8Array {
    const body = concat([
      this.num(mi.UINT32, [cls | flags, 0]),
      this.num(mi.INT32, dims),
      this.el(mi.INT8, new TextEncoder().encode(name), true),
      ...parts,
    ]);
    return concat([this.tag(mi.MATRIX, body.length), body]);
  }

  compressed(matrix: Uint8Array): Uint8Array {
    const z = deflateSync(matrix);
    return concat([this.tag(mi.COMPRESSED, z.length), z]);
  }

  header(subsysOffset = 0): Uint8Array {
    const h = new Uint8Array(128).fill(0x20);
    h.set(new TextEncoder().encode('MATLAB 5.0 MAT-file, hand-made by a test'), 0);
    const v = new DataView(h.buffer);
    v.setBigUint64(116, BigInt(subsysOffset), this.le);
    v.setUint16(124, 0x0100, this.le);
    v.setUint16(126, 0x4d49, this.le); // 'IM' in the file's byte order
    return h;
  }

  file(...elements: Uint8Array[]): Uint8Array {
    return concat([this.header(), ...elements]);
  }
}

const LE = new Maker(true);
const BE = new Maker(false);

function formatError(fn: () => unknown, file: string): FormatError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FormatError);
  const fe = err as FormatError;
  expect(fe.message.startsWith(`${file} at byte `)).toBe(true);
  expect(fe.offset).toEqual(expect.any(Number));
  return fe;
}

// ---------------------------------------------------------------------------------------------

describe('layout helpers', () => {
  it('converts column-major to row-major for 2-D to 5-D shapes and back', () => {
    for (const shape of [
      [3, 4],
      [2, 3, 4],
      [40, 1, 7],
      [2, 1, 3, 1, 2],
      [1, 5],
      [5, 1],
      [0, 3],
    ]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const col = Float64Array.from({ length: n }, (_, i) => i);
      const row = columnToRowMajor(col, shape);
      // element (i0, i1, ...) is col[i0 + d0*i1 + d0*d1*i2 ...] and row[... C order ...]
      const idx = new Array<number>(shape.length).fill(0);
      for (let r = 0; r < n; r++) {
        let f = 0;
        let stride = 1;
        for (let k = 0; k < shape.length; k++) {
          f += idx[k] * stride;
          stride *= shape[k];
        }
        expect(row[r]).toBe(f);
        for (let k = shape.length - 1; k >= 0; k--) {
          if (++idx[k] < shape[k]) break;
          idx[k] = 0;
        }
      }
      expect(Array.from(rowToColumnMajor(row, shape))).toEqual(Array.from(col));
    }
  });

  it('moves 64-bit integers bit-exactly and keeps the array type', () => {
    const big = BigInt64Array.from([-(2n ** 63n), 1n, 2n ** 63n - 1n, -5n, 3n, 0n]);
    const t = reverseAxes(big, [2, 3]);
    expect(t).toBeInstanceOf(BigInt64Array);
    expect(Array.from(t)).toEqual([-(2n ** 63n), -5n, 1n, 3n, 2n ** 63n - 1n, 0n]);
  });
});

describe('readMat5 on hand-made files', () => {
  it('converts storage types to the array class, in both byte orders, small elements included', () => {
    for (const m of [LE, BE]) {
      const bytes = m.file(
        // double 1x3 stored as miINT16
        m.matrix(mx.DOUBLE, [1, 3], 'a', [m.num(mi.INT16, [-3, 0, 300])]),
        // double 1x1 stored as miUINT8 in a small data element (as MATLAB does for x = 7)
        m.matrix(mx.DOUBLE, [1, 1], 'b', [m.num(mi.UINT8, [7], true)]),
        // double 2x2 stored as miINT32, column-major
        m.matrix(mx.DOUBLE, [2, 2], 'c', [m.num(mi.INT32, [1, 3, 2, -4])]),
        // int32 stored as miUINT8
        m.matrix(mx.INT32, [1, 2], 'd', [m.num(mi.UINT8, [200, 1])]),
        // complex: real part miINT8, imaginary part miDOUBLE
        m.matrix(
          mx.DOUBLE,
          [1, 2],
          'e',
          [m.num(mi.INT8, [-1, 2]), m.num(mi.DOUBLE, [0.5, NaN])],
          0x800,
        ),
        // logical flag on a double array: non-zero is true
        m.matrix(mx.DOUBLE, [1, 3], 'f', [m.num(mi.DOUBLE, [0, 0.5, -2])], 0x200),
        // a long name (not a small element)
        m.matrix(mx.DOUBLE, [1, 1], 'long_name_x', [m.num(mi.SINGLE, [1.5])]),
      );
      const mat = readMat5(bytes, 'storage.mat');
      const get = (k: string) => mat.variables.get(k);
      expect(get('a')).toEqual({
        kind: 'numeric',
        class: 'double',
        shape: [1, 3],
        data: Float64Array.from([-3, 0, 300]),
      });
      expect(get('b')).toEqual({
        kind: 'numeric',
        class: 'double',
        shape: [1, 1],
        data: Float64Array.from([7]),
      });
      expect(get('c')).toEqual({
        kind: 'numeric',
        class: 'double',
        shape: [2, 2],
        data: Float64Array.from([1, 2, 3, -4]),
      });
      expect(get('d')).toEqual({
        kind: 'numeric',
        class: 'int32',
        shape: [1, 2],
        data: Int32Array.from([200, 1]),
      });
      expect(get('e')).toEqual({
        kind: 'numeric',
        class: 'double',
        shape: [1, 2],
        data: Float64Array.from([-1, 2]),
        imag: Float64Array.from([0.5, NaN]),
      });
      expect(get('f')).toEqual({
        kind: 'numeric',
        class: 'logical',
        shape: [1, 3],
        data: Uint8Array.from([0, 1, 1]),
      });
      expect(get('long_name_x')).toMatchObject({ class: 'double', data: Float64Array.from([1.5]) });
      expect(mat.header).toBe('MATLAB 5.0 MAT-file, hand-made by a test');
    }
  });

  it('reads char data stored as miUINT16, miUTF16, miUINT8, miUTF32 and miUTF8 (column-major)', () => {
    const codes = (s: string) => Array.from(s, (ch) => ch.charCodeAt(0));
    for (const m of [LE, BE]) {
      const bytes = m.file(
        m.matrix(mx.CHAR, [2, 2], 'u16', [m.num(mi.UINT16, codes('acbd'))]),
        m.matrix(mx.CHAR, [1, 3], 'u16b', [m.num(mi.UTF16, [0x41, 0x3a9, 0x42])]),
        m.matrix(mx.CHAR, [1, 3], 'u8', [m.num(mi.UINT8, [0x61, 0xe9, 0x62])]),
        m.matrix(mx.CHAR, [1, 2], 'u32', [m.num(mi.UTF32, [0x1f600, 0x41])]),
        m.matrix(mx.CHAR, [2, 2], 'utf8', [m.el(mi.UTF8, new TextEncoder().encode('éçàb'))]),
        m.matrix(mx.CHAR, [0, 0], 'e', [m.el(mi.UINT16, new Uint8Array(0))]),
        m.matrix(mx.CHAR, [1, 0], 'e2', [m.el(mi.UINT16, new Uint8Array(0))]),
      );
      const mat = readMat5(bytes, 'chars.mat');
      const rows = (k: string) => {
        const v = mat.variables.get(k);
        return v?.kind === 'char' ? v.rows : undefined;
      };
      expect(rows('u16')).toEqual(['ab', 'cd']);
      expect(rows('u16b')).toEqual(['AΩB']);
      expect(rows('u8')).toEqual(['aéb']);
      expect(rows('u32')).toEqual(['😀A']);
      expect(rows('utf8')).toEqual(['éà', 'çb']);
      expect(rows('e')).toEqual([]);
      expect(rows('e2')).toEqual(['']);
    }
  });

  it('reads cells and structs in row-major order, with MATLAB-style empty elements', () => {
    const m = LE;
    const scalar = (x: number) => m.matrix(mx.DOUBLE, [1, 1], '', [m.num(mi.DOUBLE, [x])]);
    const names = new Uint8Array(64);
    names.set(new TextEncoder().encode('x'), 0);
    names.set(new TextEncoder().encode('yy'), 32);
    const bytes = m.file(
      // 2x2 cell stored column-major: {1, 3; 2, 4} -> items 1, 2 | 3, 4 -> row-major 1, 3, 2, 4
      m.matrix(mx.CELL, [2, 2], 'c', [scalar(1), scalar(2), scalar(3), scalar(4)]),
      // a cell with a bare miMATRIX tag (0 bytes) as MATLAB writes some empty elements
      m.matrix(mx.CELL, [1, 2], 'e', [m.tag(mi.MATRIX, 0), scalar(9)]),
      // 1x2 struct with fields x, yy
      m.matrix(mx.STRUCT, [1, 2], 's', [
        m.num(mi.INT32, [32], true),
        m.el(mi.INT8, names),
        scalar(1),
        scalar(2),
        scalar(3),
        scalar(4),
      ]),
    );
    const mat = readMat5(bytes, 'cells.mat');
    const c = mat.variables.get('c');
    if (c?.kind !== 'cell') throw new Error('not a cell');
    expect(c.items.map((v) => (v.kind === 'numeric' ? v.data[0] : null))).toEqual([1, 3, 2, 4]);
    const e = mat.variables.get('e');
    expect(e).toEqual({
      kind: 'cell',
      shape: [1, 2],
      items: [
        { kind: 'numeric', class: 'double', shape: [0, 0], data: new Float64Array(0) },
        { kind: 'numeric', class: 'double', shape: [1, 1], data: Float64Array.from([9]) },
      ],
    });
    const s = mat.variables.get('s');
    if (s?.kind !== 'struct') throw new Error('not a struct');
    expect(s.fieldNames).toEqual(['x', 'yy']);
    expect(
      s.items.map((r) => [r.x, r.yy].map((v) => (v.kind === 'numeric' ? v.data[0] : null))),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('skips the subsystem data and variables with an empty name', () => {
    const m = LE;
    const a = m.matrix(mx.DOUBLE, [1, 1], 'a', [m.num(mi.DOUBLE, [1])]);
    const anon = m.matrix(mx.UINT8, [1, 4], '', [m.num(mi.UINT8, [1, 2, 3, 4])]);
    const opaque = m.matrix(17, [1, 1], '', [m.num(mi.UINT8, [0])]);
    const subsysAt = 128 + a.length + anon.length;
    const bytes = concat([m.header(subsysAt), a, anon, opaque]);
    const mat = readMat5(bytes, 'subsys.mat');
    expect([...mat.variables.keys()]).toEqual(['a']);
  });

  it('accepts trailing zero padding but not trailing garbage', () => {
    const m = LE;
    const a = m.matrix(mx.DOUBLE, [1, 1], 'a', [m.num(mi.DOUBLE, [1])]);
    expect(readMat5(concat([m.file(a), new Uint8Array(4)]), 'pad.mat').variables.size).toBe(1);
    const e = formatError(
      () => readMat5(concat([m.file(a), Uint8Array.from([1, 2, 3])]), 'g.mat'),
      'g.mat',
    );
    expect(e.offset).toBe(128 + a.length);
  });

  describe('refusals name the variable, the offset and what is supported', () => {
    const m = LE;
    const cases: [string, Uint8Array, RegExp][] = [
      [
        'sparse',
        m.matrix(mx.SPARSE, [3, 3], 'sp', [m.num(mi.INT32, [0]), m.num(mi.INT32, [0, 1, 1, 1])]),
        /'sp' is a sparse array \(expected a dense array \(sparse arrays are not supported/,
      ],
      [
        'object',
        m.matrix(mx.OBJECT, [1, 1], 'obj', [m.el(mi.INT8, new TextEncoder().encode('myclass'))]),
        /'obj' is an object of class 'myclass'/,
      ],
      ['function handle', m.matrix(16, [1, 1], 'fh', []), /'fh' is a function handle/],
      ['opaque object', m.matrix(17, [1, 1], 'str', []), /'str' is an opaque object/],
      [
        'unknown class',
        m.matrix(99, [1, 1], 'u', []),
        /class 99 \(expected an array class between 1 and 17\)/,
      ],
    ];
    it.each(cases)('%s', (_what, el, message) => {
      const e = formatError(() => readMat5(m.file(el), 'r.mat'), 'r.mat');
      expect(e.message).toMatch(message);
      expect(e.offset).toBe(128 + 8 + 8); // the array flags
    });
  });

  it('refuses duplicate variable names', () => {
    const a = LE.matrix(mx.DOUBLE, [1, 1], 'a', [LE.num(mi.DOUBLE, [1])]);
    const e = formatError(() => readMat5(LE.file(a, a), 'dup.mat'), 'dup.mat');
    expect(e.message).toMatch(/variable 'a' appears twice/);
    expect(e.offset).toBe(128 + a.length);
  });

  it('reports the exact offset and the expectation for malformed elements', () => {
    const m = LE;
    const good = m.matrix(mx.DOUBLE, [1, 2], 'x', [m.num(mi.DOUBLE, [1, 2])]);
    // wrong data size: 3 doubles declared by the dimensions, 2 stored
    const short = m.matrix(mx.DOUBLE, [1, 3], 'x', [m.num(mi.DOUBLE, [1, 2])]);
    let e = formatError(() => readMat5(m.file(short), 's.mat'), 's.mat');
    expect(e.message).toContain(`s.mat at byte ${128 + 8 + 16 + 16 + 8}:`);
    expect(e.message).toMatch(
      /the element holds 16 bytes \(expected 24 bytes of miDOUBLE for 3 elements/,
    );
    // dimensions stored as miDOUBLE
    const bad = Uint8Array.from(good);
    new DataView(bad.buffer).setUint32(8 + 16, mi.DOUBLE, true);
    e = formatError(() => readMat5(m.file(bad), 'd.mat'), 'd.mat');
    expect(e.offset).toBe(128 + 8 + 16);
    expect(e.message).toMatch(
      /found miDOUBLE \(expected the dimensions array \(miINT32 or miUINT32\)\)/,
    );
    // negative dimension
    const neg = m.matrix(mx.DOUBLE, [1, -2], 'x', [m.num(mi.DOUBLE, [])]);
    e = formatError(() => readMat5(m.file(neg), 'n.mat'), 'n.mat');
    expect(e.offset).toBe(128 + 8 + 16 + 8 + 4);
    // a non-matrix top-level element
    e = formatError(() => readMat5(m.file(m.num(mi.DOUBLE, [1])), 't.mat'), 't.mat');
    expect(e.message).toMatch(/at byte 128: variable 1: found miDOUBLE \(expected a variable/);
    // header problems
    e = formatError(() => readMat5(new Uint8Array(100), 'h.mat'), 'h.mat');
    expect(e.message).toMatch(/at byte 0: the file has only 100 bytes \(expected a 128-byte/);
    const wrongVersion = m.file(good);
    wrongVersion[124] = 9;
    e = formatError(() => readMat5(wrongVersion, 'v.mat'), 'v.mat');
    expect(e.message).toMatch(/at byte 124: found version 0x0109/);
  });

  describe('memory stays bounded', () => {
    const m = LE;
    it('refuses declared sizes larger than what remains, before allocating', () => {
      const huge = concat([m.tag(mi.MATRIX, 0x7ffffff0), new Uint8Array(64)]);
      const e = formatError(() => readMat5(m.file(huge), 'big.mat'), 'big.mat');
      expect(e.offset).toBe(128);
      expect(e.message).toMatch(
        /declares 2147483632 bytes \(expected a data element of at most the 64 bytes/,
      );
    });

    it('refuses dimensions that the data cannot hold (numeric, cell, struct, char)', () => {
      const cases = [
        m.matrix(mx.DOUBLE, [65535, 65535], 'a', [m.num(mi.DOUBLE, [1])]),
        m.matrix(mx.CELL, [100000, 100000], 'c', []),
        m.matrix(mx.STRUCT, [0x7fffffff, 1], 's', [
          m.num(mi.INT32, [32], true),
          m.el(mi.INT8, new Uint8Array(0)),
        ]),
        m.matrix(mx.CHAR, [0x7fffffff, 0], 'ch', []),
        m.matrix(mx.DOUBLE, [0x7fffffff, 0x7fffffff, 0x7fffffff], 'p', []),
      ];
      for (const el of cases) {
        const t = performance.now();
        formatError(() => readMat5(m.file(el), 'dims.mat'), 'dims.mat');
        expect(performance.now() - t).toBeLessThan(200);
      }
    });

    it('caps inflation at the size the compressed miMATRIX declares (zlib bomb)', () => {
      // a tag declaring 64 bytes followed by 20 MB of zeros: compresses to ~20 kB
      const bomb = new Uint8Array(8 + 20_000_000);
      new DataView(bomb.buffer).setUint32(0, mi.MATRIX, true);
      new DataView(bomb.buffer).setUint32(4, 64, true);
      const z = deflateSync(bomb);
      const bytes = concat([m.header(), m.tag(mi.COMPRESSED, z.length), z]);
      const e = formatError(() => readMat5(bytes, 'bomb.mat'), 'bomb.mat');
      expect(e.offset).toBe(136);
      expect(e.message).toMatch(/inflates to more than 80 bytes/);
    });

    it('refuses a compressed miMATRIX declaring more than zlib can expand to', () => {
      const head = new Uint8Array(8);
      new DataView(head.buffer).setUint32(0, mi.MATRIX, true);
      new DataView(head.buffer).setUint32(4, 0xfffffff0, true);
      const z = deflateSync(head);
      const bytes = concat([m.header(), m.tag(mi.COMPRESSED, z.length), z]);
      const e = formatError(() => readMat5(bytes, 'decl.mat'), 'decl.mat');
      expect(e.message).toMatch(
        /tag declares 4294967280 bytes \(expected an miMATRIX of at most \d+ bytes/,
      );
    });

    it('refuses corrupt, truncated or foreign compressed data', () => {
      const inner = m.matrix(mx.DOUBLE, [1, 2], 'x', [m.num(mi.DOUBLE, [1, 2])]);
      const z = deflateSync(inner);
      const cases: [Uint8Array, RegExp][] = [
        [Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), /cannot be inflated/],
        [z.subarray(0, z.length - 6), /compressed data inflating to the|cannot be inflated/],
        [deflateSync(m.num(mi.DOUBLE, [1, 2])), /the inflated data starts with miDOUBLE/],
      ];
      for (const [payload, message] of cases) {
        const bytes = concat([m.header(), m.tag(mi.COMPRESSED, payload.length), payload]);
        const e = formatError(() => readMat5(bytes, 'z.mat'), 'z.mat');
        expect(e.message).toMatch(message);
        expect(e.offset).toBe(136);
      }
    });

    it('names the compressed element and the offset inside its inflated data', () => {
      const short = m.matrix(mx.DOUBLE, [1, 3], 'x', [m.num(mi.DOUBLE, [1, 2])]);
      const e = formatError(() => readMat5(m.file(m.compressed(short)), 'zc.mat'), 'zc.mat');
      expect(e.offset).toBe(128);
      expect(e.message).toMatch(
        /\[at byte 48 of the data inflated from the miCOMPRESSED element at byte 128\]/,
      );
    });

    it('refuses cells nested deeper than it can safely recurse', () => {
      let el = m.matrix(mx.DOUBLE, [1, 1], '', [m.num(mi.DOUBLE, [1])]);
      for (let i = 0; i < 300; i++) el = m.matrix(mx.CELL, [1, 1], i === 299 ? 'deep' : '', [el]);
      const e = formatError(() => readMat5(m.file(el), 'deep.mat'), 'deep.mat');
      expect(e.message).toMatch(/nested at most 200 deep/);
    });
  });

  it('neither depends on the alignment of the input nor aliases it', () => {
    const orig = load('deap_v5.mat');
    const ref = readMat5(orig, 'deap_v5.mat');
    const shifted = new Uint8Array(new ArrayBuffer(orig.length + 3), 3);
    shifted.set(orig);
    const mat = readMat5(shifted, 'deap_v5.mat');
    expect([...mat.variables.entries()]).toEqual([...ref.variables.entries()]);
    // a 1xN double (layout unchanged) must not be a view of the input either
    const one = LE.file(LE.matrix(mx.DOUBLE, [1, 3], 'r', [LE.num(mi.DOUBLE, [1, 2, 3])]));
    const v = readMat5(one, 'one.mat').variables.get('r');
    one.fill(0xff, 128);
    expect(v).toMatchObject({ data: Float64Array.from([1, 2, 3]) });
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests: truncated or mutated files give a FormatError (or, for mutations, a result)
// ---------------------------------------------------------------------------------------------

/** Offsets where top-level elements start/end: cutting there leaves a valid shorter file. */
function boundaries(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[126] === 0x49;
  const out = [128];
  let pos = 128;
  while (pos + 8 <= bytes.length) {
    const type = v.getUint32(pos, le);
    const n = v.getUint32(pos + 4, le);
    pos = type === mi.COMPRESSED ? pos + 8 + n : pos + 8 + ((n + 7) & ~7);
    out.push(pos);
  }
  return out;
}

function checkOutcome(run: () => MatFile, file: string): MatFile | undefined {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    expect(e.message).toMatch(new RegExp(`^${file.replace('.', '\\.')} at byte \\d+: `));
    expect(e.offset).toEqual(expect.any(Number));
    return undefined;
  }
}

const PROPERTY_FILES = [
  'amigos_v5.mat',
  'amigos_v5z.mat',
  'types_v5.mat',
  'types_v5z.mat',
  'matlab/teststructnest_6.1_SOL2.mat',
  'matlab/testcellnest_7.4_GLNX86.mat',
];

describe('readMat5 properties', () => {
  const files = PROPERTY_FILES.map((f) => ({ name: f, bytes: load(f) }));
  const full = new Map(files.map((f) => [f.name, readMat5(f.bytes, f.name)]));

  it('a truncated file gives a FormatError, or the variables before the cut', () => {
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.double({ min: 0, max: 1, noNaN: true }), (f, r) => {
        const cut = Math.min(f.bytes.length - 1, Math.floor(r * f.bytes.length));
        const bounds = boundaries(f.bytes);
        const out = checkOutcome(() => readMat5(f.bytes.subarray(0, cut), f.name), f.name);
        const k = bounds.indexOf(cut);
        if (k < 0) {
          expect(out).toBeUndefined();
        } else {
          const all = [...(full.get(f.name)?.variables.keys() ?? [])];
          expect([...(out?.variables.keys() ?? [])]).toEqual(all.slice(0, k));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('randomly mutated bytes give a FormatError naming file and offset, or a result', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...files),
        fc.array(
          fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        (f, edits) => {
          const bytes = Uint8Array.from(f.bytes);
          for (const [r, b] of edits)
            bytes[Math.min(bytes.length - 1, Math.floor(r * bytes.length))] = b;
          checkOutcome(() => readMat5(bytes, f.name), f.name);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('mutations inside compressed elements (re-compressed) give a FormatError or a result', () => {
    const f = files.find((x) => x.name === 'types_v5z.mat');
    if (f === undefined) throw new Error('fixture missing');
    const v = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
    const elements: Uint8Array[] = [];
    for (let pos = 128; pos < f.bytes.length;) {
      const n = v.getUint32(pos + 4, true);
      elements.push(new Uint8Array(inflateSync(f.bytes.subarray(pos + 8, pos + 8 + n))));
      pos += 8 + n;
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: elements.length - 1 }),
        fc.array(
          fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (which, edits) => {
          const inner = Uint8Array.from(elements[which]);
          for (const [r, b] of edits)
            inner[Math.min(inner.length - 1, Math.floor(r * inner.length))] = b;
          const parts = elements.map((e, i) => LE.compressed(i === which ? inner : e));
          checkOutcome(() => readMat5(LE.file(...parts), 'rez.mat'), 'rez.mat');
        },
      ),
      { numRuns: 300 },
    );
  });
});
