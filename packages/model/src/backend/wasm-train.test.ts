// Whole tiny models: gradients and training steps on wasm (our kernels) equal the cpu backend's.
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { wasmBinaryDir } from './select.js';
import { muteCpuBanner, randoms, relativeError } from './testing.js';
import { registerWasmGradKernels, wasmGradKernelsRegistered } from './wasm-kernels/index.js';

beforeAll(async () => {
  // Here the wasm backend initialises first and our kernels come after (as when other code in
  // the process, e.g. the face detector, started wasm before the model package).
  setWasmPaths(`${wasmBinaryDir()}/`);
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
  registerWasmGradKernels();
  expect(wasmGradKernelsRegistered()).toBe(true);
  await tf.setBackend('cpu');
  muteCpuBanner();
});

interface Case {
  name: string;
  build: () => tf.LayersModel;
}

const BATCH = 6;

function faceCnn(): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [12, 12, 1],
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
    }),
  );
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'valid', activation: 'relu' }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 5, kernelSize: 2, strides: 2, padding: 'same' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 8, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 5, activation: 'softmax' }));
  return m;
}

/** Channels in eights and a dense layer of 16: what the native kernels take (where they run). */
function faceCnnInEights(): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [12, 12, 1],
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
    }),
  );
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 16, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 5, activation: 'softmax' }));
  return m;
}

function physioRnn(): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.conv1d({
      inputShape: [24, 2],
      filters: 4,
      kernelSize: 5,
      padding: 'same',
      activation: 'relu',
    }),
  );
  m.add(tf.layers.maxPooling1d({ poolSize: 2 }));
  m.add(
    tf.layers.conv1d({
      filters: 6,
      kernelSize: 3,
      strides: 2,
      padding: 'valid',
      activation: 'relu',
    }),
  );
  m.add(tf.layers.lstm({ units: 5, returnSequences: true }));
  m.add(tf.layers.lstm({ units: 4 }));
  m.add(tf.layers.dense({ units: 5, activation: 'softmax' }));
  return m;
}

function hybrid(): tf.LayersModel {
  const face = tf.input({ shape: [10, 10, 1] });
  let f = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(face) as tf.SymbolicTensor;
  f = tf.layers.maxPooling2d({ poolSize: 2 }).apply(f) as tf.SymbolicTensor;
  f = tf.layers.globalAveragePooling2d({}).apply(f) as tf.SymbolicTensor;
  const physio = tf.input({ shape: [16, 2] });
  let p = tf.layers
    .conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(physio) as tf.SymbolicTensor;
  p = tf.layers.maxPooling1d({ poolSize: 2 }).apply(p) as tf.SymbolicTensor;
  p = tf.layers.lstm({ units: 4 }).apply(p) as tf.SymbolicTensor;
  let h = tf.layers.concatenate().apply([f, p]) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 6, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 5, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: [face, physio], outputs: out });
}

/** Inputs and weights from fixed seeds, so both backends see the same numbers. */
function inputsFor(model: tf.LayersModel): tf.Tensor[] {
  return model.inputs.map((input, i) => {
    const shape = [BATCH, ...(input.shape.slice(1) as number[])];
    return tf.tensor(randoms(tf.util.sizeFromShape(shape), 7 + i), shape);
  });
}

function labels(): tf.Tensor {
  return tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 1], 'int32'), 5);
}

function seedWeights(model: tf.LayersModel): void {
  model.setWeights(
    model.getWeights().map((w, i) => tf.mul(tf.tensor(randoms(w.size, 100 + i), w.shape), 0.5)),
  );
}

function loss(model: tf.LayersModel, xs: tf.Tensor[], y: tf.Tensor): tf.Scalar {
  const p = model.apply(xs.length === 1 ? xs[0] : xs, { training: true }) as tf.Tensor;
  return tf.metrics.categoricalCrossentropy(y, p).mean() as tf.Scalar;
}

/** Loss and the gradient of every weight, computed on `backend`. */
async function gradientsOn(
  backend: 'wasm' | 'cpu',
  build: () => tf.LayersModel,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = build();
  seedWeights(model);
  const out = tf.tidy(() => {
    const xs = inputsFor(model);
    const y = labels();
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => loss(model, xs, y), vars);
    return [
      Float32Array.of(value.dataSync()[0]),
      ...vars.map((v) => Float32Array.from(grads[v.name].dataSync())),
    ];
  });
  model.dispose();
  return out;
}

/** Weights after `epochs` epochs of `model.fit` (SGD, no shuffling) on `backend`. */
async function fitOn(
  backend: 'wasm' | 'cpu',
  build: () => tf.LayersModel,
  epochs: number,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = build();
  seedWeights(model);
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const xs = inputsFor(model);
  const y = labels();
  await model.fit(xs.length === 1 ? xs[0] : xs, y, {
    epochs,
    batchSize: 3,
    shuffle: false,
    verbose: 0,
  });
  const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  tf.dispose([...xs, y]);
  model.dispose();
  return weights;
}

const CASES: Case[] = [
  { name: 'conv2d + pooling + dense', build: faceCnn },
  { name: 'conv2d + dense in eights', build: faceCnnInEights },
  { name: 'conv1d + LSTM', build: physioRnn },
  { name: 'hybrid (CNN ‖ conv1d+LSTM → dense)', build: hybrid },
];

describe('training on wasm equals training on cpu', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s: loss and gradients', async (_, c) => {
    const wasm = await gradientsOn('wasm', c.build);
    const cpu = await gradientsOn('cpu', c.build);
    expect(wasm.length).toBe(cpu.length);
    let worst = 0;
    wasm.forEach((values, i) => {
      const err = relativeError(values, cpu[i]);
      worst = Math.max(worst, err);
      expect(err).toBeLessThan(1e-4);
    });
    // Not all zero: the comparison means something.
    expect(cpu.slice(1).every((g) => g.some((v) => v !== 0))).toBe(true);
    process.stdout.write(
      `${c.name}: max relative gradient error wasm vs cpu ${worst.toExponential(2)}\n`,
    );
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s: weights after model.fit', async (_, c) => {
    const wasm = await fitOn('wasm', c.build, 2);
    const cpu = await fitOn('cpu', c.build, 2);
    wasm.forEach((values, i) => expect(relativeError(values, cpu[i])).toBeLessThan(1e-4));
  });

  it('Adam trains the CNN on wasm (loss goes down)', async () => {
    await tf.setBackend('wasm');
    const model = faceCnn();
    seedWeights(model);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const [x] = inputsFor(model);
    const y = labels();
    const history = await model.fit(x, y, {
      epochs: 60,
      batchSize: BATCH,
      shuffle: false,
      verbose: 0,
    });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.5);
    tf.dispose([x, y]);
    model.dispose();
  });
});
