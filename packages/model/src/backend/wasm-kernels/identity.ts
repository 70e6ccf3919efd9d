/**
 * Identity (what `clone` and the gradients of Add, bias and pass-through ops run), replacing the
 * shipped kernel, which copies the tensor: 2 ms for each 64×48×48×32 gradient, several per
 * training step. Here the output shares the input's data, counted by reference, as the cpu
 * backend's Identity and the wasm backend's own Reshape do (no kernel writes into its input).
 * Strings stay on the shipped kernel.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs, TensorInfo, WasmKernel } from './shared.js';

function identity(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return original(args) as TensorInfo;
  (args.backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityKernel: WasmKernel<'Identity'> = { name: 'Identity', impl: identity };
