/**
 * Test helpers for comparing the wasm backend (with our kernels) against tfjs's cpu backend.
 * Used by the *.test.ts files next to it; not part of the package's API.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { wasmBinaryDir } from './select.js';
import { registerWasmGradKernels } from './wasm-kernels/index.js';

/** wasm with our kernels, without selectBackend (so EMO_TF_BACKEND cannot interfere). */
export async function initWasm(): Promise<void> {
  try {
    setWasmPaths(`${wasmBinaryDir()}/`);
  } catch {
    // already initialised
  }
  registerWasmGradKernels();
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend did not initialise');
  muteCpuBanner();
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise');
  await tf.ready();
}

/** The cpu backend's one-time "install tfjs-node" advice, printed on its first tensor. */
export function muteCpuBanner(): void {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    tf.tensor1d([0]).dispose();
  } finally {
    console.warn = warn;
  }
}

/** Deterministic uniform numbers in [-1, 1) (mulberry32). */
export function randoms(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export interface Input {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype?: 'float32' | 'int32';
}

export function randomInput(shape: number[], seed: number): Input {
  return { values: randoms(tf.util.sizeFromShape(shape), seed), shape };
}

/** Runs one kernel on `backend` with fresh tensors made from `inputs`; returns its values. */
export async function runKernelOn(
  backend: 'wasm' | 'cpu',
  kernel: string,
  inputs: Record<string, Input>,
  attrs: tf.NamedAttrMap,
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const tensors: tf.NamedTensorMap = {};
    for (const [name, input] of Object.entries(inputs)) {
      tensors[name] = tf.tensor(input.values, input.shape, input.dtype ?? 'float32');
    }
    const out = tf.engine().runKernel(kernel, tensors, attrs) as tf.Tensor | tf.Tensor[];
    if (!Array.isArray(out)) return { values: Float32Array.from(out.dataSync()), shape: out.shape };
    // Several outputs: their values one after the other, shape [count, ...each].
    const values = out.flatMap((t) => Array.from(t.dataSync()));
    return { values: Float32Array.from(values), shape: [out.length, ...(out[0]?.shape ?? [])] };
  });
}

/** max |a − b| / max |b| (0 when both are all zero). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= diff)) diff = d; // NaN propagates
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff === 0 ? 0 : diff / (scale || 1);
}
