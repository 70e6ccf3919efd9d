// Training on streamed toy shards (cpu backend, tiny models): the loss falls, early stopping and
// best-weight restore, class weights, curves, and a resumed run equal to an uninterrupted one.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { SampleIndex } from '@emo/samples';
import { indexSamples } from '@emo/samples';
import type { ModelConfig } from '../models/index.js';
import { buildModel, modelInputs, resolveModelConfig } from '../models/index.js';
import { TINY_CONFIG, TINY_SHAPE } from '../models/testing.js';
import { muteCpuBanner } from '../backend/testing.js';
import { curvesOf, historyCsv } from './history.js';
import { weightedCrossEntropy } from './losses.js';
import { predictSamples, scorePredictions } from './predict.js';
import { readCheckpointState } from './checkpoint.js';
import { testSplit, writeToyShards } from './testing.js';
import { trainModel } from './trainer.js';
import { FACE_AUGMENTATION } from './augment.js';

const cfg: ModelConfig = resolveModelConfig({ ...TINY_CONFIG, seed: 7 });
let index: SampleIndex;
let train: Set<string>;
let val: Set<string>;
let test: Set<string>;

beforeAll(async () => {
  await tf.setBackend('cpu');
  muteCpuBanner();
  const dir = mkdtempSync(join(tmpdir(), 'emo-train-'));
  const shards = writeToyShards(dir, TINY_SHAPE, { subjects: 3, trials: 10, windowsPerTrial: 3 });
  index = indexSamples(shards, { needs: modelInputs('hybrid', cfg) });
  const split = testSplit(index, 1);
  train = new Set(split.train);
  val = new Set(split.val);
  test = new Set(split.test);
});

async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
}

describe('trainModel', () => {
  it('learns the toy data (held-out accuracy) and records the curves', async () => {
    const model = buildModel('rnnOnly', cfg, TINY_SHAPE);
    const r = await trainModel(model, {
      index,
      trainIds: train,
      valIds: val,
      epochs: 10,
      patience: 0,
      batchSize: 16,
    });
    expect(r.history).toHaveLength(10);
    expect(r.samples).toEqual({ train: train.size, val: val.size });
    expect(r.history[9].loss).toBeLessThan(r.history[0].loss);
    for (const h of r.history) {
      expect(h.valLoss).not.toBeNull();
      expect(h.samplesPerSecond).toBeGreaterThan(0);
    }
    const s = scorePredictions(await predictSamples(r.model, index, { ids: test }));
    expect(s.n).toBe(test.size);
    expect(s.accuracy).toBeGreaterThan(0.5); // chance is 0.2
    const csv = historyCsv(curvesOf(r.history)).trim().split('\n');
    expect(csv[0]).toBe('epoch,loss,accuracy,val_loss,val_accuracy');
    expect(csv).toHaveLength(11);
    r.model.dispose();
  });

  it('stops early when the validation loss stops falling and keeps the best epoch', async () => {
    // A learning rate far too high makes the validation loss rise after the first epochs.
    const model = buildModel('rnnOnly', { ...cfg, learningRate: 0.5 }, TINY_SHAPE);
    const r = await trainModel(model, {
      index,
      trainIds: train,
      valIds: val,
      epochs: 30,
      patience: 2,
      batchSize: 8,
    });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.length).toBeLessThan(30);
    expect(r.history.length).toBe(r.bestEpoch + 2);
    const best = Math.min(...r.history.map((h) => h.valLoss as number));
    expect(r.bestValLoss).toBe(best);
    // The model has the best epoch's weights: its validation loss is the best one.
    const s = scorePredictions(await predictSamples(r.model, index, { ids: val }));
    expect(s.loss).toBeCloseTo(best, 5);
    r.model.dispose();
  });

  it('class weights scale each row by its class weight (Keras mean of w·CE)', () => {
    const probs = tf.tensor2d([
      [0.7, 0.1, 0.1, 0.05, 0.05],
      [0.2, 0.6, 0.1, 0.05, 0.05],
    ]);
    const ys = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 5).toFloat();
    const plain = weightedCrossEntropy(probs, ys, null).dataSync()[0];
    const w = weightedCrossEntropy(probs, ys, [2, 0.5, 1, 1, 1]).dataSync()[0];
    expect(plain).toBeCloseTo((-Math.log(0.7) - Math.log(0.6)) / 2, 6);
    expect(w).toBeCloseTo((-2 * Math.log(0.7) - 0.5 * Math.log(0.6)) / 2, 6);
    tf.dispose([probs, ys]);
  });

  it('balanced class weighting trains with weights from the training counts', async () => {
    const model = buildModel('rnnOnly', cfg, TINY_SHAPE);
    const r = await trainModel(model, {
      index,
      trainIds: train,
      valIds: val,
      epochs: 1,
      batchSize: 16,
      classWeighting: 'balanced',
    });
    expect(r.classWeights).toHaveLength(5);
    const mean = (r.classWeights ?? []).reduce((a, b) => a + b, 0) / 5;
    expect(mean).toBeGreaterThan(0.5);
    r.model.dispose();
  });

  it('a run resumed from its checkpoint ends with the same weights as an uninterrupted one', async () => {
    // RNN-only with features (their statistics are weights too) and dropout; conv layers are slow on cpu.
    const rnnCfg = resolveModelConfig({ ...cfg, useFeatures: true });
    const dirA = mkdtempSync(join(tmpdir(), 'emo-ckpt-a-'));
    const dirB = mkdtempSync(join(tmpdir(), 'emo-ckpt-b-'));
    const opts = { index, trainIds: train, valIds: val, patience: 0, batchSize: 16 };
    const a = await trainModel(buildModel('rnnOnly', rnnCfg, TINY_SHAPE), {
      ...opts,
      epochs: 4,
      checkpointDir: dirA,
    });
    // B: stopped after 2 epochs (as if killed), then started again with the same arguments.
    const b1 = await trainModel(buildModel('rnnOnly', rnnCfg, TINY_SHAPE), {
      ...opts,
      epochs: 2,
      checkpointDir: dirB,
    });
    expect(readCheckpointState(dirB)?.epoch).toBe(2);
    b1.model.dispose();
    const b = await trainModel(buildModel('rnnOnly', rnnCfg, TINY_SHAPE), {
      ...opts,
      epochs: 4,
      checkpointDir: dirB,
    });
    expect(b.resumedAt).toBe(2);
    expect(b.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
    expect(await weightsOf(b.model)).toEqual(await weightsOf(a.model));
    // Only the last epoch and the best model are kept on disk.
    expect(existsSync(join(dirB, 'epochs', 'epoch-4', 'model.json'))).toBe(true);
    expect(existsSync(join(dirB, 'epochs', 'epoch-3'))).toBe(false);
    const state = JSON.parse(readFileSync(join(dirB, 'state.json'), 'utf8')) as {
      bestEpoch: number;
    };
    expect(existsSync(join(dirB, 'best', `epoch-${state.bestEpoch}`, 'model.json'))).toBe(true);
    // A different run (another seed) in the same folder starts afresh instead of resuming.
    const c = await trainModel(buildModel('rnnOnly', { ...rnnCfg, seed: 8 }, TINY_SHAPE), {
      ...opts,
      epochs: 1,
      checkpointDir: dirB,
    });
    expect(c.resumedAt).toBe(0);
    for (const m of [a.model, b.model, c.model]) m.dispose();
  });

  it('augments the training faces reproducibly (same seed, same weights)', async () => {
    const opts = { index, trainIds: train, valIds: val, epochs: 1, patience: 0, batchSize: 16 };
    const run = async (augment?: typeof FACE_AUGMENTATION) => {
      const r = await trainModel(buildModel('cnnOnly', cfg, TINY_SHAPE), { ...opts, augment });
      const w = await weightsOf(r.model);
      r.model.dispose();
      return { w, h: r.history[0] };
    };
    const a = await run(FACE_AUGMENTATION);
    const b = await run(FACE_AUGMENTATION);
    const plain = await run();
    expect(b.w).toEqual(a.w);
    expect(a.w).not.toEqual(plain.w);
    expect(a.h.loss).not.toBe(plain.h.loss);
  });

  it('scales the face branch learning: frozen keeps it bit for bit, a share scales its step', async () => {
    // no dropout, one batch: the runs see the same gradients, so the steps can be compared
    const c = resolveModelConfig({ ...cfg, dropout: 0, faceBatchNorm: true });
    const opts = { index, trainIds: train, epochs: 1, patience: 0, batchSize: train.size };
    const faceWeights = (m: tf.LayersModel) =>
      m.layers.filter((l) => l.name.startsWith('face_')).flatMap((l) => l.getWeights());
    const otherWeights = (m: tf.LayersModel) =>
      m.layers.filter((l) => !l.name.startsWith('face_')).flatMap((l) => l.getWeights());
    const values = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));
    const start = buildModel('hybrid', c, TINY_SHAPE);
    const w0 = { face: values(faceWeights(start)), other: values(otherWeights(start)) };
    start.dispose();
    let frozenLoss = NaN;
    let trainedLoss = NaN;
    const run = async (scale: number) => {
      const r = await trainModel(buildModel('hybrid', c, TINY_SHAPE), {
        ...opts,
        faceLearningRateScale: scale,
      });
      if (scale === 0) frozenLoss = r.history[0].loss;
      if (scale === 1) trainedLoss = r.history[0].loss;
      const w = { face: values(faceWeights(r.model)), other: values(otherWeights(r.model)) };
      r.model.dispose();
      return w;
    };
    const frozen = await run(0);
    expect(frozen.face).toEqual(w0.face); // batch-norm statistics included
    // a frozen branch's batch normalisation trains as it predicts, with its stored statistics:
    // the epoch's loss (before its one step) is the untrained model's inference loss
    const untrained = buildModel('hybrid', c, TINY_SHAPE);
    const inference = scorePredictions(await predictSamples(untrained, index, { ids: train }));
    untrained.dispose();
    expect(frozenLoss).toBeCloseTo(inference.loss, 5);
    expect(frozen.other).not.toEqual(w0.other);
    const full = await run(1);
    expect(trainedLoss).not.toBeCloseTo(frozenLoss, 3); // batch statistics when it learns
    const half = await run(0.5);
    expect(half.other).toEqual(full.other);
    full.face.forEach((f, i) =>
      f.forEach((v, j) =>
        expect(half.face[i][j] - w0.face[i][j]).toBeCloseTo((v - w0.face[i][j]) / 2, 5),
      ),
    );
    expect(full.face).not.toEqual(w0.face);
  });

  it('drops the learning rate on plateaus, and a resumed run drops it the same way', async () => {
    // far too high a learning rate: the validation loss soon stops falling
    const hot = resolveModelConfig({ ...cfg, learningRate: 0.5 });
    const lrDrop = { factor: 0.25, patience: 2 };
    const opts = { index, trainIds: train, valIds: val, patience: 0, batchSize: 8, lrDrop };
    const a = await trainModel(buildModel('rnnOnly', hot, TINY_SHAPE), { ...opts, epochs: 8 });
    // the rate each epoch trained at, recomputed from the validation losses
    let lr = 0.5;
    let best = Infinity;
    let wait = 0;
    for (const h of a.history) {
      expect(h.learningRate).toBeCloseTo(lr, 12);
      const v = h.valLoss as number;
      wait = v < best ? 0 : wait + 1;
      best = Math.min(best, v);
      if (wait > 0 && wait % 2 === 0) lr *= 0.25;
    }
    expect(a.history.some((h) => (h.learningRate as number) < 0.5)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'emo-ckpt-lr-'));
    const b1 = await trainModel(buildModel('rnnOnly', hot, TINY_SHAPE), {
      ...opts,
      epochs: 5,
      checkpointDir: dir,
    });
    b1.model.dispose();
    const b = await trainModel(buildModel('rnnOnly', hot, TINY_SHAPE), {
      ...opts,
      epochs: 8,
      checkpointDir: dir,
    });
    expect(b.resumedAt).toBe(5);
    expect(b.history).toEqual(
      a.history.map((h, i) => ({
        ...h,
        seconds: b.history[i].seconds,
        samplesPerSecond: b.history[i].samplesPerSecond,
      })),
    );
    expect(await weightsOf(b.model)).toEqual(await weightsOf(a.model));
    await expect(
      trainModel(buildModel('rnnOnly', hot, TINY_SHAPE), {
        ...opts,
        lrDrop: { factor: 1, patience: 2 },
      }),
    ).rejects.toThrow(/lrDrop needs a factor in \(0, 1\)/);
    for (const m of [a.model, b.model]) m.dispose();
  });

  it('refuses training ids that are not labelled samples of the index', async () => {
    const model = buildModel('rnnOnly', cfg, TINY_SHAPE);
    await expect(
      trainModel(model, { index, trainIds: new Set([...train].slice(0, 3)), epochs: 1 }),
    ).resolves.toBeDefined();
    await expect(trainModel(model, { index, trainIds: new Set(), epochs: 1 })).rejects.toThrow(
      /no training samples/,
    );
    model.dispose();
  });
});
