/**
 * `gather`: a per-subject stage whose tasks read EVERY shard of some per-subject dependencies.
 * The fake pipeline of testing.ts gets three more stages:
 *
 *   split (global: model×fold shard ids) ─┐
 *   convert, features (per subject) ──────┴→ train (per model×fold shard, gathers both)
 *   convert + features ───────────────────→ norm (per subject, gathers convert only)
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { taskLabel } from './keys.js';
import type { RunManifest, TaskStatus } from './manifest.js';
import { definePipeline } from './pipeline.js';
import { planPipeline } from './plan.js';
import type { Plan } from './plan.js';
import { runPipelineToEnd } from './run.js';
import { defineStage, inputOf, stageTask } from './stage.js';
import type { Artifact, Stage } from './stage.js';
import { fakeStages, writeRawSubjects } from './testing.js';
import type { FakeHooks } from './testing.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const shardsOf = (list: readonly Artifact[]): string => list.map((a) => a.shard).join(',');

function gatherStages(hooks: FakeHooks = {}): Stage<unknown>[] {
  const split = defineStage({
    id: 'split',
    version: '1',
    deps: [],
    scope: 'global',
    params: z.object({ models: z.array(z.string()).default(['cnnonly', 'hybrid']) }).strict(),
    run: (ctx) =>
      stageTask(async () => {
        const ids = ctx.params.models.flatMap((m) => [`${m}-f0`, `${m}-f1`]);
        await writeFile(join(ctx.outDir, 'shards.json'), JSON.stringify(ids));
      }),
  });
  const train = defineStage({
    id: 'train',
    version: '1',
    deps: ['split', 'convert', 'features'],
    gather: ['convert', 'features'],
    scope: 'subject',
    params: z.object({}).strict(),
    shards: ({ inputs }) =>
      JSON.parse(
        readFileSync(join(inputOf(inputs, 'split').path, 'shards.json'), 'utf8'),
      ) as string[],
    run: (ctx) =>
      stageTask(async () => {
        hooks.calls?.set('train', (hooks.calls.get('train') ?? 0) + 1);
        const { convert, features } = ctx.inputs;
        const line = `convert ${shardsOf(convert)}; features ${shardsOf(features)}`;
        await writeFile(join(ctx.outDir, 'out.txt'), `${ctx.shard}: ${line}\n`);
      }),
  });
  const norm = defineStage({
    id: 'norm',
    version: '1',
    deps: ['convert', 'features'],
    gather: ['convert'],
    scope: 'subject',
    params: z.object({}).strict(),
    run: (ctx) =>
      stageTask(async () => {
        const { convert, features } = ctx.inputs;
        const line = `convert ${shardsOf(convert)}; features ${shardsOf(features)}`;
        await writeFile(join(ctx.outDir, 'out.txt'), `${ctx.shard}: ${line}\n`);
      }),
  });
  return [...fakeStages(hooks), split, train, norm];
}

interface World {
  readonly raw: string;
  readonly store: string;
}

function world(subjects = 3): World {
  const dir = mkdtempSync(join(tmpdir(), 'emo-gather-'));
  dirs.push(dir);
  const raw = join(dir, 'raw');
  writeRawSubjects(raw, subjects);
  return { raw, store: join(dir, '.emo') };
}

const params = (w: World): Record<string, unknown> => ({ convert: { root: w.raw } });

async function go(w: World, hooks: FakeHooks = {}): Promise<RunManifest> {
  const stages = gatherStages(hooks);
  return (await runPipelineToEnd(stages, { store: w.store, jobs: 2, params: params(w) })).manifest;
}

const plan = (w: World): Promise<Plan> =>
  planPipeline(gatherStages(), { store: w.store, params: params(w) });

function labels(m: RunManifest, status: TaskStatus, stage?: string): string[] {
  return m.tasks
    .filter((t) => t.status === status && (!stage || t.stage === stage))
    .map((t) => taskLabel(t.stage, t.shard));
}

const planned = (p: Plan, action: 'run' | 'cached'): string[] =>
  p.tasks.filter((t) => t.action === action).map((t) => taskLabel(t.stage, t.shard));

function task<T extends { stage: string; shard: string | null }>(
  m: { readonly tasks: readonly T[] },
  label: string,
): T {
  const t = m.tasks.find((x) => taskLabel(x.stage, x.shard) === label);
  if (!t) throw new Error(`no task ${label}`);
  return t;
}

function output(m: RunManifest, label: string): string {
  const out = task(m, label).output;
  if (!out) throw new Error(`no output for ${label}`);
  return readFileSync(join(out.path, 'out.txt'), 'utf8');
}

const TRAIN = ['train/cnnonly-f0', 'train/cnnonly-f1', 'train/hybrid-f0', 'train/hybrid-f1'];
const NORM = ['norm/S01', 'norm/S02', 'norm/S03'];

describe('gather', () => {
  it('gives every task of a fan-out stage every shard of its gathered dependencies', async () => {
    const w = world();
    const m = await go(w);
    expect(m.status).toBe('ok');
    expect(labels(m, 'ran', 'train')).toEqual(TRAIN);
    for (const t of TRAIN) {
      expect(output(m, t)).toBe(`${t.slice(6)}: convert S01,S02,S03; features S01,S02,S03\n`);
    }
    // Every gathered artifact enters the key (recorded in the manifest as the task's inputs).
    expect(task(m, 'train/hybrid-f0').inputs?.map((i) => taskLabel(i.stage, i.shard))).toEqual([
      'convert/S01',
      'convert/S02',
      'convert/S03',
      'features/S01',
      'features/S02',
      'features/S03',
      'split',
    ]);
    // A dependency that is not gathered stays per shard; the shards come from it.
    expect(labels(m, 'ran', 'norm')).toEqual(NORM);
    expect(output(m, 'norm/S02')).toBe('S02: convert S01,S02,S03; features S02\n');

    expect(planned(await plan(w), 'run')).toEqual([]);
    const again = await go(w);
    expect(labels(again, 'ran')).toEqual([]);
  });

  it("re-runs every gathering task when one subject's upstream output changes, as planned", async () => {
    const w = world();
    const calls = new Map<string, number>();
    await go(w, { calls });
    writeFileSync(join(w.raw, 'S02.txt'), '1\n2\n3\n4\n5\n6\n7\n8\n');

    const p = await plan(w);
    for (const t of TRAIN) expect(task(p, t).reason).toBe('upstream convert/S02 will re-run');
    expect(task(p, 'norm/S01').reason).toBe('upstream convert/S02 will re-run');
    expect(task(p, 'split').action).toBe('cached');

    const m = await go(w, { calls });
    expect(labels(m, 'ran')).toEqual(planned(p, 'run'));
    expect(labels(m, 'ran', 'train')).toEqual(TRAIN);
    expect(calls.get('train')).toBe(8);
    for (const t of TRAIN) {
      expect(task(m, t).reason).toBe('input convert/S02 changed; input features/S02 changed');
    }
    expect(task(m, 'norm/S01').reason).toBe('input convert/S02 changed');
    expect(labels(m, 'hit')).toEqual([
      'source',
      'convert/S01',
      'convert/S03',
      'features/S01',
      'features/S03',
      'split',
    ]);
  });

  it('lists a failed subject as a missing input and still runs the gathering tasks', async () => {
    const w = world();
    const m = await go(w, { throwAt: 'convert/S02' });
    expect(m.status).toBe('failed');
    expect(labels(m, 'ran', 'train')).toEqual(TRAIN);
    for (const t of TRAIN) {
      expect(task(m, t).missingInputs).toEqual(['convert/S02', 'features/S02']);
      expect(output(m, t)).toBe(`${t.slice(6)}: convert S01,S03; features S01,S03\n`);
    }
    expect(task(m, 'norm/S01').missingInputs).toEqual(['convert/S02']);
    expect(task(m, 'norm/S02')).toMatchObject({
      status: 'skipped',
      reason: 'upstream convert/S02 failed',
    });

    const p = await plan(w);
    expect(task(p, 'train/hybrid-f1').reason).toBe('upstream convert/S02 will re-run');
    const fixed = await go(w);
    expect(labels(fixed, 'ran')).toEqual(planned(p, 'run'));
    expect(task(fixed, 'train/hybrid-f1').reason).toBe(
      'input convert/S02 added; input features/S02 added',
    );
    expect(task(fixed, 'train/hybrid-f1').missingInputs).toBeUndefined();
  });

  it('skips the gathering tasks when every subject failed', async () => {
    const w = world(1);
    const m = await go(w, { throwAt: 'convert/S01' });
    expect(labels(m, 'skipped', 'train')).toEqual(TRAIN);
    expect(task(m, 'train/cnnonly-f0').reason).toBe('upstream convert/S01 failed');
  });

  it('rejects a bad gather declaration, naming the stage', () => {
    const stages = gatherStages();
    const train = stages.find((s) => s.id === 'train') as Stage<unknown>;
    const others = stages.filter((s) => s !== train);
    const check =
      (t: Stage<unknown>): (() => unknown) =>
      () =>
        definePipeline([...others, t]);
    expect(check({ ...train, gather: ['features', 'join'] })).toThrow(
      "stage 'train' gathers 'join', which is not one of its deps",
    );
    expect(check({ ...train, gather: ['split'] })).toThrow(
      "stage 'train' gathers 'split', which is not per-subject",
    );
    expect(check({ ...train, shards: undefined })).toThrow(
      "stage 'train' gathers or selects all its per-subject dependencies, so it needs shards()",
    );
    expect(check({ ...train, gather: ['convert'], shards: undefined })).not.toThrow();
  });
});
