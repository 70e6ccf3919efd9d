/**
 * A safe reader for Python pickles holding numpy arrays: DEAP's sXX.dat files (a Python 2
 * cPickle of {'data': float64 (40, 40, 8064), 'labels': float64 (40, 4)}) and the same content
 * re-saved by Python 3 with any protocol 0–5.
 *
 * Safety: nothing is ever executed. The reader interprets pickle opcodes itself and knows a short
 * allow-list of callables, each implemented here:
 *
 *   numpy.core.multiarray._reconstruct, numpy._core.multiarray._reconstruct  (+ ndarray BUILD)
 *   numpy.ndarray (only as the first argument of _reconstruct), numpy.dtype  (+ dtype BUILD)
 *   _codecs.encode(str, 'latin1')  — how Python 3 pickles bytes with protocols 0–2
 *   numpy.core.numeric._frombuffer, numpy._core.numeric._frombuffer  — numpy's protocol-5 form
 *   builtins.bytes / __builtin__.bytes with no arguments  — how Python 3 pickles b'' (proto 0–2)
 *
 * Any other global (GLOBAL, STACK_GLOBAL, INST, copyreg extension codes) raises
 * UnsafePickleError at that opcode. Persistent ids, out-of-band buffers (protocol 5
 * buffer_callback), sets, NEWOBJ/NEWOBJ_EX and object-dtype arrays raise FormatError.
 *
 * Values (PickleValue): None → null; bool → boolean; int → number when it is a safe integer,
 * else bigint; float → number; Python 2 `str` and Python 3 `str` → string (Python 2 `str` is
 * decoded as latin-1, like `pickle.load(f, encoding='latin1')`, except where it is array data: the
 * array gets the original bytes); bytes and bytearray → Uint8Array (a copy); list → array;
 * tuple → PickleTuple; dict → Map (keys compare like JS Map keys: strings and numbers by value,
 * tuples and bytes by identity); numpy array → NdArray in C order, native byte order.
 *
 * numpy dtypes: f8 f4 i1 i2 i4 i8 u1 u2 u4 u8 b1 in either byte order. float16 ('f2') arrays are
 * converted exactly to float32 (dtype 'float32'; NaN payloads shifted as numpy's half→float
 * does). Fortran-order data (is_fortran) and numpy 2's protocol-5 'K' order with axis_order are
 * transposed to C order. Complex, datetime, string, void/structured and object dtypes are refused.
 *
 * Robustness: every length is checked against the remaining input before anything is allocated,
 * every opcode advances the position, nesting is handled without recursion, and every problem
 * (truncation, bad opcode, wrong types) is a FormatError naming the file and byte offset. Bytes
 * after STOP are refused (a file holds one pickle).
 *
 * Speed: string and bytes opcodes are subarray views of the input; array data is copied once
 * into a fresh (aligned) buffer, byte-swapped or transposed only when the file needs it; the
 * protocol-0–2 Python 3 form (_codecs.encode of UTF-8 text) is decoded to bytes by a tight loop.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { FormatError, UnsafePickleError } from '../errors.js';
import {
  isNdArray,
  ndarray,
  type NdArray,
  type NumericDType,
  type TypedArray,
} from '../ndarray.js';

/** A Python tuple. */
export interface PickleTuple {
  readonly kind: 'tuple';
  readonly items: readonly PickleValue[];
}

/** A Python dict. */
export type PickleDict = Map<PickleValue, PickleValue>;

/** A value read from a pickle (see the module comment for the mapping from Python). */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleTuple
  | PickleDict
  | NdArray;

/** The dict at the root of a pickle (or any dict value); FormatError if `v` is something else. */
export function asDict(v: PickleValue | undefined, file: string): PickleDict {
  if (v instanceof Map) return v;
  throw new FormatError(file, undefined, 'a pickled dict', `the value is ${describeValue(v)}`);
}

/** `v` as a numpy array; FormatError naming `what` (e.g. "key 'data'") if it is something else. */
export function asNdArray(v: PickleValue | undefined, file: string, what: string): NdArray {
  if (isNdArray(v)) return v;
  throw new FormatError(
    file,
    undefined,
    `a numpy array for ${what}`,
    `${what} is ${describeValue(v)}`,
  );
}

/** A short description of a value's type, for messages. */
export function describeValue(v: PickleValue | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'a bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'a number';
  if (typeof v === 'string') return 'a str';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Map) return 'a dict';
  if (isNdArray(v)) return `a numpy ${v.dtype} array of shape (${v.shape.join(', ')})`;
  return 'a tuple';
}

/** Read one pickle (the whole of `bytes`). `file` names the input in error messages. */
export function readPickle(bytes: Uint8Array, file: string): PickleValue {
  return new Unpickler(bytes, file).load();
}

// ---------------------------------------------------------------------------------------------
// Internal values. Containers hold internal values until STOP, then `finish` converts them.

/** A Python 3 str, kept as its encoded bytes until needed. */
class PyStr {
  private text: string | undefined;
  constructor(
    readonly src: Uint8Array,
    /** 'utf8' for BINUNICODE*, 'raw' for UNICODE (raw-unicode-escape). */
    readonly enc: 'utf8' | 'raw',
    /** File offset of src[0]. */
    readonly at: number,
  ) {}
  toString(file: string): string {
    if (this.text === undefined) {
      this.text =
        this.enc === 'utf8'
          ? decodeUtf8(this.src, file, this.at)
          : decodeRawUnicodeEscape(this.src, file, this.at);
    }
    return this.text;
  }
}

/** bytes, bytearray or a Python 2 str: a view of the input or of a decoded buffer. */
class RawBytes {
  copy: Uint8Array | undefined;
  constructor(
    readonly view: Uint8Array,
    readonly type: 'bytes' | 'bytearray' | 'str2',
    readonly at: number,
  ) {}
}

type Callable = 'reconstruct' | 'ndarray' | 'dtype' | 'encode' | 'frombuffer' | 'bytes';

class GlobalRef {
  constructor(
    readonly fn: Callable,
    readonly name: string,
  ) {}
}

type Endian = '<' | '>' | '|';

class DType {
  constructor(
    /** 'f' 'i' 'u' 'b' */
    readonly kind: string,
    readonly size: number,
    public endian: Endian,
  ) {}
}

/** An ndarray made by _reconstruct, waiting for its BUILD state. */
class PendingArray {
  built: NdArray | undefined;
  constructor(readonly at: number) {}
}

interface ITuple {
  kind: 'tuple';
  items: Val[];
}

type Val =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | NdArray
  | Val[]
  | ITuple
  | Map<Val, Val>
  | PyStr
  | RawBytes
  | GlobalRef
  | DType
  | PendingArray;

const ALLOWED = new Map<string, Callable>([
  ['numpy.core.multiarray._reconstruct', 'reconstruct'],
  ['numpy._core.multiarray._reconstruct', 'reconstruct'],
  ['numpy.ndarray', 'ndarray'],
  ['numpy.dtype', 'dtype'],
  ['_codecs.encode', 'encode'],
  ['numpy.core.numeric._frombuffer', 'frombuffer'],
  ['numpy._core.numeric._frombuffer', 'frombuffer'],
  ['builtins.bytes', 'bytes'],
  ['__builtin__.bytes', 'bytes'],
]);

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// prettier-ignore
const OPNAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT',
  0x49: 'INT', 0x4a: 'BININT', 0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE',
  0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE', 0x53: 'STRING', 0x54: 'BINSTRING',
  0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND', 0x62: 'BUILD',
  0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET',
  0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT',
  0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE',
  0x75: 'SETITEMS', 0x47: 'BINFLOAT', 0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2',
  0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE',
  0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME', 0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

function opName(op: number): string {
  return OPNAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`;
}

class Unpickler {
  private pos = 0;
  private stack: Val[] = [];
  private readonly marks: Val[][] = [];
  private readonly memo = new Map<number, Val>();
  private readonly n: number;

  constructor(
    private readonly b: Uint8Array,
    private readonly file: string,
  ) {
    this.n = b.length;
  }

  private fail(at: number, expected: string, detail: string): never {
    throw new FormatError(this.file, at, expected, detail);
  }

  /** Ensure `k` more bytes exist after the current position. */
  private need(at: number, k: number, what: string): void {
    const left = this.n - this.pos;
    if (k > left) {
      this.fail(
        at,
        `${k} bytes of ${what}`,
        `only ${left} bytes remain (truncated or corrupt file)`,
      );
    }
  }

  private u8(at: number, what: string): number {
    this.need(at, 1, what);
    return this.b[this.pos++];
  }

  private u16(at: number, what: string): number {
    this.need(at, 2, what);
    const b = this.b;
    const p = this.pos;
    this.pos += 2;
    return b[p] | (b[p + 1] << 8);
  }

  private u32(at: number, what: string): number {
    this.need(at, 4, what);
    const b = this.b;
    const p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  private i32(at: number, what: string): number {
    return this.u32(at, what) | 0;
  }

  /** An 8-byte unsigned length; refused if larger than what remains. */
  private len64(at: number, what: string): number {
    const lo = this.u32(at, `the length of ${what}`);
    const hi = this.u32(at, `the length of ${what}`);
    const len = hi * 0x1_0000_0000 + lo;
    this.need(at, len, what);
    return len;
  }

  /** `len` bytes as a view; the length must already be known to fit. */
  private take(at: number, len: number, what: string): Uint8Array {
    this.need(at, len, what);
    const v = this.b.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** The bytes up to the next newline (not included); the newline is consumed. */
  private line(at: number, what: string): Uint8Array {
    const end = this.b.indexOf(0x0a, this.pos);
    if (end < 0) {
      this.fail(at, `${what} ending with a newline`, 'the file ends before the newline');
    }
    const v = this.b.subarray(this.pos, end);
    this.pos = end + 1;
    return v;
  }

  private asciiLine(at: number, what: string): string {
    return latin1(this.line(at, what));
  }

  private push(v: Val): void {
    this.stack.push(v);
  }

  private pop(at: number, op: number): Val {
    if (this.stack.length === 0) {
      this.fail(
        at,
        `a value on the stack for ${opName(op)}`,
        'the stack is empty (after the last MARK)',
      );
    }
    return this.stack.pop() as Val;
  }

  private top(at: number, op: number): Val {
    if (this.stack.length === 0) {
      this.fail(
        at,
        `a value on the stack for ${opName(op)}`,
        'the stack is empty (after the last MARK)',
      );
    }
    return this.stack[this.stack.length - 1];
  }

  private popMark(at: number, op: number): Val[] {
    const prev = this.marks.pop();
    if (prev === undefined) {
      this.fail(at, `a MARK before ${opName(op)}`, 'no MARK on the stack');
    }
    const items = this.stack;
    this.stack = prev;
    return items;
  }

  load(): PickleValue {
    const b = this.b;
    const n = this.n;
    for (;;) {
      if (this.pos >= n) {
        this.fail(
          this.pos,
          'a pickle opcode (a pickle ends with STOP)',
          'the data ends without STOP',
        );
      }
      const at = this.pos;
      const op = b[this.pos++];
      switch (op) {
        case 0x28: // MARK
          this.marks.push(this.stack);
          this.stack = [];
          break;
        case 0x2e: {
          // STOP
          const v = this.pop(at, op);
          if (this.pos !== n) {
            this.fail(
              this.pos,
              'the end of the file after STOP',
              `${n - this.pos} more bytes follow`,
            );
          }
          return this.finish(v, at);
        }
        case 0x30: // POP (pops a MARK when the stack above it is empty, as Python does)
          if (this.stack.length > 0) this.stack.pop();
          else this.popMark(at, op);
          break;
        case 0x31: // POP_MARK
          this.popMark(at, op);
          break;
        case 0x32: // DUP
          this.push(this.top(at, op));
          break;
        case 0x46: // FLOAT
          this.push(this.parseFloat(at, this.asciiLine(at, 'a FLOAT')));
          break;
        case 0x49: {
          // INT
          const s = this.asciiLine(at, 'an INT');
          if (s === '00') this.push(false);
          else if (s === '01') this.push(true);
          else this.push(this.parseInt(at, s, 'INT'));
          break;
        }
        case 0x4a: // BININT
          this.push(this.i32(at, 'BININT'));
          break;
        case 0x4b: // BININT1
          this.push(this.u8(at, 'BININT1'));
          break;
        case 0x4c: {
          // LONG
          let s = this.asciiLine(at, 'a LONG');
          if (s.endsWith('L')) s = s.slice(0, -1);
          this.push(this.parseInt(at, s, 'LONG'));
          break;
        }
        case 0x4d: // BININT2
          this.push(this.u16(at, 'BININT2'));
          break;
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x50: // PERSID
        case 0x51: // BINPERSID
          this.fail(
            at,
            'plain data (no persistent ids)',
            `${opName(op)} refers to an external object`,
          );
          break;
        case 0x52: {
          // REDUCE
          const args = this.pop(at, op);
          const fn = this.pop(at, op);
          if (!isTuple(args))
            this.fail(at, 'an argument tuple for REDUCE', `got ${this.kindOf(args)}`);
          this.push(this.call(at, fn, args.items));
          break;
        }
        case 0x53: // STRING
          this.push(this.readString(at));
          break;
        case 0x54: {
          // BINSTRING
          const len = this.i32(at, 'BINSTRING');
          if (len < 0) this.fail(at, 'a non-negative BINSTRING length', `length ${len}`);
          this.pushBytes(at, len, 'str2', 'BINSTRING data');
          break;
        }
        case 0x55: {
          // SHORT_BINSTRING
          this.pushBytes(at, this.u8(at, 'SHORT_BINSTRING'), 'str2', 'SHORT_BINSTRING data');
          break;
        }
        case 0x56: {
          // UNICODE
          const start = this.pos;
          this.push(new PyStr(this.line(at, 'a UNICODE string'), 'raw', start));
          break;
        }
        case 0x58: // BINUNICODE
          this.pushStr(at, this.u32(at, 'BINUNICODE'), 'BINUNICODE');
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.pushStr(at, this.u8(at, 'SHORT_BINUNICODE'), 'SHORT_BINUNICODE');
          break;
        case 0x8d: // BINUNICODE8
          this.pushStr(at, this.len64(at, 'BINUNICODE8'), 'BINUNICODE8');
          break;
        case 0x42: // BINBYTES
          this.pushBytes(at, this.u32(at, 'BINBYTES'), 'bytes', 'BINBYTES data');
          break;
        case 0x43: // SHORT_BINBYTES
          this.pushBytes(at, this.u8(at, 'SHORT_BINBYTES'), 'bytes', 'SHORT_BINBYTES data');
          break;
        case 0x8e: // BINBYTES8
          this.pushBytes(at, this.len64(at, 'BINBYTES8'), 'bytes', 'BINBYTES8 data');
          break;
        case 0x96: // BYTEARRAY8
          this.pushBytes(at, this.len64(at, 'BYTEARRAY8'), 'bytearray', 'BYTEARRAY8 data');
          break;
        case 0x61: {
          // APPEND
          const v = this.pop(at, op);
          this.listAt(at, op).push(v);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark(at, op);
          const list = this.listAt(at, op);
          for (const v of items) list.push(v);
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop(at, op);
          this.build(at, this.top(at, op), state);
          break;
        }
        case 0x63: {
          // GLOBAL
          const mod = this.line(at, 'a GLOBAL module name');
          const name = this.line(at, 'a GLOBAL name');
          this.push(this.global(at, `${nameText(mod)}.${nameText(name)}`));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop(at, op);
          const mod = this.pop(at, op);
          if (!isStrLike(name) || !isStrLike(mod)) {
            this.fail(at, 'two str values (module, name) for STACK_GLOBAL', 'got other values');
          }
          this.push(this.global(at, `${this.text(mod)}.${this.text(name)}`));
          break;
        }
        case 0x69: {
          // INST
          const mod = this.line(at, 'an INST module name');
          const name = this.line(at, 'an INST name');
          const fn = this.global(at, `${nameText(mod)}.${nameText(name)}`);
          this.push(this.call(at, fn, this.popMark(at, op)));
          break;
        }
        case 0x6f: {
          // OBJ
          const items = this.popMark(at, op);
          if (items.length === 0) this.fail(at, 'a class after the MARK of OBJ', 'nothing');
          this.push(this.call(at, items[0], items.slice(1)));
          break;
        }
        case 0x81: // NEWOBJ
        case 0x92: // NEWOBJ_EX
          this.fail(
            at,
            'numpy reconstruction through REDUCE',
            `${opName(op)} (cls.__new__) is not used by numpy arrays and is not supported`,
          );
          break;
        case 0x64: {
          // DICT
          const items = this.popMark(at, op);
          const d = new Map<Val, Val>();
          this.setItems(at, d, items);
          this.push(d);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.push(new Map<Val, Val>());
          break;
        case 0x73: {
          // SETITEM
          const v = this.pop(at, op);
          const k = this.pop(at, op);
          this.dictAt(at, op).set(this.key(at, k), v);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark(at, op);
          this.setItems(at, this.dictAt(at, op), items);
          break;
        }
        case 0x6c: // LIST
          this.push(this.popMark(at, op));
          break;
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x74: // TUPLE
          this.push({ kind: 'tuple', items: this.popMark(at, op) });
          break;
        case 0x29: // EMPTY_TUPLE
          this.push({ kind: 'tuple', items: [] });
          break;
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: {
          // TUPLE3
          const k = op - 0x84;
          if (this.stack.length < k) {
            this.fail(
              at,
              `${k} values on the stack for ${opName(op)}`,
              `${this.stack.length} there`,
            );
          }
          this.push({ kind: 'tuple', items: this.stack.splice(this.stack.length - k, k) });
          break;
        }
        case 0x67: // GET
          this.push(this.memoGet(at, this.memoIndex(at, this.asciiLine(at, 'a GET index'))));
          break;
        case 0x68: // BINGET
          this.push(this.memoGet(at, this.u8(at, 'BINGET')));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(at, this.u32(at, 'LONG_BINGET')));
          break;
        case 0x70: // PUT
          this.memo.set(this.memoIndex(at, this.asciiLine(at, 'a PUT index')), this.top(at, op));
          break;
        case 0x71: // BINPUT
          this.memo.set(this.u8(at, 'BINPUT'), this.top(at, op));
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.u32(at, 'LONG_BINPUT'), this.top(at, op));
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top(at, op));
          break;
        case 0x47: {
          // BINFLOAT (big-endian)
          const v = this.take(at, 8, 'BINFLOAT');
          this.push(new DataView(v.buffer, v.byteOffset, 8).getFloat64(0, false));
          break;
        }
        case 0x80: {
          // PROTO
          const p = this.u8(at, 'PROTO');
          if (p > 5) this.fail(at, 'pickle protocol 0 to 5', `protocol ${p}`);
          break;
        }
        case 0x95: // FRAME (framing is only a read-ahead hint: check the length and go on)
          this.len64(at, 'FRAME');
          break;
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: {
          // EXT4
          const code =
            op === 0x82
              ? this.u8(at, 'EXT1')
              : op === 0x83
                ? this.u16(at, 'EXT2')
                : this.i32(at, 'EXT4');
          throw new UnsafePickleError(this.file, at, `copyreg extension code ${code}`);
        }
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x8a: {
          // LONG1
          const len = this.u8(at, 'LONG1');
          this.push(decodeLong(this.take(at, len, 'LONG1 data')));
          break;
        }
        case 0x8b: {
          // LONG4
          const len = this.i32(at, 'LONG4');
          if (len < 0) this.fail(at, 'a non-negative LONG4 length', `length ${len}`);
          this.push(decodeLong(this.take(at, len, 'LONG4 data')));
          break;
        }
        case 0x8f: // EMPTY_SET
        case 0x90: // ADDITEMS
        case 0x91: // FROZENSET
          this.fail(at, 'numpy arrays and plain values', `${opName(op)}: sets are not supported`);
          break;
        case 0x97: // NEXT_BUFFER
        case 0x98: // READONLY_BUFFER
          this.fail(
            at,
            'in-band data (pickle.dump without buffer_callback)',
            `${opName(op)}: the pickle uses out-of-band buffers (protocol 5 buffer_callback), whose data is not in the file`,
          );
          break;
        default:
          this.fail(at, 'a pickle opcode', `unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }

  // -- opcode helpers --------------------------------------------------------------------------

  private pushStr(at: number, len: number, what: string): void {
    const start = this.pos;
    this.push(new PyStr(this.take(at, len, `${what} data`), 'utf8', start));
  }

  private pushBytes(at: number, len: number, type: RawBytes['type'], what: string): void {
    const start = this.pos;
    this.push(new RawBytes(this.take(at, len, what), type, start));
  }

  /** STRING: a quoted Python 2 repr, decoded like codecs.escape_decode. */
  private readString(at: number): RawBytes {
    const start = this.pos;
    const v = this.line(at, 'a STRING');
    const q = v.length >= 2 ? v[0] : -1;
    if (!(q === 0x27 || q === 0x22) || v[v.length - 1] !== q) {
      this.fail(at, 'a quoted STRING argument', 'the STRING argument is not quoted');
    }
    return new RawBytes(
      decodeEscapes(v.subarray(1, v.length - 1), this.file, start + 1),
      'str2',
      start + 1,
    );
  }

  private listAt(at: number, op: number): Val[] {
    const l = this.top(at, op);
    if (!Array.isArray(l)) this.fail(at, `a list under ${opName(op)}`, `got ${this.kindOf(l)}`);
    return l;
  }

  private dictAt(at: number, op: number): Map<Val, Val> {
    const d = this.top(at, op);
    if (!(d instanceof Map)) this.fail(at, `a dict under ${opName(op)}`, `got ${this.kindOf(d)}`);
    return d;
  }

  private setItems(at: number, d: Map<Val, Val>, items: Val[]): void {
    if (items.length % 2 !== 0) {
      this.fail(at, 'key/value pairs after the MARK', `an odd number of items (${items.length})`);
    }
    for (let i = 0; i < items.length; i += 2) d.set(this.key(at, items[i]), items[i + 1]);
  }

  /** A dict key as it will appear in the Map (strings decoded, bytes copied once). */
  private key(at: number, k: Val): Val {
    if (k === null || typeof k !== 'object') return k;
    if (k instanceof PyStr) return k.toString(this.file);
    if (k instanceof RawBytes) {
      if (k.type === 'str2') return latin1(k.view);
      if (k.type === 'bytes') return materialize(k);
    }
    if (isTuple(k) || k instanceof Uint8Array) return k;
    return this.fail(
      at,
      'a hashable dict key (str, bytes, number, None, tuple)',
      `got ${this.kindOf(k)}`,
    );
  }

  private memoIndex(at: number, s: string): number {
    const t = s.trim();
    if (!/^\+?\d+$/.test(t) || Number(t) > 0xffff_ffff) {
      this.fail(at, 'a non-negative decimal memo index', `'${s.slice(0, 40)}'`);
    }
    return Number(t);
  }

  private memoGet(at: number, i: number): Val {
    const v = this.memo.get(i);
    if (v === undefined)
      this.fail(at, `memo entry ${i} (stored by an earlier PUT)`, 'no such entry');
    return v;
  }

  private parseFloat(at: number, s: string): number {
    const t = s.trim();
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
    const m = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
    if (m) {
      if (m[2].toLowerCase() === 'nan') return NaN;
      return m[1] === '-' ? -Infinity : Infinity;
    }
    return this.fail(at, 'a decimal float (FLOAT)', `'${s.slice(0, 40)}'`);
  }

  /** Python int(s, 0) (decimal, 0x, 0o, 0b; underscores between digits). */
  private parseInt(at: number, s: string, what: string): number | bigint {
    const t = s.trim();
    const m =
      /^([+-]?)(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?0)*|[1-9](?:_?\d)*)$/.exec(
        t,
      );
    if (!m) return this.fail(at, `a Python integer literal (${what})`, `'${s.slice(0, 40)}'`);
    const digits = m[2].replace(/_/g, '');
    let v = BigInt(digits);
    if (m[1] === '-') v = -v;
    return normInt(v);
  }

  private text(v: PyStr | RawBytes): string {
    return v instanceof PyStr ? v.toString(this.file) : latin1(v.view);
  }

  private kindOf(v: Val): string {
    if (v === null) return 'None';
    if (typeof v !== 'object') return `a ${typeof v}`;
    if (Array.isArray(v)) return 'a list';
    if (v instanceof Map) return 'a dict';
    if (v instanceof PyStr) return 'a str';
    if (v instanceof RawBytes) return v.type === 'str2' ? 'a str' : v.type;
    if (v instanceof GlobalRef) return `the global ${v.name}`;
    if (v instanceof DType) return 'a numpy dtype';
    if (v instanceof PendingArray) return 'a numpy array';
    if (v instanceof Uint8Array) return 'bytes';
    if (isTuple(v)) return `a ${v.items.length}-tuple`;
    return 'a numpy array';
  }

  // -- globals and the allow-listed callables --------------------------------------------------

  private global(at: number, name: string): GlobalRef {
    const fn = ALLOWED.get(name);
    if (fn === undefined) throw new UnsafePickleError(this.file, at, name);
    return new GlobalRef(fn, name);
  }

  private call(at: number, fn: Val, args: Val[]): Val {
    if (!(fn instanceof GlobalRef)) {
      return this.fail(at, 'an allow-listed numpy callable', `calling ${this.kindOf(fn)}`);
    }
    switch (fn.fn) {
      case 'reconstruct': {
        if (args.length !== 3 || !(args[0] instanceof GlobalRef) || args[0].fn !== 'ndarray') {
          this.fail(at, `${fn.name}(numpy.ndarray, shape, dtype)`, 'other arguments');
        }
        return new PendingArray(at);
      }
      case 'dtype':
        return this.makeDType(at, args);
      case 'encode': {
        const [s, enc] = args;
        if (!(s instanceof PyStr || (s instanceof RawBytes && s.type === 'str2'))) {
          return this.fail(
            at,
            "_codecs.encode(str, 'latin1')",
            `a first argument that is ${this.kindOf(s)}`,
          );
        }
        const e = isStrLike(enc) ? this.text(enc).toLowerCase().replace(/_/g, '-') : '';
        if (args.length !== 2 || !LATIN1_NAMES.has(e)) {
          this.fail(
            at,
            "_codecs.encode(str, 'latin1')",
            `encoding ${isStrLike(enc) ? `'${e}'` : 'missing'}`,
          );
        }
        return new RawBytes(this.latin1Of(s), 'bytes', s.at);
      }
      case 'bytes':
        if (args.length !== 0)
          this.fail(at, 'bytes() with no arguments', `${args.length} arguments`);
        return new RawBytes(new Uint8Array(0), 'bytes', at);
      case 'frombuffer':
        return this.fromBuffer(at, args);
      case 'ndarray':
        return this.fail(at, 'numpy.ndarray only as an argument of _reconstruct', 'a direct call');
    }
  }

  /** The latin-1 bytes of a str (array data pickled by Python 3 with protocol 0–2). */
  private latin1Of(s: PyStr | RawBytes): Uint8Array {
    if (s instanceof RawBytes) return s.view;
    return s.enc === 'utf8'
      ? utf8ToLatin1(s.src, this.file, s.at)
      : rawEscapeToLatin1(s.src, this.file, s.at);
  }

  private makeDType(at: number, args: Val[]): DType {
    const spec = args[0];
    if (args.length < 1 || args.length > 3 || !isStrLike(spec)) {
      return this.fail(at, "numpy.dtype('<kind><size>', align, copy)", 'other arguments');
    }
    const s = this.text(spec);
    const m = /^([<>=|]?)([a-zA-Z])(\d*)$/.exec(s);
    if (!m) return this.fail(at, "a numpy dtype code such as 'f8'", `'${s.slice(0, 40)}'`);
    const kind = m[2];
    const size = Number(m[3] || '0');
    if (kind === 'O') {
      this.fail(
        at,
        'a numeric numpy dtype (f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)',
        "an object-dtype ('O') array: its elements are pickled Python objects, which this reader refuses",
      );
    }
    if (!SUPPORTED_DTYPES.has(`${kind}${size}`)) {
      this.fail(
        at,
        'a numeric numpy dtype (f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)',
        `unsupported dtype '${s}'`,
      );
    }
    const e = m[1];
    return new DType(kind, size, size === 1 ? '|' : e === '<' || e === '>' ? e : nativeEndian());
  }

  private build(at: number, obj: Val, state: Val): void {
    if (obj instanceof DType) return this.dtypeState(at, obj, state);
    if (obj instanceof PendingArray) {
      if (obj.built !== undefined) this.fail(at, 'one BUILD per array', 'a second BUILD');
      obj.built = this.arrayState(at, state);
      return;
    }
    this.fail(at, 'BUILD on a numpy array or dtype', `BUILD on ${this.kindOf(obj)}`);
  }

  /** numpy.dtype.__setstate__: (3, endian, subarray, names, fields, elsize, alignment, flags[, metadata]). */
  private dtypeState(at: number, dt: DType, state: Val): void {
    const want = "a dtype state (3, '<', None, None, None, -1, -1, 0)";
    if (!isTuple(state) || (state.items.length !== 8 && state.items.length !== 9)) {
      return this.fail(at, want, `got ${this.kindOf(state)}`);
    }
    const [version, endian, subarray, names, fields, , , flags] = state.items;
    if (version !== 3 && version !== 4)
      this.fail(at, want, `dtype state version ${String(version)}`);
    if (!isStrLike(endian)) return this.fail(at, want, 'no byte-order string');
    const e = this.text(endian);
    if (e !== '<' && e !== '>' && e !== '|' && e !== '=') this.fail(at, want, `byte order '${e}'`);
    if (subarray !== null || names !== null || fields !== null) {
      this.fail(at, 'a plain numeric dtype', 'a structured or sub-array dtype');
    }
    if (typeof flags === 'number' && (flags & 1) !== 0) {
      this.fail(at, 'a numeric dtype', 'a dtype holding Python objects');
    }
    dt.endian = dt.size === 1 || e === '|' ? '|' : e === '=' ? nativeEndian() : e;
  }

  /** ndarray.__setstate__: (version, shape, dtype, is_fortran, rawdata) or without version. */
  private arrayState(at: number, state: Val): NdArray {
    const want = 'an ndarray state (1, shape, dtype, is_fortran, data)';
    if (!isTuple(state) || (state.items.length !== 5 && state.items.length !== 4)) {
      return this.fail(at, want, `got ${this.kindOf(state)}`);
    }
    const it = state.items.length === 5 ? state.items : [0, ...state.items];
    const [version, shapeV, dt, fortran, raw] = it;
    if (version !== 0 && version !== 1) {
      this.fail(at, want, `ndarray state version ${String(version)}`);
    }
    const shape = this.shapeOf(at, shapeV, want);
    if (!(dt instanceof DType)) return this.fail(at, want, `a dtype that is ${this.kindOf(dt)}`);
    if (typeof fortran !== 'boolean' && typeof fortran !== 'number') {
      return this.fail(at, want, `is_fortran is ${this.kindOf(fortran)}`);
    }
    let data: Uint8Array;
    if (raw instanceof RawBytes) data = raw.view;
    else if (raw instanceof PyStr) data = this.latin1Of(raw);
    else if (Array.isArray(raw)) {
      return this.fail(at, 'raw array bytes', 'a list of Python objects (an object array)');
    } else return this.fail(at, want, `data that is ${this.kindOf(raw)}`);
    return this.makeArray(at, dt, shape, data, fortran ? 'F' : 'C');
  }

  private shapeOf(at: number, v: Val, want: string): number[] {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return [v];
    if (!isTuple(v)) return this.fail(at, want, `a shape that is ${this.kindOf(v)}`);
    const shape: number[] = [];
    for (const d of v.items) {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
        return this.fail(
          at,
          'non-negative integer dimensions',
          `dimension ${this.kindOf(d)} ${String(d)}`,
        );
      }
      shape.push(d);
    }
    return shape;
  }

  /** numpy.core.numeric._frombuffer(buf, dtype, shape, order[, axis_order]). */
  private fromBuffer(at: number, args: Val[]): NdArray {
    const want = '_frombuffer(buffer, dtype, shape, order[, axis_order])';
    const [buf, dt, shapeV, orderV, axesV] = args;
    if (args.length < 4 || args.length > 5) return this.fail(at, want, `${args.length} arguments`);
    if (!(buf instanceof RawBytes))
      return this.fail(at, want, `a buffer that is ${this.kindOf(buf)}`);
    if (!(dt instanceof DType)) return this.fail(at, want, `a dtype that is ${this.kindOf(dt)}`);
    const shape = this.shapeOf(at, shapeV, want);
    const order = isStrLike(orderV) ? this.text(orderV) : '';
    if (order === 'C' || order === 'A' || order === 'F') {
      return this.makeArray(at, dt, shape, buf.view, order === 'F' ? 'F' : 'C');
    }
    if (order === 'K' && axesV !== undefined && axesV !== null) {
      const axes = this.shapeOf(at, axesV, want);
      const seen = new Set(axes);
      if (
        axes.length !== shape.length ||
        seen.size !== axes.length ||
        axes.some((a) => a >= axes.length)
      ) {
        this.fail(at, `an axis_order permuting ${shape.length} axes`, `(${axes.join(', ')})`);
      }
      return this.makeArray(at, dt, shape, buf.view, axes);
    }
    return this.fail(at, want, `order '${order}'`);
  }

  /**
   * An NdArray from raw bytes. `order`: 'C', 'F' (Fortran: element (i0, i1, …) at
   * i0 + d0*(i1 + d1*…)), or an axis permutation (numpy's 'K' with axis_order: the bytes are a
   * C-order array of `shape`, the result is its transpose(axes)).
   */
  private makeArray(
    at: number,
    dt: DType,
    shape: number[],
    raw: Uint8Array,
    order: 'C' | 'F' | number[],
  ): NdArray {
    const count = shape.reduce((a, d) => a * d, 1);
    if (count * dt.size !== raw.length) {
      this.fail(
        at,
        `${count} × ${dt.size} bytes of data for a ${dt.kind}${dt.size} array of shape (${shape.join(', ')})`,
        `${raw.length} bytes`,
      );
    }
    // the one copy, into a fresh aligned buffer
    const bytes = new Uint8Array(raw.length);
    bytes.set(raw);
    // '|' (no byte order) on a multi-byte type means native, as numpy treats it
    if (dt.size > 1 && dt.endian !== '|' && dt.endian !== nativeEndian()) {
      byteSwap(bytes, dt.size);
    }
    let buf: ArrayBufferLike = bytes.buffer;
    let itemsize = dt.size;
    if (dt.kind === 'f' && dt.size === 2) {
      buf = halfToFloat(new Uint16Array(buf)).buffer;
      itemsize = 4;
    }
    let outShape = shape;
    if (order !== 'C' && shape.length > 1 && count > 1) {
      let strides: number[];
      if (order === 'F') {
        strides = [];
        let s = 1;
        for (const d of shape) {
          strides.push(s);
          s *= d;
        }
      } else {
        const cStrides: number[] = new Array<number>(shape.length);
        let s = 1;
        for (let d = shape.length - 1; d >= 0; d--) {
          cStrides[d] = s;
          s *= shape[d];
        }
        outShape = order.map((a) => shape[a]);
        strides = order.map((a) => cStrides[a]);
      }
      buf = permute(buf, itemsize, outShape, strides, count);
    } else if (order !== 'C' && order !== 'F') {
      outShape = order.map((a) => shape[a]);
    }
    const { dtype, data } = typed(dt, buf);
    return ndarray(dtype, outShape, data);
  }

  // -- the end: convert internal values ---------------------------------------------------------

  private finish(root: Val, at: number): PickleValue {
    const file = this.file;
    const seen = new Set<object>();
    const work: (Val[] | ITuple | Map<Val, Val>)[] = [];
    const conv = (v: Val): Val => {
      if (v === null || typeof v !== 'object') return v;
      if (v instanceof PyStr) return v.toString(file);
      if (v instanceof RawBytes) return v.type === 'str2' ? latin1(v.view) : materialize(v);
      if (v instanceof PendingArray) {
        if (v.built === undefined) {
          this.fail(
            at,
            'a BUILD giving every numpy array its data',
            `the array made at byte ${v.at} has none`,
          );
        }
        return v.built;
      }
      if (v instanceof GlobalRef) {
        return this.fail(
          at,
          'data values',
          `the callable ${v.name} itself is a value of the pickle`,
        );
      }
      if (v instanceof DType) return this.fail(at, 'data values', 'a bare numpy dtype object');
      if (Array.isArray(v) || v instanceof Map || isTuple(v)) {
        if (!seen.has(v)) {
          seen.add(v);
          work.push(v);
        }
      }
      return v;
    };
    const out = conv(root);
    for (let c = work.pop(); c !== undefined; c = work.pop()) {
      if (Array.isArray(c)) {
        for (let i = 0; i < c.length; i++) c[i] = conv(c[i]);
      } else if (c instanceof Map) {
        for (const [k, v] of c) {
          if (isTuple(k)) conv(k);
          c.set(k, conv(v));
        }
      } else {
        const items = c.items;
        for (let i = 0; i < items.length; i++) items[i] = conv(items[i]);
      }
    }
    return out as PickleValue;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

const LATIN1_NAMES = new Set(['latin1', 'latin-1', 'iso-8859-1', 'iso8859-1', 'l1', 'latin']);
const SUPPORTED_DTYPES = new Set([
  'f2',
  'f4',
  'f8',
  'i1',
  'i2',
  'i4',
  'i8',
  'u1',
  'u2',
  'u4',
  'u8',
  'b1',
]);

function nativeEndian(): Endian {
  return HOST_LITTLE ? '<' : '>';
}

function isTuple(v: Val): v is ITuple {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    !(v instanceof Map) &&
    (v as { kind?: unknown }).kind === 'tuple'
  );
}

function isStrLike(v: Val | undefined): v is PyStr | RawBytes {
  return v instanceof PyStr || (v instanceof RawBytes && v.type === 'str2');
}

function latin1(v: Uint8Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
}

/** A GLOBAL / INST name line: UTF-8 as Python reads it, latin-1 if that fails (for messages). */
function nameText(v: Uint8Array): string {
  try {
    return utf8Decoder.decode(v);
  } catch {
    return latin1(v);
  }
}

function materialize(r: RawBytes): Uint8Array {
  if (r.copy === undefined) r.copy = r.view.slice();
  return r.copy;
}

function normInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

/** LONG1/LONG4 payload: little-endian two's complement. */
function decodeLong(b: Uint8Array): number | bigint {
  const n = b.length;
  if (n === 0) return 0;
  if (n <= 6) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i];
    if (b[n - 1] & 0x80) v -= 2 ** (8 * n);
    return v;
  }
  let hex = '';
  for (let i = n - 1; i >= 0; i--) hex += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  let v = BigInt(`0x${hex}`);
  if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
  return normInt(v);
}

/** Python's codecs.escape_decode (the body of a protocol-0 STRING). */
function decodeEscapes(s: Uint8Array, file: string, at: number): Uint8Array {
  if (s.indexOf(0x5c) < 0) return s;
  const n = s.length;
  const out = new Uint8Array(n);
  let j = 0;
  let i = 0;
  // fast path for what Python 2's repr() writes (\xhh and one-letter escapes); anything else,
  // and the last 3 bytes, go through the general loop below
  const end = n - 3;
  while (i < end) {
    const c = s[i];
    if (c !== 0x5c) {
      out[j++] = c;
      i++;
      continue;
    }
    const e = s[i + 1];
    if (e === 0x78) {
      const v = (HEX_VALUE[s[i + 2]] << 4) | HEX_VALUE[s[i + 3]];
      if (v > 0xff) break;
      out[j++] = v;
      i += 4;
      continue;
    }
    const v = SIMPLE_ESCAPE[e];
    if (v > 0xff) break;
    out[j++] = v;
    i += 2;
  }
  if (i === n) return out.subarray(0, j);
  const rest = decodeEscapesSlow(s.subarray(i), file, at + i);
  out.set(rest, j);
  return out.subarray(0, j + rest.length);
}

/** HEX_VALUE[c]: the value of hex digit c, 0xff if c is not one (so (a << 4) | b > 0xff). */
const HEX_VALUE = new Uint16Array(256).fill(0xfff);
for (let c = 0; c < 256; c++) if (hexValue(c) >= 0) HEX_VALUE[c] = hexValue(c);
/** SIMPLE_ESCAPE[e]: the byte for backslash-e, 0x100 when e needs the general loop. */
const SIMPLE_ESCAPE = new Uint16Array(256).fill(0x100);
for (const [e, v] of [
  [0x5c, 0x5c],
  [0x27, 0x27],
  [0x22, 0x22],
  [0x62, 8],
  [0x66, 12],
  [0x74, 9],
  [0x6e, 10],
  [0x72, 13],
  [0x76, 11],
  [0x61, 7],
]) {
  SIMPLE_ESCAPE[e] = v;
}

function decodeEscapesSlow(s: Uint8Array, file: string, at: number): Uint8Array {
  const out = new Uint8Array(s.length);
  let j = 0;
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s[i++];
    if (c !== 0x5c) {
      out[j++] = c;
      continue;
    }
    if (i >= n)
      throw new FormatError(file, at + i - 1, 'an escape after \\', 'a trailing \\ in STRING');
    const e = s[i++];
    const simple = SIMPLE_ESCAPE[e];
    if (simple !== 0x100) {
      out[j++] = simple;
      continue;
    }
    switch (e) {
      case 0x0a: // backslash-newline: line continuation
        break;
      case 0x78: {
        // xHH
        const h1 = i < n ? hexValue(s[i]) : -1;
        const h2 = i + 1 < n ? hexValue(s[i + 1]) : -1;
        if (h1 < 0 || h2 < 0) {
          throw new FormatError(
            file,
            at + i - 2,
            'two hex digits after \\x',
            'an invalid \\x escape in STRING',
          );
        }
        out[j++] = (h1 << 4) | h2;
        i += 2;
        break;
      }
      default:
        if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          if (i < n && s[i] >= 0x30 && s[i] <= 0x37) {
            v = v * 8 + s[i++] - 0x30;
            if (i < n && s[i] >= 0x30 && s[i] <= 0x37) v = v * 8 + s[i++] - 0x30;
          }
          out[j++] = v & 0xff;
        } else {
          out[j++] = 0x5c; // unknown escapes are kept
          out[j++] = e;
        }
    }
  }
  return out.subarray(0, j);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * UTF-8 → latin-1 bytes (every character must be ≤ U+00FF): the _codecs.encode form. Validated
 * first (node's native isUtf8, then no byte ≥ C4, i.e. no character above U+00FF, checked four
 * bytes at a time). Such text is the latin-1 bytes with a C2 or C3 lead byte before each byte
 * ≥ 0x80, where C3 means +0x40; the loop below drops the leads without data-dependent branches
 * (random array bytes would defeat branch prediction).
 */
function utf8ToLatin1(s: Uint8Array, file: string, at: number): Uint8Array {
  if (!isUtf8(s) || !allBelowC4(s)) {
    let i = 0;
    const n = s.length;
    while (i < n) {
      const c = s[i];
      if (c < 0x80) i++;
      else if ((c & 0xfe) === 0xc2 && i + 1 < n && (s[i + 1] & 0xc0) === 0x80) i += 2;
      else break;
    }
    const c = s[i];
    throw new FormatError(
      file,
      at + i,
      'UTF-8 text of characters U+0000..U+00FF (latin-1 encoded bytes)',
      c >= 0xc4 && c < 0xf5 ? 'a character above U+00FF' : 'invalid UTF-8',
    );
  }
  const n = s.length;
  const out = new Uint8Array(n);
  let j = 0;
  let add = 0;
  for (let i = 0; i < n; i++) {
    const c = s[i];
    out[j] = c | add; // overwritten by the next byte when c is a lead byte
    const lead = (c + 64) >>> 8; // 1 for C2/C3
    add = (c & lead) << 6; // 0x40 after C3
    j += 1 - lead;
  }
  return out.subarray(0, j);
}

/** No byte of `s` is ≥ 0xC4. */
function allBelowC4(s: Uint8Array): boolean {
  const n = s.length;
  let i = 0;
  let acc = 0;
  while (i < n && (s.byteOffset + i) % 4 !== 0) acc |= s[i++] >= 0xc4 ? 0x80 : 0;
  const words = i < n ? (n - i) >>> 2 : 0;
  const w32 = words > 0 ? new Uint32Array(s.buffer, s.byteOffset + i, words) : new Uint32Array(0);
  // per byte b: ((b & 0x7f) + 0x3c) has bit 7 set iff (b & 0x7f) ≥ 0x44; with b's own bit 7:
  // b ≥ 0xc4 (no carries cross bytes: (b & 0x7f) + 0x3c ≤ 0xbb)
  for (let k = 0; k < words; k++) {
    const w = w32[k];
    acc |= ((w & 0x7f7f7f7f) + 0x3c3c3c3c) & w;
  }
  for (i += words * 4; i < n; i++) acc |= s[i] >= 0xc4 ? 0x80 : 0;
  return (acc & 0x80808080) === 0;
}

/** UTF-8 as Python's pickle reads it ('surrogatepass'). */
function decodeUtf8(s: Uint8Array, file: string, at: number): string {
  try {
    return utf8Decoder.decode(s);
  } catch {
    // lone surrogates (ED A0..BF xx) are legal in pickles; anything else is an error
    const units = new Uint16Array(s.length);
    let j = 0;
    let i = 0;
    const n = s.length;
    const bad = (): never => {
      throw new FormatError(file, at + i, 'UTF-8 text', 'invalid UTF-8');
    };
    while (i < n) {
      const c = s[i];
      if (c < 0x80) {
        units[j++] = c;
        i++;
        continue;
      }
      let need: number;
      let cp: number;
      let min: number;
      if (c >= 0xc2 && c < 0xe0) [need, cp, min] = [1, c & 0x1f, 0x80];
      else if (c >= 0xe0 && c < 0xf0) [need, cp, min] = [2, c & 0x0f, 0x800];
      else if (c >= 0xf0 && c < 0xf5) [need, cp, min] = [3, c & 0x07, 0x10000];
      else return bad();
      if (i + need >= n) return bad();
      for (let k = 1; k <= need; k++) {
        const d = s[i + k];
        if ((d & 0xc0) !== 0x80) return bad();
        cp = (cp << 6) | (d & 0x3f);
      }
      if (cp < min || cp > 0x10ffff) return bad();
      if (cp >= 0x10000) {
        units[j++] = 0xd800 + ((cp - 0x10000) >> 10);
        units[j++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
      } else units[j++] = cp;
      i += need + 1;
    }
    return unitsToString(units.subarray(0, j));
  }
}

function unitsToString(u: Uint16Array): string {
  let s = '';
  for (let i = 0; i < u.length; i += 8192) {
    s += String.fromCharCode.apply(null, Array.from(u.subarray(i, i + 8192)));
  }
  return s;
}

/** Python's raw-unicode-escape decoding (UNICODE opcode): \uXXXX and \UXXXXXXXX escapes. */
function rawEscapeLoop(
  s: Uint8Array,
  file: string,
  at: number,
  emit: (cp: number, i: number) => void,
): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s[i++];
    if (c !== 0x5c || i >= n) {
      emit(c, i - 1);
      continue;
    }
    const e = s[i++];
    if (e !== 0x75 && e !== 0x55) {
      emit(0x5c, i - 2);
      emit(e, i - 1);
      continue;
    }
    const count = e === 0x75 ? 4 : 8;
    let cp = 0;
    for (let k = 0; k < count; k++) {
      const h = i < n ? hexValue(s[i]) : -1;
      if (h < 0) {
        throw new FormatError(
          file,
          at + i,
          `${count} hex digits after \\${String.fromCharCode(e)}`,
          'a truncated escape in UNICODE',
        );
      }
      cp = cp * 16 + h;
      i++;
    }
    if (cp > 0x10ffff)
      throw new FormatError(
        file,
        at + i - count - 2,
        'a code point ≤ U+10FFFF',
        'an escape out of range',
      );
    emit(cp, i - count - 2);
  }
}

function decodeRawUnicodeEscape(s: Uint8Array, file: string, at: number): string {
  if (s.indexOf(0x5c) < 0) return latin1(s);
  const units = new Uint16Array(s.length);
  let j = 0;
  rawEscapeLoop(s, file, at, (cp) => {
    if (cp >= 0x10000) {
      units[j++] = 0xd800 + ((cp - 0x10000) >> 10);
      units[j++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
    } else units[j++] = cp;
  });
  return unitsToString(units.subarray(0, j));
}

function rawEscapeToLatin1(s: Uint8Array, file: string, at: number): Uint8Array {
  const n = s.length;
  const out = new Uint8Array(n);
  // fast path: plain bytes and \u00hh (what _pickle writes); anything else → general loop
  let i = 0;
  let j = 0;
  const end = n - 5;
  while (i < end) {
    const c = s[i];
    if (c !== 0x5c) {
      out[j++] = c;
      i++;
      continue;
    }
    if (s[i + 1] !== 0x75 || s[i + 2] !== 0x30 || s[i + 3] !== 0x30) break;
    const v = (HEX_VALUE[s[i + 4]] << 4) | HEX_VALUE[s[i + 5]];
    if (v > 0xff) break;
    out[j++] = v;
    i += 6;
  }
  if (i >= n) return out.subarray(0, j);
  const rest = rawEscapeToLatin1Slow(s.subarray(i), file, at + i);
  out.set(rest, j);
  return out.subarray(0, j + rest.length);
}

function rawEscapeToLatin1Slow(s: Uint8Array, file: string, at: number): Uint8Array {
  const out = new Uint8Array(s.length);
  let j = 0;
  rawEscapeLoop(s, file, at, (cp, i) => {
    if (cp > 0xff) {
      throw new FormatError(
        file,
        at + i,
        'characters U+0000..U+00FF (latin-1 encoded bytes)',
        'a character above U+00FF',
      );
    }
    out[j++] = cp;
  });
  return out.subarray(0, j);
}

function byteSwap(b: Uint8Array, size: number): void {
  const n = b.length;
  if (size === 2) {
    for (let i = 0; i < n; i += 2) {
      const t = b[i];
      b[i] = b[i + 1];
      b[i + 1] = t;
    }
  } else if (size === 4) {
    for (let i = 0; i < n; i += 4) {
      let t = b[i];
      b[i] = b[i + 3];
      b[i + 3] = t;
      t = b[i + 1];
      b[i + 1] = b[i + 2];
      b[i + 2] = t;
    }
  } else {
    for (let i = 0; i < n; i += 8) {
      for (let k = 0; k < 4; k++) {
        const t = b[i + k];
        b[i + k] = b[i + 7 - k];
        b[i + 7 - k] = t;
      }
    }
  }
}

/** float16 bits → float32 (exact; NaN payloads shifted like numpy's npy_halfbits_to_floatbits). */
function halfToFloat(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < h.length; i++) {
    const x = h[i];
    const sign = (x & 0x8000) << 16;
    const e = (x >> 10) & 0x1f;
    let m = x & 0x3ff;
    if (e === 0x1f) bits[i] = (sign | 0x7f800000 | (m << 13)) >>> 0;
    else if (e !== 0) bits[i] = (sign | ((e + 112) << 23) | (m << 13)) >>> 0;
    else if (m === 0) bits[i] = sign >>> 0;
    else {
      let exp = 113;
      while ((m & 0x400) === 0) {
        m <<= 1;
        exp--;
      }
      bits[i] = (sign | (exp << 23) | ((m & 0x3ff) << 13)) >>> 0;
    }
  }
  return out;
}

/** Gather elements (by integer words, so NaN bits are kept) from `strides` into C order. */
function permute(
  src: ArrayBufferLike,
  itemsize: number,
  shape: number[],
  strides: number[],
  count: number,
): ArrayBuffer {
  const out = new ArrayBuffer(count * itemsize);
  let s: Uint8Array | Uint16Array | Uint32Array;
  let d: Uint8Array | Uint16Array | Uint32Array;
  if (itemsize === 1) [s, d] = [new Uint8Array(src), new Uint8Array(out)];
  else if (itemsize === 2) [s, d] = [new Uint16Array(src), new Uint16Array(out)];
  else [s, d] = [new Uint32Array(src), new Uint32Array(out)];
  const w = itemsize === 8 ? 2 : 1;
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let i = 0; i < count; i++) {
    if (w === 1) d[i] = s[off];
    else {
      const a = i * w;
      const b = off * w;
      d[a] = s[b];
      d[a + 1] = s[b + 1];
    }
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]++;
      off += strides[k];
      if (idx[k] < shape[k]) break;
      off -= strides[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

function typed(dt: DType, buf: ArrayBufferLike): { dtype: NumericDType; data: TypedArray } {
  switch (`${dt.kind}${dt.size}`) {
    case 'f8':
      return { dtype: 'float64', data: new Float64Array(buf) };
    case 'f4':
    case 'f2':
      return { dtype: 'float32', data: new Float32Array(buf) };
    case 'i1':
      return { dtype: 'int8', data: new Int8Array(buf) };
    case 'i2':
      return { dtype: 'int16', data: new Int16Array(buf) };
    case 'i4':
      return { dtype: 'int32', data: new Int32Array(buf) };
    case 'i8':
      return { dtype: 'int64', data: new BigInt64Array(buf) };
    case 'u1':
      return { dtype: 'uint8', data: new Uint8Array(buf) };
    case 'u2':
      return { dtype: 'uint16', data: new Uint16Array(buf) };
    case 'u4':
      return { dtype: 'uint32', data: new Uint32Array(buf) };
    case 'u8':
      return { dtype: 'uint64', data: new BigUint64Array(buf) };
    default:
      return { dtype: 'bool', data: new Uint8Array(buf) };
  }
}
