import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertDataset, openDownload, SYNTHETIC_MARKER } from './convert.js';
import { readRecordingsShard } from './shards/recordings.js';
import { writeSyntheticCorpus } from './synth/corpus.js';
import type { SyntheticTrialTruth } from './synth/corpus.js';
import { writeDeapPickle } from './pickle/index.js';
import { writeMat5 } from './mat/index.js';
import { ndarray } from './ndarray.js';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;

let dir: string;
let deapRoot: string;
let amigosRoot: string;

function truthOf(root: string): SyntheticTrialTruth[] {
  return (
    JSON.parse(readFileSync(join(root, SYNTHETIC_MARKER), 'utf8')) as {
      truth: SyntheticTrialTruth[];
    }
  ).truth;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emo-convert-'));
  const r = await writeSyntheticCorpus({
    out: join(dir, 'synth'),
    subjects: 4,
    seed: 7,
    deapTrials: 10,
    amigosShortTrials: 5,
    amigosLongS: 20,
    video: false,
  });
  deapRoot = r.deapRoot;
  amigosRoot = r.amigosRoot;
}, 120_000);

describe('convert DEAP (synthetic download in the real format)', () => {
  it('writes one shard per subject whose rows, labels and signals match the generator', async () => {
    const out = join(dir, 'deap-shards');
    const report = await convertDataset({ dataset: 'deap', root: deapRoot, outDir: out });
    expect(report.synthetic).toBe(true);
    expect(report.subjects.map((s) => [s.subject, s.status])).toEqual([
      ['s01', 'ok'],
      ['s02', 'ok'],
      ['s03', 'ok'],
      ['s04', 'ok'],
    ]);
    const truth = truthOf(deapRoot);
    const shard = readRecordingsShard(join(out, 'deap-s02.arrow'));
    expect(shard.metadata.synthetic).toBe(true);
    expect(shard.metadata.cardiacSource).toBe('ppg');
    expect(shard.metadata.notes.join(' ')).toMatch(/no ECG/);
    expect(shard.metadata.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(shard.rows).toHaveLength(10);
    for (const row of shard.rows) {
      const t = truth.find((x) => x.subject === 's02' && x.trial === row.trial);
      expect(t).toBeDefined();
      expect(row.label5).toBe(t?.condition === 'calm' ? null : t?.condition);
      expect(row.ecg).toBeNull();
      expect(row.ppg).toHaveLength(8064);
      expect(row.gsr).toHaveLength(8064);
      expect(Math.min(...(row.ppg as Float32Array))).toBeLessThan(-1000); // DEAP's plethysmograph scale
      expect(Math.min(...(row.gsr as Float32Array))).toBeGreaterThan(1e4); // skin resistance in Ohm
      expect(row.presentationTrial).toBeGreaterThanOrEqual(1);
      expect(row.baselineSamples).toBe(384);
    }
    // presentation order is a permutation of 1..10
    expect(
      shard.rows.map((r) => r.presentationTrial).sort((a, b) => (a as number) - (b as number)),
    ).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    // two calm trials per subject are counted as unlabelled
    expect(report.labels.unlabelled).toBe(8);
    expect(report.labels.labelled).toBe(32);
  });

  it('isolates a corrupt, a malicious and a wrongly shaped subject; the others convert', async () => {
    const root = join(dir, 'deap-bad');
    cpSync(deapRoot, root, { recursive: true });
    const py = join(root, 'data_preprocessed_python');
    truncateSync(join(py, 's01.dat'), 5000);
    copyFileSync(join(fixtures, 'pickle', 'evil-os-system-p2.pkl'), join(py, 's02.dat'));
    // a pickled dict of other arrays: wrong keys
    copyFileSync(join(fixtures, 'pickle', 'dtypes-py2-p2.pkl'), join(py, 's05.dat'));
    writeFileSync(
      join(py, 's03.dat'),
      writeDeapPickle(
        {
          data: ndarray('float64', [2, 39, 8064], new Float64Array(2 * 39 * 8064)),
          labels: ndarray('float64', [2, 4], new Float64Array(8)),
        },
        { protocol: 2, form: 'py2' },
      ),
    );
    const report = await convertDataset({
      dataset: 'deap',
      root,
      outDir: join(dir, 'deap-bad-shards'),
    });
    const by = Object.fromEntries(report.subjects.map((s) => [s.subject, s]));
    expect(by.s01.status).toBe('failed');
    expect(by.s01.error).toMatch(/s01\.dat/);
    expect(by.s01.error).toMatch(/byte/);
    expect(by.s02.status).toBe('failed');
    expect(by.s02.error).toMatch(/s02\.dat.*system/);
    expect(by.s03.status).toBe('failed');
    expect(by.s03.error).toMatch(
      /s03\.dat: variable 'data': got \(2, 39, 8064\) \(expected shape \(trials, 40, 8064\)\)/,
    );
    expect(by.s05.status).toBe('failed');
    expect(by.s05.error).toMatch(/s05\.dat: key 'data'.*key missing \(keys: /);
    expect(by.s04.status).toBe('ok');
  });

  it('gives the same shard from sXX.dat and sXX.mat holding the same arrays', async () => {
    const n = 2;
    const data = Float64Array.from(
      { length: n * 40 * 8064 },
      (_, i) => Math.sin(i / 7) * 1000 + (i % 8064),
    );
    const labels = Float64Array.from([7, 7, 5, 3, 2, 2, 5, 6]);
    const shards: string[] = [];
    for (const format of ['dat', 'mat'] as const) {
      const root = join(dir, `deap-${format}-same`);
      const sub = format === 'dat' ? 'data_preprocessed_python' : 'data_preprocessed_matlab';
      mkdirSync(join(root, sub), { recursive: true });
      const file = join(root, sub, `s09.${format}`);
      if (format === 'dat') {
        writeFileSync(
          file,
          writeDeapPickle(
            {
              data: ndarray('float64', [n, 40, 8064], data),
              labels: ndarray('float64', [n, 4], labels),
            },
            { protocol: 0, form: 'py3' },
          ),
        );
      } else {
        writeFileSync(
          file,
          writeMat5(
            new Map([
              ['data', { kind: 'numeric', class: 'double', shape: [n, 40, 8064], data }],
              ['labels', { kind: 'numeric', class: 'double', shape: [n, 4], data: labels }],
            ]),
            { compress: true },
          ),
        );
      }
      const report = await convertDataset({ dataset: 'deap', root, outDir: join(root, 'out') });
      expect(report.subjects[0].status).toBe('ok');
      shards.push(report.subjects[0].shard as string);
    }
    const [a, b] = shards.map((p) => readRecordingsShard(p).rows);
    expect(a.map((r) => r.label5)).toEqual(['happy', 'sad']);
    for (let t = 0; t < n; t++) {
      const gsr = Array.from(
        data.subarray((t * 40 + 36) * 8064, (t * 40 + 37) * 8064),
        Math.fround,
      );
      const ppg = Array.from(
        data.subarray((t * 40 + 38) * 8064, (t * 40 + 39) * 8064),
        Math.fround,
      );
      expect(Array.from(a[t].gsr as Float32Array)).toEqual(gsr);
      expect(Array.from(b[t].gsr as Float32Array)).toEqual(gsr);
      expect(Array.from(b[t].ppg as Float32Array)).toEqual(ppg);
    }
  });

  it('names a missing variable of a MATLAB-format subject', async () => {
    const root = join(dir, 'deap-keys');
    mkdirSync(join(root, 'data_preprocessed_matlab'), { recursive: true });
    writeFileSync(
      join(root, 'data_preprocessed_matlab', 's05.mat'),
      writeMat5(
        new Map([
          [
            'data',
            {
              kind: 'numeric',
              class: 'double',
              shape: [1, 40, 8064],
              data: new Float64Array(40 * 8064),
            },
          ],
        ]),
      ),
    );
    const report = await convertDataset({
      dataset: 'deap',
      root,
      outDir: join(dir, 'deap-keys-shards'),
    });
    expect(report.subjects[0].error).toMatch(/s05\.mat: variable 'labels': missing/);
  });

  it('reads the MATLAB variant of a download and the ratings CSV being absent', async () => {
    const root = join(dir, 'deap-mat');
    mkdirSync(join(root, 'data_preprocessed_matlab'), { recursive: true });
    copyFileSync(
      join(fixtures, 'mat', 'deap_v5z.mat'),
      join(root, 'data_preprocessed_matlab', 's07.mat'),
    );
    // the fixture is DEAP-shaped but short (16 samples): the reader must refuse it clearly
    const report = await convertDataset({
      dataset: 'deap',
      root,
      outDir: join(dir, 'deap-mat-shards'),
    });
    expect(report.subjects[0].status).toBe('failed');
    expect(report.subjects[0].error).toMatch(/s07\.mat: variable 'data'.*8064/);
    expect(report.notes.join(' ')).toMatch(/participant_ratings\.csv not found/);
  });
});

describe('convert AMIGOS (synthetic download in the real format)', () => {
  it('reports empty trials, NaN gaps and missing long videos, and converts the rest', async () => {
    const out = join(dir, 'amigos-shards');
    const report = await convertDataset({ dataset: 'amigos', root: amigosRoot, outDir: out });
    expect(report.subjects.every((s) => s.status === 'ok')).toBe(true);
    const by = Object.fromEntries(report.subjects.map((s) => [s.subject, s]));
    expect(by.P01.trials).toBe(9);
    expect(by.P02.skipped.map((s) => [s.trial, s.reason])).toEqual([
      [3, expect.stringMatching(/empty/)],
    ]);
    // the designed 2 s NaN run in both ECG columns of P03's trial 5: kept and reported
    expect(by.P03.skipped).toEqual([]);
    expect(by.P03.keptWithGaps.map((g) => [g.trial, g.columns.map((c) => c.column)])).toEqual([
      [5, ['ecg', 'ecg_left']],
    ]);
    expect(by.P03.keptWithGaps[0].columns[0]).toMatchObject({ missing: 256, gaps: 1, longestS: 2 });
    expect(by.P04.skipped.map((s) => s.stimulusId)).toEqual(['N1', 'P1', 'B1', 'U1']);
    const truth = truthOf(amigosRoot);
    const shard = readRecordingsShard(join(out, 'amigos-P01.arrow'));
    expect(shard.metadata.cardiacSource).toBe('ecg');
    expect(shard.rows.map((r) => r.stimulusId)).toEqual([
      '4',
      '5',
      '9',
      '10',
      '13',
      'N1',
      'P1',
      'B1',
      'U1',
    ]);
    for (const row of shard.rows) {
      const t = truth.find((x) => x.subject === 'P01' && x.trial === row.trial);
      expect(row.label5).toBe(t?.condition);
      expect(row.ecg?.length).toBe(row.gsr?.length);
      expect(row.ppg).toBeNull();
      expect(row.baselineSamples).toBe(640);
      // AMIGOS stores arousal before valence: the generator's class must survive the swap
      if (row.label5 === 'happy') expect(row.valence).toBeGreaterThan(5);
      if (row.label5 === 'sad') expect(row.arousal).toBeLessThan(5);
    }
    expect(shard.rows.filter((r) => r.labelSource === 'checkbox').length).toBeGreaterThan(0);
  });

  it('finds files in the root as well as in per-participant folders, and reads -v7.3 files', async () => {
    const root = join(dir, 'amigos-flat');
    mkdirSync(root, { recursive: true });
    copyFileSync(
      join(amigosRoot, 'Data_Preprocessed_P01', 'Data_Preprocessed_P01.mat'),
      join(root, 'Data_Preprocessed_P01.mat'),
    );
    copyFileSync(join(fixtures, 'mat', 'amigos_v73.mat'), join(root, 'Data_Preprocessed_P09.mat'));
    copyFileSync(join(fixtures, 'mat', 'amigos_v5z.mat'), join(root, 'Data_Preprocessed_P10.mat'));
    const report = await convertDataset({
      dataset: 'amigos',
      root,
      outDir: join(dir, 'amigos-flat-shards'),
    });
    const by = Object.fromEntries(report.subjects.map((s) => [s.subject, s]));
    expect(by.P01.status).toBe('ok');
    expect(by.P09.status).toBe('ok');
    expect(by.P10.status).toBe('ok');
    const a = readRecordingsShard(by.P09.shard as string);
    const b = readRecordingsShard(by.P10.shard as string);
    expect(a.metadata.parameters).toMatchObject({ mat_version: '7.3' });
    expect(b.metadata.parameters).toMatchObject({ mat_version: '5' });
    expect(a.rows.map((r) => [r.stimulusId, r.valence, r.label5, Array.from(r.ecg ?? [])])).toEqual(
      b.rows.map((r) => [r.stimulusId, r.valence, r.label5, Array.from(r.ecg ?? [])]),
    );
    expect(report.notes.join(' ')).toMatch(/no face videos/);
    expect(report.notes.join(' ')).toMatch(
      /participants missing from the numbering 1–10: P02, P03, P04, P05, P06, P07, P08/,
    );
  });

  it('fails one participant with a wrong variable and keeps the others', async () => {
    const root = join(dir, 'amigos-bad');
    cpSync(amigosRoot, root, { recursive: true });
    writeFileSync(
      join(root, 'Data_Preprocessed_P02', 'Data_Preprocessed_P02.mat'),
      readFileSync(join(fixtures, 'mat', 'types_v5.mat')),
    );
    const report = await convertDataset({
      dataset: 'amigos',
      root,
      outDir: join(dir, 'amigos-bad-shards'),
      subjects: ['P01', 'P02'],
    });
    const by = Object.fromEntries(report.subjects.map((s) => [s.subject, s]));
    expect(by.P01.status).toBe('ok');
    expect(by.P02.status).toBe('failed');
    expect(by.P02.error).toMatch(/Data_Preprocessed_P02\.mat: variable 'joined_data'.*missing/);
    expect(report.subjects).toHaveLength(2);
    rmSync(root, { recursive: true, force: true });
  });
});

describe('openDownload (per-subject conversion, what the pipeline stage uses)', () => {
  it("lists each subject's own raw files: data file, ratings CSV and only its own videos", () => {
    const root = join(dir, 'deap-videos');
    cpSync(deapRoot, root, { recursive: true });
    for (const s of ['s01', 's02']) {
      mkdirSync(join(root, 'face_video', s), { recursive: true });
      writeFileSync(join(root, 'face_video', s, `${s}_trial01.avi`), 'not a real video');
    }
    writeFileSync(join(root, 'face_video', 's01', 'notes.txt'), 'not a video');
    const dl = openDownload('deap', root);
    expect(dl.synthetic).toBe(true);
    expect(dl.subjects.map((s) => s.subject)).toEqual(['s01', 's02', 's03', 's04']);
    const rel = (p: string) => p.slice(root.length + 1);
    expect(dl.subjects[0].sources.map(rel)).toEqual([
      'data_preprocessed_python/s01.dat',
      'metadata_csv/participant_ratings.csv',
      'face_video/s01/s01_trial01.avi',
    ]);
    expect(dl.subjects[2].sources.map(rel)).toEqual([
      'data_preprocessed_python/s03.dat',
      'metadata_csv/participant_ratings.csv',
    ]);
  });

  it('converts one subject alone to the same bytes as the whole-download conversion', async () => {
    const whole = join(dir, 'amigos-whole');
    await convertDataset({ dataset: 'amigos', root: amigosRoot, outDir: whole });
    const one = join(dir, 'amigos-one');
    mkdirSync(one);
    const dl = openDownload('amigos', amigosRoot);
    const p03 = dl.subjects.find((s) => s.subject === 'P03');
    if (!p03) throw new Error('P03 not listed');
    expect(p03.sources[0]).toBe(p03.sourceFile);
    const r = await p03.convert({ outDir: one });
    expect(r.status).toBe('ok');
    expect(readFileSync(join(one, 'amigos-P03.arrow'))).toEqual(
      readFileSync(join(whole, 'amigos-P03.arrow')),
    );
  });
});
