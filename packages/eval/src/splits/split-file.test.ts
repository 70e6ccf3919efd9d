import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SplitSample } from './protocols.js';
import { randomProtocol } from './protocols.js';
import { readSplit, writeSplit } from './split-file.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'emo-split-'));

/** 4 subjects × 10 trials × 10 windows; label by trial, label 4 rare (1 trial in 10). */
function corpus(): SplitSample[] {
  const out: SplitSample[] = [];
  for (let s = 0; s < 4; s++) {
    for (let trial = 0; trial < 10; trial++) {
      for (let window = 0; window < 10; window++) {
        const label = trial === 9 ? 4 : trial % 4;
        out.push({ subject: `s${s}`, trial, window, label, stimulus: `deap/${trial}` });
      }
    }
  }
  return out;
}

describe('the random window split', () => {
  const samples = corpus();
  const byId = new Map(samples.map((e) => [`${e.subject}/${e.trial}/${e.window}`, e]));

  it('splits 70/15/15 per label, disjoint and complete', () => {
    const s = randomProtocol(samples, { seed: 5 });
    expect(s.protocol).toBe('random-70-15-15');
    expect(s.seed).toBe(5);
    expect(s.folds).toHaveLength(1);
    const { train, val, test } = s.folds[0];
    expect(train.length + val.length + test.length).toBe(400);
    expect(new Set([...train, ...val, ...test]).size).toBe(400);
    // stratified: each label split 70/15/15 (label 4: 40 samples → 28/6/6)
    const count = (ids: readonly string[], label: number) =>
      ids.filter((id) => byId.get(id)?.label === label).length;
    expect([count(train, 4), count(val, 4), count(test, 4)]).toEqual([28, 6, 6]);
    for (let c = 0; c < 4; c++) {
      const n = count(train, c) + count(val, c) + count(test, c);
      expect(count(train, c)).toBe(Math.round(0.7 * n));
      expect(count(test, c)).toBe(n - Math.round(0.85 * n));
    }
    expect(s.notes.join(' ')).toMatch(/both sides/);
  });

  it('is deterministic per seed', () => {
    expect(randomProtocol(samples, { seed: 5 })).toEqual(randomProtocol(samples, { seed: 5 }));
    expect(randomProtocol(samples, { seed: 6 }).folds[0].test).not.toEqual(
      randomProtocol(samples, { seed: 5 }).folds[0].test,
    );
  });

  it('takes other fractions and unstratified draws', () => {
    const s = randomProtocol(samples, {
      seed: 1,
      fractions: [0.5, 0.25, 0.25],
      stratify: false,
    });
    expect(s.protocol).toBe('random-50-25-25');
    expect(s.folds[0].train).toHaveLength(200);
    expect(s.folds[0].val).toHaveLength(100);
    expect(() => randomProtocol(samples, { seed: 1, fractions: [0.5, 0.5, 0.5] })).toThrow(
      /sum to 1/,
    );
  });
});

describe('split files', () => {
  const s = randomProtocol(corpus(), { seed: 2 });

  it('round-trip, keeping the split artefact', () => {
    const path = join(tmp(), 'split.json');
    writeSplit(path, s);
    const back = readSplit(path);
    expect(back).toEqual({ protocol: s.protocol, seed: s.seed, folds: s.folds, notes: s.notes });
  });

  it('refuse a malformed file with one line naming the file and the key', () => {
    const bad = join(tmp(), 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ ...s, folds: [{ fold: 0, train: ['a'], val: ['a'], test: [] }] }),
    );
    expect(() => readSplit(bad)).toThrow(
      /bad\.json: not a valid split file: 'folds\.0\.val': sample 'a' is in both train and val/,
    );
    writeFileSync(bad, '{');
    expect(() => readSplit(bad)).toThrow(/bad\.json: not valid JSON/);
    writeFileSync(bad, JSON.stringify({ protocol: 'x', seed: 1, notes: [] }));
    expect(() => readSplit(bad)).toThrow(/bad\.json: not a valid split file: 'folds'/);
    expect(() => readSplit(join(tmp(), 'none.json'))).toThrow(/cannot read split file/);
  });

  it('are refused before writing when they would not read back', () => {
    const path = join(tmp(), 'x.json');
    expect(() =>
      writeSplit(path, { ...s, folds: [{ fold: 0, train: ['a'], val: [], test: ['a'] }] }),
    ).toThrow(/x\.json: not a valid split: 'folds\.0\.test': sample 'a' is in both train and test/);
  });
});
