/**
 * Unpack, replacing the shipped kernel, which slices through the shipped Slice: it copied the
 * whole input out of the heap for every slice, so unstacking a sequence into time steps (every
 * LSTM layer) was quadratic. Each part is copied straight from the heap, contiguous runs at a
 * time (`sliceHeap` of ./slice.ts).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelArgs, TensorInfo, WasmKernel } from './shared.js';
import { sliceHeap } from './slice.js';

function unpack(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const { value } = args.inputs as { value: TensorInfo };
  const rank = value.shape.length;
  let axis = (args.attrs as { axis: number }).axis;
  if (axis < 0) axis += rank;
  const outShape = value.shape.filter((_, i) => i !== axis);
  const begin = new Array<number>(rank).fill(0);
  const size = value.shape.slice();
  size[axis] = 1;
  const outs: TensorInfo[] = [];
  for (let i = 0; i < value.shape[axis]; i++) {
    begin[axis] = i;
    const part = sliceHeap(backend, value, begin, size);
    outs.push({ dataId: part.dataId, dtype: part.dtype, shape: outShape });
  }
  return outs;
}

export const unpackKernel: WasmKernel<'Unpack'> = { name: 'Unpack', impl: unpack };
