/**
 * What MaxPoolGrad and AvgPoolGrad share: both are one pass over the pooling windows in
 * JavaScript on the wasm heap, channels innermost.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from './shared.js';

export interface PoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function poolInfo(x: TensorInfo, attrs: PoolGradAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}
