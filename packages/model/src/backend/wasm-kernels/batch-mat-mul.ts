/**
 * BatchMatMul, replacing the shipped kernel, which runs on XNNPACK only for one matrix pair
 * without transposes; the gradients of every dense and LSTM layer ask for
 * `transposeA`/`transposeB` and fell to a loop 7–14× slower.
 *
 * Where the native kernels of ../native-kernels run and the output has a multiple of 8 columns,
 * the product runs there, transposes and batches included. Otherwise transposes are done by the
 * Transpose kernel, then XNNPACK; a batch against one matrix is folded into one product, pairs
 * of a batch run one by one. Small products (< 2¹⁵ multiply-adds) stay on the shipped kernel,
 * and so do other dtypes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapBuffer, heapOffset } from '../heap-kernels/index.js';
import { nativeKernels } from '../native-kernels/index.js';
import {
  heap,
  reshape,
  run,
  Scratch,
  transpose,
  type KernelArgs,
  type TensorInfo,
  type WasmKernel,
} from './shared.js';

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
  if (
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
  const native = nativeKernels();
  if (native != null && n % 8 === 0) {
    const out = backend.makeOutput(outShape, 'float32');
    native.matmul(
      heapBuffer(backend),
      heapOffset(backend, a),
      heapOffset(backend, b),
      heapOffset(backend, out),
      batch,
      m,
      k,
      n,
      transposeA ? 1 : 0,
      transposeB ? 1 : 0,
      batchA === 1 ? 0 : m * k,
      batchB === 1 ? 0 : k * n,
    );
    return out;
  }
  if (batchA === 1 && batchB === 1 && !transposeA && !transposeB) {
    return original(args) as TensorInfo;
  }
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

export const batchMatMulKernel: WasmKernel<'BatchMatMul'> = {
  name: 'BatchMatMul',
  impl: batchMatMul,
};
