/**
 * The compiled kernels of heap-kernels.c, instantiated on tfjs-backend-wasm's own memory (once
 * per backend instance), so that they read and write tensors where tfjs keeps them.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { ConvSizes, PoolSizes } from '../kernel-sizes.js';
import { HEAP_KERNELS_WASM_BASE64 } from './heap-kernels-wasm.js';

/** The WebAssembly API as used here (Node has it; this project's TypeScript libs do not type it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The exported functions; pointers are byte offsets into tfjs's heap. */
export interface HeapKernels {
  max_pool_grad(x: number, dy: number, dx: number, ...sizes: PoolSizes): void;
  conv2d_filter_grad(x: number, dy: number, dw: number, ...sizes: ConvSizes): void;
}

interface BackendInternals {
  readonly wasm: { readonly asm: { readonly memory: { readonly buffer: ArrayBuffer } } };
  readonly dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
}

const instances = new WeakMap<object, HeapKernels>();
let compiled: object | null = null;

/** The kernels, bound to this backend's memory. */
export function heapKernels(backend: BackendWasm): HeapKernels {
  const memory = (backend as unknown as BackendInternals).wasm.asm.memory;
  let k = instances.get(memory);
  if (!k) {
    compiled ??= new wasm.Module(Buffer.from(HEAP_KERNELS_WASM_BASE64, 'base64'));
    k = new wasm.Instance(compiled, { env: { memory } }).exports as HeapKernels;
    instances.set(memory, k);
  }
  return k;
}

/** The backend's heap: the wasm memory's buffer now (a new one after each growth). */
export function heapBuffer(backend: BackendWasm): ArrayBuffer {
  return (backend as unknown as BackendInternals).wasm.asm.memory.buffer;
}

/** Byte offset of a tensor's data in the backend's heap. */
export function heapOffset(backend: BackendWasm, info: TensorInfo): number {
  const data = (backend as unknown as BackendInternals).dataIdMap.get(info.dataId);
  if (!data) throw new Error(`wasm heap: no data for a tensor of shape [${info.shape.join(', ')}]`);
  return data.memoryOffset;
}
