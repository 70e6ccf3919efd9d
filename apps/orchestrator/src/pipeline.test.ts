// The proofs of issue 3 on the real pipeline (synth → convert → dsp → vision → split → train →
// report), through the `emo` command line: in-process for most, and as real child processes (the
// built bin/emo.js) for SIGKILL and for two runs started at once. Every run trains tiny models
// for one epoch (TINY_TRAIN): the proofs are about the pipeline, not about learning.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticCorpus } from '@emo/datasets';
import {
  TINY_TRAIN,
  differingOutputs,
  manifestOf,
  runEmo,
  taskLabel as label,
  taskOf as task,
  tempDirs,
  writeTinyConfig,
} from './testing.js';
import type { RunManifest } from './engine/index.js';

const bin = fileURLToPath(new URL('../bin/emo.js', import.meta.url));
const builtCli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

const { make: tmp, cleanup } = tempDirs();
afterAll(cleanup);

const emo = runEmo;

/** `emo …` as a real child process running the built CLI (what users and nx run). */
function emoChild(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    let out = '';
    const c = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.on('exit', (code) => resolve({ code, out }));
  });
}

/** label → status of every task of a manifest. */
function statuses(m: RunManifest): Record<string, string> {
  return Object.fromEntries(m.tasks.map((t) => [label(t), t.status]));
}

/** label → [key, output hash]: what must agree between two runs that made the same outputs. */
function outputs(m: RunManifest): Record<string, [string | null, string | undefined]> {
  return Object.fromEntries(m.tasks.map((t) => [label(t), [t.key, t.output?.hash]]));
}

/** Every run manifest of a store, oldest first (run ids begin with their start time). */
function runManifests(storeDir: string): RunManifest[] {
  return readdirSync(join(storeDir, 'runs'))
    .filter((f) => f.endsWith('.json') && f !== 'latest.json')
    .sort()
    .map((f) => JSON.parse(readFileSync(join(storeDir, 'runs', f), 'utf8')) as RunManifest);
}

interface PlanJson {
  tasks: { stage: string; shard: string | null; action: string; reason: string }[];
}

/** TINY_TRAIN as command-line flags. */
const TINY_SET = [
  '--set',
  'split.protocols=["random"]',
  '--set',
  `train.epochs=${TINY_TRAIN.epochs}`,
  '--set',
  `train.model=${JSON.stringify(TINY_TRAIN.model)}`,
];

const RANDOM = 'random-70-15-15';
const TRAIN_TASKS = ['cnnOnly', 'hybrid', 'logreg', 'logregFaces', 'rnnOnly'].map(
  (m) => `train/emotion5.${RANDOM}.${m}.f0`,
);

describe('the pipeline on the embedded synthetic corpus (no dataset configured)', () => {
  let dir: string;
  let store: string;
  let cfg: string;
  const ALL = [
    'synth',
    'convert/deap-s01',
    'convert/deap-s02',
    'convert/amigos-P01',
    'convert/amigos-P02',
    'dsp/deap-s01',
    'dsp/deap-s02',
    'dsp/amigos-P01',
    'dsp/amigos-P02',
    'vision/deap-s01',
    'vision/deap-s02',
    'vision/amigos-P01',
    'vision/amigos-P02',
    'split/emotion5',
    ...TRAIN_TASKS,
    'evaluate/emotion5',
    'report',
  ];

  beforeAll(() => {
    dir = tmp('emo-pipe-synth-');
    store = join(dir, 'store');
    cfg = writeTinyConfig(dir);
  });

  it('runs every stage once, labels the results synthetic, and a re-run runs nothing', async () => {
    const first = await emo('full', '--config', cfg, '--json');
    expect(first.code).toBe(0);
    const m1 = manifestOf(store);
    expect(Object.keys(statuses(m1)).sort()).toEqual([...ALL].sort());
    expect(Object.values(statuses(m1)).every((s) => s === 'ran')).toBe(true);
    expect(m1.info.synthetic).toBe(true);
    const latest = join(dir, 'res', 'latest');
    expect(readlinkSync(latest)).toBe(join('runs', m1.runId));
    expect(readFileSync(join(latest, 'report.md'), 'utf8')).toMatch(/SYNTHETIC/);
    const metrics = JSON.parse(readFileSync(join(latest, 'metrics.json'), 'utf8')) as {
      synthetic: boolean;
      datasets: {
        dataset: string;
        subjects: string[];
        windows: { cardiac: { seconds: number; excludedSeconds: number } };
      }[];
    };
    expect(metrics.synthetic).toBe(true);
    expect(metrics.datasets.map((d) => [d.dataset, d.subjects])).toEqual([
      ['deap', ['s01', 's02']],
      ['amigos', ['P01', 'P02']],
    ]);
    // the synthetic hearts are clean: signal quality analysed every second and excluded none
    for (const d of metrics.datasets) {
      expect(d.windows.cardiac.seconds).toBeGreaterThan(60);
      expect(d.windows.cardiac.excludedSeconds).toBe(0);
    }
    expect(JSON.parse(readFileSync(join(latest, 'manifest.json'), 'utf8'))).toEqual(m1);

    const plan = JSON.parse((await emo('plan', '--config', cfg, '--json')).out) as PlanJson;
    expect(plan.tasks.map((t) => [label(t), t.action]).sort()).toEqual(
      m1.tasks.map((t) => [label(t), 'cached']).sort(),
    );

    const again = await emo('full', '--config', cfg);
    expect(again.code).toBe(0);
    const m2 = manifestOf(store);
    expect(m2.runId).not.toBe(m1.runId);
    expect(m2.counts).toMatchObject({ ran: 0, hit: ALL.length, failed: 0 });
    expect(outputs(m2)).toEqual(outputs(m1));
    expect(readlinkSync(latest)).toBe(join('runs', m2.runId));
    expect(existsSync(join(dir, 'res', 'runs', m1.runId, 'report.md'))).toBe(true);
  }, 120_000);

  it('the manifest names the tfjs backend; the report and metrics.json show the four models', () => {
    const m = manifestOf(store);
    const backend = String(m.info.tfBackend);
    expect(backend).toMatch(/^tfjs \d+\.\d+\.\d+ (wasm|tensorflow|cpu)\b/);
    // no native libtensorflow is installed in this repository (its optional packages' binaries
    // are not downloaded), so tfjs trains on wasm unless EMO_TF_BACKEND says otherwise
    if (!process.env.EMO_TF_BACKEND) expect(backend).toMatch(/^tfjs \S+ wasm \(SIMD/);

    const latest = join(dir, 'res', 'latest');
    const metrics = JSON.parse(readFileSync(join(latest, 'metrics.json'), 'utf8')) as {
      split: {
        samples: number;
        protocols: {
          protocol: string;
          leakage: { verdict: string };
          folds: { fold: number; train: number; val: number; test: number }[];
        }[];
      };
      trainings: {
        model: string;
        fold: number;
        protocol: string;
        backend: string;
        epochs: number;
        samples: { train: number; val: number; test: number };
        test: { accuracy: number; loss: number } | null;
      }[];
      evaluation: {
        models: { model: string; protocol: string; metrics: { n: number; accuracy: number } }[];
        comparisons: { a: string; b: string }[];
      };
    };
    const { split, trainings, evaluation } = metrics;
    expect(split.protocols.map((p) => [p.protocol, p.leakage.verdict])).toEqual([
      [RANDOM, 'shares-trials'],
    ]);
    const [f0] = split.protocols[0].folds;
    expect(f0.train + f0.val + f0.test).toBe(split.samples);
    expect(f0.test).toBeGreaterThan(0);
    expect(trainings.map((x) => x.model).sort()).toEqual([
      'cnnOnly',
      'hybrid',
      'logreg',
      'logregFaces',
      'rnnOnly',
    ]);
    for (const x of trainings) {
      expect(x).toMatchObject({
        fold: 0,
        protocol: RANDOM,
        epochs: 1,
        backend, // the workers selected the backend by the same rule as the manifest
        samples: { train: f0.train, val: f0.val, test: f0.test },
      });
      // the evaluate stage scores the same predictions the train stage scored
      const ev = evaluation.models.find((m) => m.model === x.model && m.protocol === RANDOM);
      expect(ev?.metrics.n).toBe(f0.test);
      expect(ev?.metrics.accuracy).toBeCloseTo(x.test?.accuracy ?? NaN, 12);
    }
    expect(evaluation.comparisons.map((c) => `${c.a}/${c.b}`)).toEqual([
      'hybrid/cnnOnly',
      'hybrid/rnnOnly',
      'hybrid/logreg',
      'hybrid/logregFaces',
    ]);

    const md = readFileSync(join(latest, 'report.md'), 'utf8');
    expect(md).toMatch(/SYNTHETIC/);
    for (const m of evaluation.models) expect(md).toContain(m.metrics.accuracy.toFixed(3));
    const html = readFileSync(join(latest, 'report.html'), 'utf8');
    expect(html).toContain(`<figure id="fig-confusion-${RANDOM}-hybrid"`);
    expect(html).toContain('<section id="this-run">');
    expect(readdirSync(join(latest, 'figures'))).toContain(`roc-${RANDOM}-hybrid.svg`);
  });

  it('a changed stage parameter re-runs exactly that stage and its downstream, and says why', async () => {
    const set = ['--set', 'convert.maxMissingShare=0'];
    const plan = JSON.parse((await emo('plan', '--config', cfg, ...set, '--json')).out) as PlanJson;
    const planned = Object.fromEntries(plan.tasks.map((t) => [label(t), t]));
    expect(planned.synth.action).toBe('cached');
    for (const l of ALL.filter((x) => x.startsWith('convert/'))) {
      expect(planned[l]).toMatchObject({
        action: 'run',
        reason: 'parameter maxMissingShare changed (0.5 → 0)',
      });
    }
    // downstream of convert, everything will run: the plan cannot know yet what will change
    expect(ALL.filter((l) => l !== 'synth' && planned[l].action !== 'run')).toEqual([]);

    expect((await emo('full', '--config', cfg, ...set)).code).toBe(0);
    const m = manifestOf(store);
    // the windows' values did not change, so train wrote the same predictions: evaluate is a
    // cache hit (the report re-runs: it names the recordings shards' parameters)
    expect(statuses(m)).toEqual(
      Object.fromEntries(
        ALL.map((l) => [l, l === 'synth' || l === 'evaluate/emotion5' ? 'hit' : 'ran']),
      ),
    );
    expect(task(m, 'convert/deap-s01').reason).toMatch(/parameter maxMissingShare changed/);
    // a windows shard records the sha256 of the recordings shard it came from: it changes
    expect(task(m, 'dsp/deap-s01').reason).toBe('input convert/deap-s01 changed');
    expect(task(m, 'vision/deap-s01').reason).toBe(
      'input convert/deap-s01 changed; input dsp/deap-s01 changed',
    );
    // vision re-ran but wrote the same face crops, so split and train name only the windows
    // shards; split wrote the same split, so train does not name it
    const dspChanged =
      'input dsp/amigos-P01 changed; input dsp/amigos-P02 changed; input dsp/deap-s01 changed; and 1 more input changes';
    expect(task(m, 'split/emotion5').reason).toBe(dspChanged);
    expect(task(m, 'split/emotion5').output?.hash).toBe(
      task(runManifests(store)[0], 'split/emotion5').output?.hash,
    );
    for (const l of TRAIN_TASKS) expect(task(m, l).reason).toBe(dspChanged);

    // a parameter of a later stage: that stage and everything downstream of it re-run (split,
    // every train task and the report, since more windows change the split)
    const step = [...set, '--set', 'dsp.stepSec=5'];
    expect((await emo('full', '--config', cfg, ...step)).code).toBe(0);
    const m2 = manifestOf(store);
    expect(m2.tasks.filter((t) => t.status === 'ran').map(label)).toEqual([
      'dsp/amigos-P01',
      'dsp/amigos-P02',
      'dsp/deap-s01',
      'dsp/deap-s02',
      'vision/amigos-P01',
      'vision/amigos-P02',
      'vision/deap-s01',
      'vision/deap-s02',
      'split/emotion5',
      ...TRAIN_TASKS,
      'evaluate/emotion5',
      'report',
    ]);
    expect(task(m2, 'dsp/amigos-P02').reason).toBe('parameter stepSec changed (10 → 5)');
    // 4 windows shards, 4 faces shards and the split changed
    for (const l of TRAIN_TASKS) {
      expect(task(m2, l).reason).toBe(
        'input dsp/amigos-P01 changed; input dsp/amigos-P02 changed; input dsp/deap-s01 changed; and 6 more input changes',
      );
    }

    // a train parameter: only the five train tasks and the report re-run; split is cached
    const epochs = [...step, '--set', 'train.epochs=2'];
    const ePlan = JSON.parse(
      (await emo('plan', '--config', cfg, ...epochs, '--json')).out,
    ) as PlanJson;
    const toRun = ePlan.tasks.filter((t) => t.action === 'run').map((t) => [label(t), t.reason]);
    expect(toRun.slice(0, 6)).toEqual([
      [`train/emotion5.${RANDOM}.hybrid.f0`, 'parameter epochs changed (1 → 2)'],
      [`train/emotion5.${RANDOM}.cnnOnly.f0`, 'parameter epochs changed (1 → 2)'],
      [`train/emotion5.${RANDOM}.rnnOnly.f0`, 'parameter epochs changed (1 → 2)'],
      [`train/emotion5.${RANDOM}.logreg.f0`, 'parameter epochs changed (1 → 2)'],
      [`train/emotion5.${RANDOM}.logregFaces.f0`, 'parameter epochs changed (1 → 2)'],
      ['evaluate/emotion5', `upstream train/emotion5.${RANDOM}.hybrid.f0 will re-run`],
    ]);
    // the report shows the settings: its own parameters changed too, and it says so
    expect(toRun.slice(6)).toEqual([
      [
        'report',
        'parameter settings.train.epochs changed (1 → 2); upstream evaluate/emotion5 will re-run',
      ],
    ]);
    expect((await emo('full', '--config', cfg, ...epochs)).code).toBe(0);
    const m3 = manifestOf(store);
    expect(m3.tasks.filter((t) => t.status === 'ran').map(label)).toEqual([
      ...TRAIN_TASKS,
      'evaluate/emotion5',
      'report',
    ]);
    expect(task(m3, 'split/emotion5').status).toBe('hit');
    // the report shows the settings (and writes them as emo.config.json): they changed too
    expect(task(m3, 'report').reason).toBe(
      'parameter settings.train.epochs changed (1 → 2); input evaluate/emotion5 changed',
    );
    expect(task(m3, 'evaluate/emotion5').reason).toBe(
      [
        ...TRAIN_TASKS.slice(0, 3).map((l) => `input ${l} changed`),
        'and 2 more input changes',
      ].join('; '),
    );
    const trained = JSON.parse(
      readFileSync(join(dir, 'res', 'latest', 'metrics.json'), 'utf8'),
    ) as { trainings: { epochs: number }[] };
    expect(trained.trainings.map((x) => x.epochs)).toEqual([2, 2, 2, 2, 2]);

    // a split parameter: split, every train task and the report
    const seed1 = [...epochs, '--set', 'split.seed=1'];
    expect((await emo('full', '--config', cfg, ...seed1)).code).toBe(0);
    const m4 = manifestOf(store);
    expect(m4.tasks.filter((t) => t.status === 'ran').map(label)).toEqual([
      'split/emotion5',
      ...TRAIN_TASKS,
      'evaluate/emotion5',
      'report',
    ]);
    expect(task(m4, 'split/emotion5').reason).toBe('parameter seed changed (0 → 1)');
    for (const l of TRAIN_TASKS) expect(task(m4, l).reason).toBe('input split/emotion5 changed');

    // an upstream parameter: the plan shows everything downstream of synth will re-run
    const seed = JSON.parse(
      (await emo('plan', '--config', cfg, ...set, '--set', 'synth.seed=2', '--json')).out,
    ) as PlanJson;
    expect(seed.tasks[0]).toMatchObject({
      stage: 'synth',
      action: 'run',
      reason: 'parameter seed changed (0 → 2)',
    });
    expect(seed.tasks.slice(1).every((t) => t.action === 'run')).toBe(true);
  }, 180_000);

  it('--until stops the DAG early and leaves results/latest alone; status and gc', async () => {
    const before = readlinkSync(join(dir, 'res', 'latest'));
    const r = await emo('full', '--config', cfg, '--until', 'convert', '--json');
    expect(r.code).toBe(0);
    const m = manifestOf(store);
    expect(m.tasks.some((t) => t.stage === 'report')).toBe(false);
    expect(m.options.targets).toEqual(['convert']);
    expect(m.info.tfBackend).toBe('none (no train stage in this run)');
    expect(readlinkSync(join(dir, 'res', 'latest'))).toBe(before);
    expect(existsSync(join(dir, 'res', 'runs', m.runId, 'manifest.json'))).toBe(true);

    const status = await emo('status', '--config', cfg);
    expect(status.out).toMatch(new RegExp(`^run ${m.runId}: ok`));
    expect(status.out).toMatch(/convert: 4 task\(s\): 4 cached/);
    expect(JSON.parse((await emo('status', '--config', cfg, '--json')).out)).toEqual(m);

    // keep one run (the last: maxMissingShare=0.5, up to convert): synth and its 4 conversions
    // stay. What goes: the maxMissingShare=0 conversions; the dsp and vision outputs of 3 runs
    // (0.5, 0, stepSec=5); the splits of 4 (those 3 and split.seed=1); the train outputs and
    // reports of 5 (those 4 and train.epochs=2); the evaluations of 4 (0's train tasks wrote
    // what 0.5's did, so its evaluation is 0.5's)
    const gc = JSON.parse((await emo('gc', '--config', cfg, '--keep', '1', '--json')).out) as {
      removed: { stage: string }[];
      keptObjects: number;
    };
    const removed: Record<string, number> = {};
    for (const o of gc.removed) removed[o.stage] = (removed[o.stage] ?? 0) + 1;
    expect(removed).toEqual({
      convert: 4,
      dsp: 12,
      vision: 12,
      split: 4,
      train: 25,
      evaluate: 4,
      report: 5,
    });
    expect(gc.keptObjects).toBe(5);
    const skip = JSON.parse((await emo('plan', '--config', cfg, '--json')).out) as PlanJson;
    expect(skip.tasks.filter((t) => t.action === 'run').map(label)).toEqual([
      'dsp/amigos-P01',
      'dsp/amigos-P02',
      'dsp/deap-s01',
      'dsp/deap-s02',
      'vision/amigos-P01',
      'vision/amigos-P02',
      'vision/deap-s01',
      'vision/deap-s02',
      'split/emotion5',
      'train', // its shards come from the split, and the last run (--until convert) had none
      'evaluate/emotion5',
      'report',
    ]);
    expect(skip.tasks.find((t) => label(t) === 'train')?.reason).toBe(
      'upstream split/emotion5 will re-run (shards known once it has run)',
    );
  }, 120_000);
});

describe('a configured download (real DEAP/AMIGOS file formats)', () => {
  let download: string;
  let reference: RunManifest;
  let refStore: string;

  beforeAll(async () => {
    const d = tmp('emo-pipe-dl-');
    const r = await writeSyntheticCorpus({
      out: d,
      subjects: 4,
      seed: 5,
      deapTrials: 10,
      amigosShortTrials: 8,
      amigosLongS: 30,
      video: false,
    });
    download = d;
    expect(existsSync(builtCli)).toBe(true); // children run the built CLI (nx builds it first)
    // the reference: an uninterrupted run, by the same built code as the runs compared with it
    refStore = join(tmp('emo-pipe-ref-'), 'store');
    const ref = await emoChild([
      'full',
      '--deap',
      r.deapRoot,
      '--amigos',
      r.amigosRoot,
      '--store',
      refStore,
      '--results',
      join(refStore, '..', 'res'),
      ...TINY_SET,
    ]);
    expect(ref.code).toBe(0);
    reference = manifestOf(refStore);
  }, 180_000);

  const args = (store: string) => [
    '--deap',
    join(download, 'DEAP'),
    '--amigos',
    join(download, 'AMIGOS'),
    '--store',
    store,
    '--results',
    join(store, '..', 'res'),
    ...TINY_SET,
  ];

  it('the same download elsewhere, into another store elsewhere: the same keys and the same bytes', async () => {
    // a second machine that mounts the download and the store at other paths
    const moved = join(tmp('emo-pipe-moved-'), 'mnt', 'data');
    cpSync(download, moved, { recursive: true });
    const store = join(tmp('emo-pipe-other-'), 'deep', 'store');
    // the built CLI, as the reference (code versions differ between the sources and the build)
    const r = await emoChild([
      'full',
      '--deap',
      join(moved, 'DEAP'),
      '--amigos',
      join(moved, 'AMIGOS'),
      '--store',
      store,
      '--results',
      join(store, '..', 'res'),
      '--until',
      'evaluate',
      ...TINY_SET,
    ]);
    expect(r.code).toBe(0);
    const m = manifestOf(store);
    expect(m.tasks.length).toBeGreaterThan(10);
    for (const t of m.tasks) {
      const ref = task(reference, label(t));
      expect([label(t), t.key, t.output?.hash]).toEqual([label(t), ref.key, ref.output?.hash]);
    }
    // the sources enter the keys by their path inside the download
    const convert = task(m, 'convert/deap-s01');
    expect(convert.sources?.map((x) => x.path)).toContain('deap:data_preprocessed_python/s01.dat');
  }, 180_000);

  it("changing one subject's raw file re-runs that subject's shards, split, train and the report", async () => {
    const copy = tmp('emo-pipe-edit-');
    cpSync(download, copy, { recursive: true });
    const store = join(copy, 'store');
    const a = [...args(store)].map((x) => x.replace(download, copy));
    expect((await emo('full', ...a)).code).toBe(0);
    const s02 = join(copy, 'DEAP', 'data_preprocessed_python', 's02.dat');

    // a new mtime but the same bytes: nothing re-runs (content hashes, not timestamps)
    utimesSync(s02, new Date(), new Date(Date.now() + 10_000));
    expect((await emo('full', ...a)).code).toBe(0);
    expect(manifestOf(store).counts.ran).toBe(0);

    copyFileSync(join(copy, 'DEAP', 'data_preprocessed_python', 's03.dat'), s02);
    const plan = JSON.parse((await emo('plan', ...a, '--json')).out) as PlanJson;
    expect(plan.tasks.filter((t) => t.action === 'run').map((t) => [label(t), t.reason])).toEqual([
      ['convert/deap-s02', 'source deap:data_preprocessed_python/s02.dat changed'],
      ['dsp/deap-s02', 'upstream convert/deap-s02 will re-run'],
      ['vision/deap-s02', 'upstream convert/deap-s02 will re-run'],
      ['split/emotion5', 'upstream dsp/deap-s02 will re-run'],
      // train's shards come from the split: until it has run, the plan shows the last run's
      ...TRAIN_TASKS.map((l) => [l, 'upstream split/emotion5 will re-run']),
      ['evaluate/emotion5', 'upstream split/emotion5 will re-run'],
      ['report', 'upstream convert/deap-s02 will re-run'],
    ]);
    expect((await emo('full', ...a)).code).toBe(0);
    const m = manifestOf(store);
    const ran = m.tasks.filter((t) => t.status === 'ran').map(label);
    // split and train read every subject's windows and faces (gather): all of them re-run
    expect(ran).toEqual([
      'convert/deap-s02',
      'dsp/deap-s02',
      'vision/deap-s02',
      'split/emotion5',
      ...TRAIN_TASKS,
      'evaluate/emotion5',
      'report',
    ]);
    expect(task(m, 'split/emotion5').reason).toBe(
      'input dsp/deap-s02 changed; input vision/deap-s02 changed',
    );
    for (const l of TRAIN_TASKS) {
      expect(task(m, l).reason).toBe(
        'input dsp/deap-s02 changed; input split/emotion5 changed; input vision/deap-s02 changed',
      );
    }
    expect(m.counts.hit).toBe(m.tasks.length - ran.length);
  }, 120_000);

  it('a broken subject fails alone: the others and the report go on; --strict makes it an error', async () => {
    const copy = tmp('emo-pipe-bad-');
    cpSync(download, copy, { recursive: true });
    const store = join(copy, 'store');
    const a = [...args(store)].map((x) => x.replace(download, copy));
    const p03 = join(copy, 'AMIGOS', 'Data_Preprocessed_P03', 'Data_Preprocessed_P03.mat');
    const good = readFileSync(p03);
    writeFileSync(p03, good.subarray(0, 200));
    const r = await emo('full', ...a, '--json');
    expect(r.code).toBe(0);
    const m = manifestOf(store);
    expect(m.status).toBe('failed');
    expect(task(m, 'convert/amigos-P03')).toMatchObject({ status: 'failed' });
    expect(task(m, 'convert/amigos-P03').error).toMatch(/Data_Preprocessed_P03\.mat/);
    expect(task(m, 'dsp/amigos-P03')).toMatchObject({ status: 'skipped' });
    expect(task(m, 'vision/amigos-P03')).toMatchObject({ status: 'skipped' });
    // split and train gather every subject's shards: they go on without P03's, and say so
    for (const l of ['split/emotion5', ...TRAIN_TASKS]) {
      expect(task(m, l)).toMatchObject({
        status: 'ran',
        missingInputs: ['dsp/amigos-P03', 'vision/amigos-P03'],
      });
    }
    expect(task(m, 'report')).toMatchObject({
      status: 'ran',
      missingInputs: ['convert/amigos-P03', 'dsp/amigos-P03', 'vision/amigos-P03'],
    });
    const md = readFileSync(join(copy, 'res', 'latest', 'report.md'), 'utf8');
    expect(md).toMatch(/Failed:\n\n- convert\/amigos-P03: .*Data_Preprocessed_P03\.mat/);
    const metrics = JSON.parse(
      readFileSync(join(copy, 'res', 'latest', 'metrics.json'), 'utf8'),
    ) as { datasets: { dataset: string; subjects: string[] }[]; split: { subjects: number } };
    expect(metrics.datasets.find((d) => d.dataset === 'amigos')?.subjects).toEqual([
      'P01',
      'P02',
      'P04',
    ]);
    expect(metrics.split.subjects).toBe(7);
    expect(md).toMatch(/P01, P02, P04/);

    const strict = await emo('full', ...a, '--strict');
    expect(strict.code).toBe(1);
    expect(strict.err.trim().split('\n').pop()).toMatch(
      /^emo: run \S+ failed \(convert\/amigos-P03: .*\); see /,
    );

    writeFileSync(p03, good);
    expect((await emo('full', ...a)).code).toBe(0);
    const fixed = manifestOf(store);
    expect(fixed.tasks.filter((t) => t.status === 'ran').map(label)).toEqual([
      'convert/amigos-P03',
      'dsp/amigos-P03',
      'vision/amigos-P03',
      'split/emotion5',
      ...TRAIN_TASKS,
      'evaluate/emotion5',
      'report',
    ]);
    expect(fixed.tasks.filter((t) => t.missingInputs?.length)).toEqual([]);
    expect(task(fixed, 'convert/amigos-P03').reason).toMatch(/Data_Preprocessed_P03\.mat changed/);
  }, 120_000);

  it('a run killed with SIGKILL mid-run resumes to outputs byte-identical to an uninterrupted run', async () => {
    const store = join(tmp('emo-pipe-kill-'), 'store');
    const child = spawn(process.execPath, [bin, 'full', ...args(store), '--jobs', '1'], {
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    // kill once some conversions are committed and another one is being written
    const committed = () =>
      existsSync(join(store, 'objects')) ? readdirSync(join(store, 'objects')).length : 0;
    const inFlight = () =>
      existsSync(join(store, 'tmp')) ? readdirSync(join(store, 'tmp')).length : 0;
    const t0 = Date.now();
    while (!(committed() >= 3 && inFlight() >= 1) && Date.now() - t0 < 60_000) {
      await new Promise((r) => setTimeout(r, 2));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const before = committed();
    expect(before).toBeGreaterThanOrEqual(3);
    expect(before).toBeLessThan(reference.tasks.length);
    expect(existsSync(join(store, 'runs', 'latest.json'))).toBe(false); // it never finished

    expect((await emoChild(['full', ...args(store)])).code).toBe(0);
    const m = manifestOf(store);
    expect(m.status).toBe('ok');
    expect(m.counts.hit).toBe(before); // what was complete is reused
    // the same keys and output hashes: training is deterministic and its outputs hold no timings
    expect(outputs(m)).toEqual(outputs(reference));
    // the same files: byte-identical, trained weights and predictions included; the train and
    // report files only up to those timings
    expect(differingOutputs(m, reference)).toEqual([]);
    expect(readdirSync(join(store, 'tmp'))).toEqual([]); // the killed run's garbage is gone
  }, 120_000);

  it('two runs started at once on one store both finish, and each task runs once', async () => {
    const store = join(tmp('emo-pipe-two-'), 'store');
    const start = () => emoChild(['full', ...args(store), '--json']);
    const [a, b] = await Promise.all([start(), start()]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const runs = [a, b].map((x) => JSON.parse(x.out) as { status: string; manifest: string });
    expect(runs.map((r) => r.status)).toEqual(['ok', 'ok']);
    const manifests = runs.map((r) => JSON.parse(readFileSync(r.manifest, 'utf8')) as RunManifest);
    // both name the same outputs (one made each, the other found it), those of the reference
    expect(outputs(manifests[1])).toEqual(outputs(manifests[0]));
    expect(outputs(manifests[0])).toEqual(outputs(reference));
    expect(differingOutputs(manifests[0], reference)).toEqual([]);
    expect(manifests[0].counts.ran + manifests[1].counts.ran).toBe(reference.tasks.length);
  }, 120_000);
});
