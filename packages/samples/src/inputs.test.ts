import { afterAll, describe, expect, it } from '@jest/globals';
import { tempDirs } from '@emo/runtime';
import type { Batch, BatchOptions } from './batches.js';
import { batches } from './batches.js';
import { FACE_STATS_GRID, faceRegionMeans, faceStatsSize } from './inputs.js';
import type { SampleIndex } from './sample-index.js';
import { indexSamples } from './sample-index.js';
import { inputSize } from './subject-data.js';
import { TINY, faceByte, writeTinySubject } from './testing.js';

const dirs = tempDirs();
afterAll(dirs.cleanup);
const tempDir = () => dirs.make('emo-face-stats-');

async function collect(index: SampleIndex, opts: BatchOptions): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of batches(index, opts)) out.push(b);
  return out;
}

describe('faceStats: region means of the face crops', () => {
  it('averages each cell of a 4×4 grid, the cells as even as whole pixels allow', () => {
    expect(FACE_STATS_GRID).toBe(4);
    // one row of two 6×6 crops: pixel (x, y) of crop k is 100k + 10y + x; cells span pixels
    // 0, 1–2, 3, 4–5 of each side
    const side = 6;
    const bytes = new Uint8Array(2 * side * side);
    for (let k = 0; k < 2; k++) {
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) bytes[k * 36 + y * side + x] = 100 * k + 10 * y + x;
      }
    }
    const m = faceRegionMeans(bytes, side, 2);
    expect(m).toHaveLength(faceStatsSize(2));
    expect(m).toHaveLength(32);
    expect(m[0]).toBe(0); // cell (0, 0): pixel (0, 0)
    expect(m[1 * 4 + 1]).toBe((11 + 12 + 21 + 22) / 4); // cell (1, 1): x and y 1–2
    expect(m[2 * 4 + 3]).toBe((34 + 35) / 2); // cell (row 2, col 3): y 3, x 4–5
    expect(m[3 * 4 + 3]).toBe((44 + 45 + 54 + 55) / 4);
    expect(m[16 + 3 * 4 + 3]).toBe(100 + (44 + 45 + 54 + 55) / 4); // the second crop
  });

  it('refuses crops smaller than the grid and bytes that are not whole rows', () => {
    expect(() => faceRegionMeans(new Uint8Array(8), 2, 2)).toThrow(
      'faceStats: crops of 2 px are smaller than the 4×4 grid',
    );
    expect(() => faceRegionMeans(new Uint8Array(16 * 3), 4, 2)).toThrow(
      'faceStats: 48 bytes are not whole rows of 2 crops of 4×4',
    );
  });

  it('batches carry them per window, z-scored within the subject with featureNorm', async () => {
    const dir = tempDir();
    // 4×4 crops: every cell is one pixel, so the statistics are the crop's bytes
    const shards = [0, 1].map((i) =>
      writeTinySubject(dir, {
        subject: `f${i}`,
        subjectNo: i,
        trials: 2,
        windowsPerTrial: 3,
        faceSize: 4,
      }),
    );
    const index = indexSamples(shards, { needs: ['faceStats', 'features'] });
    expect(inputSize(index, 'faceStats')).toBe(16 * TINY.frames);
    const [raw] = await collect(index, { inputs: ['faceStats'], batchSize: 12 });
    const per = 16 * TINY.frames;
    const stats = raw.inputs.faceStats as Float32Array;
    // sample 4 is subject f0's faces row 4; value (k, p) is crop k's pixel p
    for (const [k, p] of [
      [0, 0],
      [0, 15],
      [1, 9],
    ]) {
      expect(stats[4 * per + k * 16 + p]).toBe(faceByte(4, k, p));
    }
    expect(raw.inputs.face).toBeUndefined(); // the crops themselves are not batched
    const [norm] = await collect(index, {
      inputs: ['faceStats'],
      batchSize: 12,
      featureNorm: 'subject',
    });
    const z = norm.inputs.faceStats as Float32Array;
    for (const subject of [0, 1]) {
      for (const j of [0, 7, per - 1]) {
        const col = [0, 1, 2, 3, 4, 5].map((r) => z[(subject * 6 + r) * per + j]);
        const mean = col.reduce((a, b) => a + b, 0) / 6;
        const sd = Math.sqrt(col.reduce((a, x) => a + (x - mean) ** 2, 0) / 5);
        expect(mean).toBeCloseTo(0, 5);
        expect(sd).toBeCloseTo(1, 5);
      }
    }
  });

  it('a sample that needs faceStats needs a faces row', () => {
    const dir = tempDir();
    const s = writeTinySubject(dir, {
      subject: 'g',
      subjectNo: 1,
      trials: 1,
      windowsPerTrial: 3,
      faceSize: 4,
      noFace: new Set(['0/1']),
    });
    expect(indexSamples([s], { needs: ['features'] }).entries).toHaveLength(3);
    const index = indexSamples([s], { needs: ['faceStats'] });
    expect(index.entries.map((e) => e.window)).toEqual([0, 2]);
    expect(index.skipped.noFace).toBe(1);
  });
});
