/**
 * What more than one kernel of this folder uses: running the wasm backend's own kernels on tensor
 * infos (looked up in tfjs's kernel registry, ours included), releasing intermediates together,
 * views of the wasm heap, and the kernel description every kernel file exports.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;
export type Attrs = tf.NamedAttrMap;
export type KernelArgs = Parameters<tf.KernelFunc>[0];

export const BACKEND = 'wasm';

/** A kernel's implementation; `original` is the shipped kernel it replaces, if any. */
export type Impl = (args: KernelArgs, original: tf.KernelFunc) => TensorInfo | TensorInfo[];

/** One kernel registered on the wasm backend: its tfjs kernel name and implementation. */
export interface WasmKernel<Name extends string = string> {
  readonly name: Name;
  readonly impl: Impl;
}

/** Runs a wasm kernel (as registered now, ours included) on tensor infos. */
export function run(
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
export class Scratch {
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

export function reshape(s: Scratch, x: TensorInfo, shape: number[]): TensorInfo {
  return s.run('Reshape', { x }, { shape });
}

export function transpose(s: Scratch, x: TensorInfo, perm: number[]): TensorInfo {
  return s.run('Transpose', { x }, { perm });
}

/** Explicit padding for the Conv2D kernel (NHWC). */
export function nhwcPad(top: number, bottom: number, left: number, right: number): Attrs['pad'] {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ] as unknown as Attrs['pad'];
}

export function conv2d(
  s: Scratch,
  x: TensorInfo,
  filter: TensorInfo,
  pad: Attrs['pad'],
  dilations: [number, number],
): TensorInfo {
  return s.run('Conv2D', { x, filter }, { strides: [1, 1], pad, dilations, dataFormat: 'NHWC' });
}

export function sliceRows(
  s: Scratch,
  x: TensorInfo,
  begin: [number, number, number, number],
  size: [number, number, number, number],
): TensorInfo {
  return s.run('Slice', { x }, { begin, size });
}

export function heap(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** The attributes every convolution kernel here shares. */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | number[][];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * tfjs's description of an NHWC convolution with dilation 1 (input, filter, output, padding);
 * `depthwise` for a depthwise one (filter [kh, kw, C, multiplier]).
 */
export function nhwcConvInfo(
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  depthwise = false,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad as Parameters<typeof tf.backend_util.computeConv2DInfo>[4],
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}

/** The attributes of a forward convolution kernel (Conv2D, FusedConv2D, DepthwiseConv2dNative). */
export interface ForwardConvAttrs extends ConvAttrs {
  dataFormat: 'NHWC' | 'NCHW';
  dilations: number | [number, number];
}

/**
 * Whether a forward convolution is one the native kernels take: float32 tensors, NHWC, dilation
 * 1, and `channels` (the vector axis: output channels, or a depthwise conv's channels) a
 * multiple of 8.
 */
export function nativeConvApplies(
  tensors: ReadonlyArray<TensorInfo | undefined>,
  attrs: ForwardConvAttrs,
  channels: number,
): boolean {
  const dilations = typeof attrs.dilations === 'number' ? [attrs.dilations] : attrs.dilations;
  return (
    tensors.every((t) => t == null || t.dtype === 'float32') &&
    attrs.dataFormat !== 'NCHW' &&
    dilations.every((d) => d === 1) &&
    channels % 8 === 0
  );
}

/** The attributes both conv gradients share. */
export interface ConvGradAttrs extends ConvAttrs {
  dataFormat: 'NHWC' | 'NCHW';
}
