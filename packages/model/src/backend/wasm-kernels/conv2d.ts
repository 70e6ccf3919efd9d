/**
 * Conv2D, replacing the shipped kernel (XNNPACK) by the native one of ../native-kernels where it
 * can run: float32 NHWC, dilation 1, output channels a multiple of 8 (every layer of the study's
 * models but none of the odd test shapes). 64×24×24×32 → 64 and 64×12×12×64 → 128, batch 64:
 * 56 → 15 ms each (2026-12-07, one core). Everything else, and everything where the native
 * kernels are off, runs on the shipped kernel.
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

interface Conv2DAttrs extends ConvAttrs {
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
}

function conv2D(args: KernelArgs, original: tf.KernelFunc): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as Conv2DAttrs;
  const native = nativeKernels();
  const dilations = typeof attrs.dilations === 'number' ? [attrs.dilations] : attrs.dilations;
  if (
    native == null ||
    x.dtype !== 'float32' ||
    filter.dtype !== 'float32' ||
    attrs.dataFormat === 'NCHW' ||
    dilations.some((d) => d !== 1) ||
    filter.shape[3] % 8 !== 0
  ) {
    return original(args) as TensorInfo;
  }
  const info = nhwcConvInfo(x.shape, filter.shape, attrs);
  const out = backend.makeOutput(info.outShape, 'float32');
  native.conv2d(
    heapBuffer(backend),
    heapOffset(backend, x),
    heapOffset(backend, filter),
    heapOffset(backend, out),
    ...convSizes(info),
  );
  return out;
}

export const conv2DKernel: WasmKernel<'Conv2D'> = { name: 'Conv2D', impl: conv2D };
