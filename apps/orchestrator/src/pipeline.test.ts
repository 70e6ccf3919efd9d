// The proofs of issue 3 on the real pipeline (synth → convert → report), through the `emo`
// command line: in-process for most, and as real child processes (the built bin/emo.js) for
// SIGKILL and for two runs started at once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticCorpus } from '@emo/datasets';
import { runEmo } from './testing.js';
import type { RunManifest, TaskRecord } from './engine/index.js';

const bin = fileURLToPath(new URL('../bin/emo.js', import.meta.url));
const builtCli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

const dirs: string[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

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

function manifestOf(storeDir: string): RunManifest {
  return JSON.parse(readFileSync(join(storeDir, 'runs', 'latest.json'), 'utf8')) as RunManifest;
}

const label = (t: { stage: string; shard: string | null }) =>
  t.shard === null ? t.stage : `${t.stage}/${t.shard}`;

/** label → status of every task of a manifest. */
function statuses(m: RunManifest): Record<string, string> {
  return Object.fromEntries(m.tasks.map((t) => [label(t), t.status]));
}

/** label → [key, output hash]: what must agree between two runs that made the same outputs. */
function outputs(m: RunManifest): Record<string, [string | null, string | undefined]> {
  return Object.fromEntries(m.tasks.map((t) => [label(t), [t.key, t.output?.hash]]));
}

function task(m: RunManifest, l: string): TaskRecord {
  const t = m.tasks.find((x) => label(x) === l);
  if (!t) throw new Error(`no task ${l} in run ${m.runId}`);
  return t;
}

interface PlanJson {
  tasks: { stage: string; shard: string | null; action: string; reason: string }[];
}

const SMALL_SYNTH = {
  subjects: 2,
  deapTrials: 5,
  amigosShortTrials: 5,
  amigosLongS: 20,
  video: false,
};

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
    'report',
  ];

  beforeAll(() => {
    dir = tmp('emo-pipe-synth-');
    store = join(dir, 'store');
    cfg = join(dir, 'emo.config.json');
    writeFileSync(cfg, JSON.stringify({ store: 'store', results: 'res', synth: SMALL_SYNTH }));
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
    expect(readFileSync(join(latest, 'report.md'), 'utf8')).toMatch(/\*\*SYNTHETIC DATA\.\*\*/);
    const metrics = JSON.parse(readFileSync(join(latest, 'metrics.json'), 'utf8')) as {
      synthetic: boolean;
      datasets: { dataset: string; subjects: string[] }[];
    };
    expect(metrics.synthetic).toBe(true);
    expect(metrics.datasets.map((d) => [d.dataset, d.subjects])).toEqual([
      ['deap', ['s01', 's02']],
      ['amigos', ['P01', 'P02']],
    ]);
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

  it('a changed stage parameter re-runs exactly that stage and its downstream, and says why', async () => {
    const set = ['--set', 'convert.nanPolicy=keep'];
    const plan = JSON.parse((await emo('plan', '--config', cfg, ...set, '--json')).out) as PlanJson;
    const planned = Object.fromEntries(plan.tasks.map((t) => [label(t), t]));
    expect(planned.synth.action).toBe('cached');
    for (const l of ALL.filter((x) => x.startsWith('convert/'))) {
      expect(planned[l]).toMatchObject({
        action: 'run',
        reason: 'parameter nanPolicy changed ("skip" → "keep")',
      });
    }
    expect(planned.report.action).toBe('run');

    expect((await emo('full', '--config', cfg, ...set)).code).toBe(0);
    const m = manifestOf(store);
    expect(statuses(m)).toEqual({
      synth: 'hit',
      'convert/deap-s01': 'ran',
      'convert/deap-s02': 'ran',
      'convert/amigos-P01': 'ran',
      'convert/amigos-P02': 'ran',
      'dsp/deap-s01': 'ran',
      'dsp/deap-s02': 'ran',
      'dsp/amigos-P01': 'ran',
      'dsp/amigos-P02': 'ran',
      'vision/deap-s01': 'ran',
      'vision/deap-s02': 'ran',
      'vision/amigos-P01': 'ran',
      'vision/amigos-P02': 'ran',
      report: 'ran',
    });
    expect(task(m, 'convert/deap-s01').reason).toMatch(/parameter nanPolicy changed/);
    expect(task(m, 'dsp/deap-s01').reason).toBe('input convert/deap-s01 changed');

    // a parameter of a later stage: only that stage and the report re-run
    const step = [...set, '--set', 'dsp.stepSec=10'];
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
      'report',
    ]);
    expect(task(m2, 'dsp/amigos-P02').reason).toBe('parameter stepSec changed (5 → 10)');

    // an upstream parameter: the plan shows everything downstream of synth will re-run
    const seed = JSON.parse(
      (await emo('plan', '--config', cfg, ...set, '--set', 'synth.seed=2', '--json')).out,
    ) as PlanJson;
    expect(seed.tasks[0]).toMatchObject({
      stage: 'synth',
      action: 'run',
      reason: 'parameter seed changed (1 → 2)',
    });
    expect(seed.tasks.slice(1).every((t) => t.action === 'run')).toBe(true);
  }, 120_000);

  it('--until stops the DAG early and leaves results/latest alone; status and gc', async () => {
    const before = readlinkSync(join(dir, 'res', 'latest'));
    const r = await emo('full', '--config', cfg, '--until', 'convert', '--json');
    expect(r.code).toBe(0);
    const m = manifestOf(store);
    expect(m.tasks.some((t) => t.stage === 'report')).toBe(false);
    expect(m.options.targets).toEqual(['convert']);
    expect(readlinkSync(join(dir, 'res', 'latest'))).toBe(before);
    expect(existsSync(join(dir, 'res', 'runs', m.runId, 'manifest.json'))).toBe(true);

    const status = await emo('status', '--config', cfg);
    expect(status.out).toMatch(new RegExp(`^run ${m.runId}: ok`));
    expect(status.out).toMatch(/convert: 4 task\(s\): 4 cached/);
    expect(JSON.parse((await emo('status', '--config', cfg, '--json')).out)).toEqual(m);

    // keep one run (the last: nanPolicy=skip, up to convert): synth and its 4 conversions stay;
    // the nanPolicy=keep conversions, the 3 × 4 dsp outputs and the 3 reports go
    const gc = JSON.parse((await emo('gc', '--config', cfg, '--keep', '1', '--json')).out) as {
      removed: { stage: string }[];
      keptObjects: number;
    };
    const removed: Record<string, number> = {};
    for (const o of gc.removed) removed[o.stage] = (removed[o.stage] ?? 0) + 1;
    expect(removed).toEqual({ convert: 4, dsp: 12, vision: 12, report: 3 });
    expect(gc.keptObjects).toBe(5);
    const skip = JSON.parse((await emo('plan', '--config', cfg, '--json')).out) as PlanJson;
    expect(skip.tasks.filter((t) => t.action === 'run').map((t) => t.stage)).toEqual([
      'dsp',
      'dsp',
      'dsp',
      'dsp',
      'vision',
      'vision',
      'vision',
      'vision',
      'report',
    ]);
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
  ];

  it("changing one subject's raw file re-runs only that subject's shard and the report", async () => {
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
      ['convert/deap-s02', `source ${s02} changed`],
      ['dsp/deap-s02', 'upstream convert/deap-s02 will re-run'],
      ['vision/deap-s02', 'upstream convert/deap-s02 will re-run'],
      ['report', 'upstream convert/deap-s02 will re-run'],
    ]);
    expect((await emo('full', ...a)).code).toBe(0);
    const m = manifestOf(store);
    const ran = m.tasks.filter((t) => t.status === 'ran').map(label);
    expect(ran).toEqual(['convert/deap-s02', 'dsp/deap-s02', 'vision/deap-s02', 'report']);
    expect(m.counts.hit).toBe(m.tasks.length - 4);
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
    expect(task(m, 'report')).toMatchObject({
      status: 'ran',
      missingInputs: ['convert/amigos-P03', 'dsp/amigos-P03', 'vision/amigos-P03'],
    });
    const md = readFileSync(join(copy, 'res', 'latest', 'report.md'), 'utf8');
    expect(md).toMatch(/Failed:\n\n- convert\/amigos-P03: .*Data_Preprocessed_P03\.mat/);
    expect(md).toMatch(/Subjects converted: 3 \(P01, P02, P04\)/);

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
      'report',
    ]);
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
    expect(outputs(m)).toEqual(outputs(reference)); // the same keys and output hashes
    for (const t of m.tasks) {
      const ref = task(reference, label(t));
      for (const f of readdirSync(t.output?.path ?? '')) {
        const same = readFileSync(join(t.output?.path ?? '', f)).equals(
          readFileSync(join(ref.output?.path ?? '', f)),
        );
        expect([label(t), f, same]).toEqual([label(t), f, true]);
      }
    }
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
    for (const m of manifests) expect(outputs(m)).toEqual(outputs(reference));
    expect(manifests[0].counts.ran + manifests[1].counts.ran).toBe(reference.tasks.length);
  }, 120_000);
});
