// The pipeline on BullMQ with a real redis-server of its own: `emo full --queue` and `emo worker`
// as real child processes running the built CLI (what users run), against a local run of the
// same build. Every run is the tiny synthetic pipeline (TINY_TRAIN, no videos).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { RunManifest } from '../engine/index.js';
import { writeSyntheticCorpus } from '@emo/datasets';
import {
  EMO_BIN as bin,
  SMALL_SYNTH,
  emoChild as emo,
  manifestOf,
  taskLabel,
  tempDirs,
  workerArgs,
  writeTinyConfig,
} from '../testing.js';
import { QUEUE_NAME } from './job.js';
import type { QueueStatus } from './status.js';
import { redisServerPath, startTestRedis } from './testing.js';
import type { TestRedis } from './testing.js';

const builtCli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const { make: tmp, cleanup } = tempDirs();

let redis: TestRedis | null = null;
let reference: RunManifest;
const children: ChildProcess[] = [];

/** An `emo worker` child; `log()` is what it printed so far. */
function worker(cfg: string, store: string, extra: string[] = []) {
  let log = '';
  const c = spawn(
    process.execPath,
    [bin, ...workerArgs((redis as TestRedis).url, cfg, store), ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  c.stdout.on('data', (b: Buffer) => (log += b.toString()));
  c.stderr.on('data', (b: Buffer) => (log += b.toString()));
  children.push(c);
  return { child: c, log: () => log };
}

/** label → [key, output hash] of every task. */
const outputs = (m: RunManifest) =>
  Object.fromEntries(m.tasks.map((t) => [taskLabel(t), [t.key, t.output?.hash]]));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  redis = await startTestRedis();
  if (!redis) {
    console.warn(
      'redis-server is not installed: the queue tests skip (apt-get install redis-server)',
    );
    return;
  }
  expect(existsSync(builtCli)).toBe(true); // the children run the built CLI (nx builds it first)
  const dir = tmp('emo-queue-ref-');
  const cfg = writeTinyConfig(dir);
  const r = await emo(['full', '--config', cfg]);
  expect(r.code).toBe(0);
  reference = manifestOf(join(dir, 'store'));
}, 240_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await redis?.stop();
  cleanup();
});

/** The tests run only where redis-server is installed (with EMO_REQUIRE_REDIS=1: or fail). */
const run = redisServerPath() ? it : it.skip;

describe('emo full --queue and emo worker (BullMQ on a real redis-server)', () => {
  run(
    'two workers run the pipeline into one store: the same keys and bytes as a local run; a re-run is all cached',
    async () => {
      const dir = tmp('emo-queue-two-');
      const cfg = writeTinyConfig(dir);
      const store = join(dir, 'store');
      const w1 = worker(cfg, store);
      const w2 = worker(cfg, store);
      const r = await emo(['full', '--config', cfg, '--queue', (redis as TestRedis).url]);
      expect(r.code).toBe(0);
      const m = manifestOf(store);
      expect(outputs(m)).toEqual(outputs(reference));
      expect(m.counts.ran).toBe(reference.tasks.length);
      expect(m.info.executor).toBe(`queue ${(redis as TestRedis).url}`);
      // the coordinator shows the workers' progress (the training epochs' lines)
      expect(r.out).toMatch(/train\/\S+: \S+ \S+ \S+ fold \d+ epoch 1: loss/);
      // both workers took tasks
      for (const w of [w1, w2]) expect(w.log()).toMatch(/: done in /);
      const again = await emo(['full', '--config', cfg, '--queue', (redis as TestRedis).url]);
      expect(again.code).toBe(0);
      expect(manifestOf(store).counts.hit).toBe(reference.tasks.length);
      w1.child.kill('SIGTERM');
      w2.child.kill('SIGTERM');
    },
    300_000,
  );

  run(
    'a job that is not ours, or of another build, is refused once with one line naming the worker',
    async () => {
      const dir = tmp('emo-queue-refuse-');
      const cfg = writeTinyConfig(dir);
      const w = worker(cfg, join(dir, 'store'));
      await until(() => /Ctrl-C stops it/.test(w.log()), 30_000, 'the worker');
      const port = (redis as TestRedis).port;
      const queue = new Queue(QUEUE_NAME, {
        connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null },
      });
      try {
        const key = 'a'.repeat(64);
        const spec = {
          key,
          stage: 'convert',
          shard: 'deap-s01',
          version: 'another-build',
          params: {},
          inputs: {},
          sources: [],
        };
        const jobs = await Promise.all([
          queue.add('convert', { synthetic: true, spec }, { jobId: 'other-build', attempts: 3 }),
          queue.add(
            'convert',
            { synthetic: true, spec: { ...spec, outDir: '/etc' } },
            { jobId: 'a-path', attempts: 3 },
          ),
          queue.add(
            'shell',
            { synthetic: true, spec: { ...spec, stage: 'shell' } },
            { jobId: 'no-such-stage', attempts: 3 },
          ),
        ]);
        const failed = async (id: string) => {
          for (const t0 = Date.now(); Date.now() - t0 < 30_000; await sleep(100)) {
            // the state is read after the job: fetch it again once failed, or its snapshot may
            // predate the failure (no failedReason yet)
            const j = await queue.getJob(id);
            if (j && (await j.getState()) === 'failed') return (await queue.getJob(id)) ?? j;
          }
          throw new Error(`job ${id} did not fail`);
        };
        const [a, b, c] = await Promise.all(jobs.map((j) => failed(j.id as string)));
        expect(a.failedReason).toMatch(
          /^worker [^ ]+:\d+: convert\/deap-s01: code version .+ here, the job was planned with another-build/,
        );
        expect(b.failedReason).toMatch(/is not an emo task/);
        expect(c.failedReason).toMatch(/no stage 'shell'/);
        // refused, not retried
        for (const j of [a, b, c]) expect(j.attemptsMade).toBe(1);
      } finally {
        await queue.close();
        w.child.kill('SIGTERM');
      }
    },
    120_000,
  );

  run(
    'a worker killed with SIGKILL mid-task: its task goes to another worker and the outputs are those of a local run',
    async () => {
      const dir = tmp('emo-queue-kill-');
      const cfg = writeTinyConfig(dir);
      const store = join(dir, 'store');
      // a short lock, so that the killed worker's task is handed on within seconds
      const lock = ['--lock-ms', '2000'];
      const first = worker(cfg, store, lock);
      const coordinator = emo(['full', '--config', cfg, '--queue', (redis as TestRedis).url]);
      await until(() => /train\/\S+: start/.test(first.log()), 180_000, 'a training task');
      first.child.kill('SIGKILL');
      const killedOn = /train\/(\S+): start/.exec(first.log())?.[1];
      const second = worker(cfg, store, lock);
      const r = await coordinator;
      expect(r.code).toBe(0);
      expect(outputs(manifestOf(store))).toEqual(outputs(reference));
      // the second worker ran the task the first one was killed in
      expect(second.log()).toContain(`train/${killedOn}: start`);
      second.child.kill('SIGTERM');
    },
    300_000,
  );

  run(
    'Redis restarted empty in the middle of a run: workers and coordinator reconnect, what is missing is enqueued again, the run finishes',
    async () => {
      const dir = tmp('emo-queue-restart-');
      const cfg = writeTinyConfig(dir);
      const store = join(dir, 'store');
      const w1 = worker(cfg, store);
      const w2 = worker(cfg, store);
      const coordinator = emo(['full', '--config', cfg, '--queue', (redis as TestRedis).url]);
      await until(() => /dsp\/\S+: done/.test(w1.log() + w2.log()), 120_000, 'a dsp task');
      await (redis as TestRedis).restart();
      const r = await coordinator;
      expect(r.code).toBe(0);
      expect(outputs(manifestOf(store))).toEqual(outputs(reference));
      w1.child.kill('SIGTERM');
      w2.child.kill('SIGTERM');
    },
    300_000,
  );

  run(
    'the coordinator killed and started again: the new run reuses everything the workers finished',
    async () => {
      const dir = tmp('emo-queue-coord-');
      const cfg = writeTinyConfig(dir);
      const store = join(dir, 'store');
      const w = worker(cfg, store);
      const args = ['full', '--config', cfg, '--queue', (redis as TestRedis).url];
      const first = spawn(process.execPath, [bin, ...args], { stdio: 'ignore' });
      children.push(first);
      await until(() => /train\/\S+: done/.test(w.log()), 180_000, 'a finished training task');
      first.kill('SIGKILL');
      const r = await emo(args);
      expect(r.code).toBe(0);
      const m = manifestOf(store);
      expect(outputs(m)).toEqual(outputs(reference));
      // everything before training, and at least one training task, came from the first run
      expect(m.counts.hit).toBeGreaterThanOrEqual(reference.tasks.length - 15 + 1);
      w.child.kill('SIGTERM');
    },
    300_000,
  );

  run(
    'a task that fails every time: a bounded number of attempts, then a failed task as in a local run; the others go on',
    async () => {
      const dir = tmp('emo-queue-broken-');
      const dl = await writeSyntheticCorpus({ ...SMALL_SYNTH, out: join(dir, 'dl'), seed: 5 });
      const p02 = join(dl.amigosRoot, 'Data_Preprocessed_P02', 'Data_Preprocessed_P02.mat');
      writeFileSync(p02, readFileSync(p02).subarray(0, 200));
      const cfg = writeTinyConfig(dir);
      const store = join(dir, 'store');
      const roots = ['--deap', dl.deapRoot, '--amigos', dl.amigosRoot];
      const w = worker(cfg, store, roots);
      const r = await emo(['full', '--config', cfg, ...roots, '--queue', (redis as TestRedis).url]);
      expect(r.code).toBe(0); // a per-subject failure, as in a local run
      const m = manifestOf(store);
      expect(m.status).toBe('failed');
      const failed = m.tasks.find((t) => taskLabel(t) === 'convert/amigos-P02');
      expect(failed).toMatchObject({ status: 'failed' });
      expect(failed?.error).toMatch(/Data_Preprocessed_P02\.mat/);
      expect(m.tasks.find((t) => taskLabel(t) === 'report')).toMatchObject({ status: 'ran' });
      // three attempts, then no more
      expect(w.log().match(/convert\/amigos-P02: start \(attempt \d\)/g)).toEqual([
        'convert/amigos-P02: start (attempt 1)',
        'convert/amigos-P02: start (attempt 2)',
        'convert/amigos-P02: start (attempt 3)',
      ]);
      // emo status --queue: the worker connected, and the failure with its error
      const status = await emo(['status', '--queue', (redis as TestRedis).url, '--json']);
      const s = JSON.parse(status.out) as QueueStatus;
      expect(s.workers.map((x) => x.name)).toContainEqual(expect.stringMatching(/:\d+$/));
      expect(s.failed.find((f) => f.task === 'convert/amigos-P02')).toMatchObject({
        attempts: 3,
        error: expect.stringMatching(/Data_Preprocessed_P02\.mat/),
      });
      w.child.kill('SIGTERM');
    },
    300_000,
  );
});
