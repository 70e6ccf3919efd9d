import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { FormatError, UnsafePickleError } from '../errors.js';
import { isNdArray, ndarray, type NdArray } from '../ndarray.js';
import { asDict, asNdArray, readPickle, type PickleValue } from './reader.js';

const dir = new URL('../../fixtures/pickle/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, dir)));

type Tag =
  | null
  | boolean
  | { int: string }
  | { float: string }
  | { str: string }
  | { bytes: string }
  | { tuple: Tag[] }
  | { list: Tag[] }
  | { dict: [Tag, Tag][] };

interface Readable {
  file: string;
  form: 'py2' | 'py3';
  protocol: number;
  arrays: Record<string, string>;
  values: Record<string, string>;
  keys: string[];
  writer?: { form: 'py2' | 'py3'; protocol: 0 | 2 };
}
interface Refused {
  file: string;
  error: 'unsafe' | 'object' | 'out-of-band';
  global?: string;
  offset?: number;
}
interface Manifest {
  expected: Record<string, { dtype: string; shape: number[]; bin: string }>;
  values: Record<string, Tag>;
  fixtures: (Readable | Refused)[];
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')) as Manifest;
const readable = manifest.fixtures.filter((f): f is Readable => !('error' in f));
const refused = manifest.fixtures.filter((f): f is Refused => 'error' in f);

const hex = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const rawBytes = (a: NdArray): Uint8Array =>
  new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);

/** Compare a read value with the script's tagged JSON; floats by their IEEE bits. */
function expectValue(actual: PickleValue | undefined, t: Tag, path: string): void {
  const where = `at ${path}`;
  if (t === null || typeof t === 'boolean') {
    expect([where, actual]).toEqual([where, t]);
  } else if ('int' in t) {
    const v = BigInt(t.int);
    const want = v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n ? Number(v) : v;
    expect([where, actual]).toEqual([where, want]);
  } else if ('float' in t) {
    expect([where, typeof actual]).toEqual([where, 'number']);
    expect([where, hex(new Uint8Array(new Float64Array([actual as number]).buffer))]).toEqual([
      where,
      t.float,
    ]);
  } else if ('str' in t) {
    expect([where, actual]).toEqual([where, t.str]);
  } else if ('bytes' in t) {
    expect([where, actual instanceof Uint8Array]).toEqual([where, true]);
    expect([where, hex(actual as Uint8Array)]).toEqual([where, t.bytes]);
  } else if ('tuple' in t || 'list' in t) {
    let items: readonly PickleValue[];
    if ('tuple' in t) {
      expect([where, (actual as { kind?: string }).kind]).toEqual([where, 'tuple']);
      items = (actual as { items: readonly PickleValue[] }).items;
    } else {
      expect([where, Array.isArray(actual)]).toEqual([where, true]);
      items = actual as PickleValue[];
    }
    const want = 'tuple' in t ? t.tuple : t.list;
    expect([where, items.length]).toEqual([where, want.length]);
    want.forEach((w, i) => expectValue(items[i], w, `${path}[${i}]`));
  } else {
    const m = asDict(actual as PickleValue, path);
    expect([where, m.size]).toEqual([where, t.dict.length]);
    for (const [k, v] of t.dict) {
      let key: PickleValue;
      if (k === null || typeof k === 'boolean') key = k;
      else if ('int' in k) {
        const b = BigInt(k.int);
        key = b >= -(2n ** 53n) + 1n && b <= 2n ** 53n - 1n ? Number(b) : b;
      } else if ('str' in k) key = k.str;
      else throw new Error(`unsupported key tag in manifest at ${path}`);
      expect([where, m.has(key)]).toEqual([where, true]);
      expectValue(m.get(key), v, `${path}[${String(key)}]`);
    }
  }
}

describe('readPickle on the Python-written fixtures', () => {
  test('the manifest lists the expected fixture kinds', () => {
    const files = manifest.fixtures.map((f) => f.file);
    for (const f of [
      'deap-py2-p2.dat',
      'deap-py2-p0.dat',
      'deap-py3-np2-p0.dat',
      'deap-py3-np2-p2.dat',
      'deap-py3-np2-p3.dat',
      'deap-py3-np2-p4.dat',
      'deap-py3-np2-p5.dat',
      'deap-py3-np1-p2.dat',
      'deap-py3-np1-p5.dat',
      'dtypes-py2-p0.pkl',
      'dtypes-py2-p2.pkl',
      'dtypes-py3-np2-p5.pkl',
      'evil-posix-system-p2.pkl',
      'evil-os-system-p2.pkl',
      'objarray-py3-np2-p2.pkl',
    ]) {
      expect(files).toContain(f);
    }
    expect(readable.length).toBeGreaterThanOrEqual(20);
  });

  test.each(readable.map((f) => [f.file, f] as const))('%s', (name, f) => {
    const root = asDict(readPickle(fixture(name), name), name);
    expect([...root.keys()]).toEqual(f.keys);
    for (const [key, ref] of Object.entries(f.arrays)) {
      const want = manifest.expected[ref];
      const a = asNdArray(root.get(key), name, `key '${key}'`);
      expect([key, a.dtype, a.shape]).toEqual([key, want.dtype, want.shape]);
      // every value bit-exactly (NaN payloads, -0.0, subnormals included)
      const expected = fixture(want.bin);
      const got = rawBytes(a);
      expect(got.length).toBe(expected.length);
      if (!Buffer.from(got).equals(Buffer.from(expected))) {
        const i = got.findIndex((x, j) => x !== expected[j]);
        throw new Error(`${name} '${key}': byte ${i} of the data differs`);
      }
      // data is its own aligned buffer, not a view of the input
      expect(a.data.byteOffset).toBe(0);
      expect(a.data.buffer.byteLength).toBe(a.data.byteLength);
    }
    for (const [key, ref] of Object.entries(f.values)) {
      expectValue(root.get(key), manifest.values[ref], `${name}:${key}`);
    }
    expect(root.size).toBe(Object.keys(f.arrays).length + Object.keys(f.values).length);
  });

  test('DEAP fixtures hold a float64 (3, 40, 16) data array with NaN, ±inf, -0 and subnormals', () => {
    const root = asDict(readPickle(fixture('deap-py2-p2.dat'), 'deap-py2-p2.dat'), 'x');
    const data = asNdArray(root.get('data'), 'x', 'data');
    expect(data.data).toBeInstanceOf(Float64Array);
    const d = data.data as Float64Array;
    expect(Number.isNaN(d[0])).toBe(true);
    expect(d[5]).toBe(Infinity);
    expect(d[6]).toBe(-Infinity);
    expect(Object.is(d[7], -0)).toBe(true);
    expect(d[9]).toBe(5e-324);
    expect(d[12]).toBe(Number.MAX_VALUE);
    const bits = new BigUint64Array(d.buffer);
    expect(bits[2]).toBe(0x7ff0000000000001n); // signalling NaN kept as is
    expect(bits[3]).toBe(0x7ff4000000000abcn);
  });
});

describe('refused fixtures', () => {
  const pwned = '/tmp/pwned-by-pickle';

  test.each(refused.filter((f) => f.error === 'unsafe').map((f) => [f.file, f] as const))(
    '%s is refused with UnsafePickleError at the global',
    (name, f) => {
      rmSync(pwned, { force: true });
      let err: unknown;
      try {
        readPickle(fixture(name), name);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UnsafePickleError);
      const u = err as UnsafePickleError;
      expect(u.global).toBe(f.global);
      expect(u.offset).toBe(f.offset);
      expect(u.message).toContain(name);
      expect(u.message).toContain(`at byte ${f.offset}`);
      expect(u.message).toContain(`'${f.global}'`);
      expect(existsSync(pwned)).toBe(false);
    },
  );

  test('there are unsafe fixtures for os.system, posix.system, eval, INST and extension codes', () => {
    const globals = refused.filter((f) => f.error === 'unsafe').map((f) => f.global);
    for (const g of [
      'os.system',
      'posix.system',
      '__builtin__.eval',
      'builtins.eval',
      'copyreg extension code 1',
    ]) {
      expect(globals).toContain(g);
    }
  });

  test.each(refused.filter((f) => f.error !== 'unsafe').map((f) => [f.file, f] as const))(
    '%s is refused with a FormatError',
    (name, f) => {
      let err: unknown;
      try {
        readPickle(fixture(name), name);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FormatError);
      expect(err).not.toBeInstanceOf(UnsafePickleError);
      const fe = err as FormatError;
      expect(fe.message).toContain(name);
      expect(fe.message).toMatch(/at byte \d+/);
      expect(fe.message).toContain(f.error);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Hand-made pickles for paths the fixtures do not reach.

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const read = (s: string | Uint8Array): PickleValue =>
  readPickle(typeof s === 'string' ? enc(s) : s, 'mem.pkl');
const u32 = (n: number): string =>
  String.fromCharCode(n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24);

function readError(s: string | Uint8Array): FormatError {
  try {
    read(s);
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return e as FormatError;
  }
  throw new Error('expected a FormatError');
}

/** A protocol-2 py2-style array pickle with the given dtype code, endian, shape and raw bytes. */
function arrayPickle(
  code: string,
  endian: string,
  shape: number[],
  raw: Uint8Array,
  fortran = false,
): Uint8Array {
  const shapeOps = `(${shape.map((d) => `J${u32(d)}`).join('')}t`;
  const head =
    '\x80\x02cnumpy.core.multiarray\n_reconstruct\nq\x01cnumpy\nndarray\nK\x00\x85U\x01b\x87R' +
    `(K\x01${shapeOps}cnumpy\ndtype\nU${String.fromCharCode(code.length)}${code}K\x00K\x01\x87R` +
    `(K\x03U\x01${endian}NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb${fortran ? '\x88' : '\x89'}T${u32(raw.length)}`;
  const out = new Uint8Array(head.length + raw.length + 3);
  out.set(enc(head));
  out.set(raw, head.length);
  out.set(enc('tb.'), head.length + raw.length);
  return out;
}

describe('readPickle: values and opcodes', () => {
  test('protocol-0 STRING escapes are decoded like codecs.escape_decode', () => {
    expect(read("S'a\\x41\\101\\n\\t\\r\\\\\\'\\\"\\q\\a\\b\\f\\v'\n.")).toBe(
      'aAA\n\t\r\\\'"\\q\x07\b\f\v',
    );
    expect(read('S"it\'s"\n.')).toBe("it's");
    expect(read("S'\\xff\\x80'\n.")).toBe('\xff\x80');
    expect(readError("S'abc\n.").message).toMatch(/not quoted/);
    expect(readError("S'\\x4'\n.").message).toMatch(/\\x/);
  });

  test('UNICODE raw-unicode-escape, BINUNICODE with lone surrogates, SHORT_BINUNICODE', () => {
    expect(read('V\\u00e9\\U0001f600\\\\x\\q\xe9\n.')).toBe('é😀\\\\x\\qé');
    expect(read(`X${u32(3)}\xed\xa0\x80.`)).toBe('\ud800');
    expect(read('\x8c\x02\xc3\xa9.')).toBe('é');
    expect(read(`X${u32(3)}\xef\xbb\xbf.`)).toBe('\ufeff'); // a BOM is a character
    expect(readError(`X${u32(2)}\xc3\x28.`).message).toMatch(/at byte 5: invalid UTF-8/);
    expect(readError('V\\u00e\n.').message).toMatch(/truncated escape/);
  });

  test('ints, longs, floats and bools of every opcode', () => {
    expect(read('I42\n.')).toBe(42);
    expect(read('I-7\n.')).toBe(-7);
    expect(read('I01\n.')).toBe(true);
    expect(read('I00\n.')).toBe(false);
    expect(read('I9223372036854775807\n.')).toBe(9223372036854775807n);
    expect(read('L-123L\n.')).toBe(-123);
    expect(read('L0x10L\n.')).toBe(16);
    expect(read('J\xff\xff\xff\xff.')).toBe(-1);
    expect(read('M\x01\x02.')).toBe(513);
    expect(read('\x8a\x00.')).toBe(0);
    expect(read('\x8a\x01\xff.')).toBe(-1);
    expect(read('\x8a\x02\x00\x80.')).toBe(-32768);
    expect(read('\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.')).toBe(2n ** 64n);
    expect(read('\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80.')).toBe(-(2n ** 63n));
    expect(read(`\x8b${u32(1)}\x05.`)).toBe(5);
    expect(read('F1.5e3\n.')).toBe(1500);
    expect(read('F-inf\n.')).toBe(-Infinity);
    expect(read('Fnan\n.')).toBeNaN();
    expect(read('G\x3f\xf8\x00\x00\x00\x00\x00\x00.')).toBe(1.5);
    expect(read('\x88.')).toBe(true);
    expect(read('N.')).toBeNull();
    expect(readError('I12a\n.').message).toMatch(/integer literal/);
    expect(readError('F1.2.3\n.').message).toMatch(/float/);
  });

  test('lists, tuples, dicts, memo and cycles', () => {
    const v = read('\x80\x02]q\x00(K\x01K\x02h\x00e}q\x01U\x01kh\x01sa.') as PickleValue[];
    expect(v.length).toBe(4);
    expect(v[2]).toBe(v); // the list holds itself
    const d = asDict(v[3], 'x');
    expect(d.get('k')).toBe(d);
    const t = read('(K\x01K\x02t\x94)\x85h\x00\x86.') as { kind: string; items: PickleValue[] };
    expect(t.kind).toBe('tuple');
    expect(t.items.length).toBe(2);
    expect(t.items[0]).toEqual({ kind: 'tuple', items: [{ kind: 'tuple', items: [] }] });
    expect(t.items[1]).toEqual({ kind: 'tuple', items: [1, 2] });
    expect(read("(lp0\nI1\naS'x'\np1\nag1\na.")).toEqual([1, 'x', 'x']);
    expect(read("(dp0\nS'a'\nI1\nsS'b'\n(tp1\ns.")).toEqual(
      new Map<PickleValue, PickleValue>([
        ['a', 1],
        ['b', { kind: 'tuple', items: [] }],
      ]),
    );
    expect(read('(K\x01K\x02d.')).toEqual(new Map([[1, 2]]));
    expect(read('K\x01K\x020.')).toBe(1); // POP
    expect(read('K\x01(K\x021.')).toBe(1); // POP_MARK
    expect(read('K\x072\x86.')).toEqual({ kind: 'tuple', items: [7, 7] }); // DUP
    expect(read('C\x02\x00\xff.')).toEqual(Uint8Array.from([0, 255]));
  });

  test('_codecs.encode(str, latin1) gives the latin-1 bytes at any alignment', () => {
    const want = Uint8Array.from([0x41, 0xe9, 0x80, 0xff, 0x00, 0xc3, 0x7f]);
    const utf8 = Buffer.from(Buffer.from(want).toString('latin1'), 'utf8');
    for (let pad = 0; pad < 8; pad++) {
      const head = `\x80\x02${'N0'.repeat(pad)}c_codecs\nencode\nX${u32(utf8.length)}`;
      const b = Uint8Array.from([...enc(head), ...utf8, ...enc('U\x06latin1\x86R.')]);
      expect(Array.from(read(b) as Uint8Array)).toEqual(Array.from(want));
    }
    expect(read(`\x80\x02c_codecs\nencode\nV\\u00e9\\u0000\x1a\nU\x06latin1\x86R.`)).toEqual(
      Uint8Array.from([0xe9, 0, 0x1a]),
    );
  });

  test('bytes values are copies, not views of the input', () => {
    const input = enc('C\x02ab.');
    const b = readPickle(input, 'x') as Uint8Array;
    input[2] = 0x7a;
    expect(Array.from(b)).toEqual([0x61, 0x62]);
  });

  test('structural errors name the file, the byte offset and what was expected', () => {
    const cases: [string, RegExp][] = [
      ['', /at byte 0: the data ends without STOP/],
      ['K\x01', /at byte 2: the data ends without STOP/],
      ['.', /at byte 0: the stack is empty/],
      ['K\x01.x', /at byte 3: 1 more bytes follow \(expected the end of the file after STOP\)/],
      ['t.', /at byte 0: no MARK on the stack \(expected a MARK before TUPLE\)/],
      ['h\x05.', /at byte 0: no such entry \(expected memo entry 5/],
      ['\xff.', /at byte 0: unknown opcode 0xff/],
      ['\x80\x06.', /protocol 6/],
      ['U\x05ab', /at byte 0: only 2 bytes remain/],
      ['T\xff\xff\xff\x7fab', /at byte 0: only 2 bytes remain/],
      ['T\xff\xff\xff\xffab', /non-negative BINSTRING length/],
      ['\x8d\xff\xff\xff\xff\xff\xff\xff\xff.', /only 1 bytes remain/],
      ['\x95\x00\x00\x00\x00\x01\x00\x00\x00N.', /only 2 bytes remain/],
      ['Pabc\n.', /persistent/],
      ['\x8f.', /sets are not supported/],
      ['\x97.', /out-of-band/],
      ['\x80\x02cnumpy\nndarray\n)\x81.', /NEWOBJ/],
      ['K\x01K\x02a.', /expected a list under APPEND/],
      ['}]K\x01s.', /hashable dict key/],
      ['(K\x01d.', /odd number of items/],
      ['\x80\x02cnumpy\ndtype\n.', /the callable numpy.dtype itself/],
      ['\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00\xc4\x80U\x06latin1\x86R.', /above U\+00FF/],
      ['\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aU\x05ascii\x86R.', /encoding 'ascii'/],
      [
        '\x80\x02c_codecs\nencode\nX\x06\x00\x00\x00ab\xc3\xa9\xc4\x80U\x06latin1\x86R.',
        /at byte 27: a character above U\+00FF/,
      ],
      [
        '\x80\x02c_codecs\nencode\nX\x05\x00\x00\x00\xc3\xa9a\xc3(U\x06latin1\x86R.',
        /at byte 26: invalid UTF-8/,
      ],
      ['\x80\x02c_codecs\nencode\nV\\u0100\nU\x06latin1\x86R.', /at byte 19: a character above/],
      ['\x80\x02c__builtin__\nbytes\nK\x01\x85R.', /bytes\(\) with no arguments/],
      ['\x80\x02cnumpy\ndtype\nU\x03c16K\x00K\x01\x87R.', /unsupported dtype 'c16'/],
      ['\x80\x02cnumpy\ndtype\nU\x02O8K\x00K\x01\x87R.', /object-dtype/],
      ['\x80\x02cnumpy.core.multiarray\n_reconstruct\nK\x00K\x01K\x02\x87R.', /other arguments/],
    ];
    for (const [src, re] of cases) {
      const e = readError(src);
      expect([src, e.message]).toEqual([src, expect.stringMatching(re)]);
      expect(e.message.startsWith('mem.pkl at byte ')).toBe(true);
    }
  });

  test('an array that is never given its state is an error', () => {
    const e = readError(
      '\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R.',
    );
    expect(e.message).toMatch(/never|has none/);
  });

  test('array data size must match the shape', () => {
    const p = arrayPickle('f8', '<', [2, 2], new Uint8Array(24));
    expect(readError(p).message).toMatch(
      /at byte \d+: 24 bytes \(expected 4 × 8 bytes of data for a f8 array of shape \(2, 2\)\)/,
    );
  });

  test('every dtype, both byte orders, Fortran order', () => {
    const le = new Uint8Array(new Float64Array([1.5, -2, 3, 4, 5, 6]).buffer);
    const be = le.slice();
    for (let i = 0; i < be.length; i += 8) be.subarray(i, i + 8).reverse();
    const a = asNdArray(read(arrayPickle('f8', '>', [2, 3], be)), 'x', 'a');
    expect(Array.from(a.data as Float64Array)).toEqual([1.5, -2, 3, 4, 5, 6]);
    // Fortran: bytes hold columns; element (i, j) at i + 2*j
    const f = asNdArray(read(arrayPickle('f8', '<', [2, 3], le, true)), 'x', 'a');
    expect(f.shape).toEqual([2, 3]);
    expect(Array.from(f.data as Float64Array)).toEqual([1.5, 3, 5, -2, 4, 6]);
    const i2 = asNdArray(
      read(arrayPickle('i2', '>', [3], Uint8Array.from([0xff, 0xfe, 1, 2, 0x80, 0]))),
      'x',
      'a',
    );
    expect(i2.dtype).toBe('int16');
    expect(Array.from(i2.data as Int16Array)).toEqual([-2, 258, -32768]);
    const u8 = asNdArray(
      read(arrayPickle('u8', '<', [1], Uint8Array.from([255, 255, 255, 255, 255, 255, 255, 255]))),
      'x',
      'a',
    );
    expect(u8.dtype).toBe('uint64');
    expect(u8.data[0]).toBe(2n ** 64n - 1n);
    const bar = asNdArray(read(arrayPickle('i2', '|', [1], Uint8Array.from([1, 2]))), 'x', 'a');
    expect(Array.from(bar.data as Int16Array)).toEqual([513]); // '|' on i2: native order
    const b1 = asNdArray(read(arrayPickle('b1', '|', [2], Uint8Array.from([1, 0]))), 'x', 'a');
    expect(b1.dtype).toBe('bool');
    // float16 → float32: 1, -2, 65504, smallest subnormal, inf, NaN with payload
    const h = Uint8Array.from([
      0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x7c, 0x01, 0x7e,
    ]);
    const f2 = asNdArray(read(arrayPickle('f2', '<', [6], h)), 'x', 'a');
    expect(f2.dtype).toBe('float32');
    const f32 = f2.data as Float32Array;
    expect(Array.from(f32.subarray(0, 5))).toEqual([1, -2, 65504, 2 ** -24, Infinity]);
    expect(new Uint32Array(f32.buffer)[5]).toBe(0x7fc02000);
    // 0-d and empty arrays
    const z = asNdArray(read(arrayPickle('i4', '<', [], Uint8Array.from([7, 0, 0, 0]))), 'x', 'a');
    expect(z.shape).toEqual([]);
    expect(Array.from(z.data as Int32Array)).toEqual([7]);
    const e = asNdArray(read(arrayPickle('f8', '<', [0, 5], new Uint8Array(0))), 'x', 'a');
    expect(e.shape).toEqual([0, 5]);
    expect(e.data.length).toBe(0);
  });
});

describe('asDict / asNdArray', () => {
  test('return the value when it has the right type', () => {
    const m = new Map<PickleValue, PickleValue>();
    expect(asDict(m, 'f')).toBe(m);
    const a = ndarray('float64', [1], new Float64Array(1));
    expect(asNdArray(a, 'f', 'x')).toBe(a);
    expect(isNdArray(a)).toBe(true);
  });

  test('throw FormatError naming the file and what was expected', () => {
    expect(() => asDict([1], 'f.dat')).toThrow(FormatError);
    expect(() => asDict([1], 'f.dat')).toThrow(
      /^f\.dat: the value is a list \(expected a pickled dict\)$/,
    );
    expect(() => asNdArray(undefined, 'f.dat', "key 'data'")).toThrow(
      /^f\.dat: key 'data' is missing \(expected a numpy array for key 'data'\)$/,
    );
    expect(() => asNdArray('s', 'f.dat', 'x')).toThrow(/a str/);
  });
});
