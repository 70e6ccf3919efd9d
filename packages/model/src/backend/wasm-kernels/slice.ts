/**
 * Slice, replacing the shipped kernel, which copies its whole input out of the heap for every
 * slice (so `Unpack` of a sequence into time steps, which every LSTM layer does, was quadratic).
 * Copies straight from the heap, contiguous runs at a time; strings stay on the shipped kernel.
 * `sliceHeap` also serves Unpack (./unpack.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelArgs, TensorInfo, WasmKernel } from './shared.js';

/**
 * Slice copying from the wasm heap directly. The shipped kernel first copies the whole input
 * out of the heap (`readSync`) for every slice: unstacking a [64, 80, 64] sequence into 80 time
 * steps (every LSTM layer does) copied 80 × 1.3 MB.
 */
function slice(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return original(args) as TensorInfo;
  const { begin, size } = args.attrs as { begin: number | number[]; size?: number | number[] };
  const [from, count] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  return sliceHeap(backend, x, from, count);
}

export function sliceHeap(
  backend: BackendWasm,
  x: TensorInfo,
  begin: number[],
  size: number[],
): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const total = tf.util.sizeFromShape(size);
  if (total === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const strides = tf.util.computeStrides(x.shape);
  if (rank === 0) {
    dst[0] = src[0];
    return out;
  }
  // Merge the trailing axes that are taken whole into one contiguous run.
  let inner = rank - 1;
  while (inner > 0 && size[inner] === x.shape[inner] && begin[inner] === 0) inner--;
  const run = size[inner] * (inner + 1 < rank ? strides[inner] : 1);
  const index = begin.slice(0, inner);
  let o = 0;
  for (;;) {
    let offset = inner < rank - 1 ? begin[inner] * strides[inner] : begin[inner];
    for (let d = 0; d < inner; d++) offset += index[d] * strides[d];
    if (run >= 16) {
      dst.set(src.subarray(offset, offset + run), o);
    } else {
      for (let k = 0; k < run; k++) dst[o + k] = src[offset + k];
    }
    o += run;
    // Next outer index (odometer over axes inner-1 … 0).
    let d = inner - 1;
    while (d >= 0) {
      index[d]++;
      if (index[d] < begin[d] + size[d]) break;
      index[d] = begin[d];
      d--;
    }
    if (d < 0) break;
  }
  return out;
}

export const sliceKernel: WasmKernel<'Slice'> = { name: 'Slice', impl: slice };
