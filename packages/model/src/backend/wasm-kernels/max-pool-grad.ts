/**
 * MaxPoolGrad, replacing the shipped kernel, a slow loop (110 ms on 64×48×48×32): one pass over
 * the pooling windows on the wasm heap, channels innermost: compiled SIMD code
 * (../heap-kernels) when the channels are a multiple of 4 (29 → 6 ms on 64×48×48×32), the
 * native AVX2 kernels of ../native-kernels where they run and the channels are a multiple of 8,
 * else JavaScript. Each dy goes to the
 * first maximum of its window in row-major order (strictly greater; padding, NaN and an all −∞
 * window get nothing): the cpu backend's rule. Other dtypes and ranks fall back to the shipped
 * kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { poolInfo, type PoolGradAttrs } from './pool-grad-common.js';
import { heapBuffer, heapKernels, heapOffset } from '../heap-kernels/index.js';
import { poolSizes } from '../kernel-sizes.js';
import { nativeKernels } from '../native-kernels/index.js';
import { heap, type KernelArgs, type TensorInfo, type WasmKernel } from './shared.js';

// Module bindings for the hot loops: a global lookup (`Infinity`, `Math`) costs ~0.2 µs inside
// jest's vm contexts, which made the pooling loops 6× slower under test. Declared here, next to
// the loop: bindings imported from another module were still ~20% slower there.
const NEG_INFINITY = -Infinity;
const { max, min } = Math;

function maxPoolGrad(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  if (dy.dtype !== 'float32' || input.dtype !== 'float32' || input.shape.length !== 4) {
    return original(args) as TensorInfo;
  }
  const info = poolInfo(input, args.attrs as unknown as PoolGradAttrs);
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const out = backend.makeOutput(input.shape, 'float32');
  const native = nativeKernels();
  if (C % 4 === 0) {
    const tensors = [
      heapOffset(backend, input),
      heapOffset(backend, dy),
      heapOffset(backend, out),
    ] as const;
    const sizes = poolSizes(info);
    if (native != null && C % 8 === 0)
      native.maxPoolGrad(heapBuffer(backend), ...tensors, ...sizes);
    else heapKernels(backend).max_pool_grad(...tensors, ...sizes);
    return out;
  }
  // Views after the last allocation (the heap may have grown).
  const dx = heap(backend, out);
  const x = heap(backend, input);
  const g = heap(backend, dy);
  dx.fill(0);
  const window = new Int32Array(fh * fw); // offsets of the window's in-bounds pixels
  let o = 0; // offset of dy[n, oy, ox, 0]
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
        let size = 0;
        for (let yy = yFrom; yy < yTo; yy++) {
          for (let xx = xFrom; xx < xTo; xx++) window[size++] = nBase + (yy * inWidth + xx) * C;
        }
        for (let c = 0; c < C; c++) {
          // The first strict maximum in row-major order; NaN and -Infinity never win.
          let best = NEG_INFINITY;
          let at = -1;
          for (let k = 0; k < size; k++) {
            const p = window[k] + c;
            const v = x[p];
            if (v > best) {
              best = v;
              at = p;
            }
          }
          if (at >= 0) dx[at] += g[o + c];
        }
      }
    }
  }
  return out;
}

export const maxPoolGradKernel: WasmKernel<'MaxPoolGrad'> = {
  name: 'MaxPoolGrad',
  impl: maxPoolGrad,
};
