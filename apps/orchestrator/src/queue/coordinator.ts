/**
 * The queue executor (`emo full --queue URL`): each task that misses the cache becomes a BullMQ
 * job whose id is its cache key, so enqueueing it twice is a no-op, and `emo worker` processes
 * anywhere run it against the shared store. The coordinator learns that a task is done from the
 * store itself (its key committed), not from Redis: a Redis restarted empty, a worker that died,
 * or a job removed by hand cannot make it trust an output that is not there. While it waits it
 * checks the job: gone (Redis lost it) → enqueued again; failed after its attempts → the task
 * fails as a local one would, with the worker's error.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, QueueEvents } from 'bullmq';
import type { Executor, ObjectMeta, ProgressEvent, Store, Task } from '../engine/index.js';
import { parseQueueUrl } from './connection.js';
import { QUEUE_NAME } from './job.js';
import type { TaskJob } from './job.js';

/** Each default written once: how jobs are retried and how often the coordinator looks. */
export const QUEUE_DEFAULTS = Object.freeze({
  /** Attempts of a job before it is reported failed (a worker that died counts as stalled). */
  attempts: 3,
  /** Wait before a failed attempt is retried, ms. */
  retryDelayMs: 1000,
  /** How often the coordinator checks a task it waits for, ms (a job's end wakes it sooner). */
  pollMs: 1000,
  /**
   * Tasks a queue run keeps enqueued or running at once (its `--jobs`): the workers pull from
   * them, so this bounds only what waits in Redis.
   */
  inFlight: 256,
  /** A worker's lock on a job: not renewed for this long, the job is given to another, ms. */
  lockDurationMs: 60_000,
  /** How often workers look for jobs whose lock expired, ms. */
  stalledIntervalMs: 15_000,
  /** Times a job may stall (its worker died) before it fails. */
  maxStalledCount: 3,
});

export interface QueueExecutor extends Executor {
  /** The queue URL with its password hidden. */
  readonly display: string;
  close(): Promise<void>;
}

export interface QueueExecutorOptions {
  readonly url: string;
  readonly store: Store;
  /** The pipeline runs on the synthetic corpus (workers build the same pipeline). */
  readonly synthetic: boolean;
  readonly attempts?: number;
}

const isProgress = (v: unknown): v is ProgressEvent =>
  typeof v === 'object' &&
  v !== null &&
  ((v as ProgressEvent).kind === 'progress' || (v as ProgressEvent).kind === 'log');

export async function queueExecutor(o: QueueExecutorOptions): Promise<QueueExecutor> {
  const { connection, display } = parseQueueUrl(o.url);
  const queue = new Queue<TaskJob>(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  const listeners = new Map<string, (e: ProgressEvent) => void>();
  events.on('progress', ({ jobId, data }) => {
    if (isProgress(data)) listeners.get(jobId)?.(data);
  });
  // a job's end wakes its waiter at once (which then checks the store); polling stays the rule
  const wakers = new Map<string, () => void>();
  const wake = ({ jobId }: { jobId: string }): void => wakers.get(jobId)?.();
  events.on('completed', wake);
  events.on('failed', wake);
  // fail early and clearly when nothing answers at that address
  try {
    await Promise.race([
      queue.waitUntilReady(),
      sleep(10_000).then(() => {
        throw new Error('no answer in 10 s');
      }),
    ]);
  } catch (e) {
    await Promise.allSettled([queue.close(), events.close()]);
    throw new Error(`--queue ${display}: cannot reach Redis (${(e as Error).message})`, {
      cause: e,
    });
  }
  const attempts = o.attempts ?? QUEUE_DEFAULTS.attempts;

  /** Make sure a job for `task` exists (again), unless its output is already in the store. */
  const enqueue = async (task: Task): Promise<void> => {
    const { key } = task.spec;
    const old = await queue.getJob(key);
    if (old) {
      const state = await old.getState();
      // a job of an earlier run that finished (its output since collected) or failed: start over
      if (state === 'completed' || state === 'failed') await old.remove().catch(() => undefined);
      else return;
    }
    if (o.store.meta(key)) return;
    await queue.add(
      task.spec.stage,
      { synthetic: o.synthetic, spec: task.spec },
      {
        jobId: key,
        attempts,
        backoff: { type: 'fixed', delay: QUEUE_DEFAULTS.retryDelayMs },
        removeOnComplete: true,
        removeOnFail: false,
      },
    );
  };

  const execute: Executor['execute'] = async (task, opts) => {
    const { key } = task.spec;
    listeners.set(key, opts.onEvent);
    try {
      await enqueue(task);
      for (;;) {
        const meta: ObjectMeta | null = o.store.meta(key);
        if (meta) return meta;
        opts.signal.throwIfAborted();
        const job = await queue.getJob(key).catch(() => undefined);
        if (!job) {
          // Redis lost it (restarted empty) or it completed between our two looks
          if (!o.store.meta(key)) await enqueue(task).catch(() => undefined);
        } else if (job.finishedOn && job.failedReason && (await job.getState()) === 'failed') {
          throw new Error(job.failedReason);
        }
        const tick = new AbortController();
        wakers.set(key, () => tick.abort());
        const onAbort = (): void => tick.abort();
        opts.signal.addEventListener('abort', onAbort, { once: true });
        await sleep(QUEUE_DEFAULTS.pollMs, undefined, { signal: tick.signal }).catch(
          () => undefined,
        );
        opts.signal.removeEventListener('abort', onAbort);
        opts.signal.throwIfAborted();
      }
    } catch (e) {
      if (opts.signal.aborted) {
        // cancelled: take back the job if no worker started it
        const job = await queue.getJob(key).catch(() => undefined);
        if (job && (await job.getState().catch(() => '')) === 'waiting') {
          await job.remove().catch(() => undefined);
        }
      }
      throw e;
    } finally {
      listeners.delete(key);
      wakers.delete(key);
    }
  };

  return {
    display,
    execute,
    close: async () => {
      await Promise.allSettled([events.close(), queue.close()]);
    },
  };
}
