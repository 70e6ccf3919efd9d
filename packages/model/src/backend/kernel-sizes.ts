/**
 * The sizes the compiled kernels take after their tensors (./heap-kernels, ./native-kernels),
 * in one order, and where they come from: tfjs's Conv2DInfo for a convolution or a pooling.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** A convolution's sizes: NHWC input and output, filter [kh, kw, Ci, Co], strides, padding. */
export type ConvSizes = [
  N: number,
  H: number,
  W: number,
  Ci: number,
  Ho: number,
  Wo: number,
  Co: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  top: number,
  left: number,
];

/** A pooling's sizes: NHWC input and output, window, strides, padding. */
export type PoolSizes = [
  N: number,
  H: number,
  W: number,
  C: number,
  Ho: number,
  Wo: number,
  fh: number,
  fw: number,
  sh: number,
  sw: number,
  top: number,
  left: number,
];

/** The sizes of the convolution `info` describes. */
export function convSizes(info: tf.backend_util.Conv2DInfo): ConvSizes {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/** The sizes of the pooling `info` describes (computePool2DInfo): a convolution's less Co. */
export function poolSizes(info: tf.backend_util.Conv2DInfo): PoolSizes {
  const [N, H, W, C, Ho, Wo, , fh, fw, sh, sw, top, left] = convSizes(info);
  return [N, H, W, C, Ho, Wo, fh, fw, sh, sw, top, left];
}
