import { beforeAll, describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, ModelKind } from './config.js';
import { resolveModelConfig } from './config.js';
import { buildModel } from './build.js';
import type { Shape } from './testing.js';
import { TINY_CONFIG, TINY_SHAPE, toyData } from './testing.js';

const TINY = TINY_CONFIG;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function lossOf(model: tf.LayersModel, xs: tf.Tensor[], ys: tf.Tensor): Promise<number> {
  const out = model.evaluate(xs, ys, { batchSize: 64 }) as tf.Scalar[];
  const loss = (await out[0].data())[0];
  tf.dispose(out);
  return loss;
}

async function train(kind: ModelKind, cfg: ModelConfig, epochs: number, shape: Shape) {
  const model = buildModel(kind, cfg, shape);
  const data = toyData(kind, cfg, shape, 20, 3);
  const before = await lossOf(model, data.xs, data.ys);
  // No shuffling inside fit (it draws from Math.random): a trainer shuffles with its own seed.
  await model.fit(data.xs, data.ys, { epochs, batchSize: 10, shuffle: false, verbose: 0 });
  const after = await lossOf(model, data.xs, data.ys);
  const weights = await Promise.all(model.getWeights().map((w) => w.data()));
  tf.dispose([...data.xs, data.ys]);
  model.dispose();
  return { before, after, weights };
}

describe('training on a toy separable data set', () => {
  it.each([
    ['hybrid', 1, true],
    ['hybrid', 3, false],
    ['cnnOnly', 1, false],
    ['rnnOnly', 1, true],
  ] as [ModelKind, number, boolean][])(
    '%s (K=%i, features %s): a few Adam steps reduce the loss',
    async (kind, frames, useFeatures) => {
      const cfg = resolveModelConfig({ ...TINY, useFeatures, seed: 1 });
      const { before, after } = await train(kind, cfg, 5, { ...TINY_SHAPE, frames });
      expect(Number.isFinite(before)).toBe(true);
      expect(after).toBeLessThan(before * 0.9);
    },
  );

  it('the same seed gives the same trained weights (dropout included); another seed others', async () => {
    const cfg = resolveModelConfig({ ...TINY, useFeatures: true, seed: 42 });
    const shape = { ...TINY_SHAPE, frames: 3 };
    const a = await train('hybrid', cfg, 2, shape);
    const b = await train('hybrid', cfg, 2, shape);
    expect(b.weights).toEqual(a.weights);
    expect(b.after).toBe(a.after);
    const c = await train('hybrid', { ...cfg, seed: 43 }, 2, shape);
    expect(c.weights).not.toEqual(a.weights);
  });
});
