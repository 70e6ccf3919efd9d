/**
 * Child-process entry of {@link processSubjectFacesInChild}: receives one subject's job over
 * IPC, runs {@link processSubjectFaces} and sends progress and the result back. It exits when
 * its parent disconnects, so a killed pipeline leaves no detector running.
 */
import { processSubjectFaces } from '../subject.js';
import type { ChildMessage, FacesJob } from './parent.js';

const send = (m: ChildMessage, then?: () => void): void => {
  process.send?.(m, undefined, {}, () => then?.());
};

process.on('disconnect', () => process.exit(1));
process.once('message', (job: FacesJob) => {
  processSubjectFaces(job.recordings, job.windows, job.out, job.params, {
    sourceName: job.sourceName,
    onProgress: (done, total) => send({ type: 'progress', done, total }),
  }).then(
    (result) => send({ type: 'result', result }, () => process.exit(0)),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      send({ type: 'error', message: err.message, stack: err.stack ?? '' }, () => process.exit(1));
    },
  );
});
