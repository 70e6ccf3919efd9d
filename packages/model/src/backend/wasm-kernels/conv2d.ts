/**
 * Conv2D and FusedConv2D (convolution + bias + activation: what tfjs-layers' conv layers run
 * outside training, and what face detection's BlazeFace runs), replacing the shipped kernels
 * (XNNPACK) by the native convolution of ../native-kernels where it can run: float32 NHWC,
 * dilation 1, output channels a multiple of 8 (every layer of the study's models), a bias of one
 * value per channel or none, a linear or ReLU activation. 64×24×24×32 → 64 and 64×12×12×64 →
 * 128, batch 64: 56 → 15 ms each (2026-12-07, one core). Everything else, and everything where
 * the native kernels are off, runs on the shipped kernels.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapBuffer, heapOffset } from '../heap-kernels/index.js';
import { convSizes } from '../kernel-sizes.js';
import { nativeKernels } from '../native-kernels/index.js';
import {
  nativeConvApplies,
  nhwcConvInfo,
  type ForwardConvAttrs,
  type KernelArgs,
  type TensorInfo,
  type WasmKernel,
} from './shared.js';

interface FusedConv2DAttrs extends ForwardConvAttrs {
  /** FusedConv2D only; Conv2D is linear. */
  activation?: string;
}

/**
 * Conv2D and FusedConv2D: the native convolution with its bias and ReLU epilogue where it
 * applies, the shipped kernel otherwise.
 */
function conv2D(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, filter, bias, preluActivationWeights } = args.inputs as {
    x: TensorInfo;
    filter: TensorInfo;
    bias?: TensorInfo;
    preluActivationWeights?: TensorInfo;
  };
  const attrs = args.attrs as unknown as FusedConv2DAttrs;
  const activation = attrs.activation ?? 'linear';
  const native = nativeKernels();
  const channels = filter.shape[3];
  if (
    native == null ||
    !nativeConvApplies([x, filter, bias], attrs, channels) ||
    (bias != null && (bias.shape.length !== 1 || bias.shape[0] !== channels)) ||
    preluActivationWeights != null ||
    (activation !== 'linear' && activation !== 'relu')
  ) {
    return original(args) as TensorInfo;
  }
  const info = nhwcConvInfo(x.shape, filter.shape, attrs);
  const out = backend.makeOutput(info.outShape, 'float32');
  native.conv2dFused(
    heapBuffer(backend),
    heapOffset(backend, x),
    heapOffset(backend, filter),
    heapOffset(backend, out),
    bias != null ? heapOffset(backend, bias) : 0,
    bias != null ? 1 : 0,
    activation === 'relu' ? 1 : 0,
    ...convSizes(info),
  );
  return out;
}

export const conv2DKernel: WasmKernel<'Conv2D'> = { name: 'Conv2D', impl: conv2D };

export const fusedConv2DKernel: WasmKernel<'FusedConv2D'> = {
  name: 'FusedConv2D',
  impl: conv2D,
};
