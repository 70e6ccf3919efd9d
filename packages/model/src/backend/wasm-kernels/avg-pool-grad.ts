/**
 * AvgPoolGrad, replacing the shipped kernel, a slow loop (47 ms on 64×48×48×32): one pass over
 * the pooling windows in JavaScript on the wasm heap, channels innermost, spreading dy/(fh·fw)
 * over the window's in-bounds pixels. The cpu and shipped wasm kernels also divide by the full
 * window at 'same' borders (where the forward pass divides by the in-bounds count), and so do
 * we, to match them. Other dtypes and ranks fall back to the shipped kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { poolInfo, type PoolGradAttrs } from './pool-grad-common.js';
import { heap, type KernelArgs, type TensorInfo, type WasmKernel } from './shared.js';

// Module bindings for the hot loops: a global lookup (`Infinity`, `Math`) costs ~0.2 µs inside
// jest's vm contexts, which made the pooling loops 6× slower under test. Declared here, next to
// the loop: bindings imported from another module were still ~20% slower there.
const { max, min } = Math;

function avgPoolGrad(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  if (dy.dtype !== 'float32' || input.shape.length !== 4) return original(args) as TensorInfo;
  const info = poolInfo(input, args.attrs as unknown as PoolGradAttrs);
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const scale = 1 / (fh * fw);
  const out = backend.makeOutput(input.shape, 'float32');
  const dx = heap(backend, out);
  const g = heap(backend, dy);
  dx.fill(0);
  const share = new Float32Array(C);
  let o = 0;
  for (let n = 0; n < batchSize; n++) {
    const nBase = n * inHeight * inWidth * C;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * sh - top;
      const yFrom = max(0, y0);
      const yTo = min(inHeight, y0 + fh);
      for (let ox = 0; ox < outWidth; ox++, o += C) {
        const x0 = ox * sw - left;
        const xFrom = max(0, x0);
        const xTo = min(inWidth, x0 + fw);
        for (let c = 0; c < C; c++) share[c] = g[o + c] * scale;
        for (let yy = yFrom; yy < yTo; yy++) {
          for (let xx = xFrom; xx < xTo; xx++) {
            const p = nBase + (yy * inWidth + xx) * C;
            for (let c = 0; c < C; c++) dx[p + c] += share[c];
          }
        }
      }
    }
  }
  return out;
}

export const avgPoolGradKernel: WasmKernel<'AvgPoolGrad'> = {
  name: 'AvgPoolGrad',
  impl: avgPoolGrad,
};
