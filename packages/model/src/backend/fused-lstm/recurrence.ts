/**
 * The LSTM recurrence of lstm.c (WebAssembly with SIMD, shipped compiled in lstm-wasm.ts) on
 * plain Float32Arrays: one call runs every time step forward, one runs backpropagation through
 * time. The fused LSTM layer (models/fused-lstm.ts) wraps them in one tfjs op with its gradient,
 * instead of tfjs-layers' ~12 small ops per step forward and ~25 backward.
 *
 * The module is instantiated once per process, synchronously, from the embedded bytes; its
 * memory grows to the largest call seen and is reused.
 */
import { LSTM_WASM_BASE64 } from './lstm-wasm.js';

/** The WebAssembly API as used here (Node has it; this project's TypeScript libs do not type it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface LstmExports {
  readonly __heap_base: { readonly value: number };
  lstm_forward(
    T: number,
    B: number,
    U: number,
    z: number,
    R: number,
    gates: number,
    c: number,
    h: number,
  ): void;
  lstm_backward(
    T: number,
    B: number,
    U: number,
    R: number,
    gates: number,
    c: number,
    h: number,
    dh: number,
    dz: number,
    dR: number,
    scratch: number,
  ): void;
}

interface Runtime {
  readonly exports: LstmExports;
  readonly memory: WasmMemory;
  readonly heapBase: number;
}

let runtime: Runtime | null = null;

function load(): Runtime {
  if (runtime) return runtime;
  const memory = new wasm.Memory({ initial: 4 });
  const module = new wasm.Module(Buffer.from(LSTM_WASM_BASE64, 'base64'));
  const exports = new wasm.Instance(module, { env: { memory } }).exports as unknown as LstmExports;
  runtime = { exports, memory, heapBase: Number(exports.__heap_base.value) };
  return runtime;
}

const PAGE = 65536;

/** Places float arrays one after the other in the module's memory (16-byte aligned). */
class Arena {
  private next: number;
  constructor(private readonly rt: Runtime) {
    this.next = rt.heapBase;
  }
  /** Reserves n floats; returns the byte offset. */
  reserve(n: number): number {
    const at = (this.next + 15) & ~15;
    this.next = at + n * 4;
    const need = Math.ceil(this.next / PAGE) - this.rt.memory.buffer.byteLength / PAGE;
    if (need > 0) this.rt.memory.grow(need);
    return at;
  }
  put(values: Float32Array): number {
    const at = this.reserve(values.length);
    new Float32Array(this.rt.memory.buffer, at, values.length).set(values);
    return at;
  }
  take(at: number, n: number): Float32Array {
    return new Float32Array(this.rt.memory.buffer, at, n).slice();
  }
}

/** Sizes of one LSTM call: batch, time steps, units. */
export interface LstmDims {
  readonly batch: number;
  readonly steps: number;
  readonly units: number;
}

/**
 * What the forward pass keeps for the backward pass (batch-major, with the units padded to a
 * multiple of 4: `units` here is the padded count).
 */
export interface LstmStates {
  readonly units: number;
  /** Activated gates i, f, g, o: [B][T][4U]. */
  readonly gates: Float32Array;
  /** Cell states: [B][T][U]. */
  readonly c: Float32Array;
  /** Hidden states: [B][T][U]. */
  readonly h: Float32Array;
}

function check(d: LstmDims, what: string, a: Float32Array, n: number): void {
  if (a.length !== n) {
    throw new Error(
      `fused LSTM: ${what} has ${a.length} values, expected ${n} for batch ${d.batch}, ${d.steps} steps, ${d.units} units`,
    );
  }
}

/**
 * Copies rows of `blocks` blocks of `from` values into rows of blocks of `to` values (the rest
 * zero): the kernel works on units in fours, so other unit counts get inert padding units
 * (zero pre-activations and weights: their c and h stay 0 and they feed nothing back).
 */
function regroup(a: Float32Array, rows: number, blocks: number, from: number, to: number) {
  if (from === to) return a;
  const out = new Float32Array(rows * blocks * to);
  const n = Math.min(from, to);
  for (let r = 0; r < rows * blocks; r++) out.set(a.subarray(r * from, r * from + n), r * to);
  return out;
}

const padded = (units: number): number => Math.ceil(units / 4) * 4;

/** R [U][4U] with U padded to P: [P][4P]. */
function padRecurrent(R: Float32Array, U: number, P: number): Float32Array {
  const cols = regroup(R, U, 4, U, P);
  const out = new Float32Array(P * 4 * P);
  out.set(cols);
  return out;
}

/**
 * Every step forward from zero states. z: x·W + b, [B][T][4U]; R: the recurrent kernel [U][4U].
 * Returns the hidden states [B][T][U] and the states the backward pass needs.
 */
export function lstmForward(
  d: LstmDims,
  z: Float32Array,
  R: Float32Array,
): { readonly h: Float32Array; readonly states: LstmStates } {
  const { batch: B, steps: T, units: U } = d;
  check(d, 'z', z, B * T * 4 * U);
  check(d, 'the recurrent kernel', R, U * 4 * U);
  const P = padded(U);
  const rt = load();
  const a = new Arena(rt);
  const zAt = a.put(regroup(z, B * T, 4, U, P));
  const rAt = a.put(padRecurrent(R, U, P));
  const gAt = a.reserve(B * T * 4 * P);
  const cAt = a.reserve(B * T * P);
  const hAt = a.reserve(B * T * P);
  rt.exports.lstm_forward(T, B, P, zAt, rAt, gAt, cAt, hAt);
  const states = {
    units: P,
    gates: a.take(gAt, B * T * 4 * P),
    c: a.take(cAt, B * T * P),
    h: a.take(hAt, B * T * P),
  };
  return { h: regroup(states.h, B * T, 1, P, U), states };
}

/**
 * Backpropagation through time. dh: the loss's gradient with respect to every hidden state,
 * [B][T][U]. Returns dz ([B][T][4U], the gradient of x·W + b) and dR ([U][4U]).
 */
export function lstmBackward(
  d: LstmDims,
  R: Float32Array,
  states: LstmStates,
  dh: Float32Array,
): { readonly dz: Float32Array; readonly dR: Float32Array } {
  const { batch: B, steps: T, units: U } = d;
  check(d, 'the recurrent kernel', R, U * 4 * U);
  check(d, 'dh', dh, B * T * U);
  const P = states.units;
  const rt = load();
  const a = new Arena(rt);
  const rAt = a.put(padRecurrent(R, U, P));
  const gAt = a.put(states.gates);
  const cAt = a.put(states.c);
  const hAt = a.put(states.h);
  const dhAt = a.put(regroup(dh, B * T, 1, U, P));
  const dzAt = a.reserve(B * T * 4 * P);
  const dRAt = a.reserve(P * 4 * P);
  const sAt = a.reserve(2 * B * P + 4 * P * P);
  rt.exports.lstm_backward(T, B, P, rAt, gAt, cAt, hAt, dhAt, dzAt, dRAt, sAt);
  return {
    dz: regroup(a.take(dzAt, B * T * 4 * P), B * T, 4, P, U),
    dR: regroup(a.take(dRAt, U * 4 * P), U, 4, P, U),
  };
}
