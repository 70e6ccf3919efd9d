import { afterAll, describe, expect, it } from '@jest/globals';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gc } from './gc.js';
import { taskLabel } from './keys.js';
import type { RunManifest, TaskStatus } from './manifest.js';
import { listRunIds, readLatestManifest } from './manifest.js';
import { planPipeline } from './plan.js';
import type { Plan } from './plan.js';
import { StageParamsError, definePipeline } from './pipeline.js';
import { RunInterruptedError, runPipeline, runPipelineToEnd } from './run.js';
import type { RunEvent, RunOptions } from './run.js';
import { Store } from './store.js';
import { fakeStages, writeRawSubjects } from './testing.js';
import type { FakeHooks } from './testing.js';

const dirs: string[] = [];
function made(dir: string): string {
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface World {
  readonly dir: string;
  readonly raw: string;
  readonly store: string;
}

function world(): World {
  const dir = made(mkdtempSync(join(tmpdir(), 'emo-engine-')));
  const raw = join(dir, 'raw');
  writeRawSubjects(raw, 3);
  return { dir, raw, store: join(dir, '.emo') };
}

async function go(
  w: World,
  extra: Partial<RunOptions> & { params?: Record<string, unknown> } = {},
  hooks: FakeHooks = {},
  events: RunEvent[] = [],
): Promise<RunManifest> {
  const { manifest } = await runPipelineToEnd(
    fakeStages(hooks),
    {
      store: w.store,
      jobs: 2,
      ...extra,
      params: { ...extra.params, convert: { root: w.raw, ...(extra.params?.convert ?? {}) } },
    },
    { onEvent: (e) => events.push(e) },
  );
  return manifest;
}

function labels(m: RunManifest, status: TaskStatus): string[] {
  return m.tasks.filter((t) => t.status === status).map((t) => taskLabel(t.stage, t.shard));
}

function reason(m: RunManifest | Plan, label: string): string {
  const t = (m.tasks as readonly { stage: string; shard: string | null; reason: string }[]).find(
    (x) => taskLabel(x.stage, x.shard) === label,
  );
  if (!t) throw new Error(`no task ${label}`);
  return t.reason;
}

function output(m: RunManifest, label = 'join'): string {
  const t = m.tasks.find((x) => taskLabel(x.stage, x.shard) === label);
  if (!t?.output) throw new Error(`no output for ${label}`);
  return readFileSync(join(t.output.path, label === 'join' ? 'all.txt' : 'features.txt'), 'utf8');
}

const ALL = [
  'source',
  'convert/S01',
  'convert/S02',
  'convert/S03',
  'features/S01',
  'features/S02',
  'features/S03',
  'join',
];

describe('pipeline engine', () => {
  it('runs everything once, then nothing when nothing changed', async () => {
    const w = world();
    const calls = new Map<string, number>();
    const first = await go(w, {}, { calls });
    expect(first.status).toBe('ok');
    expect(labels(first, 'ran')).toEqual(ALL);
    expect(first.tasks.every((t) => t.reason === 'no previous run')).toBe(true);
    expect(output(first)).toBe(
      '# S01\n21\n23\n25\n27\n29\n31\n33\n# S02\n41\n43\n45\n47\n49\n51\n53\n# S03\n61\n63\n65\n67\n69\n71\n73\n',
    );

    const plan = await planPipeline(fakeStages(), {
      store: w.store,
      params: { convert: { root: w.raw } },
    });
    expect(plan.tasks.every((t) => t.action === 'cached' && t.key)).toBe(true);

    const second = await go(w, {}, { calls });
    expect(second.status).toBe('ok');
    expect(labels(second, 'ran')).toEqual([]);
    expect(labels(second, 'hit')).toEqual(ALL);
    expect(second.previousRunId).toBe(first.runId);
    expect(calls.get('join')).toBe(1);
    expect(calls.get('convert')).toBe(3);
    // Manifest files: one per run plus latest.json (= the second run).
    expect(listRunIds(new Store(w.store))).toEqual([first.runId, second.runId].sort());
    expect(readLatestManifest(new Store(w.store))?.runId).toBe(second.runId);
    expect(second.machine.node).toBe(process.version);
    expect(second.tasks[0]).toMatchObject({ hit: true, reason: 'cached' });
  });

  it('re-runs exactly a changed stage and its downstream, naming the parameter', async () => {
    const w = world();
    await go(w);
    const params = { convert: { root: w.raw, offset: 1 } };
    const plan = await planPipeline(fakeStages(), { store: w.store, params });
    expect(plan.tasks.find((t) => t.stage === 'source')?.action).toBe('cached');
    expect(reason(plan, 'convert/S01')).toBe('parameter offset changed (0 → 1)');
    expect(plan.tasks.find((t) => t.stage === 'convert')?.key).toMatch(/^[0-9a-f]{64}$/);
    expect(reason(plan, 'features/S02')).toBe('upstream convert/S02 will re-run');
    expect(plan.tasks.find((t) => t.stage === 'features')?.key).toBeNull();
    expect(reason(plan, 'join')).toMatch(/^upstream features\/S0\d will re-run$/);

    const m = await go(w, { params });
    expect(labels(m, 'hit')).toEqual(['source']);
    expect(labels(m, 'ran')).toEqual(ALL.slice(1));
    for (const s of ['S01', 'S02', 'S03']) {
      expect(reason(m, `convert/${s}`)).toBe('parameter offset changed (0 → 1)');
      expect(reason(m, `features/${s}`)).toBe(`input convert/${s} changed`);
    }
    expect(reason(m, 'join')).toMatch(/input features\/S01 changed/);

    // A global parameter upstream of everything re-runs everything.
    const gain = { ...params, source: { gain: 2 } };
    const gp = await planPipeline(fakeStages(), { store: w.store, params: gain });
    expect(reason(gp, 'source')).toBe('parameter gain changed (1 → 2)');
    expect(reason(gp, 'convert/S03')).toBe('upstream source will re-run');
    expect(reason(gp, 'features/S03')).toBe('upstream convert/S03 will re-run');
    expect(gp.tasks.filter((t) => t.action === 'run')).toHaveLength(8);
    // A task whose own parameter changed says so even when upstream re-runs first.
    const both = { ...gain, features: { window: 3 } };
    const bp = await planPipeline(fakeStages(), { store: w.store, params: both });
    expect(reason(bp, 'features/S03')).toBe(
      'parameter window changed (2 → 3); upstream convert/S03 will re-run',
    );
    const g = await go(w, { params: gain });
    expect(labels(g, 'ran')).toEqual(ALL);
    expect(reason(g, 'source')).toBe('parameter gain changed (1 → 2)');
  });

  it("re-runs only one subject's shards when its raw file changes", async () => {
    const w = world();
    const before = await go(w);
    writeFileSync(join(w.raw, 'S02.txt'), '1\n2\n3\n4\n5\n6\n7\n8\n');
    const m = await go(w);
    expect(labels(m, 'ran')).toEqual(['convert/S02', 'features/S02', 'join']);
    expect(labels(m, 'hit')).toEqual([
      'source',
      'convert/S01',
      'convert/S03',
      'features/S01',
      'features/S03',
    ]);
    expect(reason(m, 'convert/S02')).toBe(`source ${join(w.raw, 'S02.txt')} changed`);
    expect(reason(m, 'join')).toBe('input features/S02 changed');
    expect(output(m)).not.toBe(output(before));

    // A new subject runs only its own shards (plus the global join).
    writeRawSubjects(join(w.dir, 'more'), 4);
    writeFileSync(join(w.raw, 'S04.txt'), readFileSync(join(w.dir, 'more', 'S04.txt')));
    const added = await go(w);
    expect(labels(added, 'ran')).toEqual(['convert/S04', 'features/S04', 'join']);
    expect(reason(added, 'convert/S04')).toBe('new shard (not in the previous run)');
    expect(reason(added, 'join')).toBe('input features/S04 added');
  });

  it('re-runs a stage whose code version changed; an identical output keeps downstream cached', async () => {
    const w = world();
    await go(w);
    const m = await go(w, {}, { featuresVersion: '2' });
    expect(labels(m, 'ran')).toEqual(['features/S01', 'features/S02', 'features/S03']);
    expect(reason(m, 'features/S01')).toBe('code version changed (1 → 2)');
    expect(labels(m, 'hit')).toContain('join');
  });

  it('records a failing subject, skips its downstream and finishes the others', async () => {
    const w = world();
    const ref = await go(world());
    const m = await go(w, {}, { throwAt: 'convert/S02' });
    expect(m.status).toBe('failed');
    expect(labels(m, 'failed')).toEqual(['convert/S02']);
    expect(m.tasks.find((t) => t.stage === 'convert' && t.shard === 'S02')?.error).toBe(
      'cannot convert S02: bad recording',
    );
    expect(labels(m, 'skipped')).toEqual(['features/S02']);
    expect(reason(m, 'features/S02')).toBe('upstream convert/S02 failed');
    expect(labels(m, 'ran')).toEqual([
      'source',
      'convert/S01',
      'convert/S03',
      'features/S01',
      'features/S03',
      'join',
    ]);
    expect(m.tasks.find((t) => t.stage === 'join')?.missingInputs).toEqual(['features/S02']);
    expect(output(m)).not.toContain('# S02');

    // Fixed: only the failed subject (and the join) run, and the result is the full one.
    const fixed = await go(w);
    expect(labels(fixed, 'ran')).toEqual(['convert/S02', 'features/S02', 'join']);
    expect(reason(fixed, 'convert/S02')).toBe('failed in the previous run');
    expect(reason(fixed, 'features/S02')).toBe('skipped in the previous run (an input failed)');
    expect(reason(fixed, 'join')).toBe('input features/S02 added');
    expect(output(fixed)).toBe(output(ref));
  });

  it('records a stage whose shards cannot be listed and skips what needs it', async () => {
    const w = world();
    const m = await go(w, { params: { convert: { root: join(w.dir, 'missing') } } });
    expect(m.status).toBe('failed');
    expect(labels(m, 'ran')).toEqual(['source']);
    expect(labels(m, 'failed')).toEqual(['convert']);
    expect(m.tasks.find((t) => t.stage === 'convert')).toMatchObject({
      reason: 'could not list shards',
      error: expect.stringMatching(/ENOENT/),
    });
    expect(labels(m, 'skipped')).toEqual(['features', 'join']);
    expect(reason(m, 'join')).toBe('upstream convert failed');
    const next = await go(w);
    expect(reason(next, 'convert/S01')).toBe('its stage could not list shards in the previous run');
    expect(next.status).toBe('ok');
  });

  it('with strict, stops at the first failure', async () => {
    const w = world();
    const m = await go(w, { strict: true, jobs: 1 }, { throwAt: 'convert/S01' });
    expect(m.status).toBe('failed');
    expect(labels(m, 'failed')).toEqual(['convert/S01']);
    expect(m.tasks.some((t) => t.stage === 'features' || t.stage === 'join')).toBe(false);
    const next = await go(w);
    expect(next.status).toBe('ok');
    expect(reason(next, 'features/S01')).toBe(
      'not reached in the previous run (stopped at the first failure)',
    );
  });

  it('checks the stage graph and runs the part a target needs', async () => {
    const [source, convert, features] = fakeStages();
    expect(() => definePipeline([source, source])).toThrow("stage 'source' is declared twice");
    expect(() => definePipeline([convert])).toThrow(
      "stage 'convert' depends on unknown stage 'source'",
    );
    expect(() => definePipeline([{ ...source, deps: ['features'] }, convert, features])).toThrow(
      'stage dependency cycle: source → features → convert → source',
    );
    expect(() => definePipeline([source, { ...features, deps: ['source'] }])).toThrow(
      "stage 'features' is per-subject but has no shards() and no per-subject dependency",
    );
    const w = world();
    const m = await go(w, { targets: ['features'] });
    expect(labels(m, 'ran')).toEqual(ALL.slice(0, -1));
    expect(m.options.targets).toEqual(['features']);
    const full = await go(w);
    expect(labels(full, 'ran')).toEqual(['join']);
    expect(reason(full, 'join')).toBe('new stage (not in the previous run)');
  });

  it('stops on an AbortSignal (Ctrl-C) with RunInterruptedError', async () => {
    const w = world();
    const ac = new AbortController();
    const err = await runPipelineToEnd(
      fakeStages({ hangAt: 'features/S01' }),
      { store: w.store, jobs: 1, params: { convert: { root: w.raw } } },
      {
        signal: ac.signal,
        onEvent: (e) => {
          if (e.type === 'task-progress' && e.stage === 'features') ac.abort();
        },
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunInterruptedError);
    const store = new Store(w.store);
    expect(existsSync(store.lockPath)).toBe(false);
    expect(readLatestManifest(store)?.status).toBe('interrupted');
    expect((await go(w)).status).toBe('ok');
  });

  it('fails fast on a bad parameter, naming the stage and the key', async () => {
    const w = world();
    const bad = async (params: Record<string, unknown>): Promise<unknown> =>
      runPipelineToEnd(fakeStages(), { store: w.store, params }).catch((e: unknown) => e);
    const e1 = await bad({ convert: { root: w.raw }, source: { gain: 'x' } });
    expect(e1).toBeInstanceOf(StageParamsError);
    expect((e1 as StageParamsError).message).toMatch(/^stage 'source': parameter 'gain': .*number/);
    expect(e1).toMatchObject({ stage: 'source', key: 'gain' });
    const e2 = (await bad({ convert: { root: w.raw }, features: { windw: 3 } })) as Error;
    expect(e2.message).toBe("stage 'features': unknown parameter 'windw'");
    const e3 = (await bad({})) as Error;
    expect(e3.message).toMatch(/^stage 'convert': parameter 'root': /);
    const e4 = (await bad({ convert: { root: w.raw }, nope: {} })) as Error;
    expect(e4.message).toBe("parameters given for unknown stage 'nope'");
    await expect(planPipeline(fakeStages(), { store: w.store, params: {} })).rejects.toThrow(
      /stage 'convert': parameter 'root'/,
    );
    expect(existsSync(w.store)).toBe(false); // nothing touched
  });

  it('never commits a task cancelled mid-write (unsubscribe); the next run completes identically', async () => {
    const ref = await go(world());
    const w = world();
    const stages = fakeStages({ hangAt: 'features/S02' });
    const seen: RunEvent[] = [];
    await new Promise<void>((resolve, reject) => {
      const sub = runPipeline(stages, {
        store: w.store,
        jobs: 1,
        params: { convert: { root: w.raw } },
      }).subscribe({
        next: (e) => {
          seen.push(e);
          if (e.type === 'task-progress' && e.shard === 'S02' && e.stage === 'features') {
            sub.unsubscribe();
            resolve();
          }
        },
        error: reject,
        complete: () => reject(new Error('should not complete')),
      });
    });
    const store = new Store(w.store);
    expect(existsSync(store.lockPath)).toBe(false);
    expect(readdirSync(store.tmpDir)).toEqual([]);
    const interrupted = readLatestManifest(store) as RunManifest;
    expect(interrupted.status).toBe('interrupted');
    expect(labels(interrupted, 'interrupted')).toEqual(['features/S02']);
    for (const k of store.keys())
      expect(store.meta(k)?.stage === 'features' && store.meta(k)?.shard === 'S02').toBe(false);

    const next = await go(w);
    expect(next.status).toBe('ok');
    expect(reason(next, 'features/S02')).toBe('interrupted in the previous run');
    expect(labels(next, 'hit')).toEqual(
      expect.arrayContaining(['source', 'convert/S01', 'features/S01']),
    );
    expect(labels(next, 'ran')).toEqual(expect.arrayContaining(['features/S02', 'join']));
    expect(output(next)).toBe(output(ref));
    expect(output(next, 'features/S02')).toBe(output(ref, 'features/S02'));
  });

  it('never commits a task that throws mid-write', async () => {
    const ref = await go(world());
    const w = world();
    const m = await go(w, {}, { throwAt: 'features/S02' });
    expect(labels(m, 'failed')).toEqual(['features/S02']);
    expect(m.tasks.find((t) => t.stage === 'features' && t.shard === 'S02')?.error).toMatch(
      /disk on fire/,
    );
    const store = new Store(w.store);
    expect(readdirSync(store.tmpDir)).toEqual([]);
    const next = await go(w);
    expect(labels(next, 'ran')).toEqual(['features/S02', 'join']);
    expect(output(next)).toBe(output(ref));
  });

  it('lets two runs started at once on one store both finish (the second waits)', async () => {
    const w = world();
    const ea: RunEvent[] = [];
    const eb: RunEvent[] = [];
    const [a, b] = await Promise.all([
      go(w, { lock: { pollMs: 20 } }, {}, ea),
      go(w, { lock: { pollMs: 20 } }, {}, eb),
    ]);
    expect([a.status, b.status]).toEqual(['ok', 'ok']);
    expect(labels(a, 'ran')).toEqual(ALL);
    expect(labels(b, 'hit')).toEqual(ALL);
    expect(eb.find((e) => e.type === 'lock-wait')).toMatchObject({
      message: expect.stringMatching(/store is locked by pid \d+ \(this process\)/),
    });
    expect(ea.some((e) => e.type === 'lock-wait')).toBe(false);
    expect(output(a)).toBe(output(b));
  });

  it('gc removes only the objects no kept manifest references', async () => {
    const w = world();
    const a = await go(w, { params: { source: { gain: 1 } } });
    const b = await go(w, { params: { source: { gain: 2 } } });
    const store = new Store(w.store);
    const keysOf = (m: RunManifest): string[] => m.tasks.map((t) => t.key as string).sort();
    expect(store.keys().length).toBe(16);

    const keepBoth = await gc({ store: w.store });
    expect(keepBoth.removed).toEqual([]);
    expect(keepBoth.keptRuns).toEqual([a.runId, b.runId]);

    const dry = await gc({ store: w.store, keep: 1, dryRun: true });
    expect(dry.removed.map((o) => o.key).sort()).toEqual(keysOf(a));
    expect(store.keys().length).toBe(16);

    mkdirSync(join(store.tmpDir, 't-crashed'), { recursive: true });
    const r = await gc({ store: w.store, keep: 1 });
    expect(r.removed.map((o) => o.key).sort()).toEqual(keysOf(a));
    expect(r.removed.every((o) => o.why === 'unreferenced')).toBe(true);
    expect(r.removedRuns).toEqual([a.runId]);
    expect(r.tmpRemoved).toBe(1);
    expect(store.keys().sort()).toEqual(keysOf(b));
    expect(listRunIds(store)).toEqual([b.runId]);
    const again = await go(w, { params: { source: { gain: 2 } } });
    expect(labels(again, 'hit')).toEqual(ALL);
  });

  it('gc with a size cap drops objects of older runs first, never the latest run', async () => {
    const w = world();
    const a = await go(w, { params: { source: { gain: 1 } } });
    const b = await go(w, { params: { source: { gain: 2 } } });
    const r = await gc({ store: w.store, maxBytes: 1 });
    const aOnly = new Set(a.tasks.map((t) => t.key));
    for (const t of b.tasks) aOnly.delete(t.key);
    expect(r.removed.map((o) => o.key).sort()).toEqual([...aOnly].sort());
    expect(r.removed.every((o) => o.why === 'size cap')).toBe(true);
    expect(new Store(w.store).keys().length).toBe(8);
  });
});
