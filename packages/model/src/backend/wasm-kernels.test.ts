// Our wasm kernels against tfjs's cpu backend, value by value, on random inputs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {
  disableNativeKernels,
  nativeKernels,
  nativeKernelsStatus,
} from './native-kernels/index.js';
import { initWasm, randomInput, relativeError, runKernelOn, type Input } from './testing.js';
import {
  registerWasmGradKernels,
  WASM_KERNELS,
  wasmGradKernelsRegistered,
} from './wasm-kernels/index.js';

const TOLERANCE = 1e-4;
const worst: Record<string, number> = {};

beforeAll(async () => {
  await initWasm();
});

afterAll(() => {
  const lines = Object.entries(worst).map(([k, v]) => `${k}: ${v.toExponential(2)}`);
  process.stdout.write(`max relative error vs cpu — ${lines.join(', ')}\n`);
});

async function compare(
  kernel: string,
  inputs: Record<string, Input>,
  attrs: tf.NamedAttrMap,
): Promise<number> {
  const ours = await runKernelOn('wasm', kernel, inputs, attrs);
  const ref = await runKernelOn('cpu', kernel, inputs, attrs);
  expect(ours.shape).toEqual(ref.shape);
  const err = relativeError(ours.values, ref.values);
  worst[kernel] = Math.max(worst[kernel] ?? 0, err);
  expect(err).toBeLessThan(TOLERANCE);
  return err;
}

type Pad = 'same' | 'valid' | number[][];
interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
}

const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 8, 9, 2], filter: [3, 2, 2, 5], strides: 2, pad: 'valid' },
  { x: [3, 9, 9, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { x: [2, 10, 11, 2], filter: [5, 5, 2, 3], strides: [2, 3], pad: 'same' },
  { x: [2, 10, 10, 2], filter: [3, 3, 2, 3], strides: 4, pad: 'valid' }, // unused tail rows
  { x: [2, 1, 20, 3], filter: [1, 5, 3, 4], strides: [1, 2], pad: 'valid' }, // conv1d
  { x: [2, 1, 17, 3], filter: [1, 4, 3, 4], strides: [1, 3], pad: 'same' }, // conv1d
  { x: [1, 6, 6, 1], filter: [2, 2, 1, 1], strides: 1, pad: 'valid' },
  { x: [4, 12, 12, 8], filter: [3, 3, 8, 16], strides: 1, pad: 'same' },
  // output channels in fours (the compiled dW): input channels 4k + 1, 1 and 6, outputs 8k + 4
  { x: [2, 9, 8, 5], filter: [3, 3, 5, 12], strides: 2, pad: 'same' },
  { x: [3, 7, 7, 1], filter: [3, 3, 1, 20], strides: 1, pad: 'same' },
  { x: [2, 10, 11, 6], filter: [5, 5, 6, 8], strides: [2, 3], pad: 'same' },
  { x: [2, 10, 10, 4], filter: [3, 3, 4, 8], strides: 4, pad: 'valid' }, // unused tail rows
  {
    x: [2, 9, 8, 2],
    filter: [3, 3, 2, 3],
    strides: 2,
    pad: [
      [0, 0],
      [2, 1],
      [0, 3],
      [0, 0],
    ],
  },
  {
    x: [2, 5, 5, 2],
    filter: [2, 2, 2, 3],
    strides: 1,
    pad: [
      [0, 0],
      [3, 3],
      [3, 3],
      [0, 0],
    ],
  }, // padding wider than the filter
  { x: [2, 3, 7, 7], filter: [3, 3, 3, 4], strides: [1, 2], pad: 'same', dataFormat: 'NCHW' },
  // stride 1 with x smaller than dy: dW takes x as the filter
  { x: [2, 6, 7, 2], filter: [3, 2, 2, 5], strides: 1, pad: 'valid' },
  { x: [2, 5, 5, 1], filter: [2, 2, 1, 3], strides: 1, pad: 'same' },
  {
    x: [2, 6, 6, 2],
    filter: [3, 3, 2, 4],
    strides: 1,
    pad: [
      [0, 0],
      [1, 0],
      [0, 2],
      [0, 0],
    ],
  },
  { x: [3, 1, 16, 2], filter: [1, 5, 2, 6], strides: 1, pad: 'same' }, // conv1d
  // output channels in eights (the native kernels): 16 + 8 (both vector blocks), 13 columns
  // (pixel blocks of 6, 6, 1), strides, wide padding, conv1d, 1 and 40 output channels' inputs
  { x: [2, 11, 13, 16], filter: [3, 3, 16, 24], strides: 1, pad: 'same' },
  { x: [3, 9, 7, 8], filter: [3, 3, 8, 40], strides: 2, pad: 'same' },
  { x: [2, 10, 11, 3], filter: [5, 5, 3, 16], strides: [2, 3], pad: 'valid' },
  { x: [2, 1, 37, 8], filter: [1, 5, 8, 32], strides: 1, pad: 'same' }, // conv1d
  { x: [3, 8, 8, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same' },
  { x: [2, 4, 4, 40], filter: [3, 3, 40, 8], strides: 1, pad: 'valid' },
  {
    x: [2, 5, 5, 8],
    filter: [2, 2, 8, 8],
    strides: 1,
    pad: [
      [0, 0],
      [3, 3],
      [3, 2],
      [0, 0],
    ],
  }, // padding wider than the filter
  { x: [2, 8, 7, 7], filter: [3, 3, 8, 16], strides: 1, pad: 'same', dataFormat: 'NCHW' },
];

function convOutShape(c: ConvCase): number[] {
  const nchw = c.dataFormat === 'NCHW';
  const info = tf.backend_util.computeConv2DInfo(
    c.x,
    c.filter,
    c.strides,
    1,
    c.pad as 'same',
    undefined,
    false,
    nchw ? 'channelsFirst' : 'channelsLast',
  );
  return info.outShape;
}

describe('wasm gradient kernels: registration', () => {
  it('registers all kernels, once', () => {
    expect(wasmGradKernelsRegistered()).toBe(true);
    const before = WASM_KERNELS.map((k) => tf.getKernel(k, 'wasm').kernelFunc);
    expect(registerWasmGradKernels()).toEqual([...WASM_KERNELS]);
    expect(WASM_KERNELS.map((k) => tf.getKernel(k, 'wasm').kernelFunc)).toEqual(before);
  });
});

/**
 * The convolution and matrix-product kernels run twice: with the native kernels (where this
 * machine can load them) and on the wasm kernels alone.
 */
const PATHS = [
  ['with the native kernels', false],
  ['on wasm alone', true],
] as const;

/** Counts the native kernels' calls between start and stop, so that a test can tell they ran. */
function nativeCallCounter() {
  const calls: Record<string, number> = {};
  const names = [
    'conv2dFused',
    'depthwiseConv2d',
    'conv2dFilterGrad',
    'matmul',
    'maxPool',
    'maxPoolGrad',
  ] as const;
  let restore = () => undefined as void;
  return {
    calls,
    start(): void {
      const native = nativeKernels();
      if (!native) return;
      const saved = names.map((name) => native[name]);
      names.forEach((name, i) => {
        const fn = saved[i] as (...args: unknown[]) => void;
        native[name] = ((...args: unknown[]) => {
          calls[name] = (calls[name] ?? 0) + 1;
          fn(...args);
        }) as never;
      });
      restore = () => names.forEach((name, i) => (native[name] = saved[i] as never));
    },
    stop(): void {
      restore();
    },
  };
}

/**
 * For a describe block: the native kernels off (true) or on during its tests, and a count of the
 * native calls they make.
 */
function onPath(off: boolean): { calls: Record<string, number> } {
  const native = nativeCallCounter();
  beforeAll(() => {
    native.start();
    disableNativeKernels(off);
  });
  afterAll(() => {
    disableNativeKernels(false);
    native.stop();
  });
  return native;
}

describe.each(PATHS)('Conv2D, Conv2DBackpropFilter and Conv2DBackpropInput %s', (_, off) => {
  const native = onPath(off);

  it.each(CONV_CASES.map((c, i) => [i, c] as const))('case %i', async (i, c) => {
    const dyShape = convOutShape(c);
    const x = randomInput(c.x, 10 + i);
    const dy = randomInput(dyShape, 100 + i);
    const filter = randomInput(c.filter, 1000 + i);
    const common = { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC' };
    // the shipped Conv2D has no NCHW (tfjs transposes around it), nor has ours
    if (common.dataFormat === 'NHWC')
      await compare('Conv2D', { x, filter }, { ...common, dilations: 1 });
    await compare('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: c.filter });
    await compare('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: c.x });
  });

  it(off ? 'never calls the native kernels' : 'calls the native kernels where they run', () => {
    if (off || !nativeKernelsStatus().loaded) {
      expect(native.calls).toEqual({});
    } else {
      // the cases with output channels in eights (and dx with input channels in eights)
      expect(native.calls.conv2dFused).toBeGreaterThanOrEqual(12);
      expect(native.calls.conv2dFilterGrad).toBeGreaterThanOrEqual(8);
    }
  });
});

describe.each(PATHS)('FusedConv2D and DepthwiseConv2dNative %s', (_, off) => {
  const native = onPath(off);

  // what tfjs-layers (conv + bias + ReLU) and BlazeFace (1×1 and 5×5 stride-2 convs) run
  const fused: Array<[ConvCase, 'linear' | 'relu' | 'elu', boolean]> = [
    [{ x: [2, 9, 11, 3], filter: [5, 5, 3, 24], strides: 2, pad: 'same' }, 'relu', true],
    [{ x: [1, 13, 13, 24], filter: [1, 1, 24, 24], strides: 1, pad: 'valid' }, 'linear', true],
    [{ x: [2, 7, 7, 8], filter: [3, 3, 8, 16], strides: 1, pad: 'same' }, 'relu', false],
    [{ x: [1, 6, 6, 16], filter: [1, 1, 16, 6], strides: 1, pad: 'same' }, 'linear', true], // 6 outputs: shipped
    [{ x: [1, 6, 6, 8], filter: [3, 3, 8, 8], strides: 1, pad: 'same' }, 'elu', true], // elu: shipped
  ];
  it.each(fused.map((c, i) => [i, ...c] as const))(
    'FusedConv2D case %i',
    async (i, c, activation, withBias) => {
      const inputs: Record<string, Input> = {
        x: randomInput(c.x, 80 + i),
        filter: randomInput(c.filter, 800 + i),
      };
      if (withBias) inputs.bias = randomInput([c.filter[3]], 880 + i);
      const attrs = {
        strides: c.strides,
        pad: c.pad,
        dataFormat: 'NHWC',
        dilations: 1,
        activation,
      };
      await compare('FusedConv2D', inputs, attrs);
    },
  );

  const depthwise: Array<[number[], number[], number | [number, number], 'same' | 'valid']> = [
    [[1, 17, 15, 24], [3, 3, 24, 1], 1, 'same'],
    [[2, 16, 16, 8], [3, 3, 8, 1], 2, 'same'],
    [[1, 9, 10, 16], [5, 5, 16, 1], [2, 1], 'valid'],
    [[1, 8, 8, 6], [3, 3, 6, 1], 1, 'same'], // 6 channels: shipped
    [[1, 8, 8, 8], [3, 3, 8, 2], 1, 'same'], // multiplier 2: shipped
  ];
  it.each(depthwise.map((c, i) => [i, ...c] as const))(
    'DepthwiseConv2dNative case %i',
    async (i, xs, fs, strides, pad) => {
      const attrs = { strides, pad, dataFormat: 'NHWC', dilations: 1 };
      await compare(
        'DepthwiseConv2dNative',
        { x: randomInput(xs, 90 + i), filter: randomInput(fs, 900 + i) },
        attrs,
      );
    },
  );

  it(off ? 'never calls the native kernels' : 'calls the native kernels where they run', () => {
    if (off || !nativeKernelsStatus().loaded) {
      expect(native.calls).toEqual({});
    } else {
      expect(native.calls.conv2dFused).toBe(3);
      expect(native.calls.depthwiseConv2d).toBe(3);
    }
  });
});

interface PoolCase {
  x: [number, number, number, number];
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid';
  /** Round inputs to a few levels, so windows hold ties. */
  ties?: boolean;
  /** Put NaN and −∞ into some windows. */
  special?: boolean;
}

const POOL_CASES: PoolCase[] = [
  { x: [2, 8, 8, 3], filterSize: 2, strides: 2, pad: 'valid' },
  { x: [2, 9, 9, 3], filterSize: 3, strides: 2, pad: 'same' },
  { x: [2, 7, 7, 2], filterSize: 3, strides: 1, pad: 'same' }, // overlapping windows
  { x: [2, 7, 6, 4], filterSize: [2, 3], strides: [2, 1], pad: 'valid' },
  { x: [2, 1, 20, 4], filterSize: [1, 3], strides: [1, 2], pad: 'same' }, // pooling1d
  { x: [3, 8, 8, 5], filterSize: 2, strides: 2, pad: 'valid', ties: true },
  { x: [2, 7, 7, 3], filterSize: 3, strides: 2, pad: 'same', ties: true },
  // channels in fours: the compiled kernel
  { x: [2, 9, 9, 8], filterSize: 3, strides: 2, pad: 'same', ties: true },
  { x: [2, 7, 7, 12], filterSize: 3, strides: 1, pad: 'same', ties: true },
  { x: [3, 8, 8, 16], filterSize: 2, strides: 2, pad: 'valid', special: true },
];

describe.each(PATHS)('MaxPool, MaxPoolGrad and AvgPoolGrad %s', (_, off) => {
  const native = onPath(off);

  it.each(POOL_CASES.map((c, i) => [i, c] as const))('case %i', async (i, c) => {
    const x = randomInput(c.x, 20 + i);
    if (c.ties) x.values = x.values.map((v) => Math.max(0, Math.round(v * 2)));
    if (c.special)
      x.values = x.values.map((v, k) => (k % 7 === 0 ? NaN : k % 5 === 0 ? -Infinity : v));
    const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
    const info = tf.backend_util.computePool2DInfo(c.x, c.filterSize, c.strides, 1, c.pad);
    const dy = randomInput(info.outShape, 200 + i);
    // MaxPoolGrad also takes the forward output; both backends compute the same max.
    const output = await runKernelOn('cpu', 'MaxPool', { x }, attrs);
    const out = { values: output.values, shape: output.shape };
    // XNNPACK's MaxPool (the shipped kernel) lets NaN win, unlike the cpu backend and ours
    const shipped = off || !nativeKernelsStatus().loaded || c.x[3] % 8 !== 0;
    if (!(c.special && shipped)) await compare('MaxPool', { x }, attrs);
    await compare('MaxPoolGrad', { dy, input: x, output: out }, attrs);
    await compare('AvgPoolGrad', { dy, input: x }, attrs);
  });

  it(off ? 'never calls the native kernels' : 'calls the native kernels where they run', () => {
    if (off || !nativeKernelsStatus().loaded) {
      expect(native.calls).toEqual({});
    } else {
      // the cases with channels in eights
      expect(native.calls.maxPool).toBe(2);
      expect(native.calls.maxPoolGrad).toBe(2);
    }
  });
});

describe.each(PATHS)('BatchMatMul %s', (_, off) => {
  const native = onPath(off);

  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[64, 300], [300, 40], false, false],
    [[300, 64], [300, 40], true, false],
    [[64, 300], [40, 300], false, true],
    [[300, 64], [40, 300], true, true],
    [[3, 20, 50], [3, 50, 40], false, false],
    [[3, 50, 20], [3, 40, 50], true, true],
    [[3, 40, 50], [50, 60], false, false],
    [[3, 50, 40], [60, 50], true, true],
    [[40, 50], [3, 50, 60], false, false],
    [[50, 40], [3, 60, 50], true, true],
    [[2, 3, 16, 48], [2, 3, 48, 16], false, false],
    [[2, 3, 48, 16], [2, 3, 16, 48], true, true],
    [[6, 4], [6, 5], true, false], // small: the shipped kernel
    [[13, 2000], [2000, 24], false, false], // long sums; 13 rows (blocks of 6, 6, 1)
    [[4, 20, 30], [56, 30], false, true], // one transposed b for a batch of a
  ];
  it.each(cases.map((c, i) => [i, ...c] as const))('case %i', async (i, aShape, bShape, tA, tB) => {
    // Shapes as stored; the transposes apply to them.
    await compare(
      'BatchMatMul',
      { a: randomInput(aShape, 30 + i), b: randomInput(bShape, 300 + i) },
      { transposeA: tA, transposeB: tB },
    );
  });

  it(off ? 'never calls the native kernels' : 'calls the native kernels where they run', () => {
    if (off || !nativeKernelsStatus().loaded) expect(native.calls).toEqual({});
    else expect(native.calls.matmul).toBeGreaterThanOrEqual(8);
  });
});

describe('Sum', () => {
  const cases: Array<[number[], number[] | number, boolean]> = [
    [[16, 12, 12, 8], [0, 1, 2], false],
    [[16, 12, 12, 8], [0, 1, 2], true],
    [[300, 5], 0, false],
    [[257, 3], 0, true], // prime row count: a 1×257 pool
    [[40, 30, 7], [1, 0], false],
    [[16, 12, 12, 8], [1, 2], false], // not leading: the shipped kernel
    [[16, 12, 12, 8], [0, 1, 2, 3], false], // all axes: the shipped kernel
    [[8, 5], 0, false], // small: the shipped kernel
  ];
  it.each(cases.map((c, i) => [i, ...c] as const))('case %i', async (i, shape, axis, keepDims) => {
    await compare('Sum', { x: randomInput(shape, 40 + i) }, { axis, keepDims });
  });

  it('keeps int32 sums on the shipped kernel', async () => {
    const values = Int32Array.from({ length: 600 }, (_, i) => (i * 7919) % 13);
    const x: Input = { values, shape: [300, 2], dtype: 'int32' };
    const expected = [0, 1].map((c) =>
      values.filter((_, i) => i % 2 === c).reduce((p, q) => p + q),
    );
    const ours = await runKernelOn('wasm', 'Sum', { x }, { axis: 0, keepDims: false });
    expect(Array.from(ours.values)).toEqual(expected);
  });
});

describe('Mean', () => {
  const cases: Array<[number[], number[] | number, boolean]> = [
    [[16, 12, 12, 8], [0, 1, 2], false],
    [[16, 12, 12, 8], [0, 1, 2], true],
    [[300, 5], 0, false],
    [[16, 12, 12, 8], [3], true], // not leading: the shipped kernel
    [[8, 5], 0, false], // small: the shipped kernel
  ];
  it.each(cases.map((c, i) => [i, ...c] as const))('case %i', async (i, shape, axis, keepDims) => {
    await compare('Mean', { x: randomInput(shape, 140 + i) }, { axis, keepDims });
  });
});

describe('Tile', () => {
  const cases: Array<[number[], number[]]> = [
    [
      [1, 1, 1, 8],
      [16, 12, 12, 1],
    ], // batch norm's mean gradient
    [
      [2, 3],
      [3, 4],
    ],
    [
      [2, 3, 4],
      [1, 1, 1],
    ],
    [[5], [7]],
    [
      [2, 1, 3, 2],
      [2, 3, 1, 2],
    ],
    [
      [3, 2, 2],
      [1, 4, 3],
    ],
    [
      [2, 3],
      [0, 2],
    ], // empty output
  ];
  it.each(cases.map((c, i) => [i, ...c] as const))('case %i', async (i, shape, reps) => {
    await compare('Tile', { x: randomInput(shape, 150 + i) }, { reps });
  });

  it('tiles int32 tensors', async () => {
    const x: Input = { values: Int32Array.from([1, 2, 3, 4]), shape: [2, 2], dtype: 'int32' };
    const ours = await runKernelOn('wasm', 'Tile', { x }, { reps: [2, 1] });
    expect(Array.from(ours.values)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(ours.shape).toEqual([4, 2]);
  });
});

describe('Slice and Unpack', () => {
  const cases: Array<[number[], number[], number[], 'float32' | 'int32']> = [
    [[4, 5, 6], [1, 0, 2], [2, 5, 3], 'float32'],
    [[80], [7], [30], 'float32'],
    [[3, 4, 5, 6], [0, 1, 0, 0], [3, 2, 5, 6], 'float32'],
    [[3, 4, 5, 6], [1, 1, 1, 1], [2, 3, -1, 4], 'float32'],
    [[2, 3, 4, 5, 6], [1, 0, 2, 1, 3], [1, 3, 2, 4, 2], 'float32'],
    [[6, 40], [2, 5], [3, 30], 'int32'],
    [[64, 80, 64], [0, 17, 0], [64, 1, 64], 'float32'],
  ];
  it.each(cases.map((c, i) => [i, ...c] as const))(
    'Slice case %i',
    async (i, shape, begin, size, dtype) => {
      const x = randomInput(shape, 50 + i);
      if (dtype === 'int32') {
        x.values = Int32Array.from(x.values, (v) => Math.round(v * 100));
        x.dtype = 'int32';
      }
      await compare('Slice', { x }, { begin, size });
    },
  );

  it('slices bool tensors', async () => {
    await tf.setBackend('wasm');
    const got = tf.tidy(() => {
      const mask = tf.greater(tf.tensor2d([1, -1, 2, -2, 3, -3, 4, -4, 5], [3, 3]), 0);
      return Array.from(tf.slice(mask, [1, 1], [2, 2]).dataSync());
    });
    expect(got).toEqual([1, 0, 0, 1]);
  });

  it.each([
    [[4, 7, 3], 1],
    [[4, 7, 3], 0],
    [[4, 7, 3], -1],
    [[64, 80, 64], 1],
  ] as const)('Unpack %j axis %i', async (shape, axis) => {
    await compare('Unpack', { value: randomInput([...shape], 60) }, { axis });
  });
});

describe('Identity', () => {
  it('shares the data: a clone outlives its source, and both free it together', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory();
    const x = tf.tensor2d(randomInput([300, 8], 70).values as Float32Array, [300, 8]);
    const expected = Array.from(x.dataSync());
    const copy = x.clone();
    expect(copy.dataId).toBe(x.dataId);
    expect(tf.memory().numDataBuffers - before.numDataBuffers).toBe(1); // one buffer, not two
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual(expected);
    copy.dispose();
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(await compare('Identity', { x: randomInput([5, 7], 71) }, {})).toBe(0);
  });
});
