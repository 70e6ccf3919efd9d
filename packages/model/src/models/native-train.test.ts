// Training the study's hybrid with the native kernels follows training it on the wasm kernels
// alone (the implementation before them): the same loss curve within a stated tolerance.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import { disableNativeKernels, nativeKernelsStatus } from '../backend/native-kernels/index.js';
import { initWasm, randoms } from '../backend/testing.js';
import { buildModel } from './build.js';
import { STUDY_SHAPE } from './testing.js';

const BATCH = 16;
const STEPS = 8;
/**
 * Largest difference allowed between the two loss curves (loss ≈ 1.6). The kernels sum in
 * another order (float32 rounding), which Adam can amplify; measured 2026-12-07: 1.2e-7 over
 * these 8 steps.
 */
const TOLERANCE = 1e-5;

beforeAll(async () => {
  await initWasm();
});

afterAll(() => disableNativeKernels(false));

/** The losses of STEPS Adam steps from `weights` on fixed random data. */
async function lossCurve(
  weights: tf.Tensor[] | null,
): Promise<{ losses: number[]; start: tf.Tensor[] }> {
  const model = buildModel('hybrid', { dropout: 0, seed: 3 }, STUDY_SHAPE);
  if (weights) model.setWeights(weights);
  const start = model.getWeights().map((w) => w.clone());
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const xs = model.inputs.map((input, i) => {
    const shape = [BATCH, ...(input.shape.slice(1) as number[])];
    const values = randoms(tf.util.sizeFromShape(shape), 21 + i);
    // faces in [0, 255] as the crops are, physiology around 0
    return tf.tensor(
      input.name.startsWith('face') ? values.map((v) => (v + 1) * 127.5) : values,
      shape,
    );
  });
  const labels = Array.from({ length: BATCH }, (_, i) => i % 5);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 5).toFloat();
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) losses.push((await model.trainOnBatch(xs, y)) as number);
  tf.dispose([...xs, y]);
  model.dispose();
  return { losses, start };
}

describe('the native kernels in a training run', () => {
  it(`the study's hybrid (48×48 faces, 320 steps, batch ${BATCH}): the loss curve of wasm alone within ${TOLERANCE}`, async () => {
    await tf.setBackend('wasm');
    disableNativeKernels(false);
    const native = await lossCurve(null);
    disableNativeKernels(true);
    const alone = await lossCurve(native.start);
    disableNativeKernels(false);
    tf.dispose(native.start);
    tf.dispose(alone.start);
    const diff = Math.max(...native.losses.map((l, i) => Math.abs(l - alone.losses[i])));
    process.stdout.write(
      `native kernels ${nativeKernelsStatus().loaded ? 'on' : `off (${nativeKernelsStatus().reason})`}: ` +
        `losses ${native.losses.map((l) => l.toFixed(5)).join(' ')}; wasm alone ` +
        `${alone.losses.map((l) => l.toFixed(5)).join(' ')}; max difference ${diff.toExponential(2)}\n`,
    );
    expect(native.losses[STEPS - 1]).toBeLessThan(native.losses[0]); // it learns
    expect(diff).toBeLessThan(TOLERANCE);
  });
});
