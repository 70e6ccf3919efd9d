/**
 * Entry of a training worker process (forked by ./pool.ts): receives one job, runs it, sends
 * its progress and result back over IPC, and exits.
 */
import type { TrainJob } from './job.js';
import { runTrainJob } from './job.js';
import type { WorkerMessage } from './pool.js';

const send = (m: WorkerMessage): void => {
  process.send?.(m);
};

process.once('message', (job: TrainJob) => {
  runTrainJob(job, (event) => send({ type: 'event', event })).then(
    (result) => {
      send({ type: 'result', result });
      process.disconnect?.();
    },
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      send({ type: 'error', message: e.message, stack: e.stack ?? '' });
      process.disconnect?.();
    },
  );
});
