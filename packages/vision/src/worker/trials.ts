/**
 * A subject's trials split over worker processes (split.ts), each running
 * {@link facesOfTrials} on its share in a child (child.ts, `trials` jobs) under the
 * process-wide cap of pool.ts. The crops come back over IPC (a subject's are 1–2 MB).
 */
import { builtScript, runChildJob } from '@emo/runtime';
import type { WindowRow } from '@emo/datasets';
import type { TrialsFaces, VisionParams } from '../subject.js';
import { withWorkerSlot } from './pool.js';
import { splitTrials } from './split.js';

export interface TrialsJob {
  readonly kind: 'trials';
  readonly recordings: string;
  readonly windows: string;
  readonly params: VisionParams;
  readonly trials: number[];
  /** See ProcessFacesOptions.kernels. */
  readonly kernels?: string;
  /** See ProcessFacesOptions.datasetRoot. */
  readonly datasetRoot?: string;
}

export interface TrialDoneMessage {
  readonly type: 'trial';
}

/** The trials of `rows` in `workers` child processes; one TrialsFaces per worker. */
export async function facesInWorkers(
  recordingsPath: string,
  windowsPath: string,
  p: VisionParams,
  rows: readonly WindowRow[],
  workers: number,
  opts: { signal?: AbortSignal; onTrial?: () => void; kernels?: string; datasetRoot?: string } = {},
): Promise<TrialsFaces[]> {
  const cost = new Map<number, number>();
  for (const w of rows) cost.set(w.trial, (cost.get(w.trial) ?? 0) + p.frames);
  const groups = splitTrials(
    [...cost].map(([trial, c]) => ({ trial, cost: c })),
    workers,
  );
  const script = builtScript(import.meta.url, './child.js', 'vision worker');
  const inner = new AbortController();
  const onAbort = (): void => inner.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.all(
      groups.map((trials) =>
        withWorkerSlot(() => {
          inner.signal.throwIfAborted();
          const job: TrialsJob = {
            kind: 'trials',
            recordings: recordingsPath,
            windows: windowsPath,
            params: p,
            trials,
            ...(opts.kernels ? { kernels: opts.kernels } : {}),
            ...(opts.datasetRoot !== undefined ? { datasetRoot: opts.datasetRoot } : {}),
          };
          return runChildJob<TrialsJob, TrialsFaces, TrialDoneMessage>(script, job, {
            signal: inner.signal,
            serialization: 'advanced',
            stderrChars: 2000,
            // the next subject's trials reuse the worker, its kernels and its detector
            keep: true,
            keepFor: opts.kernels ?? '',
            onMessage: () => opts.onTrial?.(),
            fail: (message, detail) =>
              Object.assign(
                new Error(
                  `vision worker (${recordingsPath}, trials ${trials.join(' ')}): ${message}`,
                ),
                detail ? { detail } : {},
              ),
          });
        }).catch((e: unknown) => {
          inner.abort(e); // one worker failed: stop the others
          throw e;
        }),
      ),
    );
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
