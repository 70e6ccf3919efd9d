/**
 * `emo status --queue URL`: what the queue holds — the workers connected now, the jobs waiting,
 * running and failed, and the last failures' errors — for a person deciding whether a run is
 * moving. Read-only.
 */
import { Queue } from 'bullmq';
import { parseQueueUrl } from './connection.js';
import { QUEUE_NAME } from './job.js';
import type { TaskJob } from './job.js';

export interface QueueStatus {
  /** The queue URL, password hidden. */
  readonly queue: string;
  /** `host:pid` of every connected worker, with how long it has been connected (s). */
  readonly workers: readonly { readonly name: string; readonly ageS: number }[];
  readonly counts: Readonly<Record<'waiting' | 'active' | 'delayed' | 'failed', number>>;
  /** The running tasks and the worker running each. */
  readonly active: readonly { readonly task: string; readonly worker: string | null }[];
  /** The last failed tasks, newest first, with their errors. */
  readonly failed: readonly {
    readonly task: string;
    readonly attempts: number;
    readonly error: string;
    readonly at: string | null;
  }[];
}

const taskOf = (data: Partial<TaskJob> | undefined, fallback: string): string =>
  data?.spec ? `${data.spec.stage}${data.spec.shard ? `/${data.spec.shard}` : ''}` : fallback;

export async function queueStatus(url: string, lastFailed = 10): Promise<QueueStatus> {
  const { connection, display } = parseQueueUrl(url);
  const queue = new Queue<TaskJob>(QUEUE_NAME, { connection });
  try {
    const [counts, workers, active, failed] = await Promise.all([
      queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
      queue.getWorkers(),
      queue.getActive(0, 99),
      queue.getFailed(0, 999),
    ]);
    return {
      queue: display,
      // a worker's connection is named bull:<queue>:w:<worker name>
      workers: workers
        .map((w) => ({ name: /:w:(.+)$/.exec(w.rawname ?? '')?.[1], ageS: Number(w.age ?? 0) }))
        .filter((w): w is { name: string; ageS: number } => !!w.name)
        .sort((a, b) => a.name.localeCompare(b.name)),
      counts: {
        waiting: counts.waiting ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
      },
      active: active.map((j) => ({
        task: taskOf(j.data, j.name),
        worker: j.processedBy ?? null,
      })),
      failed: failed
        .sort((a, b) => (b.finishedOn ?? 0) - (a.finishedOn ?? 0))
        .slice(0, lastFailed)
        .map((j) => ({
          task: taskOf(j.data, j.name),
          attempts: j.attemptsMade,
          error: j.failedReason,
          at: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
        })),
    };
  } finally {
    await queue.close();
  }
}

/** The status as a few lines for a terminal. */
export function queueStatusText(s: QueueStatus): string {
  const lines = [
    `queue ${s.queue}: ${s.counts.waiting} waiting, ${s.counts.active} running, ${s.counts.delayed} to retry, ${s.counts.failed} failed`,
    `workers (${s.workers.length}): ${s.workers.map((w) => w.name).join(', ') || 'none connected'}`,
    ...s.active.map((a) => `  running ${a.task}${a.worker ? ` on ${a.worker}` : ''}`),
    ...(s.failed.length ? ['last failures:'] : []),
    ...s.failed.map((f) => `  ${f.task} (${f.attempts} attempts, ${f.at ?? '?'}): ${f.error}`),
  ];
  return lines.join('\n') + '\n';
}
