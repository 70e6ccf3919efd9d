import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { FormatError } from '../errors.js';
import { isNdArray, ndarray, type NdArray } from '../ndarray.js';
import { asDict, asNdArray, readPickle, type PickleTuple, type PickleValue } from './reader.js';
import { writeDeapPickle, type DeapPickleOptions } from './writer.js';

const dir = new URL('../../fixtures/pickle/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, dir)));

// PICKLE_FUZZ_SCALE=100 PICKLE_FUZZ_SEED=… for a long fuzzing session (fixed seeds by default)
const SCALE = Number(process.env.PICKLE_FUZZ_SCALE ?? 1);
const SEED = Number(process.env.PICKLE_FUZZ_SEED ?? 0);

const FORMS: DeapPickleOptions[] = [
  { form: 'py2', protocol: 2 },
  { form: 'py2', protocol: 0 },
  { form: 'py3', protocol: 2 },
  { form: 'py3', protocol: 0 },
];

function smallDeap(seed: number): { data: NdArray<Float64Array>; labels: NdArray<Float64Array> } {
  const d = new Float64Array(2 * 40 * 2);
  for (let i = 0; i < d.length; i++) d[i] = Math.sin(seed + i) * 10 ** ((i % 11) - 5);
  d[0] = NaN;
  d[1] = -0;
  return {
    data: ndarray('float64', [2, 40, 2], d),
    labels: ndarray('float64', [2, 4], Float64Array.from([1, 9, 5.5, 7.25, 0.1, 2, 3, 4])),
  };
}

/** Valid pickles of every form and protocol: Python fixtures and writer output. */
const BASES: [string, Uint8Array][] = [
  ...[
    'dtypes-py2-p0.pkl',
    'dtypes-py2-p2.pkl',
    'dtypes-py3-np2-p0.pkl',
    'dtypes-py3-np2-p2.pkl',
    'dtypes-py3-np2-p4.pkl',
    'dtypes-py3-np2-p5.pkl',
    'dtypes-py3-np1-p5.pkl',
    'deap-empty-py3-np2-p0.dat',
  ].map((f): [string, Uint8Array] => [f, fixture(f)]),
  ...FORMS.map((o, i): [string, Uint8Array] => [
    `writer-${o.form}-p${o.protocol}.dat`,
    writeDeapPickle(smallDeap(i), o),
  ]),
];

/** Every node of a result is a PickleValue (no reader-internal object leaks out). */
function checkValue(root: PickleValue): void {
  const seen = new Set<object>();
  const work: PickleValue[] = [root];
  while (work.length > 0) {
    const v = work.pop() as PickleValue;
    if (v === null || ['boolean', 'number', 'bigint', 'string'].includes(typeof v)) continue;
    if (typeof v !== 'object') throw new Error(`unexpected ${typeof v}`);
    if (seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Uint8Array) continue;
    if (isNdArray(v)) {
      expect(v.data.length).toBe(v.shape.reduce((a, b) => a * b, 1));
      continue;
    }
    if (Array.isArray(v)) work.push(...v);
    else if (v instanceof Map) {
      for (const [k, x] of v) work.push(k, x);
    } else if ((v as { kind?: unknown }).kind === 'tuple') {
      work.push(...(v as PickleTuple).items);
    } else throw new Error(`unexpected object ${Object.prototype.toString.call(v)}`);
  }
}

/** Parse; a failure must be a FormatError naming the file and a byte offset inside the input. */
function parseOrFormatError(bytes: Uint8Array, name: string): 'ok' | 'error' {
  let err: unknown;
  try {
    checkValue(readPickle(bytes, name));
    return 'ok';
  } catch (e) {
    err = e;
  }
  if (!(err instanceof FormatError)) {
    throw new Error(`${name}: ${String(err)} is not a FormatError`, { cause: err });
  }
  const m = /^(.*) at byte (\d+): .+ \(expected .+\)$/s.exec(err.message);
  if (m === null || m[1] !== name) {
    throw new Error(`${name}: message without file/offset: ${err.message}`);
  }
  const off = Number(m[2]);
  if (off > bytes.length || err.offset !== off) {
    throw new Error(`${name}: offset ${off} outside the ${bytes.length}-byte input`);
  }
  return 'error';
}

// byte values likely to matter: opcodes, digits, quotes, escapes, UTF-8 lead bytes
const INTERESTING = [
  ...'()012FIJKLMNPQRSTUVXabcdegh}ijl]opqrstu.G'.split('').map((c) => c.charCodeAt(0)),
  ...Array.from({ length: 25 }, (_, i) => 0x80 + i),
  0x00,
  0x01,
  0x7f,
  0xff,
  0x0a,
  0x5c,
  0x27,
  0x22,
  0xc2,
  0xc3,
  0xed,
  0xf0,
];
const byteArb = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...INTERESTING));

describe('readPickle on damaged input (property-based)', () => {
  test('every truncation of a valid pickle throws a FormatError with file and offset', () => {
    const t0 = performance.now();
    for (const [name, bytes] of BASES) {
      expect(parseOrFormatError(bytes, name)).toBe('ok');
      fc.assert(
        fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
          expect(parseOrFormatError(bytes.subarray(0, cut), name)).toBe('error');
        }),
        { numRuns: 40, seed: 1 },
      );
      // the short cuts, where every opcode is still in its header, exhaustively
      for (let cut = 0; cut < Math.min(bytes.length, 80); cut++) {
        expect(parseOrFormatError(bytes.subarray(0, cut), name)).toBe('error');
      }
    }
    expect(performance.now() - t0).toBeLessThan(8000);
  });

  test('randomly mutated pickles parse or throw a FormatError, never anything else', () => {
    const t0 = performance.now();
    const mutation = fc.record({
      base: fc.integer({ min: 0, max: BASES.length - 1 }),
      edits: fc.array(
        fc.record({
          at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
          kind: fc.constantFrom('set', 'set', 'set', 'insert', 'delete'),
          byte: byteArb,
        }),
        { minLength: 1, maxLength: 6 },
      ),
      headBias: fc.boolean(),
    });
    const outcomes = { ok: 0, error: 0 };
    fc.assert(
      fc.property(mutation, ({ base, edits, headBias }) => {
        const [name, orig] = BASES[base];
        const b = Array.from(orig);
        for (const e of edits) {
          // half of the runs edit the first 300 bytes, where the opcodes are dense
          const span = headBias ? Math.min(b.length, 300) : b.length;
          const i = Math.floor(e.at * span);
          if (e.kind === 'set') b[i] = e.byte;
          else if (e.kind === 'insert') b.splice(i, 0, e.byte);
          else b.splice(i, 1);
        }
        outcomes[parseOrFormatError(Uint8Array.from(b), name)]++;
      }),
      { numRuns: 600 * SCALE, seed: SEED + 2 },
    );
    expect(outcomes.error).toBeGreaterThan(100);
    expect(performance.now() - t0).toBeLessThan(8000 * SCALE);
  });

  test('random bytes after a PROTO header parse or throw a FormatError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.array(byteArb, { minLength: 0, maxLength: 64 }),
        (proto, body) => {
          parseOrFormatError(Uint8Array.from([0x80, proto, ...body]), 'random.pkl');
          parseOrFormatError(Uint8Array.from(body), 'random.pkl');
        },
      ),
      { numRuns: 500 * SCALE, seed: SEED + 3 },
    );
  });

  test('random opcode programs over the allow-listed callables parse or throw a FormatError', () => {
    // tokens that reach the interpreter's deeper paths (calls with wrong arguments, BUILD on
    // the wrong objects, memo and mark juggling) far more often than random bytes do
    const enc = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
    const str2 = (s: string): number[] => [0x55, s.length, ...enc(s)];
    const str3 = (s: string): number[] => [0x8c, s.length, ...enc(s)];
    const glob = (m: string, n: string): number[] => enc(`c${m}\n${n}\n`);
    const tokens: number[][] = [
      [0x28],
      [0x74],
      [0x85],
      [0x86],
      [0x87],
      [0x29],
      [0x5d],
      [0x7d],
      [0x61],
      [0x65],
      [0x73],
      [0x75],
      [0x64],
      [0x6c],
      [0x62],
      [0x52],
      [0x32],
      [0x30],
      [0x31],
      [0x94],
      [0x4e],
      [0x88],
      [0x89],
      [0x71, 0],
      [0x71, 1],
      [0x68, 0],
      [0x68, 1],
      [0x4b, 0],
      [0x4b, 1],
      [0x4b, 2],
      [0x4b, 3],
      [0x4b, 8],
      [0x4a, 0xff, 0xff, 0xff, 0xff],
      [0x47, 0x40, 0, 0, 0, 0, 0, 0, 0],
      str2('b'),
      str2('f8'),
      str2('<'),
      str2('>'),
      str2('latin1'),
      str2('i2'),
      str2('O8'),
      str2('\x00\x00\x00\x00\x00\x00\xf0?'),
      str3('f8'),
      str3('<'),
      str3('C'),
      str3('F'),
      str3('K'),
      str3('latin1'),
      str3('numpy'),
      str3('dtype'),
      str3('\u00e9'),
      [0x43, 8, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f],
      [0x96, 2, 0, 0, 0, 0, 0, 0, 0, 1, 2],
      glob('numpy.core.multiarray', '_reconstruct'),
      glob('numpy._core.multiarray', '_reconstruct'),
      glob('numpy', 'ndarray'),
      glob('numpy', 'dtype'),
      glob('_codecs', 'encode'),
      glob('numpy._core.numeric', '_frombuffer'),
      glob('__builtin__', 'bytes'),
      [0x93],
    ];
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: tokens.length - 1 }), { minLength: 1, maxLength: 40 }),
        (prog) => {
          const bytes = Uint8Array.from([0x80, 0x02, ...prog.flatMap((t) => tokens[t]), 0x2e]);
          parseOrFormatError(bytes, 'prog.pkl');
        },
      ),
      { numRuns: 3000 * SCALE, seed: SEED + 5 },
    );
  });

  test('declared lengths beyond the input are refused before allocating', () => {
    const huge = [0xff, 0xff, 0xff, 0x7f]; // 2 GiB − 1
    const huge8 = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
    const cases: [string, number[]][] = [
      ['BINSTRING', [0x54, ...huge]],
      ['BINUNICODE', [0x58, ...huge]],
      ['BINBYTES', [0x42, ...huge]],
      ['LONG4', [0x8b, ...huge]],
      ['BINUNICODE8', [0x8d, ...huge8]],
      ['BINBYTES8', [0x8e, ...huge8]],
      ['BYTEARRAY8', [0x96, ...huge8]],
      ['FRAME', [0x95, ...huge8]],
      ['SHORT_BINSTRING', [0x55, 0xff]],
      ['SHORT_BINUNICODE', [0x8c, 0xff]],
    ];
    const before = process.memoryUsage().arrayBuffers;
    for (const [what, head] of cases) {
      const bytes = Uint8Array.from([0x80, 0x04, ...head, 0x61, 0x62, 0x2e]);
      let err: unknown;
      try {
        readPickle(bytes, 'len.pkl');
      } catch (e) {
        err = e;
      }
      expect([what, err instanceof FormatError]).toEqual([what, true]);
      expect((err as Error).message).toMatch(/^len\.pkl at byte 2: .*only \d+ bytes remain/);
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
  });

  test('a dimension product that overflows is refused, not allocated', () => {
    // shape (2**31-1, 2**31-1, 2**31-1) with 8 bytes of data
    const dims = 'J\xff\xff\xff\x7f'.repeat(3);
    const src =
      '\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R' +
      `(K\x01(${dims}tcnumpy\ndtype\nU\x02f8K\x00K\x01\x87R` +
      '(K\x03U\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89U\x08\x00\x00\x00\x00\x00\x00\x00\x00tb.';
    expect(() =>
      readPickle(
        Uint8Array.from(src, (c) => c.charCodeAt(0)),
        'dims.pkl',
      ),
    ).toThrow(/^dims\.pkl at byte \d+: 8 bytes \(expected .* bytes of data/);
  });
});

describe('writeDeapPickle → readPickle (property-based)', () => {
  test('any float64 arrays round-trip bit-exactly in every form', () => {
    const arrays = fc
      .record({ trials: fc.integer({ min: 0, max: 3 }), samples: fc.integer({ min: 0, max: 3 }) })
      .chain(({ trials, samples }) =>
        fc.record({
          trials: fc.constant(trials),
          samples: fc.constant(samples),
          data: fc.uint8Array({
            minLength: trials * 40 * samples * 8,
            maxLength: trials * 40 * samples * 8,
          }),
          labels: fc.uint8Array({ minLength: trials * 32, maxLength: trials * 32 }),
        }),
      );
    fc.assert(
      fc.property(arrays, fc.constantFrom(...FORMS), ({ trials, samples, data, labels }, opts) => {
        const d = ndarray('float64', [trials, 40, samples], new Float64Array(data.slice().buffer));
        const l = ndarray('float64', [trials, 4], new Float64Array(labels.slice().buffer));
        const bytes = writeDeapPickle({ data: d, labels: l }, opts);
        const root = asDict(readPickle(bytes, 'rt.dat'), 'rt.dat');
        const rd = asNdArray(root.get('data'), 'rt.dat', 'data');
        const rl = asNdArray(root.get('labels'), 'rt.dat', 'labels');
        expect(rd.shape).toEqual([trials, 40, samples]);
        expect(rl.shape).toEqual([trials, 4]);
        expect(Buffer.from(rd.data.buffer).equals(Buffer.from(data))).toBe(true);
        expect(Buffer.from(rl.data.buffer).equals(Buffer.from(labels))).toBe(true);
      }),
      { numRuns: 150, seed: 4 },
    );
  });
});
