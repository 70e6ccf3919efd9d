import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWindowsShard, readWindowsShard } from '@emo/datasets';
import type { Batch, BatchOptions, StreamStats } from './batches.js';
import { batches } from './batches.js';
import { sampleId } from './keys.js';
import { defaultShardReader } from './reader.js';
import { inputSize } from './subject-data.js';
import type { ShardReader } from './reader.js';
import type { SampleIndex } from './sample-index.js';
import { indexSamples } from './sample-index.js';
import { TINY, faceByte, physioValue, writeImageFolder, writeTinySubject } from './testing.js';

const ALL = ['face', 'physio', 'features'] as const;

/** A fresh temporary folder, removed when the file's tests end. */
const made: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'emo-batches-'));
  made.push(dir);
  return dir;
}
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function collect(index: SampleIndex, opts: BatchOptions): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of batches(index, opts)) out.push(b);
  return out;
}

const ids = (bs: readonly Batch[]) => bs.flatMap((b) => b.keys.map(sampleId));

/** `n` subjects of 2 trials × 3 windows, every label set. */
function corpus(n: number): SampleIndex {
  const dir = tempDir();
  const shards = Array.from({ length: n }, (_, i) =>
    writeTinySubject(dir, { subject: `s${i}`, subjectNo: i, trials: 2, windowsPerTrial: 3 }),
  );
  return indexSamples(shards, { needs: ALL });
}

describe('batches', () => {
  it('puts every input of a key at its batch position, faces as H×W×K', async () => {
    const dir = tempDir();
    const s = writeTinySubject(dir, {
      subject: 's7',
      subjectNo: 7,
      trials: 2,
      windowsPerTrial: 2,
      noFace: new Set(['0/0']),
    });
    const index = indexSamples([s], { needs: ALL });
    const got = await collect(index, { inputs: ALL, batchSize: 2 });
    expect(got.map((b) => b.size)).toEqual([2, 1]);
    const batch = got[0];
    // index order: 0/1, 1/0, 1/1; the second sample of the first batch is trial 1 window 0,
    // windows row 2 and faces row 1 (0/0 has no face)
    expect(batch.keys[1]).toEqual({ subject: 's7', trial: 1, window: 0 });
    const tc = TINY.T * TINY.C;
    const physio = batch.inputs.physio as Float32Array;
    expect(physio.length).toBe(2 * tc);
    expect(Array.from(physio.subarray(tc, 2 * tc))).toEqual(
      Array.from({ length: tc }, (_, j) => physioValue(7, 1, 0, j)),
    );
    expect(Array.from((batch.inputs.features as Float32Array).subarray(2, 4))).toEqual([
      -physioValue(7, 1, 0, 0),
      -physioValue(7, 1, 0, 1),
    ]);
    const per = TINY.size * TINY.size * TINY.frames;
    const face = (batch.inputs.face as Float32Array).subarray(per, 2 * per);
    const expected: number[] = [];
    for (let p = 0; p < TINY.size * TINY.size; p++) {
      for (let k = 0; k < TINY.frames; k++) expected.push(faceByte(1, k, p)); // H×W×K
    }
    expect(Array.from(face)).toEqual(expected);
    expect(Array.from(batch.labels)).toEqual(index.entries.slice(0, 2).map((e) => e.label));
    // the last, smaller batch has arrays of its own size
    expect((got[1].inputs.face as Float32Array).length).toBe(per);
    expect(got[1].labels.length).toBe(1);
  });

  it('passes NaN features through unchanged', async () => {
    const dir = tempDir();
    const s = writeTinySubject(dir, { subject: 'n', subjectNo: 1, trials: 1, windowsPerTrial: 1 });
    const w = readWindowsShard(s.windows as string);
    const features = Float32Array.from([Number.NaN, 5]);
    writeWindowsShard(s.windows as string, w.rows, w.physio, features, w.metadata);
    const [b] = await collect(indexSamples([s], { needs: ['features'] }), {
      inputs: ['features'],
      batchSize: 4,
    });
    expect(Array.from(b.inputs.features as Float32Array)).toEqual([Number.NaN, 5]);
    expect(b.inputs.face).toBeUndefined();
  });

  it('z-scores features within each subject over all its windows when asked (featureNorm)', async () => {
    const dir = tempDir();
    // subject 0's features are physioValue-based (about −100 000), subject 1's about −200 000:
    // globally far apart, each z-scored to the same pattern
    const shards = [0, 1].map((i) =>
      writeTinySubject(dir, { subject: `z${i}`, subjectNo: i + 1, trials: 2, windowsPerTrial: 3 }),
    );
    const index = indexSamples(shards, { needs: ['features'] });
    const raw = await collect(index, { inputs: ['features'], batchSize: 12 });
    const norm = await collect(index, {
      inputs: ['features'],
      batchSize: 12,
      featureNorm: 'subject',
    });
    const rawF = Array.from(raw[0].inputs.features as Float32Array);
    const f = Array.from(norm[0].inputs.features as Float32Array);
    expect(rawF[0]).toBe(-physioValue(1, 0, 0, 0));
    // per subject (6 rows × 2 features): mean 0, SD 1 of each feature
    for (const subject of [0, 1]) {
      for (const j of [0, 1]) {
        const col = [0, 1, 2, 3, 4, 5].map((r) => f[(subject * 6 + r) * 2 + j]);
        const mean = col.reduce((a, b) => a + b, 0) / 6;
        const sd = Math.sqrt(col.reduce((a, x) => a + (x - mean) ** 2, 0) / 5);
        expect(mean).toBeCloseTo(0, 5);
        expect(sd).toBeCloseTo(1, 5);
      }
    }
    // both subjects follow the same within-subject pattern once normalised
    expect(f.slice(0, 12).map((x) => x.toFixed(4))).toEqual(f.slice(12).map((x) => x.toFixed(4)));
    // a single selected window is scaled by its whole subject, not by itself
    const one = await collect(index, {
      inputs: ['features'],
      batchSize: 4,
      featureNorm: 'subject',
      ids: new Set(['z0/1/2']),
    });
    expect(Array.from(one[0].inputs.features as Float32Array)).toEqual(f.slice(10, 12));
  });

  it('without shuffle, streams in index order', async () => {
    const index = corpus(3);
    const got = await collect(index, { inputs: ['physio'], batchSize: 4 });
    expect(ids(got)).toEqual(index.entries.map(sampleId));
    expect(got.map((b) => b.size)).toEqual([4, 4, 4, 4, 2]);
  });

  it('shuffles every sample exactly once per epoch, deterministically per seed and epoch', async () => {
    const index = corpus(5);
    const all = index.entries.map(sampleId);
    const run = (seed: number, epoch: number) =>
      collect(index, { inputs: ALL, batchSize: 7, shuffle: { seed, epoch } }).then(ids);
    const e0 = await run(1, 0);
    expect([...e0].sort()).toEqual([...all].sort());
    expect(e0).not.toEqual(all);
    expect(await run(1, 0)).toEqual(e0);
    const e1 = await run(1, 1);
    expect([...e1].sort()).toEqual([...all].sort());
    expect(e1).not.toEqual(e0);
    expect(await run(2, 0)).not.toEqual(e0);
  });

  it('mixes subjects within a batch and holds at most maxOpenShards subjects', async () => {
    const index = corpus(6);
    for (const maxOpenShards of [1, 2, 3]) {
      const stats: StreamStats = { loads: 0, open: 0, peakOpen: 0 };
      let reads = 0;
      const reader: ShardReader = {
        windows: (p) => (reads++, defaultShardReader.windows(p)),
        faces: (p) => (reads++, defaultShardReader.faces(p)),
      };
      const got = await collect(index, {
        inputs: ALL,
        batchSize: 6,
        shuffle: { seed: 3, epoch: 0 },
        maxOpenShards,
        reader,
        stats,
      });
      expect(stats).toEqual({ loads: 6, open: 0, peakOpen: maxOpenShards });
      expect(reads).toBe(12); // each subject's two files read once
      const subjects = new Set(got[0].keys.map((k) => k.subject));
      if (maxOpenShards > 1) expect(subjects.size).toBeGreaterThan(1);
    }
  });

  it('restricts to the given ids and refuses ids not in the index', async () => {
    const index = corpus(2);
    const chosen = new Set(index.entries.filter((_, i) => i % 3 === 0).map(sampleId));
    const got = await collect(index, {
      ids: chosen,
      inputs: ['physio'],
      batchSize: 2,
      shuffle: { seed: 1, epoch: 0 },
    });
    expect(new Set(ids(got))).toEqual(chosen);
    expect(ids(got)).toHaveLength(chosen.size);
    await expect(
      collect(index, { ids: new Set(['nobody/0/0']), inputs: ['physio'], batchSize: 2 }),
    ).rejects.toThrow(/not in the index.*nobody\/0\/0/);
  });

  it('streams an image-folder faces shard', async () => {
    const dir = tempDir();
    const s = writeImageFolder(dir, 'Training', ['happy', 'sad', null, 'fear', 'neutral']);
    const index = indexSamples([s], { needs: ['face'] });
    const got = await collect(index, { inputs: ['face'], batchSize: 8 });
    expect(got).toHaveLength(1);
    expect(Array.from(got[0].labels)).toEqual([0, 1, 4, 3]);
    expect(got[0].keys[2]).toEqual({ subject: 'Training', trial: -1, window: 3 });
    const per = TINY.size * TINY.size * TINY.frames;
    // frame 1 of pixel 0 of the third sample (faces row 3)
    expect((got[0].inputs.face as Float32Array)[2 * per + 1]).toBe(faceByte(3, 1, 0));
    await expect(collect(index, { inputs: ['physio'], batchSize: 8 })).rejects.toThrow(
      /Training\/-1\/0 has no windows row/,
    );
    expect(() => inputSize(index, 'features')).toThrow(/the sample index has no windows shards/);
  });

  it('refuses a shard that changed since indexing, naming file and row', async () => {
    const dir = tempDir();
    const s = writeTinySubject(dir, { subject: 'c', subjectNo: 1, trials: 1, windowsPerTrial: 2 });
    const index = indexSamples([s], { needs: ['physio'] });
    const w = readWindowsShard(s.windows as string);
    const rows = w.rows.map((r) => ({ ...r, window: r.window + 5 }));
    writeWindowsShard(s.windows as string, rows, w.physio, w.features, w.metadata);
    await expect(collect(index, { inputs: ['physio'], batchSize: 2 })).rejects.toThrow(
      /c\.windows\.arrow row 0: expected trial 0 window 0/,
    );
  });
});
