/**
 * `select`: a per-subject stage whose tasks read only the shards they pick of a per-subject
 * dependency. The pipeline's tasks (emotion5, valence2, …) have this shape:
 *
 *   prep (one shard per configured task) → fit (task × fold, reads its task's prep shard)
 *                                        → score (per task, reads its task's fit shards)
 *
 * Adding a task must re-run nothing that exists.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { taskLabel } from './keys.js';
import { PipelineError, definePipeline } from './pipeline.js';
import { planPipeline } from './plan.js';
import { runPipelineToEnd } from './run.js';
import { defineStage, stageTask } from './stage.js';
import type { Artifact, Stage } from './stage.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const shardsOf = (list: readonly Artifact[] | undefined): string =>
  (list ?? []).map((a) => a.shard).join(',');

const taskOf = (shard: string): string => shard.split('.')[0];

function stages(runs: string[]): Stage<unknown>[] {
  const tasks = z.object({ tasks: z.array(z.string()).default(['a']) }).strict();
  const prep = defineStage({
    id: 'prep',
    version: '1',
    deps: [],
    scope: 'subject',
    params: tasks,
    // the list of tasks only says which shards exist: each shard's id is in its key
    keyParams: () => ({}),
    shards: ({ params }) => params.tasks,
    run: (ctx) =>
      stageTask(async () => {
        runs.push(taskLabel('prep', ctx.shard));
        await writeFile(join(ctx.outDir, 'out.txt'), `prep ${ctx.shard}\n`);
      }),
  });
  const fit = defineStage({
    id: 'fit',
    version: '1',
    deps: ['prep'],
    select: { prep: (shard, all) => all.filter((s) => s === taskOf(shard)) },
    scope: 'subject',
    params: tasks,
    keyParams: () => ({}),
    shards: ({ params }) => params.tasks.flatMap((t) => [`${t}.f0`, `${t}.f1`]),
    run: (ctx) =>
      stageTask(async () => {
        runs.push(taskLabel('fit', ctx.shard));
        await writeFile(join(ctx.outDir, 'out.txt'), `prep ${shardsOf(ctx.inputs['prep'])}\n`);
      }),
  });
  const score = defineStage({
    id: 'score',
    version: '1',
    deps: ['prep', 'fit'],
    select: { fit: (shard, all) => all.filter((s) => taskOf(s) === shard) },
    scope: 'subject',
    params: z.object({}).strict(),
    run: (ctx) =>
      stageTask(async () => {
        runs.push(taskLabel('score', ctx.shard));
        const line = `prep ${shardsOf(ctx.inputs['prep'])}; fit ${shardsOf(ctx.inputs['fit'])}`;
        await writeFile(join(ctx.outDir, 'out.txt'), `${line}\n`);
      }),
  });
  return [prep, fit, score];
}

function storeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'emo-select-'));
  dirs.push(dir);
  return join(dir, '.emo');
}

const params = (tasks: string[]) => ({ prep: { tasks }, fit: { tasks } });

async function run(store: string, tasks: string[]) {
  const runs: string[] = [];
  const { manifest } = await runPipelineToEnd(stages(runs), {
    store,
    jobs: 2,
    params: params(tasks),
  });
  return { manifest, runs: runs.sort() };
}

function output(
  manifest: {
    tasks: readonly { stage: string; shard: string | null; output: { path: string } | null }[];
  },
  label: string,
): string {
  const t = manifest.tasks.find((x) => taskLabel(x.stage, x.shard) === label);
  if (!t?.output) throw new Error(`no output of ${label}`);
  return readFileSync(join(t.output.path, 'out.txt'), 'utf8').trim();
}

describe('select: tasks read only the shards they pick', () => {
  it('gives each task its own shards of the dependency', async () => {
    const { manifest } = await run(storeDir(), ['a', 'b']);
    expect(manifest.status).toBe('ok');
    expect(output(manifest, 'fit/a.f1')).toBe('prep a');
    expect(output(manifest, 'fit/b.f0')).toBe('prep b');
    // score/b reads its own prep shard (same shard id) and only b's fit shards
    expect(output(manifest, 'score/b')).toBe('prep b; fit b.f0,b.f1');
  });

  it('adding a task re-runs nothing that exists, in the plan and in the run', async () => {
    const store = storeDir();
    await run(store, ['a']);
    const plan = await planPipeline(stages([]), { store, params: params(['a', 'b']) });
    const cached = plan.tasks
      .filter((t) => t.action === 'cached')
      .map((t) => taskLabel(t.stage, t.shard));
    expect(cached.sort()).toEqual(['fit/a.f0', 'fit/a.f1', 'prep/a', 'score/a']);
    const { manifest, runs } = await run(store, ['a', 'b']);
    expect(manifest.status).toBe('ok');
    expect(runs).toEqual(['fit/b.f0', 'fit/b.f1', 'prep/b', 'score/b']);
  });

  it('skips a task whose selector picks nothing, saying so', async () => {
    const runs: string[] = [];
    const score = stages(runs)[2];
    const lonely = defineStage({
      ...score,
      id: 'lonely',
      select: { fit: () => [] },
      deps: ['prep', 'fit'],
    });
    const { manifest } = await runPipelineToEnd([...stages(runs), lonely], {
      store: storeDir(),
      jobs: 2,
      params: params(['a']),
    });
    const t = manifest.tasks.find((x) => x.stage === 'lonely');
    expect(t?.status).toBe('skipped');
    expect(t?.reason).toMatch(/no shard selected/);
  });

  it('refuses a selector on a dependency that is not per-subject, or that is also gathered', () => {
    const [prep, fit] = stages([]);
    const global = defineStage({ ...prep, scope: 'global', shards: undefined });
    expect(() => definePipeline([global, fit])).toThrow(PipelineError);
    expect(() => definePipeline([global, fit])).toThrow(/both must be per-subject/);
    const both = defineStage({ ...fit, gather: ['prep'] });
    expect(() => definePipeline([prep, both])).toThrow(/both gathers and selects/);
  });
});
