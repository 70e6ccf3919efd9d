import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleId } from './keys.js';
import { indexSamples } from './sample-index.js';
import { writeImageFolder, writeTinySubject } from './testing.js';
import { windowKeysOf } from './window-keys.js';

describe('windowKeysOf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emo-keys-'));
  const shards = [
    {
      ...writeTinySubject(dir, { subject: 'P01', subjectNo: 1, trials: 2, windowsPerTrial: 3 }),
      subject: 'amigos-P01',
      shardSubject: 'P01',
    },
    writeImageFolder(dir, 'PublicTest', ['happy', 'sad', null]),
  ];

  it('gives the shards’ keys of sample ids, in the ids’ order', () => {
    const index = indexSamples(shards, { needs: ['face'], keepUnlabelled: true });
    const ids = index.entries.map((e) => sampleId(e)).reverse();
    const { keys, synthetic } = windowKeysOf(shards, ids);
    expect(keys).toHaveLength(ids.length);
    expect(synthetic).toBe(true);
    const last = keys[keys.length - 1]; // the first windows row: trial 0, window 0
    expect(last).toEqual({
      dataset: 'deap',
      subject: 'P01',
      trial: 0,
      stimulusId: expect.any(String),
      window: 0,
      t0: expect.any(Number),
      t1: expect.any(Number),
    });
    // an image is found by its row; its keys are those of the faces row
    expect(keys[0]).toMatchObject({ dataset: 'fer2013', subject: 'PublicTest', trial: null });
    expect(ids[0]).toBe('PublicTest/-1/2');
  });

  it('names an id that no shard holds', () => {
    expect(() => windowKeysOf(shards, ['amigos-P01/7/0'])).toThrow(
      'sample amigos-P01/7/0 is in no windows or faces shard of 2 subject(s)',
    );
  });
});
