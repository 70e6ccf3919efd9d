/**
 * Benchmark of the queue executor (issue 16): what BullMQ and Redis add per task.
 *
 * - Overhead: N tiny tasks (a per-subject stage that writes a few bytes) run by the local
 *   executor and then through the queue by one `emo worker` (in this process, concurrency 2, as
 *   the local run's --jobs 2), each into a fresh store; the difference over N is the time the
 *   queue adds to a task. Tasks that take seconds to hours hide it; it decides how small a task
 *   may be before the queue dominates.
 * - Projection: queue-projection.ts, with the overhead measured here (`pnpm bench queue` prints
 *   both).
 *
 * - The default study (EMO_BENCH_QUEUE_STUDY=1, long: three whole runs): run here (`emo full`,
 *   --jobs 2), then through the queue with one worker and with two (each `--jobs 1`), every run
 *   from an empty store, on this machine.
 *
 * Needs Debian's redis-server (a server of its own is started on a free loopback port).
 * Run: pnpm bench queue   (EMO_BENCH_QUEUE_TASKS=1000 to choose N)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { EmoConfig, Stage } from '@emo/orchestrator';
import {
  configSchema,
  definePipeline,
  defineStage,
  openStore,
  queueExecutor,
  runPipelineToEnd,
  stageTask,
  startTestRedis,
  startWorker,
} from '@emo/orchestrator';
import { printProjection } from './queue-projection.js';

/** A per-subject stage over `n` shards that writes one small file per task. */
function tinyStage(n: number): Stage<unknown> {
  const ids = Array.from({ length: n }, (_, i) => `s${String(i).padStart(5, '0')}`);
  return defineStage({
    id: 'tiny',
    version: '1',
    deps: [],
    scope: 'subject',
    params: z.object({}).strict(),
    shards: () => ids,
    run: (ctx) =>
      stageTask(async () => {
        writeFileSync(join(ctx.outDir, 'x.txt'), `${ctx.shard}\n`);
      }),
  }) as Stage<unknown>;
}

const s3 = (x: number) => x.toFixed(3);

/** Seconds the queue adds to a task (null without redis-server). */
async function overhead(n: number, jobs: number): Promise<number | null> {
  const redis = await startTestRedis();
  if (!redis) {
    console.log('queue overhead: skipped (redis-server is not installed)');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'emo-bench-queue-'));
  const stage = tinyStage(n);
  try {
    let t0 = performance.now();
    const local = await runPipelineToEnd([stage], { store: join(dir, 'local'), jobs });
    const localS = (performance.now() - t0) / 1000;
    if (local.manifest.counts.ran !== n)
      throw new Error(`local run ran ${local.manifest.counts.ran}`);

    const store = join(dir, 'queue');
    const config: EmoConfig = configSchema.parse({ store });
    const worker = await startWorker({
      url: redis.url,
      config,
      jobs,
      pipeline: () => Promise.resolve(definePipeline([stage])),
    });
    const executor = await queueExecutor({
      url: redis.url,
      store: openStore(store),
      synthetic: true,
    });
    t0 = performance.now();
    const queued = await runPipelineToEnd([stage], { store, jobs: 256, executor });
    const queueS = (performance.now() - t0) / 1000;
    await executor.close();
    await worker.close();
    if (queued.manifest.counts.ran !== n) {
      throw new Error(`queue run ran ${queued.manifest.counts.ran} of ${n}`);
    }
    console.log(
      `queue overhead, ${n} tiny tasks, ${jobs} at once: local ${s3(localS)} s ` +
        `(${s3((localS * 1000) / n)} ms a task), queue with one worker ${s3(queueS)} s ` +
        `(${s3((queueS * 1000) / n)} ms a task): ${s3(((queueS - localS) * 1000) / n)} ms added per task`,
    );
    return Math.max(0, (queueS - localS) / n);
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const emoBin = fileURLToPath(new URL('../../../apps/orchestrator/bin/emo.js', import.meta.url));

/** Seconds an `emo …` child process takes; rejects when it fails. */
function emoSeconds(args: readonly string[]): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [emoBin, ...args], { stdio: 'ignore' });
    c.on('exit', (code) =>
      code === 0
        ? resolve((performance.now() - t0) / 1000)
        : reject(new Error(`emo ${args.join(' ')}: exit ${code}`)),
    );
  });
}

/** The default study here, then through the queue with 1 and 2 workers (each --jobs 1). */
async function study(): Promise<void> {
  const redis = await startTestRedis();
  if (!redis) {
    console.log('default study on the queue: skipped (redis-server is not installed)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'emo-bench-queue-study-'));
  try {
    const local = await emoSeconds([
      'full',
      '--store',
      join(dir, 'local'),
      '--results',
      join(dir, 'r0'),
    ]);
    console.log(`default study (SYNTHETIC corpus), run here (--jobs 2): ${local.toFixed(0)} s`);
    for (const workers of [1, 2]) {
      const store = join(dir, `queue-${workers}`);
      const ws = Array.from({ length: workers }, () =>
        spawn(
          process.execPath,
          [emoBin, 'worker', '--queue', redis.url, '--store', store, '--jobs', '1'],
          { stdio: 'ignore' },
        ),
      );
      try {
        const s = await emoSeconds([
          'full',
          '--store',
          store,
          '--results',
          join(dir, `r${workers}`),
          '--queue',
          redis.url,
        ]);
        console.log(
          `  through the queue, ${workers} worker${workers > 1 ? 's' : ''} (--jobs 1 each): ${s.toFixed(0)} s (${(local / s).toFixed(2)}× the local run)`,
        );
      } finally {
        for (const w of ws) w.kill('SIGTERM');
      }
    }
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runQueueBench(): Promise<void> {
  if (process.env.EMO_BENCH_QUEUE_STUDY === '1') await study();
  const n = Number(process.env.EMO_BENCH_QUEUE_TASKS ?? 1000);
  const added = await overhead(n, 2);
  printProjection(added ?? undefined);
}
