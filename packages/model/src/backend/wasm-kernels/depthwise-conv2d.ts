/**
 * DepthwiseConv2dNative (face detection's BlazeFace runs 32 of them a frame), replacing the
 * shipped kernel (XNNPACK) by the native one of ../native-kernels where it can run: float32
 * NHWC, dilation 1, channel multiplier 1, channels a multiple of 8. Everything else runs on the
 * shipped kernel.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapBuffer, heapOffset } from '../heap-kernels/index.js';
import { poolSizes } from '../kernel-sizes.js';
import { nativeKernels } from '../native-kernels/index.js';
import {
  nativeConvApplies,
  nhwcConvInfo,
  type ForwardConvAttrs,
  type KernelArgs,
  type TensorInfo,
  type WasmKernel,
} from './shared.js';

function depthwiseConv2d(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as ForwardConvAttrs;
  const native = nativeKernels();
  if (
    native == null ||
    filter.shape[3] !== 1 ||
    !nativeConvApplies([x, filter], attrs, x.shape[3])
  ) {
    return original(args) as TensorInfo;
  }
  const info = nhwcConvInfo(x.shape, filter.shape, attrs, true);

  const out = backend.makeOutput(info.outShape, 'float32');
  // a depthwise convolution's sizes are a pooling's: no output channel count of its own
  native.depthwiseConv2d(
    heapBuffer(backend),
    heapOffset(backend, x),
    heapOffset(backend, filter),
    heapOffset(backend, out),
    ...poolSizes(info),
  );
  return out;
}

export const depthwiseConv2dKernel: WasmKernel<'DepthwiseConv2dNative'> = {
  name: 'DepthwiseConv2dNative',
  impl: depthwiseConv2d,
};
