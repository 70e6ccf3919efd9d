import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classWeights, countByLabel } from './class-weights.js';
import { sampleId } from './keys.js';
import { indexSamples } from './sample-index.js';
import { writeTinySubject } from './testing.js';

describe('class counts and weights', () => {
  it('counts labels of the index or of some ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-cw-'));
    const s = writeTinySubject(dir, {
      subject: 's',
      subjectNo: 1,
      trials: 1,
      windowsPerTrial: 6,
      label: (_t, w) => (['happy', 'happy', 'happy', 'sad', 'fear', null] as const)[w],
    });
    const index = indexSamples([s], { needs: ['physio'] });
    expect(countByLabel(index)).toEqual([3, 1, 0, 0, 1]);
    const ids = new Set(index.entries.slice(0, 2).map(sampleId));
    expect(countByLabel(index, ids)).toEqual([2, 0, 0, 0, 0]);
  });

  it('balances: n / (k · count), 0 for absent classes, weights average 1 per sample', () => {
    const counts = [6, 2, 0, 0, 4];
    const w = classWeights(counts);
    expect(w[0]).toBeCloseTo(12 / (3 * 6));
    expect(w[1]).toBeCloseTo(12 / (3 * 2));
    expect(w[4]).toBeCloseTo(12 / (3 * 4));
    expect(w[2]).toBe(0);
    expect(counts.reduce((a, c, i) => a + c * w[i], 0)).toBeCloseTo(12);
    expect(classWeights([5, 5, 5, 5, 5])).toEqual([1, 1, 1, 1, 1]);
    expect(classWeights([0, 0, 0, 0, 0])).toEqual([0, 0, 0, 0, 0]);
  });
});
