/**
 * Writes DEAP-style pickles — {'data': float64 array, 'labels': float64 array} — byte-for-byte as
 * Python does:
 *
 * - form 'py2': Python 2.7 cPickle + numpy 1.x, i.e. DEAP's own sXX.dat files. Array bytes are a
 *   Python 2 `str` (SHORT_BINSTRING/BINSTRING, or STRING holding the str's repr in protocol 0),
 *   globals are numpy.core.multiarray._reconstruct / numpy.ndarray / numpy.dtype, the dtype is
 *   dtype('f8', 0, 1) with state (3, '<', None, None, None, -1, -1, 0), memo indices start at 1 and
 *   only objects with a refcount ≥ 2 are memoized (as cPickle does). Keys come in Python 2's
 *   dict order, which for these two keys is 'labels' then 'data' (the order in DEAP's files).
 * - form 'py3': Python 3 pickle.dump + numpy 2.x. Bytes are pickled as
 *   _codecs.encode(<latin-1 str>, 'latin1') (BINUNICODE UTF-8 text in protocol 2, UNICODE
 *   raw-unicode-escape text in protocol 0; b'' as __builtin__.bytes()), globals
 *   numpy._core.multiarray._reconstruct, dtype('f8', False, True), every non-atomic object
 *   memoized from index 0. Keys in insertion order 'data', 'labels'. (numpy 1.x writes the same
 *   bytes except for the module name numpy.core.multiarray.)
 *
 * `keyOrder` overrides the key order of either form.
 *
 * The output is one allocation; the array bytes of the py2 protocol-2 form are copied with one
 * memcpy per array (no per-byte work), the other forms escape/encode with tight loops.
 * Verified against real Python output by the fixtures of make_pickle_fixtures.py.
 */
import type { NdArray } from '../ndarray.js';

export interface DeapPickleArrays {
  data: NdArray<Float64Array>;
  labels: NdArray<Float64Array>;
}

export interface DeapPickleOptions {
  protocol: 0 | 2;
  form: 'py2' | 'py3';
  /** Default: 'labels-data' for 'py2' (Python 2 dict order), 'data-labels' for 'py3'. */
  keyOrder?: 'labels-data' | 'data-labels';
}

/** The pickle Python would write for {'data': data, 'labels': labels} (see the module comment). */
export function writeDeapPickle(arrays: DeapPickleArrays, opts: DeapPickleOptions): Uint8Array {
  for (const key of ['data', 'labels'] as const) {
    const a = arrays[key];
    const n = a.shape.reduce((x, d) => x * d, 1);
    if (a.dtype !== 'float64' || !(a.data instanceof Float64Array) || a.data.length !== n) {
      throw new TypeError(`writeDeapPickle: '${key}' must be a float64 NdArray matching its shape`);
    }
  }
  const py2 = opts.form === 'py2';
  const order = opts.keyOrder ?? (py2 ? 'labels-data' : 'data-labels');
  const keys: ('data' | 'labels')[] =
    order === 'labels-data' ? ['labels', 'data'] : ['data', 'labels'];
  const model = py2 ? py2Model() : py3Model();
  const root: Node = {
    t: 'dict',
    items: keys.map((k): [Node, Node] => [model.key(k), model.array(arrays[k])]),
  };
  const p = new Pickler(py2, opts.protocol);
  if (opts.protocol === 2) p.bytes([0x80, 2]);
  p.save(root);
  p.bytes([0x2e]); // STOP
  return p.result();
}

// ---------------------------------------------------------------------------------------------
// A model of the Python objects and a pickler with cPickle's (py2) or _pickle's (py3) rules.

type Node =
  | { t: 'int'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  | { t: 'tuple'; items: Node[] }
  | { t: 'global'; module: string; name: string }
  /** A Python 2 str; `memo`: refcount ≥ 2 in cPickle (only those are memoized). */
  | { t: 'str2'; bytes: Uint8Array; memo: boolean }
  /** A Python 3 str whose characters are all ≤ U+00FF, given as its latin-1 bytes. */
  | { t: 'str3'; latin1: Uint8Array }
  | { t: 'reduce'; func: Node; args: Node; state?: Node }
  | { t: 'dict'; items: [Node, Node][] };

interface Model {
  key(k: string): Node;
  array(a: NdArray<Float64Array>): Node;
}

const NONE: Node = { t: 'none' };
const int = (v: number): Node => ({ t: 'int', v });
const bool = (v: boolean): Node => ({ t: 'bool', v });
const tuple = (...items: Node[]): Node => ({ t: 'tuple', items });
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Little-endian bytes of a float64 array (a view when the host is little-endian). */
function leBytes(a: Float64Array): Uint8Array {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (HOST_LITTLE) return b;
  const c = b.slice();
  for (let i = 0; i < c.length; i += 8) c.subarray(i, i + 8).reverse();
  return c;
}

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function py2Model(): Model {
  const str = (s: string, memo: boolean): Node => ({ t: 'str2', bytes: ascii(s), memo });
  const reconstruct: Node = { t: 'global', module: 'numpy.core.multiarray', name: '_reconstruct' };
  const ndarrayG: Node = { t: 'global', module: 'numpy', name: 'ndarray' };
  // the float64 descr is a singleton: the second array refers to the memoized first
  const dtype: Node = {
    t: 'reduce',
    func: { t: 'global', module: 'numpy', name: 'dtype' },
    args: tuple(str('f8', false), int(0), int(1)),
    state: tuple(int(3), str('<', false), NONE, NONE, NONE, int(-1), int(-1), int(0)),
  };
  return {
    key: (k) => str(k, true),
    array: (a) => ({
      t: 'reduce',
      func: reconstruct,
      args: tuple(ndarrayG, tuple(int(0)), str('b', false)),
      state: tuple(int(1), tuple(...a.shape.map(int)), dtype, bool(false), {
        t: 'str2',
        bytes: leBytes(a.data),
        memo: false,
      }),
    }),
  };
}

function py3Model(): Model {
  const str = (s: string): Node => ({ t: 'str3', latin1: ascii(s) });
  const encode: Node = { t: 'global', module: '_codecs', name: 'encode' };
  const latin1 = str('latin1'); // one interned str object
  const asBytes = (b: Uint8Array): Node => ({
    t: 'reduce',
    func: encode,
    args: tuple({ t: 'str3', latin1: b }, latin1),
  });
  const dummyB = asBytes(ascii('b')); // b'b' is a cached one-byte bytes object
  const emptyBytes: Node = {
    t: 'reduce',
    func: { t: 'global', module: '__builtin__', name: 'bytes' },
    args: tuple(),
  }; // b'' is a singleton too
  const reconstruct: Node = { t: 'global', module: 'numpy._core.multiarray', name: '_reconstruct' };
  const ndarrayG: Node = { t: 'global', module: 'numpy', name: 'ndarray' };
  const dtype: Node = {
    t: 'reduce',
    func: { t: 'global', module: 'numpy', name: 'dtype' },
    args: tuple(str('f8'), bool(false), bool(true)),
    state: tuple(int(3), str('<'), NONE, NONE, NONE, int(-1), int(-1), int(0)),
  };
  return {
    key: (k) => str(k),
    array: (a) => ({
      t: 'reduce',
      func: reconstruct,
      args: tuple(ndarrayG, tuple(int(0)), dummyB),
      state: tuple(
        int(1),
        tuple(...a.shape.map(int)),
        dtype,
        bool(false),
        a.data.length === 0 ? emptyBytes : asBytes(leBytes(a.data)),
      ),
    }),
  };
}

/** A part of the output: small opcode bytes, or a large block written straight into the result. */
interface Block {
  length: number;
  fill(out: Uint8Array, at: number): void;
}

class Pickler {
  private readonly parts: (Uint8Array | Block)[] = [];
  private small: number[] = [];
  private readonly memo = new Map<Node, number>();
  private nextMemo: number;

  constructor(
    private readonly py2: boolean,
    private readonly proto: 0 | 2,
  ) {
    this.nextMemo = py2 ? 1 : 0; // cPickle's put2() starts at 1
  }

  bytes(b: ArrayLike<number>): void {
    for (let i = 0; i < b.length; i++) this.small.push(b[i]);
  }

  private text(s: string): void {
    for (let i = 0; i < s.length; i++) this.small.push(s.charCodeAt(i));
  }

  private u32(v: number): void {
    this.small.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }

  private block(b: Block): void {
    this.flush();
    this.parts.push(b);
  }

  private flush(): void {
    if (this.small.length > 0) {
      this.parts.push(Uint8Array.from(this.small));
      this.small = [];
    }
  }

  result(): Uint8Array {
    this.flush();
    let total = 0;
    for (const p of this.parts) total += p.length;
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of this.parts) {
      if (p instanceof Uint8Array) out.set(p, at);
      else p.fill(out, at);
      at += p.length;
    }
    return out;
  }

  private memoizable(node: Node): boolean {
    switch (node.t) {
      case 'dict':
      case 'global':
      case 'reduce':
        return true;
      case 'str2': // cPickle: refcount < 2 and strings shorter than 2 are not memoized
        return node.memo && node.bytes.length >= 2;
      case 'str3':
        return true;
      case 'tuple': // Python 3 memoizes non-empty tuples; cPickle's are all fresh (refcount 1)
        return !this.py2 && node.items.length > 0;
      default:
        return false;
    }
  }

  private put(node: Node): void {
    if (!this.memoizable(node)) return;
    const i = this.nextMemo++;
    this.memo.set(node, i);
    if (this.proto === 0) this.text(`p${i}\n`);
    else if (i < 256) this.small.push(0x71, i);
    else {
      this.small.push(0x72);
      this.u32(i);
    }
  }

  private get(i: number): void {
    if (this.proto === 0) this.text(`g${i}\n`);
    else if (i < 256) this.small.push(0x68, i);
    else {
      this.small.push(0x6a);
      this.u32(i);
    }
  }

  save(node: Node): void {
    const m = this.memo.get(node);
    if (m !== undefined) return this.get(m);
    const bin = this.proto === 2;
    switch (node.t) {
      case 'none':
        this.small.push(0x4e);
        return;
      case 'bool':
        if (bin) this.small.push(node.v ? 0x88 : 0x89);
        else this.text(node.v ? 'I01\n' : 'I00\n');
        return;
      case 'int':
        return this.saveInt(node.v);
      case 'tuple': {
        const n = node.items.length;
        if (n === 0) {
          if (bin) this.small.push(0x29);
          else this.text('(t');
          return;
        }
        if (bin && n <= 3) {
          for (const it of node.items) this.save(it);
          this.small.push(0x84 + n);
        } else {
          this.small.push(0x28);
          for (const it of node.items) this.save(it);
          this.small.push(0x74);
        }
        return this.put(node);
      }
      case 'global':
        this.text(`c${node.module}\n${node.name}\n`);
        return this.put(node);
      case 'str2':
        this.saveStr2(node.bytes);
        return this.put(node);
      case 'str3':
        this.saveStr3(node.latin1);
        return this.put(node);
      case 'reduce':
        this.save(node.func);
        this.save(node.args);
        this.small.push(0x52);
        this.put(node);
        if (node.state !== undefined) {
          this.save(node.state);
          this.small.push(0x62);
        }
        return;
      case 'dict':
        if (bin) this.small.push(0x7d);
        else this.text('(d');
        this.put(node);
        if (bin && node.items.length > 1) {
          this.small.push(0x28);
          for (const [k, v] of node.items) {
            this.save(k);
            this.save(v);
          }
          this.small.push(0x75);
        } else {
          for (const [k, v] of node.items) {
            this.save(k);
            this.save(v);
            this.small.push(0x73);
          }
        }
        return;
    }
  }

  private saveInt(v: number): void {
    if (this.proto === 2) {
      if (v >= 0 && v < 256) return void this.small.push(0x4b, v);
      if (v >= 0 && v < 65536) return void this.small.push(0x4d, v & 0xff, v >> 8);
      if (v >= -0x8000_0000 && v <= 0x7fff_ffff) {
        this.small.push(0x4a);
        return this.u32(v >>> 0);
      }
      if (this.py2) return this.text(`I${v}\n`); // cPickle: a C long that does not fit BININT
      const b = longBytes(BigInt(v));
      this.small.push(0x8a, b.length);
      return this.bytes(b);
    }
    if (this.py2 || (v >= -0x8000_0000 && v <= 0x7fff_ffff)) return this.text(`I${v}\n`);
    this.text(`L${v}L\n`);
  }

  /** A Python 2 str: SHORT_BINSTRING / BINSTRING, or STRING with Python 2's repr. */
  private saveStr2(b: Uint8Array): void {
    const n = b.length;
    if (this.proto === 2) {
      if (n < 256) {
        this.small.push(0x55, n);
        return this.bytes(b);
      }
      if (n > 0x7fff_ffff)
        throw new RangeError('writeDeapPickle: Python 2 cannot pickle a str ≥ 2 GiB');
      this.small.push(0x54);
      this.u32(n);
      return this.block({ length: n, fill: (out, at) => out.set(b, at) });
    }
    // repr(): '…' unless the text holds ' and no ", escapes \\ \t \n \r, the quote, and
    // bytes < 0x20 or ≥ 0x7f as \xhh (lowercase hex)
    const quote = b.indexOf(0x27) >= 0 && b.indexOf(0x22) < 0 ? 0x22 : 0x27;
    const cost = new Uint8Array(256);
    for (let c = 0; c < 256; c++) cost[c] = c < 0x20 || c >= 0x7f ? 4 : 1;
    cost[0x09] = cost[0x0a] = cost[0x0d] = cost[0x5c] = cost[quote] = 2;
    let len = 0;
    for (let i = 0; i < n; i++) len += cost[b[i]];
    this.small.push(0x53, quote);
    this.block({
      length: len,
      fill: (out, at) => {
        let j = at;
        for (let i = 0; i < n; i++) {
          const c = b[i];
          const k = cost[c];
          if (k === 1) out[j++] = c;
          else if (k === 2) {
            out[j++] = 0x5c;
            out[j++] = c === 0x09 ? 0x74 : c === 0x0a ? 0x6e : c === 0x0d ? 0x72 : c;
          } else {
            out[j++] = 0x5c;
            out[j++] = 0x78;
            out[j++] = HEX[c >> 4];
            out[j++] = HEX[c & 15];
          }
        }
      },
    });
    this.small.push(quote, 0x0a);
  }

  /** A Python 3 str of latin-1 characters: BINUNICODE (UTF-8) or UNICODE (raw-unicode-escape). */
  private saveStr3(b: Uint8Array): void {
    const n = b.length;
    if (this.proto === 2) {
      let len = n;
      for (let i = 0; i < n; i++) len += b[i] >>> 7;
      if (len > 0xffff_ffff) throw new RangeError('writeDeapPickle: a str over 4 GiB of UTF-8');
      this.small.push(0x58);
      this.u32(len);
      if (len === n) return this.block({ length: n, fill: (out, at) => out.set(b, at) });
      return this.block({
        length: len,
        fill: (out, at) => {
          // branch-free: always write two bytes, advance by one for ASCII (the second byte is
          // overwritten by the next character)
          let j = at;
          const last = n - 1;
          for (let i = 0; i < last; i++) {
            const c = b[i];
            const hi = c >>> 7;
            out[j] = hi ? 0xc0 | (c >>> 6) : c;
            out[j + 1] = 0x80 | (c & 0x3f);
            j += 1 + hi;
          }
          const c = b[last];
          if (c < 0x80) out[j] = c;
          else {
            out[j] = 0xc0 | (c >>> 6);
            out[j + 1] = 0x80 | (c & 0x3f);
          }
        },
      });
    }
    // _pickle's raw_unicode_escape: \ NUL \n \r \x1a as \u00xx, other latin-1 bytes as they are
    let len = n;
    for (let i = 0; i < n; i++) if (RAW_ESCAPED[b[i]]) len += 5;
    this.small.push(0x56);
    this.block({
      length: len,
      fill: (out, at) => {
        let j = at;
        for (let i = 0; i < n; i++) {
          const c = b[i];
          if (RAW_ESCAPED[c]) {
            out[j++] = 0x5c;
            out[j++] = 0x75;
            out[j++] = 0x30;
            out[j++] = 0x30;
            out[j++] = HEX[c >> 4];
            out[j++] = HEX[c & 15];
          } else out[j++] = c;
        }
      },
    });
    this.small.push(0x0a);
  }
}

const HEX = ascii('0123456789abcdef');
const RAW_ESCAPED = new Uint8Array(256);
RAW_ESCAPED[0x00] =
  RAW_ESCAPED[0x0a] =
  RAW_ESCAPED[0x0d] =
  RAW_ESCAPED[0x1a] =
  RAW_ESCAPED[0x5c] =
    1;

/** LONG1 payload: minimal little-endian two's complement (as Python's encode_long). */
function longBytes(v: bigint): number[] {
  const out: number[] = [];
  let x = v;
  for (;;) {
    const byte = Number(x & 0xffn);
    out.push(byte);
    x >>= 8n;
    if ((x === 0n && (byte & 0x80) === 0) || (x === -1n && (byte & 0x80) !== 0)) break;
  }
  return out;
}
