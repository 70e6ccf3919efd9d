/**
 * Child-process entry of the vision workers. It receives one job over IPC:
 *
 * - a subject (parent.ts, {@link processSubjectFacesInChild}): runs {@link processSubjectFaces}
 *   and sends progress and the result back;
 * - some trials of a subject (trials.ts): runs {@link facesOfTrials} and sends a message per
 *   trial and the crops back.
 *
 * A subject job is its only one: it exits once it has answered. A trials worker stays for the
 * next trials (the parent keeps it a few seconds, `runChildJob`'s `keep`), with its kernels and
 * its face detector loaded. It exits when its parent disconnects, so a killed pipeline leaves no
 * detector running.
 */
import type { FaceDetector } from '../detect/index.js';
import { createFaceDetector } from '../detect/index.js';
import { facesOfTrials, loadKernels, processSubjectFaces } from '../subject.js';
import type { ChildMessage, FacesJob } from './parent.js';
import type { TrialDoneMessage, TrialsJob } from './trials.js';

const send = (m: ChildMessage | TrialDoneMessage | object, then?: () => void): void => {
  process.send?.(m, undefined, {}, () => then?.());
};

const isTrials = (job: FacesJob | TrialsJob): job is TrialsJob =>
  (job as TrialsJob).kind === 'trials';

/** The detectors of this worker by minimum score (one detector serves every trial). */
const detectors = new Map<number, Promise<FaceDetector>>();
async function detectorFor(job: TrialsJob): Promise<FaceDetector> {
  if (job.kernels) await loadKernels(job.kernels); // before the detector's model is loaded
  let d = detectors.get(job.params.minScore);
  if (!d)
    detectors.set(job.params.minScore, (d = createFaceDetector({ minScore: job.params.minScore })));
  return d;
}

const run = async (job: FacesJob | TrialsJob): Promise<unknown> =>
  isTrials(job)
    ? facesOfTrials(job.recordings, job.windows, job.params, job.trials, {
        kernels: job.kernels,
        datasetRoot: job.datasetRoot,
        detector: await detectorFor(job),
        onTrial: () => send({ type: 'trial' }),
      })
    : processSubjectFaces(job.recordings, job.windows, job.out, job.params, {
        sourceName: job.sourceName,
        datasetRoot: job.datasetRoot,
        onProgress: (done, total) => send({ type: 'progress', done, total }),
      });

process.on('disconnect', () => process.exit(1));
process.on('message', (job: FacesJob | TrialsJob) => {
  run(job).then(
    (result) =>
      send({ type: 'result', result }, () => (isTrials(job) ? undefined : process.exit(0))),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      send({ type: 'error', message: err.message, stack: err.stack ?? '' }, () => process.exit(1));
    },
  );
});
