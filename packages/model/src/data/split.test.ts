import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emotion } from '@emo/datasets';
import { EMOTIONS } from '@emo/datasets';
import { sampleId } from './keys.js';
import type { SampleIndex } from './sample-index.js';
import { indexSamples } from './sample-index.js';
import { randomSplit, readSplit, subjectHoldoutSplit, writeSplit } from './split.js';
import { writeTinySubject } from './testing.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'emo-split-'));

/** 4 subjects × 10 trials × 10 windows; label by trial, 'fear' rare (1 trial in 10). */
function corpus(): SampleIndex {
  const dir = tmp();
  const label = (t: number): Emotion => (t === 9 ? 'fear' : EMOTIONS[t % 4]);
  const shards = Array.from({ length: 4 }, (_, i) =>
    writeTinySubject(dir, {
      subject: `s${i}`,
      subjectNo: i,
      trials: 10,
      windowsPerTrial: 10,
      label,
    }),
  );
  return indexSamples(shards, { needs: ['physio'] });
}

describe('randomSplit', () => {
  const index = corpus();
  const byId = new Map(index.entries.map((e) => [sampleId(e), e]));

  it('splits 70/15/15 per label, disjoint and complete', () => {
    const s = randomSplit(index, { seed: 5 });
    expect(s.protocol).toBe('random-70-15-15');
    expect(s.seed).toBe(5);
    expect(s.folds).toHaveLength(1);
    const { train, val, test } = s.folds[0];
    expect(train.length + val.length + test.length).toBe(400);
    expect(new Set([...train, ...val, ...test]).size).toBe(400);
    // stratified: each label split 70/15/15 (fear: 40 samples → 28/6/6)
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
    expect(randomSplit(index, { seed: 5 })).toEqual(randomSplit(index, { seed: 5 }));
    expect(randomSplit(index, { seed: 6 }).folds[0].test).not.toEqual(
      randomSplit(index, { seed: 5 }).folds[0].test,
    );
  });

  it('takes other fractions and unstratified draws', () => {
    const s = randomSplit(index, { seed: 1, fractions: [0.5, 0.25, 0.25], stratify: false });
    expect(s.protocol).toBe('random-50-25-25');
    expect(s.folds[0].train).toHaveLength(200);
    expect(s.folds[0].val).toHaveLength(100);
    expect(() => randomSplit(index, { seed: 1, fractions: [0.5, 0.5, 0.5] })).toThrow(/sum to 1/);
  });

  it('round-trips through a file and refuses a malformed one, naming it', () => {
    const dir = tmp();
    const s = randomSplit(index, { seed: 2 });
    const path = join(dir, 'split.json');
    writeSplit(path, s);
    expect(readSplit(path)).toEqual(s);
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ ...s, folds: [{ fold: 0, train: ['a'], val: ['a'], test: [] }] }),
    );
    expect(() => readSplit(bad)).toThrow(
      /bad\.json: not a split file .*'a' is in both train and val/,
    );
    writeFileSync(bad, '{');
    expect(() => readSplit(bad)).toThrow(/bad\.json: cannot read split file/);
    writeFileSync(bad, JSON.stringify({ protocol: 'x', seed: 1, notes: [] }));
    expect(() => readSplit(bad)).toThrow(/bad\.json: not a split file \('folds'/);
  });
});

describe('subjectHoldoutSplit', () => {
  const index = corpus();
  const subjectOf = (id: string) => id.split('/')[0];

  it('holds out whole subjects: no subject on two sides, every sample once', () => {
    const s = subjectHoldoutSplit(index, { seed: 3, valShare: 0.25, testShare: 0.25 });
    expect(s.protocol).toBe('subject-holdout');
    const { train, val, test } = s.folds[0];
    expect(train.length + val.length + test.length).toBe(400);
    const parts = [train, val, test].map((ids) => new Set(ids.map(subjectOf)));
    expect(parts.map((p) => p.size)).toEqual([2, 1, 1]);
    for (const subj of parts[2]) expect(parts[0].has(subj) || parts[1].has(subj)).toBe(false);
    for (const subj of parts[1]) expect(parts[0].has(subj)).toBe(false);
    expect(subjectHoldoutSplit(index, { seed: 3, valShare: 0.25, testShare: 0.25 })).toEqual(s);
    expect(s.notes[0]).toContain([...parts[2]][0]);
  });

  it('refuses too few subjects to hold any out', () => {
    expect(() => subjectHoldoutSplit(index, { seed: 1, valShare: 0.5, testShare: 0.5 })).toThrow(
      /none for training/,
    );
  });
});
