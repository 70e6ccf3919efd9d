// Two executions of one task finishing into one store (a false stall: a worker thought dead
// finishes after another took its task over): the second commit keeps the first object, and
// nothing is corrupted or left behind.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { runTaskHere, taskSpec } from './executor.js';
import { definePipeline, validateParams } from './pipeline.js';
import { resolveKey } from './plan.js';
import { defineStage, stageTask } from './stage.js';
import type { Stage } from './stage.js';
import { Store } from './store.js';

describe('executing one task twice into one store', () => {
  it('the second commit is a no-op: one object, the first output, an empty tmp/', async () => {
    let runs = 0;
    const stage = defineStage({
      id: 'slow',
      version: '1',
      deps: [],
      scope: 'global',
      params: z.object({ text: z.string().default('hello') }).strict(),
      run: (ctx) =>
        stageTask(async () => {
          const n = ++runs;
          await sleep(n === 1 ? 50 : 150); // the second execution finishes last
          await writeFile(join(ctx.outDir, 'out.txt'), `${ctx.params.text} from run ${n}\n`);
        }),
    }) as Stage<unknown>;
    const pipeline = definePipeline([stage]);
    const params = validateParams(pipeline, {}).get('slow');
    if (!params) throw new Error('no params');
    const r = await resolveKey(stage, params, null, {});
    const task = {
      spec: taskSpec(r.key, stage, params, null, {}, r.material),
      stage,
      params,
      inputs: {},
      material: r.material,
    };
    const store = new Store(join(mkdtempSync(join(tmpdir(), 'emo-exec-twice-')), '.emo')).init();
    const opts = { signal: new AbortController().signal, onEvent: () => undefined };
    const [a, b] = await Promise.all([
      runTaskHere(store, task, opts),
      runTaskHere(store, task, opts),
    ]);
    expect(runs).toBe(2);
    expect(b).toEqual(a);
    expect(store.keys()).toEqual([r.key]);
    expect(readFileSync(join(store.path(r.key), 'out.txt'), 'utf8')).toBe('hello from run 1\n');
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });
});
