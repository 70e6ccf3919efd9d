/**
 * FusedConv2D (convolution + bias + activation: what tfjs-layers' conv layers run outside
 * training, and what face detection's BlazeFace runs), replacing the shipped kernel (XNNPACK) by
 * the native one of ../native-kernels where it can run: float32 NHWC, dilation 1, output
 * channels a multiple of 8, a bias of one value per channel or none, a linear or ReLU
 * activation. Everything else runs on the shipped kernel.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapBuffer, heapOffset } from '../heap-kernels/index.js';
import { convSizes } from '../kernel-sizes.js';
import { nativeKernels } from '../native-kernels/index.js';
import {
  nhwcConvInfo,
  type ConvAttrs,
  type KernelArgs,
  type TensorInfo,
  type WasmKernel,
} from './shared.js';

interface FusedConv2DAttrs extends ConvAttrs {
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
  activation: string;
}

function fusedConv2D(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, filter, bias, preluActivationWeights } = args.inputs as {
    x: TensorInfo;
    filter: TensorInfo;
    bias?: TensorInfo;
    preluActivationWeights?: TensorInfo;
  };
  const attrs = args.attrs as unknown as FusedConv2DAttrs;
  const native = nativeKernels();
  const dilations = typeof attrs.dilations === 'number' ? [attrs.dilations] : attrs.dilations;
  const channels = filter.shape[3];
  if (
    native == null ||
    [x, filter, bias].some((t) => t != null && t.dtype !== 'float32') ||
    attrs.dataFormat === 'NCHW' ||
    dilations.some((d) => d !== 1) ||
    channels % 8 !== 0 ||
    (bias != null && (bias.shape.length !== 1 || bias.shape[0] !== channels)) ||
    preluActivationWeights != null ||
    (attrs.activation !== 'linear' && attrs.activation !== 'relu')
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
    attrs.activation === 'relu' ? 1 : 0,
    ...convSizes(info),
  );
  return out;
}

export const fusedConv2DKernel: WasmKernel<'FusedConv2D'> = {
  name: 'FusedConv2D',
  impl: fusedConv2D,
};
