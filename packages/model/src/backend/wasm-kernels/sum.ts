/**
 * Sum and Mean, replacing the shipped kernels for reductions over the leading axes of a float32
 * tensor (every conv bias gradient; batch normalisation's batch mean and variance), which the
 * shipped kernels transpose inward first (20 ms for a sum over 64×48×48×32; 0.45 s of means in a
 * training step of the face CNN with batch normalisation).
 *
 * Such a sum is an average pool over the leading axes (XNNPACK streams the rows with channels
 * innermost) times the row count. Other axes, dtypes and fewer than 256 rows stay on the shipped
 * kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  heap,
  reshape,
  run,
  Scratch,
  type KernelArgs,
  type TensorInfo,
  type WasmKernel,
} from './shared.js';

const SUM_MIN_ROWS = 256;

/** rows = r1 · r2 with r1 the largest divisor ≤ √rows. */
function factor(rows: number): [number, number] {
  for (let r1 = Math.floor(Math.sqrt(rows)); r1 > 1; r1--) {
    if (rows % r1 === 0) return [r1, rows / r1];
  }
  return [1, rows];
}

/**
 * A sum or mean over the leading axes as an average pool over them (XNNPACK streams the rows,
 * channels innermost), times the row count for a sum. The shipped kernels transpose the reduced
 * axes inward first.
 */
function leadingReduce(
  args: KernelArgs,
  original: tf.KernelFunc,
  what: 'sum' | 'mean',
): TensorInfo {
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
    let total = mean;
    if (what === 'sum') {
      const count = s.keep(backend.makeOutput([], 'float32'));
      heap(backend, count)[0] = rows;
      total = s.run('Multiply', { a: mean, b: count });
    }
    const rest = x.shape.slice(axes.length);
    const shape = keepDims ? [...axes.map(() => 1), ...rest] : rest;
    return run('Reshape', backend, { x: total }, { shape });
  } finally {
    s.dispose();
  }
}

export const sumKernel: WasmKernel<'Sum'> = {
  name: 'Sum',
  impl: (args, original) => leadingReduce(args, original, 'sum'),
};

export const meanKernel: WasmKernel<'Mean'> = {
  name: 'Mean',
  impl: (args, original) => leadingReduce(args, original, 'mean'),
};
