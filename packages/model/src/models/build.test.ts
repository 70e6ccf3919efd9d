import { beforeAll, describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, ModelKind } from './config.js';
import { ModelConfigError, modelInputs, resolveModelConfig } from './config.js';
import {
  FACE_EMBEDDING_LAYER,
  buildFaceCnn,
  buildModel,
  buildPhysioRnn,
  featureStats,
  modelMetadata,
  FACE_STATS_LAYER,
  setFeatureStats,
} from './build.js';
import { SeededOrthogonal, orthogonalMatrix } from './initializers.js';
import { SeededDropout } from './layers.js';
import { formatModelSummary, modelSummary } from './summary.js';
import type { ModelShape } from './shape.js';
import type { Shape } from './testing.js';
import { STUDY_SHAPE } from './testing.js';

/** The study data's sizes (48×48×K, 320×4, 11) with narrow layers so that the cpu backend is quick. */
const NARROW: Partial<ModelConfig> = {
  convLayers: 2,
  filters: 4,
  physioFilters: 4,
  lstmUnits: 8,
  denseUnits: [16],
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const hybrid = (cfg: Partial<ModelConfig>, shape: ModelShape = STUDY_SHAPE) =>
  buildModel('hybrid', cfg, shape);
const cnnOnly = (cfg: Partial<ModelConfig>) => buildModel('cnnOnly', cfg, STUDY_SHAPE);
const rnnOnly = (cfg: Partial<ModelConfig>, shape: ModelShape = STUDY_SHAPE) =>
  buildModel('rnnOnly', cfg, shape);

function inputsFor(kind: ModelKind, cfg: ModelConfig, shape: Shape, n: number): tf.Tensor[] {
  return modelInputs(kind, cfg).map((name) => {
    if (name === 'face') {
      const s = [n, shape.imageSize, shape.imageSize, shape.frames];
      return tf.randomUniform(s, 0, 255, 'float32', 7);
    }
    if (name === 'physio')
      return tf.randomNormal([n, shape.seqLength, shape.channels], 0, 1, 'float32', 8);
    return tf.randomNormal([n, shape.numFeatures], 0, 1, 'float32', 9);
  });
}

async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map((w) => w.data() as Promise<Float32Array>));
}

describe('classifiers', () => {
  const cases: [ModelKind, number, boolean][] = [];
  for (const kind of ['hybrid', 'cnnOnly', 'rnnOnly'] as const) {
    for (const frames of [1, 3])
      for (const useFeatures of [false, true]) cases.push([kind, frames, useFeatures]);
  }

  it.each(cases)('%s, K=%i, features %s: inputs, shapes, softmax', (kind, frames, useFeatures) => {
    const cfg = resolveModelConfig({ ...NARROW, useFeatures });
    const shape = { ...STUDY_SHAPE, frames };
    const model = buildModel(kind, cfg, shape);
    const expected = modelInputs(kind, cfg);
    expect(model.inputNames).toEqual(expected);
    expect(model.inputs.map((x) => x.shape)).toEqual(
      expected.map((name) =>
        name === 'face' ? [null, 48, 48, frames] : name === 'physio' ? [null, 320, 4] : [null, 11],
      ),
    );
    expect(expected.includes('features')).toBe(useFeatures && kind !== 'cnnOnly');
    const xs = inputsFor(kind, cfg, shape, 3);
    const probs = model.predict(xs) as tf.Tensor;
    expect(probs.shape).toEqual([3, 5]);
    const p = probs.arraySync() as number[][];
    for (const row of p) {
      expect(row.every((v) => v >= 0 && v <= 1 && Number.isFinite(v))).toBe(true);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(modelMetadata(model)).toEqual({ kind, config: cfg, inputs: expected, shape });
    tf.dispose([...xs, probs]);
    model.dispose();
  });

  it('logreg: the standardised window features straight into the softmax (a logistic regression)', async () => {
    const model = buildModel('logreg', { ...NARROW, useFeatures: false }, STUDY_SHAPE);
    expect(model.inputNames).toEqual(['features']);
    expect(model.layers.map((l) => l.name)).toEqual(['features', 'features_standardize', 'probs']);
    // 11 features × 5 classes + 5 biases are the only trainable weights
    expect(model.countParams() - 2 * 11).toBe(11 * 5 + 5);
    // with the stored mean and SD the output is softmax(W·(x − mean)/sd + b)
    setFeatureStats(model, { mean: new Array(11).fill(1), std: new Array(11).fill(2) });
    const x = tf.tensor2d([Array.from({ length: 11 }, (_, i) => i)]);
    const [w, b] = model.getLayer('probs').getWeights();
    const z = tf.add(tf.matMul(tf.div(tf.sub(x, 1), 2), w), b);
    const expected = (await tf.softmax(z).data()) as Float32Array;
    const got = (await (model.predict(x) as tf.Tensor).data()) as Float32Array;
    Array.from(got).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    model.dispose();
  });

  it('logregFaces: the window features and the face statistics, each standardised, into the softmax', async () => {
    const model = buildModel('logregFaces', NARROW, STUDY_SHAPE);
    expect(model.inputNames).toEqual(['features', 'faceStats']);
    expect(model.inputs[1].shape).toEqual([null, 16]); // a 4×4 grid of one 48×48 crop
    expect(model.layers.map((l) => l.name).sort()).toEqual(
      [
        'features',
        'faceStats',
        'features_standardize',
        'face_stats_standardize',
        'head_concat',
        'probs',
      ].sort(),
    );
    expect(model.countParams() - 2 * (11 + 16)).toBe((11 + 16) * 5 + 5);
    setFeatureStats(model, { mean: new Array(11).fill(1), std: new Array(11).fill(2) });
    setFeatureStats(
      model,
      { mean: new Array(16).fill(100), std: new Array(16).fill(50) },
      FACE_STATS_LAYER,
    );
    const f = tf.tensor2d([Array.from({ length: 11 }, (_, i) => i)]);
    const s = tf.tensor2d([Array.from({ length: 16 }, (_, i) => 10 * i)]);
    const [w, b] = model.getLayer('probs').getWeights();
    const x = tf.concat([tf.div(tf.sub(f, 1), 2), tf.div(tf.sub(s, 100), 50)], 1);
    const expected = (await tf.softmax(tf.add(tf.matMul(x, w), b)).data()) as Float32Array;
    const got = (await (model.predict([f, s]) as tf.Tensor).data()) as Float32Array;
    Array.from(got).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    tf.dispose([f, s, x]);
    model.dispose();
  });

  it('builds the named kinds and refuses an unknown one', () => {
    expect(hybrid(NARROW).name).toBe('hybrid');
    expect(cnnOnly(NARROW).inputNames).toEqual(['face']);
    expect(rnnOnly(NARROW).inputNames).toEqual(['physio']);
    expect(() => buildModel('lstm' as ModelKind, {}, STUDY_SHAPE)).toThrow(ModelConfigError);
    expect(() => buildModel('lstm' as ModelKind, {}, STUDY_SHAPE)).toThrow(
      /unknown model kind "lstm"/,
    );
    expect(() => hybrid({ lstmUnits: -1 })).toThrow(/lstmUnits must be an integer ≥ 1/);
  });

  it('takes its input and output sizes from the data shape', () => {
    const shape = { ...STUDY_SHAPE, imageSize: 32, frames: 2, seqLength: 80, numClasses: 2 };
    const model = hybrid({ ...NARROW, useFeatures: true }, shape);
    expect(model.inputs.map((x) => x.shape)).toEqual([
      [null, 32, 32, 2],
      [null, 80, 4],
      [null, 11],
    ]);
    expect(model.outputs[0].shape).toEqual([null, 2]);
    expect(() => rnnOnly(NARROW, { ...STUDY_SHAPE, seqLength: 3 })).toThrow(
      /shrinks the 3-step sequence to nothing/,
    );
    expect(() => cnnOnly({ ...NARROW, convLayers: 6 })).toThrow(/48×48 face to nothing/);
  });

  it('is compiled with Adam at the configured rate and categorical cross-entropy', () => {
    const model = rnnOnly({ ...NARROW, learningRate: 0.002 });
    expect(model.optimizer.getClassName()).toBe('Adam');
    expect((model.optimizer.getConfig() as { learningRate: number }).learningRate).toBe(0.002);
    expect(model.loss).toBe('categoricalCrossentropy');
  });
});

describe('branches', () => {
  it('the face CNN maps 48×48×K to its flattened last map, or pools it globally', () => {
    const enc = buildFaceCnn({ convLayers: 2, filters: [4, 6] }, { ...STUDY_SHAPE, frames: 3 });
    expect(enc.inputs[0].shape).toEqual([null, 48, 48, 3]);
    expect(enc.outputs[0].shape).toEqual([null, 12 * 12 * 6]);
    expect(enc.layers.at(-1)?.name).toBe(FACE_EMBEDDING_LAYER);
    const avg = buildFaceCnn({ convLayers: 2, filters: [4, 6], facePooling: 'avg' }, STUDY_SHAPE);
    expect(avg.outputs[0].shape).toEqual([null, 6]);
    expect(enc.layers.at(-1)?.name).toBe(FACE_EMBEDDING_LAYER);
    const max = buildFaceCnn({ convLayers: 1, filters: 4, facePooling: 'max' }, STUDY_SHAPE);
    expect(max.layers.at(-1)?.getClassName()).toBe('GlobalMaxPooling2D');
  });

  it('batch normalisation: Conv2D → BatchNorm → ReLU in the face branch, Dense → BatchNorm → ReLU → Dropout in the head', () => {
    const m = buildModel(
      'cnnOnly',
      { ...NARROW, faceBatchNorm: true, headBatchNorm: true },
      STUDY_SHAPE,
    );
    const names = m.layers.map((l) => l.name);
    const after = (name: string) => names[names.indexOf(name) + 1];
    expect(after('face_conv1')).toBe('face_bn1');
    expect(after('face_bn1')).toBe('face_relu1');
    expect(after('head_dense1')).toBe('head_bn1');
    expect(after('head_bn1')).toBe('head_relu1');
    expect(after('head_relu1')).toBe('head_dropout1');
    expect(m.getLayer('head_dense1').getConfig().activation).toBe('linear');
    const plain = buildModel('cnnOnly', NARROW, STUDY_SHAPE);
    expect(plain.layers.some((l) => l.name.includes('_bn'))).toBe(false);
    expect(plain.getLayer('head_dense1').getConfig().activation).toBe('relu');
    m.dispose();
    plain.dispose();
  });

  it('the physiological RNN shortens 320 steps before its LSTMs', () => {
    const enc = buildPhysioRnn({ physioFilters: 4, lstmLayers: 2, lstmUnits: 8 }, STUDY_SHAPE);
    expect(enc.outputs[0].shape).toEqual([null, 8]);
    const lstm1 = enc.getLayer('physio_lstm1');
    expect(lstm1.inputSpec).toBeDefined();
    expect((lstm1.input as tf.SymbolicTensor).shape).toEqual([null, 80, 8]);
    expect((lstm1.output as tf.SymbolicTensor).shape).toEqual([null, 80, 8]);
    expect((enc.getLayer('physio_lstm2').output as tf.SymbolicTensor).shape).toEqual([null, 8]);
    const strided = buildPhysioRnn(
      { physioFilters: 4, lstmUnits: 8, physioStride: 2 },
      STUDY_SHAPE,
    );
    expect((strided.getLayer('physio_lstm1').input as tf.SymbolicTensor).shape).toEqual([
      null,
      20,
      8,
    ]);
  });
});

describe('seeding', () => {
  it('the same seed gives the same initial weights; another seed others', async () => {
    const cfg = { ...NARROW, useFeatures: true };
    const a = hybrid({ ...cfg, seed: 5 });
    expect(await weightsOf(hybrid({ ...cfg, seed: 5 }))).toEqual(await weightsOf(a));
    const c = hybrid({ ...cfg, seed: 6 });
    const kernels = a.layers.filter((l) => /conv|lstm|dense|probs/.test(l.name));
    expect(kernels).toHaveLength(2 + 2 + 1 + 1 + 1);
    for (const layer of kernels) {
      const ka = await layer.getWeights()[0].data();
      const kc = await c.getLayer(layer.name).getWeights()[0].data();
      expect(kc).not.toEqual(ka);
    }
  });

  it('layers of the same shape start from different weights', async () => {
    const model = buildFaceCnn({ convLayers: 3, filters: [4, 4, 4], seed: 1 }, STUDY_SHAPE);
    const k2 = await model.getLayer('face_conv2').getWeights()[0].data();
    const k3 = await model.getLayer('face_conv3').getWeights()[0].data();
    expect(k2.length).toBe(k3.length);
    expect(k2).not.toEqual(k3);
  });

  it('a branch starts from the same weights in the hybrid and in its baseline', async () => {
    const both = hybrid({ ...NARROW, seed: 3 });
    const cnn = cnnOnly({ ...NARROW, seed: 3 });
    const rnn = rnnOnly({ ...NARROW, seed: 3 });
    for (const name of ['face_conv1', 'face_conv2']) {
      expect(await both.getLayer(name).getWeights()[0].data()).toEqual(
        await cnn.getLayer(name).getWeights()[0].data(),
      );
    }
    for (const w of [0, 1]) {
      expect(await both.getLayer('physio_lstm1').getWeights()[w].data()).toEqual(
        await rnn.getLayer('physio_lstm1').getWeights()[w].data(),
      );
    }
  });

  it('the orthogonal initialiser gives orthonormal rows or columns, seeded', () => {
    for (const [rows, cols] of [
      [8, 32],
      [32, 8],
      [6, 6],
    ]) {
      const q = orthogonalMatrix(rows, cols, 11);
      const tall = rows >= cols;
      const n = Math.min(rows, cols);
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++) {
          let dot = 0;
          for (let i = 0; i < Math.max(rows, cols); i++) {
            dot += tall ? q[i * cols + a] * q[i * cols + b] : q[a * cols + i] * q[b * cols + i];
          }
          expect(dot).toBeCloseTo(a === b ? 1 : 0, 10);
        }
      }
      expect(orthogonalMatrix(rows, cols, 11)).toEqual(q);
      expect(orthogonalMatrix(rows, cols, 12)).not.toEqual(q);
    }
    const t = new SeededOrthogonal({ seed: 2, gain: 2 }).apply([3, 4, 2]);
    expect(t.shape).toEqual([3, 4, 2]);
    const m = tf.tidy(() => tf.matMul(t.reshape([12, 2]), t.reshape([12, 2]), true, false));
    const g = m.arraySync() as number[][];
    expect(g[0][0]).toBeCloseTo(4, 5);
    expect(g[0][1]).toBeCloseTo(0, 5);
  });

  it('dropout draws a new seeded mask at each training call and none at inference', () => {
    const x = tf.ones([4, 64]);
    const masks = (seed: number, calls: number): number[][] => {
      const layer = new SeededDropout({ rate: 0.5, seed });
      return Array.from({ length: calls }, () => {
        const y = layer.apply(x, { training: true }) as tf.Tensor;
        return Array.from(y.dataSync());
      });
    };
    const [m1, m2] = masks(1, 2);
    expect(m1).not.toEqual(m2);
    expect(masks(1, 2)).toEqual([m1, m2]);
    expect(masks(2, 1)[0]).not.toEqual(m1);
    expect(new Set(m1)).toEqual(new Set([0, 2]));
    const layer = new SeededDropout({ rate: 0.5, seed: 1 });
    expect(Array.from((layer.apply(x) as tf.Tensor).dataSync())).toEqual(Array(256).fill(1));
    expect(layer.step).toBe(0);
    expect(() => new SeededDropout({ rate: 1, seed: 1 })).toThrow(/rate must be in \[0, 1\)/);
  });
});

describe('window features', () => {
  it('are standardised by stored statistics, missing values becoming the mean', () => {
    const cfg = resolveModelConfig({ ...NARROW, useFeatures: true });
    const model = rnnOnly(cfg, { ...STUDY_SHAPE, numFeatures: 3 });
    const stats = featureStats([1, 10, NaN, 3, 30, NaN, 5, 20, NaN], 3);
    expect(Array.from(stats.mean)).toEqual([3, 20, 0]);
    expect(Array.from(stats.std)).toEqual([2, 10, 1]);
    setFeatureStats(model, stats);
    const layer = model.getLayer('features_standardize');
    expect(layer.trainableWeights).toHaveLength(0);
    const out = layer.apply(tf.tensor2d([[5, NaN, 7]])) as tf.Tensor;
    expect(Array.from(out.dataSync())).toEqual([1, 0, 7]);
    expect(() => setFeatureStats(model, { mean: [0, 0], std: [1, 1] })).toThrow(
      /expected 3 means and SDs, got 2 and 2/,
    );
    expect(() => setFeatureStats(model, { mean: [0, 0, 0], std: [1, 0, 1] })).toThrow(
      /feature 1 needs a finite mean and a positive SD/,
    );
    expect(() => setFeatureStats(cnnOnly(NARROW), stats)).toThrow(
      /has no layer 'features_standardize'/,
    );
    expect(() => featureStats([1, 2, 3], 2)).toThrow(/not whole rows of 2 features/);
  });
});

describe('modelSummary', () => {
  /** Parameters of the default architecture, counted by hand from the layer formulas. */
  function expectedParams(kind: ModelKind, frames: number, useFeatures: boolean) {
    const face = 3 * 3 * frames * 32 + 32 + (3 * 3 * 32 * 64 + 64) + (3 * 3 * 64 * 128 + 128);
    const physio = 5 * 4 * 32 + 32 + (5 * 32 * 64 + 64) + 4 * (64 * (4 * 0 + 64 + 64) + 64);
    const features = useFeatures && kind !== 'cnnOnly' ? 22 : 0;
    const fused =
      (kind !== 'rnnOnly' ? 6 * 6 * 128 : 0) + // the flattened 6×6×128 face map
      (kind !== 'cnnOnly' ? 64 : 0) +
      (features ? 11 : 0);
    const head = fused * 128 + 128 + (128 * 5 + 5);
    return {
      face: kind === 'rnnOnly' ? 0 : face,
      physio: kind === 'cnnOnly' ? 0 : physio,
      features,
      head,
    };
  }

  it.each([
    ['hybrid', 1, false, 735461],
    ['hybrid', 3, true, 737467],
    ['cnnOnly', 1, false, 683269],
    ['rnnOnly', 1, false, 52965],
    ['rnnOnly', 1, true, 54395],
  ] as [ModelKind, number, boolean, number][])(
    'counts the default %s (K=%i, features %s): %i parameters',
    (kind, frames, useFeatures, total) => {
      const s = modelSummary(buildModel(kind, { useFeatures }, { ...STUDY_SHAPE, frames }));
      const parts = expectedParams(kind, frames, useFeatures);
      expect(s.parts).toEqual(parts);
      expect(s.totalParams).toBe(parts.face + parts.physio + parts.features + parts.head);
      expect(s.totalParams).toBe(total);
      expect(s.nonTrainableParams).toBe(parts.features);
      expect(s.trainableParams).toBe(total - parts.features);
      expect(s.layers.find((l) => l.name === 'probs')).toMatchObject({
        className: 'Dense',
        outputShape: [5],
        params: 645,
      });
      const text = formatModelSummary(s);
      expect(text).toMatch(new RegExp(`total ${total} params`));
      expect(text).toMatch(/probs \(Dense\)\s+\[5\]\s+645/);
    },
  );
});
