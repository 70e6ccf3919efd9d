// Training jobs in worker processes, grid search on validation loss, pretraining the face CNN
// and moving its weights into the hybrid, and inference on a user's shards.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readFacesShard, readPredictionsShard } from '@emo/datasets';
import { muteCpuBanner } from '../backend/testing.js';
import type { SubjectShards } from '@emo/samples';
import { faceRegionMeans, faceShardsAsSubjects, indexSamples, sampleId } from '@emo/samples';
import { loadModel } from '../io/index.js';
import {
  FACE_STATS_LAYER,
  buildModel,
  modelInputs,
  readModelSignature,
  resolveModelConfig,
  withPretrainedFaceBranch,
} from '../models/index.js';
import { TINY_CONFIG, TINY_SHAPE } from '../models/testing.js';
import { testSplit, writeToyShards } from '../train/testing.js';
import { transferWeights } from '../train/index.js';
import { gridSearch } from './grid.js';
import { gridTrials } from '../models/index.js';
import { WorkerJobError, WorkerPool } from './pool.js';
import { pretrainFaces } from './pretrain.js';
import { predictShardRows } from './predict-shard.js';
import { runTrainJob } from './job.js';

const cfg = resolveModelConfig({ ...TINY_CONFIG, seed: 3 });
let shards: SubjectShards[];
let fold: { train: readonly string[]; val: readonly string[]; test: readonly string[] };

beforeAll(async () => {
  await tf.setBackend('cpu');
  muteCpuBanner();
  const dir = mkdtempSync(join(tmpdir(), 'emo-workers-'));
  shards = writeToyShards(dir, TINY_SHAPE, { subjects: 2, trials: 10, windowsPerTrial: 3 });
  const index = indexSamples(shards, { needs: modelInputs('hybrid', cfg) });
  fold = testSplit(index, 2);
});

describe('worker processes and grid search', () => {
  it('gridTrials: the cartesian product, without fields the model kind does not use', () => {
    const grid = { convLayers: [1, 2], lstmUnits: [4, 8], dropout: [0.1, 0.3] };
    expect(gridTrials('hybrid', grid)).toHaveLength(8);
    expect(gridTrials('cnnOnly', grid)).toEqual([
      { convLayers: 1, dropout: 0.1 },
      { convLayers: 1, dropout: 0.3 },
      { convLayers: 2, dropout: 0.1 },
      { convLayers: 2, dropout: 0.3 },
    ]);
    expect(gridTrials('rnnOnly', grid)).toHaveLength(4);
    expect(gridTrials('hybrid', {})).toEqual([{}]);
    expect(() => gridTrials('hybrid', { dropout: [] })).toThrow(/dropout/);
  });

  it('trains trials in parallel worker processes and selects the lowest validation loss', async () => {
    const work = mkdtempSync(join(tmpdir(), 'emo-grid-'));
    const pool = new WorkerPool(2);
    const epochsSeen = new Set<string>();
    const r = await gridSearch({
      job: {
        kind: 'rnnOnly',
        config: cfg,
        shards,
        trainIds: fold.train,
        valIds: fold.val,
        testIds: fold.test,
        train: { epochs: 2, batchSize: 16, patience: 0 },
      },
      grid: { lstmUnits: [4, 8], learningRate: [0.03, 0.0001] },
      workDir: work,
      pool,
      onEvent: (e) => {
        if (e.kind === 'epoch') epochsSeen.add(`${e.label}/${e.log.epoch}`);
      },
    });
    expect(r.trials).toHaveLength(4);
    expect(epochsSeen.size).toBe(8);
    const losses = r.trials.map((t) => t.result.bestValLoss as number);
    expect(r.trials[r.best].result.bestValLoss).toBe(Math.min(...losses));
    for (const t of r.trials) {
      expect(t.result.backend).toMatch(/wasm/); // the worker selected its own backend
      expect(t.result.config.lstmUnits).toBe(t.overrides.lstmUnits);
      expect(existsSync(join(t.result.modelDir, 'model.json'))).toBe(true);
      expect(existsSync(join(work, `trial-${t.trial}`, 'history.csv'))).toBe(true);
      // Trials never look at the test samples.
      expect(t.result.predictions).toBeNull();
    }
  }, 120_000);

  it('a single job returns its test predictions; a failing job names itself', async () => {
    const pool = new WorkerPool(1);
    const out = mkdtempSync(join(tmpdir(), 'emo-job-'));
    const job = {
      kind: 'rnnOnly' as const,
      config: cfg,
      shards,
      trainIds: fold.train,
      valIds: fold.val,
      testIds: fold.test,
      train: { epochs: 1, batchSize: 16 },
      outDir: out,
      label: 'rnn test job',
    };
    const r = await pool.run(job);
    expect(r.predictions?.ids).toHaveLength(fold.test.length);
    expect(r.predictions?.probs).toHaveLength(fold.test.length * 5);
    expect(r.test?.accuracy).toBeGreaterThanOrEqual(0);
    await expect(pool.run({ ...job, trainIds: ['nobody/0/0'] })).rejects.toThrow(WorkerJobError);
    await expect(pool.run({ ...job, trainIds: ['nobody/0/0'] })).rejects.toThrow(/rnn test job/);
  }, 60_000);
});

describe('pretraining the face CNN and fine-tuning in the hybrid', () => {
  it('pretrains on face crops, scores the held-out part, and its face branch starts a hybrid', async () => {
    const out = mkdtempSync(join(tmpdir(), 'emo-pretrain-'));
    const faces = shards.map((s) => s.faces as string);
    const split = testSplit(indexSamples(faceShardsAsSubjects(faces), { needs: ['face'] }), 1);
    const r = await pretrainFaces({
      faces,
      split,
      outDir: out,
      seed: 1,
      config: TINY_CONFIG,
      train: { epochs: 15, batchSize: 8, patience: 0 },
    });
    expect(r.split).toEqual({ train: 42, val: 9, test: 9 });
    expect(r.samples).toEqual({ train: 42, val: 9, test: 9 });
    expect(r.heldOutAccuracy).toBeGreaterThan(0.4); // chance 0.2: the toy faces show the class
    const saved = JSON.parse(readFileSync(join(out, 'pretrain.json'), 'utf8')) as {
      heldOutAccuracy: number;
    };
    expect(saved.heldOutAccuracy).toBe(r.heldOutAccuracy);

    const pre = await loadModel(r.modelDir);
    const hybrid = buildModel('hybrid', { ...TINY_CONFIG, seed: 99 }, TINY_SHAPE);
    const before = hybrid.getLayer('face_conv1').getWeights()[0].dataSync().slice();
    const { copied } = transferWeights(pre, hybrid);
    expect(copied).toEqual(['face_conv1', 'face_conv2']);
    const after = hybrid.getLayer('face_conv1').getWeights()[0].dataSync();
    expect(after).toEqual(pre.getLayer('face_conv1').getWeights()[0].dataSync());
    expect(after).not.toEqual(before);
    // Another architecture is refused, naming the layer.
    const wide = buildModel('hybrid', { ...TINY_CONFIG, filters: 8 }, TINY_SHAPE);
    expect(() => transferWeights(pre, wide)).toThrow(/face_conv1/);
    // so is a branch with layers the other lacks (batch normalisation), either way
    const normed = buildModel('hybrid', { ...TINY_CONFIG, faceBatchNorm: true }, TINY_SHAPE);
    expect(() => transferWeights(pre, normed)).toThrow(
      /the target's 'face_bn1', 'face_bn2' have no twin in the source/,
    );
    expect(() => transferWeights(normed, hybrid)).toThrow(
      /layer 'face_bn1' of the source has no twin in the target/,
    );
    for (const m of [pre, hybrid, wide, normed]) m.dispose();

    // A job starting from it takes its face branch's architecture, and refuses a config that
    // contradicts it before training.
    expect(withPretrainedFaceBranch({ lstmUnits: 4 }, r.modelDir)).toMatchObject({
      lstmUnits: 4,
      convLayers: TINY_CONFIG.convLayers,
      filters: TINY_CONFIG.filters,
      faceBatchNorm: false,
    });
    expect(() => withPretrainedFaceBranch({ faceBatchNorm: true }, r.modelDir)).toThrow(
      `${r.modelDir}: its face branch has faceBatchNorm false, the model config true; leave them out of the model config`,
    );
    // the default face branch (3 conv layers of 32…) would not fit the tiny pretrained one's
    const { convLayers: _c, filters: _f, ...noFace } = TINY_CONFIG;
    const adopted = await runTrainJob({
      kind: 'hybrid',
      config: { ...noFace, seed: 5 },
      shards,
      trainIds: fold.train,
      valIds: fold.val,
      train: { epochs: 1, batchSize: 16 },
      initFrom: r.modelDir,
      outDir: join(out, 'adopt'),
    });
    expect(adopted.transferred).toEqual(['face_conv1', 'face_conv2']);
    expect(adopted.config).toMatchObject({
      convLayers: TINY_CONFIG.convLayers,
      filters: TINY_CONFIG.filters,
    });

    // A pretrained face model of another crop size is refused before training, in one line.
    const big = mkdtempSync(join(tmpdir(), 'emo-pretrain-big-'));
    const bigShards = writeToyShards(
      big,
      { ...TINY_SHAPE, imageSize: 16 },
      {
        subjects: 2,
        trials: 5,
        windowsPerTrial: 3,
      },
    );
    const job = {
      kind: 'hybrid' as const,
      config: TINY_CONFIG,
      shards: bigShards,
      trainIds: [],
      valIds: [],
      initFrom: r.modelDir,
      outDir: join(big, 'out'),
    };
    await expect(runTrainJob(job)).rejects.toThrow(
      `pretrained face model ${r.modelDir} takes faces of 12×12×1 (its model.json) but the data are faces of 16×16×1 (the faces shards)`,
    );
    expect(existsSync(join(big, 'out'))).toBe(false);
  }, 60_000);
});

describe('the logistic regression with face statistics', () => {
  it('standardises the face statistics by the training samples, learns, and predicts from shards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-logreg-faces-'));
    const r = await runTrainJob({
      kind: 'logregFaces',
      config: { ...cfg, featureNorm: 'train', learningRate: 0.1 },
      shards,
      trainIds: fold.train,
      valIds: fold.val,
      testIds: fold.test,
      train: { epochs: 40, patience: 40, batchSize: 8 },
      outDir: join(dir, 'job'),
    });
    expect(r.shape).toMatchObject({ imageSize: 12, frames: 1 });
    // the stored mean of each region is its mean over the training samples' crops
    const index = indexSamples(shards, { needs: ['features', 'faceStats'] });
    const train = new Set(fold.train);
    const sums = new Float64Array(16);
    let n = 0;
    for (const s of shards) {
      const f = readFacesShard(s.faces as string);
      const stats = faceRegionMeans(f.faces, f.metadata.size, f.metadata.frames);
      index.entries
        .filter((e) => e.subject === s.subject && train.has(sampleId(e)))
        .forEach((e) => {
          n++;
          for (let c = 0; c < 16; c++) sums[c] += stats[(e.facesRow as number) * 16 + c];
        });
    }
    const model = await loadModel(r.modelDir);
    const [mean] = model.getLayer(FACE_STATS_LAYER).getWeights();
    const got = Array.from(mean.dataSync());
    got.forEach((v, c) => expect(v).toBeCloseTo(sums[c] / n, 2));
    model.dispose();
    // the toy faces' brightness (and first feature) follow the class: the regression learns it
    expect(Math.max(...r.history.map((h) => h.accuracy))).toBeGreaterThanOrEqual(0.9);
    expect(r.test?.accuracy).toBeGreaterThan(0.5); // chance: 0.2
    const p = await predictShardRows(r.modelDir, {
      faces: shards[0].faces,
      windows: shards[0].windows,
    });
    expect(p.rows).toHaveLength(30);
    await expect(predictShardRows(r.modelDir, { windows: shards[0].windows })).rejects.toThrow(
      /a logregFaces model needs --faces \(its inputs: features, faceStats\)/,
    );
  }, 60_000);
});

describe('inference on a shard', () => {
  it('gives probabilities for every row, labelled or not, and writes a predictions shard', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-predict-'));
    const model = buildModel('cnnOnly', cfg, TINY_SHAPE);
    const { saveModel } = await import('../io/index.js');
    await saveModel(model, join(dir, 'm'));
    model.dispose();
    const out = join(dir, 'p.arrow');
    const r = await predictShardRows(join(dir, 'm'), { faces: shards[0].faces, out });
    expect(r.kind).toBe('cnnOnly');
    expect(r.rows).toHaveLength(30);
    for (const row of r.rows) {
      expect(row.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(row.label).not.toBeNull();
    }
    const shard = readPredictionsShard(out);
    expect(shard.rows).toHaveLength(30);
    expect(shard.rows[0].model).toBe('cnnOnly');
    expect(Array.from(shard.probs.subarray(0, 5))).toEqual(r.rows[0].probs.map(Math.fround));
    await expect(predictShardRows(join(dir, 'm'), { windows: shards[0].windows })).rejects.toThrow(
      /needs --faces/,
    );
    // A shard of other sizes is refused before the model is loaded, naming both.
    const other = writeToyShards(
      join(dir, 'other'),
      { ...TINY_SHAPE, frames: 2 },
      {
        subjects: 1,
        trials: 2,
        windowsPerTrial: 2,
      },
    );
    await expect(predictShardRows(join(dir, 'm'), { faces: other[0].faces })).rejects.toThrow(
      `model ${join(dir, 'm')} takes faces of 12×12×1 (its model.json) but the data are faces of 12×12×2 (${other[0].faces})`,
    );
  }, 60_000);

  it("names the classes of the model's own task (a valence model: low, high)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-predict-task-'));
    const ratingSplit = { threshold: 4, atThreshold: 'low' } as const;
    const index = indexSamples(shards, { needs: ['physio'], task: 'valence2', ratingSplit });
    const split = testSplit(index, 5);
    const r = await runTrainJob({
      kind: 'rnnOnly',
      config: cfg,
      shards,
      trainIds: split.train,
      valIds: split.val,
      task: 'valence2',
      ratingSplit,
      train: { epochs: 1, batchSize: 8 },
      outDir: join(dir, 'job'),
    });
    expect(readModelSignature(r.modelDir).labels).toEqual({
      task: 'valence2',
      classes: ['low', 'high'],
      ratingSplit,
    });
    const p = await predictShardRows(r.modelDir, { windows: shards[0].windows });
    expect(p.task).toBe('valence2');
    expect(p.classes).toEqual(['low', 'high']);
    expect(p.rows).toHaveLength(30);
    // toy valence is 1 + 2 × class (1, 3, 5, 7, 9): above 4 is high under this model's split
    const toyValence = (trial: number): number => 1 + 2 * (trial % 5);
    expect(p.rows.map((x) => x.label)).toEqual(
      p.rows.map((x) => (toyValence(x.key.trial) > 4 ? 'high' : 'low')),
    );
    for (const row of p.rows) {
      expect(row.probs).toHaveLength(2);
      expect(['low', 'high']).toContain(row.predicted);
    }
    // a two-class model saved without its labels cannot name its classes: refused in one line
    const bare = buildModel('rnnOnly', cfg, { ...TINY_SHAPE, numClasses: 2 });
    const { saveModel } = await import('../io/index.js');
    await saveModel(bare, join(dir, 'bare'));
    bare.dispose();
    await expect(
      predictShardRows(join(dir, 'bare'), { windows: shards[0].windows }),
    ).rejects.toThrow(`${join(dir, 'bare')}: the model has 2 classes and does not name them`);
  }, 60_000);
});
