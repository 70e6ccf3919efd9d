/**
 * Conv2DBackpropFilter (dW), missing from tfjs's wasm backend: without it no conv layer trains
 * (conv1d layers are conv2d underneath). NHWC; dilations 1, all that tfjs's conv2d gradient
 * supports; NCHW through transposes.
 *
 * With x zero-padded as in the forward pass,
 * dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·sh + a, j·sw + b, ci] · dy[n, i, j, co]:
 * a convolution summing over n, i, j, which XNNPACK's Conv2D does in one of two ways.
 * · dy as the filter: conv2d(input = x as [Ci, H, W, N], filter = dy as [Ho, Wo, N, Co],
 *   stride 1, dilation = the forward stride, the forward padding, bottom/right padding
 *   extended so the output covers kh×kw; extra rows sliced off) = dW as [Ci, kh, kw, Co].
 * · x as the filter (stride 1): conv2d(input = dy as [Co, Ho, Wo, N] padded by kh−1−top rows,
 *   filter = x as [H, W, N, Ci]) = dW rotated by 180° as [Co, kh, kw, Ci].
 * XNNPACK repacks the filter on every call (about 8 ns per value here, more than the
 * arithmetic), so the smaller of x and dy becomes the filter.
 *
 * When the output channels are a multiple of 4 (every layer of the study's models) the sum runs
 * instead in compiled SIMD code on the wasm heap (../heap-kernels, `conv2d_filter_grad`), 2–10×
 * faster than either convolution: for batch 64, 64×48×48×1 → 32 channels 72 → 7 ms,
 * 64×24×24×32 → 64 117 → 48 ms, 64×12×12×64 → 128 108 → 63 ms (a loaded 2-core machine,
 * 2026-12-07). Where the native kernels of ../native-kernels run and the output channels are a
 * multiple of 8, their AVX2 version takes it: 45 → 16 and 37 → 16 ms for the last two. The
 * convolutions remain for other channel counts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapBuffer, heapKernels, heapOffset } from '../heap-kernels/index.js';
import { convSizes } from '../kernel-sizes.js';
import { nativeKernels } from '../native-kernels/index.js';
import {
  conv2d,
  nhwcPad,
  reshape,
  run,
  Scratch,
  sliceRows,
  transpose,
  type ConvGradAttrs,
  type KernelArgs,
  type TensorInfo,
  type WasmKernel,
  nhwcConvInfo,
} from './shared.js';

interface Conv2DBackpropFilterAttrs extends ConvGradAttrs {
  filterShape: [number, number, number, number];
}

function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const s = new Scratch(backend);
  try {
    let xh = x;
    let dyh = dy;
    if (attrs.dataFormat === 'NCHW') {
      xh = transpose(s, x, [0, 2, 3, 1]);
      dyh = transpose(s, dy, [0, 2, 3, 1]);
    }
    return filterGradNHWC(s, xh, dyh, attrs);
  } finally {
    s.dispose();
  }
}

function filterGradNHWC(
  s: Scratch,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: Conv2DBackpropFilterAttrs,
): TensorInfo {
  const info = nhwcConvInfo(x.shape, attrs.filterShape, attrs);
  if (dy.shape.join() !== info.outShape.join()) {
    throw new Error(`Conv2DBackpropFilter: dy has shape ${dy.shape}, expected ${info.outShape}`);
  }
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { inHeight, inWidth, outHeight, outWidth } = info;
  const { top, left } = info.padInfo;
  // Padding of dy when x is the filter (stride 1 only); negative = not possible.
  const dyPad = [
    kh - 1 - top,
    inHeight - outHeight + top,
    kw - 1 - left,
    inWidth - outWidth + left,
  ];
  if (info.outChannels % 4 === 0) return filterGradCompiled(s, x, dy, info);
  const xIsSmaller = tf.util.sizeFromShape(x.shape) < tf.util.sizeFromShape(dy.shape);
  if (sh === 1 && sw === 1 && xIsSmaller && dyPad.every((p) => p >= 0)) {
    return filterGradXAsFilter(s, x, dy, info, dyPad);
  }
  return filterGradDyAsFilter(s, x, dy, info);
}

/**
 * dW with dy as the (dilated) filter: conv2d(xᵀ [Ci, H, W, N], dyᵀ [Ho, Wo, N, Co]), dilation =
 * forward stride → [Ci, kh, kw, Co]. XNNPACK repacks its filter on every call, so this is the
 * choice when dy is the smaller tensor (or for strides > 1).
 */
function filterGradDyAsFilter(
  s: Scratch,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { inHeight, inWidth, outHeight, outWidth, inChannels, outChannels } = info;
  const { top, left } = info.padInfo;
  // The padding that makes the output at least kh × kw (extra rows/columns are sliced off).
  const bottom = Math.max(0, (outHeight - 1) * sh + kh - top - inHeight);
  const right = Math.max(0, (outWidth - 1) * sw + kw - left - inWidth);
  const xt = reshape(s, swapOuterInner(s, reshape(s, x, [batchSize, -1, inChannels])), [
    inChannels,
    inHeight,
    inWidth,
    batchSize,
  ]);
  const dyt = transpose(s, dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  let g = conv2d(s, xt, dyt, nhwcPad(top, bottom, left, right), [sh, sw]); // [Ci, ≥kh, ≥kw, Co]
  if (g.shape[1] !== kh || g.shape[2] !== kw) {
    g = sliceRows(s, g, [0, 0, 0, 0], [inChannels, kh, kw, outChannels]);
  }
  return run('Transpose', s.backend, { x: g }, { perm: [1, 2, 0, 3] });
}

/**
 * dW with x as the filter (stride 1): with x'[r] = x[r] and dy padded by (kh−1−top) rows,
 * conv2d(dyᵀ [Co, Ho, Wo, N], x [H, W, N, Ci])[co, oy, ox, ci] = dW[kh−1−oy, kw−1−ox, ci, co].
 * XNNPACK repacks x instead of dy: the choice when x is the smaller tensor.
 */
function filterGradXAsFilter(
  s: Scratch,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  dyPad: number[],
): TensorInfo {
  const { batchSize, outHeight, outWidth, outChannels } = info;
  const [padTop, padBottom, padLeft, padRight] = dyPad;
  const filter = transpose(s, x, [1, 2, 0, 3]); // [H, W, N, Ci]
  const input = reshape(s, swapOuterInner(s, reshape(s, dy, [batchSize, -1, outChannels])), [
    outChannels,
    outHeight,
    outWidth,
    batchSize,
  ]);
  const g = conv2d(s, input, filter, nhwcPad(padTop, padBottom, padLeft, padRight), [1, 1]);
  const flipped = s.run('Reverse', { x: g }, { dims: [1, 2] }); // [Co, kh, kw, Ci]
  return run('Transpose', s.backend, { x: flipped }, { perm: [1, 2, 3, 0] });
}

/**
 * [A, B, C] → [C, B, A]. The wasm Transpose kernel is slow at moving the innermost axis
 * outermost in one go (strided reads); three transposes that each keep a contiguous inner axis
 * or swap two small axes take a third of the time.
 */
function swapOuterInner(s: Scratch, x: TensorInfo): TensorInfo {
  const [a, b, c] = x.shape;
  // With a unit axis it is one 2-D transpose.
  if (c === 1 || b === 1)
    return reshape(s, transpose(s, reshape(s, x, [a, b * c]), [1, 0]), [c, b, a]);
  if (a === 1) return reshape(s, transpose(s, reshape(s, x, [b, c]), [1, 0]), [c, b, a]);
  const bac = transpose(s, x, [1, 0, 2]);
  const bca = transpose(s, bac, [0, 2, 1]);
  return transpose(s, bca, [1, 0, 2]);
}

export const conv2DBackpropFilterKernel: WasmKernel<'Conv2DBackpropFilter'> = {
  name: 'Conv2DBackpropFilter',
  impl: conv2DBackpropFilter,
};

/**
 * dW by compiled code on the heap: the native kernel of ../native-kernels where it runs and the
 * output channels are a multiple of 8, else the wasm one of ../heap-kernels (a multiple of 4).
 */
function filterGradCompiled(
  s: Scratch,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { backend } = s;
  const out = backend.makeOutput(
    [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels],
    'float32',
  );
  const sizes = convSizes(info);
  const tensors = [
    heapOffset(backend, x),
    heapOffset(backend, dy),
    heapOffset(backend, out),
  ] as const;
  const native = nativeKernels();
  if (native != null && info.outChannels % 8 === 0) {
    native.conv2dFilterGrad(heapBuffer(backend), ...tensors, ...sizes);
  } else {
    heapKernels(backend).conv2d_filter_grad(...tensors, ...sizes);
  }
  return out;
}
