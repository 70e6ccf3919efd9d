/**
 * One subject's faces in a child process ({@link processSubjectFacesInChild}): face detection
 * runs on one core per process, so the pipeline's concurrent vision tasks use every core
 * instead of taking turns on the main thread.
 */
import { builtScript, runChildJob } from '@emo/runtime';
import type { ChildJobEnd } from '@emo/runtime';
import type { ProcessFacesOptions, SubjectFacesResult, VisionParams } from '../subject.js';

export interface FacesJob {
  readonly recordings: string;
  readonly windows: string;
  readonly out: string;
  readonly params: Partial<VisionParams>;
  readonly sourceName?: string;
  readonly datasetRoot?: string;
}

export interface ProgressMessage {
  readonly type: 'progress';
  readonly done: number;
  readonly total: number;
}
export type ChildMessage = ProgressMessage | ChildJobEnd<SubjectFacesResult>;

/**
 * {@link processSubjectFaces} in a child process, with the same arguments (a shared detector
 * cannot cross processes, so `opts.detector` is not accepted). Aborting kills the child.
 */
export function processSubjectFacesInChild(
  recordingsPath: string,
  windowsPath: string,
  outPath: string,
  params: Partial<VisionParams> = {},
  opts: Omit<ProcessFacesOptions, 'detector'> = {},
): Promise<SubjectFacesResult> {
  const job: FacesJob = {
    recordings: recordingsPath,
    windows: windowsPath,
    out: outPath,
    params,
    ...(opts.sourceName ? { sourceName: opts.sourceName } : {}),
    ...(opts.datasetRoot !== undefined ? { datasetRoot: opts.datasetRoot } : {}),
  };
  const script = builtScript(import.meta.url, './child.js', 'vision worker');
  return runChildJob<FacesJob, SubjectFacesResult, ProgressMessage>(script, job, {
    signal: opts.signal,
    stderrChars: 2000,
    onMessage: (m) => opts.onProgress?.(m.done, m.total),
    fail: (message, detail) =>
      Object.assign(new Error(`vision worker (${outPath}): ${message}`), detail ? { detail } : {}),
  });
}
