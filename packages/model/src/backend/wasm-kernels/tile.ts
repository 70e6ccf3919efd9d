/**
 * Tile, replacing the shipped kernel, which computes every output element's source index on
 * its own: 3.1 s of a 6-s training step of the face CNN with batch normalisation (the gradient
 * of the batch mean is a [1,1,1,C] row tiled to [64,48,48,C]). Here the input's rows are written
 * once, then each axis, innermost first, is repeated by copying whole blocks (copyWithin);
 * strings stay on the shipped kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelArgs, TensorInfo, WasmKernel } from './shared.js';

function tile(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  const { reps } = args.attrs as { reps: number[] };
  if (x.dtype === 'string' || x.shape.length === 0 || reps.length !== x.shape.length) {
    return original(args) as TensorInfo;
  }
  const s = x.shape;
  const n = s.length;
  const outShape = s.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const outStrides = [...tf.util.computeStrides(outShape), 1];
  const last = s[n - 1];
  // Each input row (every index but the last axis's), repeated along the last axis, at its
  // place in the output's first replica of every other axis.
  const rows = tf.util.sizeFromShape(s.slice(0, n - 1));
  const index = new Array<number>(n - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let o = 0;
    for (let d = 0; d < n - 1; d++) o += index[d] * outStrides[d];
    const row = src.subarray(r * last, (r + 1) * last);
    for (let t = 0; t < reps[n - 1]; t++) dst.set(row, o + t * last);
    for (let d = n - 2; d >= 0; d--) {
      if (++index[d] < s[d]) break;
      index[d] = 0;
    }
  }
  // Then each other axis, innermost first: the block of its first replica, for every index of
  // the axes outside it (in the input's range: the rest are filled by the outer axes' copies).
  for (let k = n - 2; k >= 0; k--) {
    if (reps[k] === 1) continue;
    const block = s[k] * outStrides[k];
    const prefixes = tf.util.sizeFromShape(s.slice(0, k));
    const idx = new Array<number>(k).fill(0);
    for (let p = 0; p < prefixes; p++) {
      let base = 0;
      for (let d = 0; d < k; d++) base += idx[d] * outStrides[d];
      for (let t = 1; t < reps[k]; t++) dst.copyWithin(base + t * block, base, base + block);
      for (let d = k - 1; d >= 0; d--) {
        if (++idx[d] < s[d]) break;
        idx[d] = 0;
      }
    }
  }
  return out;
}

export const tileKernel: WasmKernel<'Tile'> = { name: 'Tile', impl: tile };
