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

// The parent is gone (killed, crashed): stop training instead of computing for nobody.
process.on('disconnect', () => process.exit(1));

process.once('message', (job: TrainJob) => {
  runTrainJob(job, (event) => send({ type: 'event', event })).then(
    (result) => {
      send({ type: 'result', result });
      process.removeAllListeners('disconnect');
      process.disconnect?.();
    },
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      send({ type: 'error', message: e.message, stack: e.stack ?? '' });
      process.removeAllListeners('disconnect');
      process.disconnect?.();
    },
  );
});
