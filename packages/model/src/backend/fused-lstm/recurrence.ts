/**
 * The LSTM layer of lstm.c (WebAssembly with SIMD, shipped compiled in lstm-wasm.ts) on plain
 * Float32Arrays: one call runs the input projection and every time step forward, one runs
 * backpropagation through time and the weight gradients. The fused LSTM layer
 * (models/fused-lstm.ts) wraps them in one tfjs op with its gradient, instead of tfjs-layers'
 * ~12 small ops per step forward and ~25 backward.
 *
 * The module is instantiated once per process, synchronously, from the embedded bytes; its
 * memory grows to the largest call seen and is reused. Where the native kernels of
 * ../native-kernels run and the (padded) units are a multiple of 8, their AVX2 build of the same
 * two functions runs instead, on the same memory and layouts.
 */
import {
  nativeKernels,
  type LstmBackwardArgs,
  type LstmForwardArgs,
} from '../native-kernels/index.js';
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
  lstm_forward(...args: LstmForwardArgs): void;
  lstm_backward(...args: LstmBackwardArgs): void;
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

/** Sizes of one LSTM call: batch, time steps, input features, units. */
export interface LstmDims {
  readonly batch: number;
  readonly steps: number;
  readonly inputs: number;
  readonly units: number;
}

/** The layer's weights: kernel W [I][4U], recurrent kernel R [U][4U], bias [4U]. */
export interface LstmWeights {
  readonly W: Float32Array;
  readonly R: Float32Array;
  readonly bias: Float32Array;
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
  if (U === P) return R;
  const cols = regroup(R, U, 4, U, P);
  const out = new Float32Array(P * 4 * P);
  out.set(cols);
  return out;
}

/** The weights with the units padded to P (see regroup). */
function padWeights(w: LstmWeights, d: LstmDims, P: number): LstmWeights {
  const { inputs: I, units: U } = d;
  check(d, 'the kernel', w.W, I * 4 * U);
  check(d, 'the recurrent kernel', w.R, U * 4 * U);
  check(d, 'the bias', w.bias, 4 * U);
  return {
    W: regroup(w.W, I, 4, U, P),
    R: padRecurrent(w.R, U, P),
    bias: regroup(w.bias, 1, 4, U, P),
  };
}

/**
 * Every step forward from zero states. x: [B][T][I]. Returns the hidden states [B][T][U] and
 * the states the backward pass needs.
 */
export function lstmForward(
  d: LstmDims,
  x: Float32Array,
  weights: LstmWeights,
): { readonly h: Float32Array; readonly states: LstmStates } {
  const { batch: B, steps: T, inputs: I, units: U } = d;
  check(d, 'x', x, B * T * I);
  const P = padded(U);
  const w = padWeights(weights, d, P);
  const rt = load();
  const a = new Arena(rt);
  const xAt = a.put(x);
  const wAt = a.put(w.W);
  const bAt = a.put(w.bias);
  const rAt = a.put(w.R);
  const gAt = a.reserve(B * T * 4 * P);
  const cAt = a.reserve(B * T * P);
  const hAt = a.reserve(B * T * P);
  const native = nativeKernels();
  if (native != null && P % 8 === 0) {
    native.lstmForward(rt.memory.buffer, T, B, I, P, xAt, wAt, bAt, rAt, gAt, cAt, hAt);
  } else {
    rt.exports.lstm_forward(T, B, I, P, xAt, wAt, bAt, rAt, gAt, cAt, hAt);
  }
  const states = {
    units: P,
    gates: a.take(gAt, B * T * 4 * P),
    c: a.take(cAt, B * T * P),
    h: a.take(hAt, B * T * P),
  };
  return { h: regroup(states.h, B * T, 1, P, U), states };
}

/** The gradients of the loss with respect to the layer's input and weights. */
export interface LstmGradients {
  /** [B][T][I] */
  readonly dx: Float32Array;
  /** [I][4U] */
  readonly dW: Float32Array;
  /** [U][4U] */
  readonly dR: Float32Array;
  /** [4U] */
  readonly db: Float32Array;
}

/**
 * Backpropagation through time. dh: the loss's gradient with respect to every hidden state,
 * [B][T][U] (zero where a step's output is not used).
 */
export function lstmBackward(
  d: LstmDims,
  x: Float32Array,
  weights: LstmWeights,
  states: LstmStates,
  dh: Float32Array,
): LstmGradients {
  const { batch: B, steps: T, inputs: I, units: U } = d;
  check(d, 'x', x, B * T * I);
  check(d, 'dh', dh, B * T * U);
  const P = states.units;
  const w = padWeights(weights, d, P);
  const rt = load();
  const a = new Arena(rt);
  const xAt = a.put(x);
  const wAt = a.put(w.W);
  const rAt = a.put(w.R);
  const gAt = a.put(states.gates);
  const cAt = a.put(states.c);
  const hAt = a.put(states.h);
  const dhAt = a.put(regroup(dh, B * T, 1, U, P));
  const dzAt = a.reserve(B * T * 4 * P);
  const dxAt = a.reserve(B * T * I);
  const dWAt = a.reserve(I * 4 * P);
  const dbAt = a.reserve(4 * P);
  const dRAt = a.reserve(P * 4 * P);
  const sAt = a.reserve(2 * B * P + 4 * P * P + 4 * P * I);
  const args = [
    T,
    B,
    I,
    P,
    xAt,
    wAt,
    rAt,
    gAt,
    cAt,
    hAt,
    dhAt,
    dzAt,
    dxAt,
    dWAt,
    dbAt,
    dRAt,
    sAt,
  ] as const;
  const native = nativeKernels();
  if (native != null && P % 8 === 0) native.lstmBackward(rt.memory.buffer, ...args);
  else rt.exports.lstm_backward(...args);
  return {
    dx: a.take(dxAt, B * T * I),
    dW: regroup(a.take(dWAt, I * 4 * P), I, 4, P, U),
    dR: regroup(a.take(dRAt, U * 4 * P), U, 4, P, U),
    db: regroup(a.take(dbAt, 4 * P), 1, 4, P, U),
  };
}
