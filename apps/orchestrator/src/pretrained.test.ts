import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDirs } from '@emo/runtime';
import type { PretrainedManifest } from './pretrained.js';
import { listPretrained, resolveModelRef } from './pretrained.js';

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
