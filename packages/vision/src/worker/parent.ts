/**
 * One subject's faces in a child process ({@link processSubjectFacesInChild}): face detection
 * runs on one core per process, so the pipeline's concurrent vision tasks use every core
 * instead of taking turns on the main thread.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProcessFacesOptions, SubjectFacesResult, VisionParams } from '../subject.js';

export interface FacesJob {
  readonly recordings: string;
  readonly windows: string;
  readonly out: string;
  readonly params: Partial<VisionParams>;
  readonly sourceName?: string;
}

export type ChildMessage =
  | { readonly type: 'progress'; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly result: SubjectFacesResult }
  | { readonly type: 'error'; readonly message: string; readonly stack: string };

/** The child script: beside this module once built, else (under jest) the built one in dist/. */
function childScript(): string {
  const here = fileURLToPath(new URL('./child.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = here.replace(/([/\\])src([/\\]worker[/\\]child\.js)$/, '$1dist$2');
  if (existsSync(built)) return built;
  throw new Error(`no built vision worker at ${built}: build @emo/vision first`);
}

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
  const where = `vision worker (${outPath})`;
  return new Promise((resolve, reject) => {
    const child = fork(childScript(), [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: ['--no-warnings'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      f();
    };
    const onAbort = (): void => {
      child.kill('SIGTERM');
      finish(() => reject(new Error(`${where}: cancelled`)));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'progress') opts.onProgress?.(m.done, m.total);
      else if (m.type === 'result') finish(() => resolve(m.result));
      else finish(() => reject(Object.assign(new Error(m.message), { stack: m.stack })));
    });
    child.on('error', (e) => finish(() => reject(new Error(`${where}: ${e.message}`))));
    child.on('exit', (code, sig) =>
      finish(() =>
        reject(
          new Error(
            `${where}: exited (${sig ?? `code ${code}`}) without a result${stderr ? `: ${stderr.trim()}` : ''}`,
          ),
        ),
      ),
    );
    const job: FacesJob = {
      recordings: recordingsPath,
      windows: windowsPath,
      out: outPath,
      params,
      ...(opts.sourceName ? { sourceName: opts.sourceName } : {}),
    };
    child.send(job);
  });
}
