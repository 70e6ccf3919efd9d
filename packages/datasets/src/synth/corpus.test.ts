import { afterAll, describe, expect, it } from '@jest/globals';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tempDirs } from '@emo/runtime';
import { writeSyntheticCorpus } from './corpus.js';
import { RenderThreads } from './render-threads.js';
import { makeSubject, NEUTRAL_EXPRESSION } from './design.js';
import { stillFrame } from './face.js';
import { SYNTH_PRESETS } from './presets.js';
import { Rng } from '@emo/runtime';
import { probeVideo } from './video.js';
import { convertDataset, resolveInDownload } from '../convert.js';
import { readRecordingsShard } from '../shards/recordings.js';
import { readPickle } from '../pickle/index.js';
import { readMat } from '../mat/index.js';
import { isNdArray } from '../ndarray.js';
import { AMIGOS_LONG_IDS, AMIGOS_SHORT_IDS } from '../amigos.js';
import { AMIGOS_LONG_S_FULL, AMIGOS_SHORT_S_FULL } from './presets.js';

// Corpora are hundreds of MB: every folder goes when this file's tests end.
const { make: temp, cleanup } = tempDirs();
afterAll(cleanup);

describe('synthetic corpus', () => {
  it('is deterministic in its seed', async () => {
    const dir = temp('emo-synth-');
    const opts = {
      subjects: 1,
      deapTrials: 5,
      amigosShortTrials: 5,
      amigosLongS: 10,
      video: false,
    };
    const a = await writeSyntheticCorpus({ ...opts, out: join(dir, 'a'), seed: 3 });
    const b = await writeSyntheticCorpus({ ...opts, out: join(dir, 'b'), seed: 3 });
    const c = await writeSyntheticCorpus({ ...opts, out: join(dir, 'c'), seed: 4 });
    const dat = (r: typeof a) =>
      readFileSync(join(r.deapRoot, 'data_preprocessed_python', 's01.dat'));
    const mat = (r: typeof a) =>
      readFileSync(join(r.amigosRoot, 'Data_Preprocessed_P01', 'Data_Preprocessed_P01.mat'));
    expect(dat(a).equals(dat(b))).toBe(true);
    expect(mat(a).equals(mat(b))).toBe(true);
    expect(dat(a).equals(dat(c))).toBe(false);
    // the .dat is a DEAP pickle of (trials, 40, 8064) float64 and (trials, 4) labels
    const root = readPickle(dat(a), 's01.dat');
    expect(root).toBeInstanceOf(Map);
    const data = (root as Map<string, unknown>).get('data');
    expect(isNdArray(data) && data.shape).toEqual([5, 40, 8064]);
    // the .mat holds the four 1×20-style cells
    const m = await readMat(mat(a), 'P01.mat');
    expect([...m.variables.keys()].sort()).toEqual([
      'VideoIDs',
      'joined_data',
      'labels_ext_annotation',
      'labels_selfassessment',
    ]);
    expect(m.variables.get('joined_data')?.shape).toEqual([1, 9]);
  }, 60_000);

  it('writes face videos in the data sets’ layouts and rates, linked by the converter', async () => {
    const dir = temp('emo-synth-v-');
    const r = await writeSyntheticCorpus({
      out: dir,
      subjects: 2,
      seed: 5,
      deapTrials: 5,
      amigosShortTrials: 5,
      amigosLongS: 6,
    });
    // DEAP: one designed missing video; AMIGOS: P02's empty trial 3 has none
    expect(r.videos).toBe(2 * 5 - 1 + 9 + 8);
    const deapVideo = join(r.deapRoot, 'face_video', 's01', 's01_trial01.avi');
    const info = await probeVideo(deapVideo);
    expect(info).toMatchObject({ width: 180, height: 144, fps: 50 });
    expect(info.durationS).toBeCloseTo(63, 0);
    const amigosVideo = join(r.amigosRoot, 'Exp1_P01_face', 'P1_4_face.mov');
    expect(existsSync(amigosVideo)).toBe(true);
    expect((await probeVideo(amigosVideo)).fps).toBe(25);

    const out = join(dir, 'shards');
    await convertDataset({ dataset: 'deap', root: r.deapRoot, outDir: out });
    const s2 = readRecordingsShard(join(out, 'deap-s02.arrow'));
    const missing = s2.rows.filter((x) => x.videoPath === null);
    expect(missing.map((x) => x.presentationTrial)).toEqual([5]); // the designed missing video
    for (const row of s2.rows.filter((x) => x.videoPath)) {
      expect(row.videoPath).toMatch(new RegExp(`s02_trial0${row.presentationTrial}\\.avi$`));
    }
    await convertDataset({ dataset: 'amigos', root: r.amigosRoot, outDir: out });
    const p1 = readRecordingsShard(join(out, 'amigos-P01.arrow'));
    expect(p1.rows.every((x) => x.videoPath?.endsWith(`P1_${x.stimulusId}_face.mov`))).toBe(true);
  }, 180_000);

  it('writes one data set alone, byte for byte as beside the other, and keeps the other', async () => {
    const dir = temp('emo-synth-only-');
    const opts = {
      subjects: 2,
      deapTrials: 5,
      amigosShortTrials: 5,
      amigosLongS: 10,
      video: false,
    };
    const both = await writeSyntheticCorpus({ ...opts, out: join(dir, 'both') });
    const alone = await writeSyntheticCorpus({
      ...opts,
      out: join(dir, 'one'),
      datasets: ['amigos'],
    });
    expect(alone.datasets).toEqual(['amigos']);
    expect(existsSync(alone.deapRoot)).toBe(false);
    const same = (a: string, b: string) =>
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    for (const f of ['Data_Preprocessed_P02/Data_Preprocessed_P02.mat', 'EMO_SYNTHETIC.json'])
      same(join(both.amigosRoot, f), join(alone.amigosRoot, f));
    // then DEAP alone into the same folder: AMIGOS stays
    const deap = await writeSyntheticCorpus({ ...opts, out: join(dir, 'one'), datasets: ['deap'] });
    expect(deap.trials).toBe(10);
    for (const f of ['data_preprocessed_python/s02.dat', 'EMO_SYNTHETIC.json'])
      same(join(both.deapRoot, f), join(deap.deapRoot, f));
    expect(existsSync(join(alone.amigosRoot, 'EMO_SYNTHETIC.json'))).toBe(true);
    await expect(writeSyntheticCorpus({ ...opts, out: dir, datasets: [] })).rejects.toThrow(
      /datasets must name deap and\/or amigos/,
    );
    await expect(
      writeSyntheticCorpus({ ...opts, out: dir, preset: 'huge' as 'full' }),
    ).rejects.toThrow(/unknown preset 'huge'/);
  }, 60_000);

  it('full: the converter reads a full-size subject with the preset’s trials, durations and samples', async () => {
    const dir = temp('emo-synth-full-');
    const r = await writeSyntheticCorpus({ out: dir, preset: 'full', subjects: 1, video: false });
    const out = join(dir, 'shards');

    const deap = await convertDataset({ dataset: 'deap', root: r.deapRoot, outDir: out });
    expect(deap.synthetic).toBe(true);
    const s01 = readRecordingsShard(join(out, 'deap-s01.arrow'));
    expect(s01.metadata.synthetic).toBe(true);
    expect(s01.rows).toHaveLength(40);
    expect(s01.rows.map((x) => x.presentationTrial).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    for (const row of s01.rows) {
      expect(row).toMatchObject({ fs: 128, baselineSamples: 3 * 128 });
      expect(row.ppg?.length).toBe(8064); // 3 s baseline + 60 s
      expect(row.gsr?.length).toBe(8064);
    }

    const amigos = await convertDataset({ dataset: 'amigos', root: r.amigosRoot, outDir: out });
    expect(amigos.synthetic).toBe(true);
    const p01 = readRecordingsShard(join(out, 'amigos-P01.arrow'));
    expect(p01.rows.map((x) => x.stimulusId)).toEqual([...AMIGOS_SHORT_IDS, ...AMIGOS_LONG_IDS]);
    const listed: Record<string, number> = { ...AMIGOS_SHORT_S_FULL, ...AMIGOS_LONG_S_FULL };
    for (const row of p01.rows) {
      expect(row).toMatchObject({ fs: 128, baselineSamples: 5 * 128 });
      const samples = (5 + listed[row.stimulusId]) * 128;
      expect([row.stimulusId, row.ecg?.length, row.ecgLeft?.length, row.gsr?.length]).toEqual([
        row.stimulusId,
        samples,
        samples,
        samples,
      ]);
    }
  }, 120_000);

  it('the render threads write the same bytes as rendering on the calling thread', async () => {
    const dir = temp('emo-synth-threads-');
    const opts = { subjects: 1, seed: 9, deapTrials: 5, amigosShortTrials: 5, amigosLongS: 6 };
    const here = await writeSyntheticCorpus({
      ...opts,
      out: join(dir, 'here'),
      videoThreads: false,
    });
    const threads = await writeSyntheticCorpus({ ...opts, out: join(dir, 'threads') });
    const files = (d: string): string[] =>
      readdirSync(d).flatMap((n) =>
        statSync(join(d, n)).isDirectory() ? files(join(d, n)) : [join(d, n)],
      );
    const a = files(join(dir, 'here'))
      .map((f) => relative(join(dir, 'here'), f))
      .sort();
    const b = files(join(dir, 'threads'))
      .map((f) => relative(join(dir, 'threads'), f))
      .sort();
    expect(b).toEqual(a);
    expect(a.filter((f) => /\.(avi|mov)$/.test(f))).toHaveLength(here.videos);
    expect(here.videos).toBe(5 + 9);
    expect(threads.videos).toBe(here.videos);
    for (const f of a) {
      const same = readFileSync(join(dir, 'here', f)).equals(readFileSync(join(dir, 'threads', f)));
      expect([f, same]).toEqual([f, true]);
    }
  }, 120_000);

  it('a render thread reports a failed video by its path and goes on with the next', async () => {
    const dir = temp('emo-synth-thread-fail-');
    const subject = makeSubject(new Rng(1), 0);
    const job = (path: string) => ({
      subject,
      expression: NEUTRAL_EXPRESSION,
      poses: [stillFrame()],
      spec: SYNTH_PRESETS.small.deapVideo,
      frames: 10,
      baselineS: 0,
      path,
    });
    const threads = new RenderThreads(1);
    try {
      const bad = join(dir, 'bad.webm');
      await expect(threads.run(job(bad))).rejects.toThrow(
        `encodeVideo: ${bad}: unsupported extension '.webm'`,
      );
      expect(await threads.run(job(join(dir, 'good.avi')))).toBeGreaterThan(0);
      expect(existsSync(join(dir, 'good.avi'))).toBe(true);
    } finally {
      await threads.close();
    }
    await expect(threads.run(job(join(dir, 'late.avi')))).rejects.toThrow(/closed/);
  }, 60_000);

  it('a shard does not depend on where the download lies: paths are relative to its root', async () => {
    const dir = temp('emo-synth-moved-');
    const opts = { subjects: 1, seed: 3, deapTrials: 5, amigosShortTrials: 5, amigosLongS: 6 };
    const r = await writeSyntheticCorpus({ ...opts, out: join(dir, 'a') });
    cpSync(join(dir, 'a'), join(dir, 'elsewhere', 'b'), { recursive: true });
    for (const [dataset, sub] of [
      ['deap', 'DEAP'],
      ['amigos', 'AMIGOS'],
    ] as const) {
      const shards = ['a', join('elsewhere', 'b')].map(async (where, i) => {
        const root = join(dir, where, sub);
        await convertDataset({ dataset, root, outDir: join(dir, `shards-${i}`) });
        return root;
      });
      const [rootA, rootB] = await Promise.all(shards);
      const name = dataset === 'deap' ? 'deap-s01.arrow' : 'amigos-P01.arrow';
      const a = readFileSync(join(dir, 'shards-0', name));
      expect(a.equals(readFileSync(join(dir, 'shards-1', name)))).toBe(true);
      const shard = readRecordingsShard(join(dir, 'shards-1', name));
      expect(shard.metadata.sourceFile).toBe(
        dataset === 'deap'
          ? 'data_preprocessed_python/s01.dat'
          : 'Data_Preprocessed_P01/Data_Preprocessed_P01.mat',
      );
      const videos = shard.rows.flatMap((x) => (x.videoPath ? [x.videoPath] : []));
      expect(videos.length).toBeGreaterThan(0);
      for (const v of videos) {
        expect(v.startsWith('/')).toBe(false);
        expect(existsSync(resolveInDownload(rootB, v))).toBe(true);
        expect(resolveInDownload(rootA, v).startsWith(rootA)).toBe(true);
      }
    }
    expect(resolveInDownload('/x', '/abs/old.avi')).toBe('/abs/old.avi');
    expect(r.videos).toBe(5 + 9);
  }, 120_000);
});
