/**
 * Child-process entry of the vision workers. It receives one job over IPC:
 *
 * - a subject (parent.ts, {@link processSubjectFacesInChild}): runs {@link processSubjectFaces}
 *   and sends progress and the result back;
 * - some trials of a subject (trials.ts): runs {@link facesOfTrials} and sends a message per
 *   trial and the crops back.
 *
 * It exits when its parent disconnects, so a killed pipeline leaves no detector running.
 */
import { facesOfTrials, processSubjectFaces } from '../subject.js';
import type { ChildMessage, FacesJob } from './parent.js';
import type { TrialDoneMessage, TrialsJob } from './trials.js';

const send = (m: ChildMessage | TrialDoneMessage | object, then?: () => void): void => {
  process.send?.(m, undefined, {}, () => then?.());
};

const isTrials = (job: FacesJob | TrialsJob): job is TrialsJob =>
  (job as TrialsJob).kind === 'trials';

const run = (job: FacesJob | TrialsJob): Promise<unknown> =>
  isTrials(job)
    ? facesOfTrials(job.recordings, job.windows, job.params, job.trials, {
        kernels: job.kernels,
        onTrial: () => send({ type: 'trial' }),
      })
    : processSubjectFaces(job.recordings, job.windows, job.out, job.params, {
        sourceName: job.sourceName,
        onProgress: (done, total) => send({ type: 'progress', done, total }),
      });

process.on('disconnect', () => process.exit(1));
process.once('message', (job: FacesJob | TrialsJob) => {
  run(job).then(
    (result) => send({ type: 'result', result }, () => process.exit(0)),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      send({ type: 'error', message: err.message, stack: err.stack ?? '' }, () => process.exit(1));
    },
  );
});
