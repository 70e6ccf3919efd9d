/**
 * Training jobs in worker processes, at most `size` at a time (default: every core). tfjs on
 * wasm or cpu computes on the JavaScript thread, so one process uses one core; jobs in separate
 * processes (grid-search trials, models, folds) use them all. Each job gets a fresh process
 * (its backend, memory and crashes stay its own); a pool shared by the whole process
 * ({@link sharedPool}) keeps concurrent callers within the limit.
 */
import { availableParallelism } from 'node:os';
import { builtScript, runChildJob } from '@emo/runtime';
import type { ChildJobEnd } from '@emo/runtime';
import type { JobEvent, TrainJob, TrainJobResult } from './job.js';

/** A worker's progress message; it ends with a {@link ChildJobEnd}. */
export interface WorkerEvent {
  readonly type: 'event';
  readonly event: JobEvent;
}
export type WorkerMessage = WorkerEvent | ChildJobEnd<TrainJobResult>;

/** A job that failed in its worker process; the message names the job. */
export class WorkerJobError extends Error {
  constructor(
    readonly label: string,
    message: string,
    readonly detail = '',
  ) {
    super(`${label}: ${message}`);
    this.name = 'WorkerJobError';
  }
}

/**
 * The worker script: beside this module once built; when this module runs from its TypeScript
 * source (tests), the built one in dist/.
 */
export function workerScript(): string {
  return builtScript(import.meta.url, './worker.js', 'training worker (nx run model:build)');
}

export interface RunJobOptions {
  readonly onEvent?: (e: JobEvent) => void;
  readonly signal?: AbortSignal;
}

export class WorkerPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number = availableParallelism()) {
    if (!(Number.isInteger(size) && size >= 1)) {
      throw new Error(`WorkerPool: size must be a positive integer, got ${size}`);
    }
  }

  /** Run `job` in a worker process once a slot is free. */
  async run(job: TrainJob, opts: RunJobOptions = {}): Promise<TrainJobResult> {
    await this.acquire(opts.signal);
    try {
      return await runInProcess(job, opts);
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new Error('cancelled'));
    if (this.running < this.size) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const go = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.running++;
        resolve();
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error('cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(go);
    });
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }
}

let shared: WorkerPool | undefined;

/** One pool for the whole process, sized by EMO_WORKERS or the number of cores. */
export function sharedPool(): WorkerPool {
  const env = Number(process.env['EMO_WORKERS']);
  shared ??= new WorkerPool(Number.isInteger(env) && env >= 1 ? env : availableParallelism());
  return shared;
}

function runInProcess(job: TrainJob, opts: RunJobOptions): Promise<TrainJobResult> {
  const label = job.label ?? job.kind;
  return runChildJob<TrainJob, TrainJobResult, WorkerEvent>(workerScript(), job, {
    serialization: 'advanced',
    signal: opts.signal,
    onMessage: (m) => opts.onEvent?.(m.event),
    fail: (message, detail) => new WorkerJobError(label, message, detail),
  });
}
