import { afterAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModelSignature } from '@emo/model/spec';
import { tempDirs } from '@emo/runtime';
import type { PretrainedManifest } from './pretrained.js';
import { PRETRAINED_DIR, listPretrained, resolveModelRef } from './pretrained.js';
import { TINY_TRAIN, runEmo, writeTinyConfig } from './testing.js';

const FER_PUBLIC = resolve(
  fileURLToPath(new URL('../../../', import.meta.url)),
  process.env.EMO_REALDATA_DIR ?? '../shared/realdata',
  'faces/fer2013_public',
);

const dirs = tempDirs();
afterAll(dirs.cleanup);

const manifest = (name: string): PretrainedManifest => ({
  name,
  kind: 'cnnOnly',
  task: 'emotion5',
  classes: ['happy', 'sad', 'angry', 'neutral', 'fear'],
  description: 'test',
  data: { train: 'a', validation: 'b', heldOut: 'c' },
  reproduce: ['emo pretrain-faces …'],
  seed: 0,
  commit: 'abc',
  crops: { size: 48, frames: 1, equalisation: 'global' },
  heldOut: { n: 1, accuracy: 1, balancedAccuracy: 1, recall: {}, confusion: [[1]] },
  training: { epochs: 1, bestEpoch: 1, seconds: 1, machine: 'm', backend: 'wasm' },
  check: [],
});

describe('shipped models', () => {
  it('lists the folders with a manifest and resolves builtin:NAME to the model folder', () => {
    const dir = dirs.make('emo-pretrained-');
    for (const n of ['zeta', 'alpha']) {
      mkdirSync(join(dir, n, 'model'), { recursive: true });
      writeFileSync(join(dir, n, 'manifest.json'), JSON.stringify(manifest(n)));
    }
    mkdirSync(join(dir, 'no-manifest'));
    expect(listPretrained(dir).map((m) => m.name)).toEqual(['alpha', 'zeta']);
    expect(resolveModelRef('builtin:zeta', dir)).toBe(join(dir, 'zeta', 'model'));
    expect(resolveModelRef('/some/dir', dir)).toBe('/some/dir');
    expect(() => resolveModelRef('builtin:beta', dir)).toThrow(
      'builtin:beta: no such shipped model (shipped: builtin:alpha, builtin:zeta)',
    );
    expect(() => resolveModelRef('builtin:x', join(dir, 'nothing'))).toThrow(/none is shipped/);
  });

  it('refuses a manifest that is not one, naming the file', () => {
    const dir = dirs.make('emo-pretrained-bad-');
    mkdirSync(join(dir, 'bad'));
    writeFileSync(join(dir, 'bad', 'manifest.json'), JSON.stringify({ name: 'bad' }));
    expect(() => listPretrained(dir)).toThrow(/bad\/manifest\.json/);
  });
});

describe('the shipped face model (builtin:faces-fer2013)', () => {
  const shipped = listPretrained().find((m) => m.name === 'faces-fer2013');

  it('ships with a manifest whose held-out figures agree with its confusion matrix', () => {
    expect(shipped).toBeDefined();
    const m = shipped as PretrainedManifest;
    expect(existsSync(join(PRETRAINED_DIR, 'faces-fer2013', 'model', 'weights.bin'))).toBe(true);
    const c = m.heldOut.confusion;
    const n = c.flat().reduce((a, b) => a + b, 0);
    expect(n).toBe(m.heldOut.n);
    expect(c.reduce((a, row, i) => a + row[i], 0) / n).toBeCloseTo(m.heldOut.accuracy, 10);
    m.classes.forEach((cls, i) =>
      expect(c[i][i] / c[i].reduce((a, b) => a + b, 0)).toBeCloseTo(m.heldOut.recall[cls], 10),
    );
    expect(m.reproduce.some((r) => r.includes('pretrain-faces'))).toBe(true);
  });

  it('starts the face branch of a run (train.pretrainedFaces), checked before anything runs', async () => {
    // tiny physiological layers; the face branch is the shipped one's
    const { convLayers: _c, filters: _f, ...physio } = TINY_TRAIN.model;
    const cfg = writeTinyConfig(dirs.make('emo-fer-plan-'), {
      train: { ...TINY_TRAIN, model: physio },
    });
    const set = (v: string) => ['plan', '--config', cfg, '--set', `train.pretrainedFaces="${v}"`];
    expect((await runEmo(...set('builtin:faces-fer2013'))).code).toBe(0);
    // the run's models take the shipped branch's architecture; a config against it is refused
    const bn = readModelSignature(resolveModelRef('builtin:faces-fer2013')).config.faceBatchNorm;
    const clash = await runEmo(
      ...set('builtin:faces-fer2013'),
      '--set',
      `train.model={"faceBatchNorm":${!bn}}`,
    );
    expect(clash.code).not.toBe(0);
    expect(clash.err).toMatch(
      `'train.pretrainedFaces': ${resolveModelRef('builtin:faces-fer2013')}: its face branch has faceBatchNorm ${bn}, the model config ${!bn}`,
    );
    const bad = await runEmo(...set('builtin:nope'));
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(
      /builtin:nope: no such shipped model \(shipped: builtin:faces-fer2013\)/,
    );
  });

  (existsSync(FER_PUBLIC) ? it : it.skip)(
    'gives the recorded probabilities for its check crops (FER2013 PublicTest, real data)',
    async () => {
      const m = shipped as PretrainedManifest;
      const dir = dirs.make('emo-fer-check-');
      for (const c of m.check) {
        mkdirSync(join(dir, 'images', dirname(c.file)), { recursive: true });
        copyFileSync(join(FER_PUBLIC, c.file), join(dir, 'images', c.file));
      }
      const faces = join(dir, 'check.faces.arrow');
      const f = await runEmo('faces', '--images', join(dir, 'images'), '--out', faces);
      expect(f.code).toBe(0);
      const p = await runEmo(
        'predict',
        '--model',
        'builtin:faces-fer2013',
        '--faces',
        faces,
        '--json',
      );
      expect(p.code).toBe(0);
      const rows = (JSON.parse(p.out) as { rows: { label: string; probs: number[] }[] }).rows;
      expect(rows).toHaveLength(m.check.length);
      for (const c of m.check) {
        const row = rows.find((r) => r.label === dirname(c.file));
        expect(row?.probs).toHaveLength(c.probs.length);
        c.probs.forEach((v, i) => expect(row?.probs[i]).toBeCloseTo(v, 4));
      }
    },
    60_000,
  );
});
