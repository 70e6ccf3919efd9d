import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolveModelConfig } from '../models/config.js';
import { buildModel, modelMetadata, setFeatureStats } from '../models/build.js';
import { TINY_CONFIG, TINY_SHAPE, toyData } from '../models/testing.js';
import { MODEL_JSON } from '../models/signature.js';
import {
  ModelIoError,
  WEIGHTS_BIN,
  fileSystemHandler,
  loadModel,
  saveModel,
} from './fs-handler.js';

const TINY = TINY_CONFIG;

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'emo-model-io-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function probs(model: tf.LayersModel, xs: tf.Tensor[]): Promise<Float32Array> {
  const p = model.predict(xs) as tf.Tensor;
  const out = (await p.data()) as Float32Array;
  p.dispose();
  return out;
}

describe('saveModel / loadModel', () => {
  it('save → load → predict gives identical probabilities, metadata and feature statistics', async () => {
    const cfg = resolveModelConfig({ ...TINY, useFeatures: true, seed: 9 });
    const shape = { ...TINY_SHAPE, frames: 3 };
    const model = buildModel('hybrid', cfg, shape);
    setFeatureStats(model, { mean: Array(11).fill(0.5), std: Array(11).fill(2) });
    const data = toyData('hybrid', cfg, shape, 10, 2);
    await model.fit(data.xs, data.ys, { epochs: 1, batchSize: 5, shuffle: false, verbose: 0 });
    const dir = join(root, 'nested', 'hybrid');
    const result = await saveModel(model, dir);
    expect(result.modelArtifactsInfo.weightDataBytes).toBeGreaterThan(0);
    expect(readdirSync(dir).sort()).toEqual([MODEL_JSON, WEIGHTS_BIN]);
    const json = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual([WEIGHTS_BIN]);
    expect(json.weightsBytes).toBe(readFileSync(join(dir, WEIGHTS_BIN)).byteLength);

    const loaded = await loadModel(dir);
    expect(await probs(loaded, data.xs)).toEqual(await probs(model, data.xs));
    expect(modelMetadata(loaded)).toEqual(modelMetadata(model));
    expect(Array.from(loaded.getLayer('features_standardize').getWeights()[1].dataSync())).toEqual(
      Array(11).fill(2),
    );
    expect(loaded.getLayer('head_dropout1').getClassName()).toBe('EmoSeededDropout');
    // It comes back compiled and trains on.
    expect(loaded.optimizer.getClassName()).toBe('Adam');
    await loaded.fit(data.xs, data.ys, { epochs: 1, batchSize: 5, shuffle: false, verbose: 0 });
    tf.dispose([...data.xs, data.ys]);
  });

  it('a checkpoint with the optimizer resumes training exactly (Adam state, dropout stream)', async () => {
    const cfg = resolveModelConfig({ ...TINY, seed: 4 });
    const data = toyData('rnnOnly', cfg, TINY_SHAPE, 10, 5);
    const fit = (m: tf.LayersModel) =>
      m.fit(data.xs, data.ys, { epochs: 1, batchSize: 5, shuffle: false, verbose: 0 });
    const model = buildModel('rnnOnly', cfg, TINY_SHAPE);
    await fit(model);
    const dir = join(root, 'checkpoint');
    await saveModel(model, dir, { includeOptimizer: true });
    const resumed = await loadModel(dir);
    await fit(model);
    await fit(resumed);
    const a = await Promise.all(model.getWeights().map((w) => w.data()));
    const b = await Promise.all(resumed.getWeights().map((w) => w.data()));
    expect(b).toEqual(a);
    tf.dispose([...data.xs, data.ys]);
  });

  it('overwrites a saved model and leaves no temporary files', async () => {
    const dir = join(root, 'overwrite');
    const a = buildModel('cnnOnly', { ...TINY, seed: 1 }, TINY_SHAPE);
    const b = buildModel('cnnOnly', { ...TINY, seed: 2 }, TINY_SHAPE);
    await saveModel(a, dir);
    await saveModel(b, dir);
    expect(readdirSync(dir).sort()).toEqual([MODEL_JSON, WEIGHTS_BIN]);
    const x = [tf.randomUniform([2, 12, 12, 1], 0, 255, 'float32', 1)];
    expect(await probs(await loadModel(dir), x)).toEqual(await probs(b, x));
  });

  it('is a tfjs IOHandler usable with model.save and tf.loadLayersModel', async () => {
    const dir = join(root, 'handler');
    const model = buildModel('rnnOnly', TINY, TINY_SHAPE);
    await model.save(fileSystemHandler(dir));
    const loaded = await tf.loadLayersModel(fileSystemHandler(dir));
    expect(loaded.inputNames).toEqual(['physio']);
  });
});

describe('loading errors name the file', () => {
  it('a folder without a model', async () => {
    const dir = join(root, 'empty');
    await expect(loadModel(dir)).rejects.toThrow(ModelIoError);
    await expect(loadModel(dir)).rejects.toThrow(
      `${join(dir, MODEL_JSON)}: not found (no model saved in this folder)`,
    );
  });

  it('a model.json that is not JSON or not a layers model', async () => {
    const dir = join(root, 'bad-json');
    await saveModel(buildModel('rnnOnly', TINY, TINY_SHAPE), dir);
    writeFileSync(join(dir, MODEL_JSON), '{"modelTopology": ');
    await expect(loadModel(dir)).rejects.toThrow(/model\.json: not JSON/);
    writeFileSync(join(dir, MODEL_JSON), '{"weightsManifest": []}');
    await expect(loadModel(dir)).rejects.toThrow(/model\.json: expected a tfjs layers model\.json/);
  });

  it('weights that do not match model.json (an interrupted save)', async () => {
    const dir = join(root, 'torn');
    await saveModel(buildModel('rnnOnly', { ...TINY, seed: 1 }, TINY_SHAPE), dir);
    const weights = readFileSync(join(dir, WEIGHTS_BIN));
    weights[0] ^= 0xff;
    writeFileSync(join(dir, WEIGHTS_BIN), weights);
    await expect(loadModel(dir)).rejects.toThrow(
      `${join(dir, WEIGHTS_BIN)}: SHA-256 differs from the one model.json records`,
    );
    writeFileSync(join(dir, WEIGHTS_BIN), weights.subarray(0, 100));
    await expect(loadModel(dir)).rejects.toThrow(/weights\.bin: 100 bytes but model\.json expects/);
    rmSync(join(dir, WEIGHTS_BIN));
    await expect(loadModel(dir)).rejects.toThrow(/weights\.bin: cannot read/);
  });

  it('a weights path outside the folder', async () => {
    const dir = join(root, 'escape');
    await saveModel(buildModel('rnnOnly', TINY, TINY_SHAPE), dir);
    const json = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8'));
    json.weightsManifest[0].paths = ['../secret.bin'];
    writeFileSync(join(dir, MODEL_JSON), JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow(/weights path '\.\.\/secret\.bin' is not a file/);
  });

  it('a folder that cannot be created', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    await expect(
      saveModel(buildModel('rnnOnly', TINY, TINY_SHAPE), join(file, 'sub')),
    ).rejects.toThrow(/cannot create the folder/);
  });
});
