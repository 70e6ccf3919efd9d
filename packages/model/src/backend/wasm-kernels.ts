/**
 * Kernels for tfjs's wasm backend (tfjs 4.22.0): the gradient kernel it lacks, so conv nets
 * train on wasm at all, and faster versions of the shipped kernels a training step spends its
 * time in.
 *
 * Found by training small conv+pool+dense and conv1d+LSTM models with `model.fit` on wasm, then
 * profiling a training step of a 2-conv CNN on 48×48×1 faces (batch 64) and of the conv1d+LSTM
 * physiology branch:
 *
 * - `Conv2DBackpropFilter` is missing: no conv layer trains (conv1d layers are conv2d
 *   underneath, so the physiology branch does not either). Nothing else that these models need
 *   is missing (tfjs's LSTM, dense, dropout, pooling, batch norm gradients all exist on wasm);
 *   depthwise/separable convs (DepthwiseConv2dNativeBackprop*) and embeddings
 *   (UnsortedSegmentSum) would be, but the models do not use them.
 * - `Conv2DBackpropInput` is a plain C++ loop: 500 ms for a 64×24×24×32 → 64 layer, whose forward
 *   pass takes 50 ms.
 * - `MaxPoolGrad` (110 ms on 64×48×48×32) and `AvgPoolGrad` (47 ms) are slow loops too.
 * - `BatchMatMul` runs on XNNPACK only for one matrix pair without transposes; the gradients of
 *   every dense and LSTM layer ask for `transposeA`/`transposeB` and fall to a loop 7–14× slower.
 * - `Sum` over the leading axes (every conv bias gradient) transposes them inward first (20 ms
 *   for 64×48×48×32).
 * - `Slice` copies its whole input out of the heap for every slice, so `Unpack` of a sequence
 *   into time steps (every LSTM layer) is quadratic.
 *
 * How (NHWC; dilations 1, all that tfjs's conv2d gradient supports; NCHW through transposes):
 *
 * - dW (Conv2DBackpropFilter). With x zero-padded as in the forward pass,
 *   dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·sh + a, j·sw + b, ci] · dy[n, i, j, co]:
 *   a convolution summing over n, i, j, which XNNPACK's Conv2D does in one of two ways.
 *   · dy as the filter: conv2d(input = x as [Ci, H, W, N], filter = dy as [Ho, Wo, N, Co],
 *     stride 1, dilation = the forward stride, the forward padding, bottom/right padding
 *     extended so the output covers kh×kw; extra rows sliced off) = dW as [Ci, kh, kw, Co].
 *   · x as the filter (stride 1): conv2d(input = dy as [Co, Ho, Wo, N] padded by kh−1−top rows,
 *     filter = x as [H, W, N, Ci]) = dW rotated by 180° as [Co, kh, kw, Ci].
 *   XNNPACK repacks the filter on every call (about 8 ns per value here, more than the
 *   arithmetic), so the smaller of x and dy becomes the filter.
 * - dX (Conv2DBackpropInput): the "full" correlation of dy, with (s−1) zeros inserted after each
 *   row and column (reshape to [N, Ho, 1, Wo, 1, Co], zero-pad to [N, Ho, s, Wo, s, Co], reshape
 *   back), with the filter rotated by 180° and its channel axes swapped: conv2d(dilated dy,
 *   rot180(W) as [kh, kw, Co, Ci], stride 1, padding k−1−pad, cropped where negative).
 * - MaxPoolGrad / AvgPoolGrad: one pass over the pooling windows in JavaScript on the wasm heap,
 *   channels innermost. Max pooling sends each dy to the first maximum of its window in
 *   row-major order (strictly greater; padding, NaN and an all −∞ window get nothing): the cpu
 *   backend's rule. Average pooling spreads dy/(fh·fw) over the window's in-bounds pixels: the
 *   cpu and shipped wasm kernels also divide by the full window at 'same' borders (where the
 *   forward pass divides by the in-bounds count), and so do we, to match them.
 * - BatchMatMul: transposes done by the Transpose kernel, then XNNPACK; a batch against one
 *   matrix is folded into one product, pairs of a batch run one by one. Small products (< 2¹⁵
 *   multiply-adds) stay on the shipped kernel.
 * - Sum over the leading axes of a float32 tensor: an average pool over them (XNNPACK streams
 *   the rows with channels innermost) times the row count.
 * - Slice / Unpack: copies straight from the heap, contiguous runs at a time.
 *
 * Everything is composed from the wasm backend's own kernels (looked up in tfjs's kernel
 * registry) or runs on its heap; intermediates are released before returning. Kernels that
 * replace shipped ones keep the shipped kernel's setup and fall back to it for what they do not
 * handle (other dtypes, small sizes). Each is checked against the cpu backend in
 * wasm-kernels.test.ts, whole models in wasm-train.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type TensorInfo = tf.TensorInfo;
type Attrs = tf.NamedAttrMap;
type KernelArgs = Parameters<tf.KernelFunc>[0];

const BACKEND = 'wasm';
const MARK = Symbol.for('@emo/model:wasm-kernel');
// Module bindings for the hot loops: a global lookup (`Infinity`, `Math`) costs ~0.2 µs inside
// jest's vm contexts, which made the pooling loops 6× slower under test.
const NEG_INFINITY = -Infinity;
const { max, min } = Math;

/** Kernels this module registers on the wasm backend. */
export const WASM_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'BatchMatMul',
  'Sum',
  'Slice',
  'Unpack',
] as const;
export type WasmKernelName = (typeof WASM_KERNELS)[number];

// ---------------------------------------------------------------- helpers

/** Runs a wasm kernel (as registered now, ours included) on tensor infos. */
function run(
  name: string,
  backend: BackendWasm,
  inputs: Record<string, TensorInfo> | TensorInfo[],
  attrs: Attrs = {},
): TensorInfo {
  const kernel = tf.getKernel(name, BACKEND);
  if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
  const out = kernel.kernelFunc({
    inputs: inputs as unknown as tf.NamedTensorInfoMap,
    backend,
    attrs,
  });
  if (Array.isArray(out)) throw new Error(`wasm kernel ${name} returned several tensors`);
  return out;
}

/** Intermediate tensor infos of one kernel call, released together. */
class Scratch {
  private readonly infos: TensorInfo[] = [];
  constructor(readonly backend: BackendWasm) {}
  keep(info: TensorInfo): TensorInfo {
    this.infos.push(info);
    return info;
  }
  run(name: string, inputs: Record<string, TensorInfo>, attrs: Attrs = {}): TensorInfo {
    return this.keep(run(name, this.backend, inputs, attrs));
  }
  dispose(): void {
    for (const info of this.infos.splice(0)) this.backend.disposeData(info.dataId);
  }
}

function reshape(s: Scratch, x: TensorInfo, shape: number[]): TensorInfo {
  return s.run('Reshape', { x }, { shape });
}

function transpose(s: Scratch, x: TensorInfo, perm: number[]): TensorInfo {
  return s.run('Transpose', { x }, { perm });
}

/** Explicit padding for the Conv2D kernel (NHWC). */
function nhwcPad(top: number, bottom: number, left: number, right: number): Attrs['pad'] {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ] as unknown as Attrs['pad'];
}

function conv2d(
  s: Scratch,
  x: TensorInfo,
  filter: TensorInfo,
  pad: Attrs['pad'],
  dilations: [number, number],
): TensorInfo {
  return s.run('Conv2D', { x, filter }, { strides: [1, 1], pad, dilations, dataFormat: 'NHWC' });
}

function sliceRows(
  s: Scratch,
  x: TensorInfo,
  begin: [number, number, number, number],
  size: [number, number, number, number],
): TensorInfo {
  return s.run('Slice', { x }, { begin, size });
}

// ---------------------------------------------------------------- Conv2DBackpropFilter

/** The attributes both conv gradients share. */
interface ConvGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | number[][];
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

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
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad as Parameters<typeof tf.backend_util.computeConv2DInfo>[4],
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
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

// ---------------------------------------------------------------- Conv2DBackpropInput

interface Conv2DBackpropInputAttrs extends ConvGradAttrs {
  inputShape: [number, number, number, number];
}

function conv2DBackpropInput(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const s = new Scratch(backend);
  try {
    if (attrs.dataFormat === 'NCHW') {
      const [n, c, h, w] = attrs.inputShape;
      const dyh = transpose(s, dy, [0, 2, 3, 1]);
      const dx = s.keep(inputGradNHWC(s, dyh, filter, { ...attrs, inputShape: [n, h, w, c] }));
      return run('Transpose', backend, { x: dx }, { perm: [0, 3, 1, 2] });
    }
    return inputGradNHWC(s, dy, filter, attrs);
  } finally {
    s.dispose();
  }
}

function inputGradNHWC(
  s: Scratch,
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DBackpropInputAttrs,
): TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad as Parameters<typeof tf.backend_util.computeConv2DInfo>[4],
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { inHeight, inWidth, outHeight, outWidth, outChannels } = info;
  const { top, left } = info.padInfo;
  if (dy.shape.join() !== [batchSize, outHeight, outWidth, outChannels].join()) {
    throw new Error(`Conv2DBackpropInput: dy has shape ${dy.shape}, expected ${info.outShape}`);
  }
  // dy with (s-1) zeros after every row/column: [N, Ho·sh, Wo·sw, Co].
  let d = dy;
  let rows = outHeight;
  let cols = outWidth;
  if (sh > 1 || sw > 1) {
    const r6 = reshape(s, dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]);
    const p6 = s.run(
      'PadV2',
      { x: r6 },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    rows = outHeight * sh;
    cols = outWidth * sw;
    d = reshape(s, p6, [batchSize, rows, cols, outChannels]);
  }
  // "Full" padding; negative amounts crop rows/columns that reach no input pixel.
  let padTop = kh - 1 - top;
  let padLeft = kw - 1 - left;
  let padBottom = inHeight + kh - 1 - rows - padTop;
  let padRight = inWidth + kw - 1 - cols - padLeft;
  if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
    const r0 = Math.max(0, -padTop);
    const c0 = Math.max(0, -padLeft);
    const r1 = rows - Math.max(0, -padBottom);
    const c1 = cols - Math.max(0, -padRight);
    d = sliceRows(s, d, [0, r0, c0, 0], [batchSize, r1 - r0, c1 - c0, outChannels]);
    padTop = Math.max(0, padTop);
    padLeft = Math.max(0, padLeft);
    padBottom = Math.max(0, padBottom);
    padRight = Math.max(0, padRight);
  }
  const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] });
  const rotated = transpose(s, flipped, [0, 1, 3, 2]); // [kh, kw, Co, Ci]
  const dx = run(
    'Conv2D',
    s.backend,
    { x: d, filter: rotated },
    {
      strides: [1, 1],
      pad: nhwcPad(padTop, padBottom, padLeft, padRight),
      dilations: [1, 1],
      dataFormat: 'NHWC',
    },
  );
  if (dx.shape.join() !== info.inShape.join()) {
    s.keep(dx);
    throw new Error(`Conv2DBackpropInput: got shape ${dx.shape}, expected ${info.inShape}`);
  }
  return dx;
}

// ---------------------------------------------------------------- pooling gradients

interface PoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function poolInfo(x: TensorInfo, attrs: PoolGradAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

function heap(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

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

// ---------------------------------------------------------------- BatchMatMul

/** Below this many multiply-adds the shipped kernel is as fast as anything here. */
const MATMUL_MIN_WORK = 1 << 15;

function batchMatMul(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
    return original(args) as TensorInfo;
  }
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  const simple = batchA === 1 && batchB === 1 && !transposeA && !transposeB;
  if (
    simple ||
    k !== kb ||
    m * k * n < MATMUL_MIN_WORK ||
    (batchA !== batchB && batchA !== 1 && batchB !== 1)
  ) {
    return original(args) as TensorInfo;
  }
  const outShape = [
    ...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)),
    m,
    n,
  ];
  const s = new Scratch(backend);
  const mm = (x: TensorInfo, y: TensorInfo): TensorInfo =>
    s.keep(
      original({
        inputs: { a: x, b: y },
        backend,
        attrs: { transposeA: false, transposeB: false },
      }) as TensorInfo,
    );
  try {
    // Plain [batch, m, k] and [batch, k, n] operands.
    let a3 = reshape(s, a, transposeA ? [batchA, k, m] : [batchA, m, k]);
    if (transposeA) a3 = transpose(s, a3, [0, 2, 1]);
    let b3 = reshape(s, b, transposeB ? [batchB, n, k] : [batchB, k, n]);
    if (transposeB) b3 = transpose(s, b3, [0, 2, 1]);
    let result: TensorInfo;
    if (batchB === 1) {
      // [batchA·m, k] · [k, n]
      result = mm(reshape(s, a3, [1, batchA * m, k]), b3);
    } else if (batchA === 1) {
      // [m, k] · [k, batchB·n], the batches of b side by side.
      const bs = reshape(s, transpose(s, b3, [1, 0, 2]), [1, k, batchB * n]);
      const prod = reshape(s, mm(a3, bs), [m, batchB, n]);
      result = transpose(s, prod, [1, 0, 2]);
    } else {
      // One product per pair, written into one output.
      result = s.keep(backend.makeOutput([batch, m, n], 'float32'));
      for (let i = 0; i < batch; i++) {
        const ai = sliceRows3(s, a3, i);
        const bi = sliceRows3(s, b3, i);
        const pi = mm(ai, bi);
        heap(backend, result).set(heap(backend, pi), i * m * n);
        for (const t of [ai, bi, pi]) backend.disposeData(t.dataId);
      }
    }
    return run('Reshape', backend, { x: result }, { shape: outShape });
  } finally {
    s.dispose();
  }
}

/** The i-th matrix of a [batch, r, c] tensor, as [1, r, c] (not kept in the scratch). */
function sliceRows3(s: Scratch, x: TensorInfo, i: number): TensorInfo {
  return run('Slice', s.backend, { x }, { begin: [i, 0, 0], size: [1, x.shape[1], x.shape[2]] });
}

// ---------------------------------------------------------------- Sum

const SUM_MIN_ROWS = 256;

/** rows = r1 · r2 with r1 the largest divisor ≤ √rows. */
function factor(rows: number): [number, number] {
  for (let r1 = Math.floor(Math.sqrt(rows)); r1 > 1; r1--) {
    if (rows % r1 === 0) return [r1, rows / r1];
  }
  return [1, rows];
}

/**
 * Sum over the leading axes as an average pool over them (XNNPACK streams the rows, channels
 * innermost) times the row count. The shipped kernel transposes the reduced axes inward first.
 */
function sum(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  if (x.dtype !== 'float32') return original(args) as TensorInfo;
  const rank = x.shape.length;
  const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < rank && axes.every((v, i) => v === i);
  const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const cols = tf.util.sizeFromShape(x.shape.slice(axes.length));
  if (!leading || rows < SUM_MIN_ROWS || cols === 0) return original(args) as TensorInfo;
  const s = new Scratch(backend);
  try {
    const [r1, r2] = factor(rows);
    const image = reshape(s, x, [1, r1, r2, cols]);
    const mean = s.run(
      'AvgPool',
      { x: image },
      { filterSize: [r1, r2], strides: [1, 1], pad: 'valid' },
    );
    const count = s.keep(backend.makeOutput([], 'float32'));
    heap(backend, count)[0] = rows;
    const total = s.run('Multiply', { a: mean, b: count });
    const rest = x.shape.slice(axes.length);
    const shape = keepDims ? [...axes.map(() => 1), ...rest] : rest;
    return run('Reshape', backend, { x: total }, { shape });
  } finally {
    s.dispose();
  }
}

// ---------------------------------------------------------------- Slice, Unpack

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

function sliceHeap(
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

function unpack(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const { value } = args.inputs as { value: TensorInfo };
  const rank = value.shape.length;
  let axis = (args.attrs as { axis: number }).axis;
  if (axis < 0) axis += rank;
  const outShape = value.shape.filter((_, i) => i !== axis);
  const begin = new Array<number>(rank).fill(0);
  const size = value.shape.slice();
  size[axis] = 1;
  const outs: TensorInfo[] = [];
  for (let i = 0; i < value.shape[axis]; i++) {
    begin[axis] = i;
    const part = sliceHeap(backend, value, begin, size);
    outs.push({ dataId: part.dataId, dtype: part.dtype, shape: outShape });
  }
  return outs;
}

// ---------------------------------------------------------------- registration

type Impl = (args: KernelArgs, original: tf.KernelFunc) => TensorInfo | TensorInfo[];

function isOurs(config: tf.KernelConfig | undefined): boolean {
  return config != null && (config.kernelFunc as unknown as Record<symbol, unknown>)[MARK] === true;
}

function install(name: WasmKernelName, impl: Impl): void {
  const existing = tf.getKernel(name, BACKEND);
  if (isOurs(existing)) return;
  const original: tf.KernelFunc =
    existing?.kernelFunc ??
    (() => {
      throw new Error(`wasm kernel ${name}: no shipped kernel to fall back to`);
    });
  const kernelFunc = ((args: KernelArgs) => impl(args, original)) as tf.KernelFunc;
  (kernelFunc as unknown as Record<symbol, unknown>)[MARK] = true;
  if (existing) tf.unregisterKernel(name, BACKEND);
  tf.registerKernel({
    kernelName: name,
    backendName: BACKEND,
    kernelFunc,
    // The shipped kernel's setup (cwrap of its C++ function) still has to run at backend init.
    setupFunc: existing?.setupFunc,
    disposeFunc: existing?.disposeFunc,
  });
}

/**
 * Registers the gradient kernels on tfjs's wasm backend (idempotent; before or after the
 * backend initialises). Returns the names of the kernels that are ours now.
 */
export function registerWasmGradKernels(): WasmKernelName[] {
  install('Conv2DBackpropFilter', (args) => conv2DBackpropFilter(args));
  install('Conv2DBackpropInput', (args) => conv2DBackpropInput(args));
  install('MaxPoolGrad', maxPoolGrad);
  install('AvgPoolGrad', avgPoolGrad);
  install('BatchMatMul', batchMatMul);
  install('Sum', sum);
  install('Slice', slice);
  install('Unpack', (args) => unpack(args));
  return WASM_KERNELS.filter((name) => isOurs(tf.getKernel(name, BACKEND)));
}

/** Whether our kernels are the ones registered on the wasm backend now. */
export function wasmGradKernelsRegistered(): boolean {
  return WASM_KERNELS.every((name) => isOurs(tf.getKernel(name, BACKEND)));
}
