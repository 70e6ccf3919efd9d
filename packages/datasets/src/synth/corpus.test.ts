import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticCorpus } from './corpus.js';
import { probeVideo } from './video.js';
import { convertDataset } from '../convert.js';
import { readRecordingsShard } from '../shards/recordings.js';
import { readPickle } from '../pickle/index.js';
import { readMat } from '../mat/index.js';
import { isNdArray } from '../ndarray.js';

describe('synthetic corpus', () => {
  it('is deterministic in its seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-synth-'));
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
    const dir = mkdtempSync(join(tmpdir(), 'emo-synth-v-'));
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
});
