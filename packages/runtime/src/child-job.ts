/**
 * One job in a child process: fork a script, send it the job, relay its progress messages, and
 * settle once on its result, its error, its exit without a result, or an abort (which kills
 * it). The packages that compute on one core per process (vision's face detection, model's
 * training) share this plumbing; each keeps its own message types and error class.
 *
 * The child answers with `{type: 'result', result}` or `{type: 'error', message, stack}`; any
 * other message goes to `onMessage`.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What a job's child process sends back at the end. */
export type ChildJobEnd<R> =
  | { readonly type: 'result'; readonly result: R }
  | { readonly type: 'error'; readonly message: string; readonly stack: string };

export interface ChildJobOptions<P> {
  /** Messages other than the result or the error (progress). */
  readonly onMessage?: (m: P) => void;
  /** Aborting kills the child and rejects with `fail('cancelled', '')`. */
  readonly signal?: AbortSignal;
  /** IPC serialization; 'advanced' carries typed arrays (default 'json'). */
  readonly serialization?: 'json' | 'advanced';
  /** How much of the child's stderr to keep for the error of an exit without a result. */
  readonly stderrChars?: number;
  /**
   * The error to reject with: what happened, and a detail (the child's stack, or the tail of
   * its stderr when it exited without a result).
   */
  readonly fail: (message: string, detail: string) => Error;
}

/** Run `job` in a fresh child process of `script`; see the file comment. */
export function runChildJob<J, R, P = never>(
  script: string,
  job: J,
  opts: ChildJobOptions<P>,
): Promise<R> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], {
      serialization: opts.serialization ?? 'json',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: ['--no-warnings'],
    });
    const keep = opts.stderrChars ?? 4000;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-keep);
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
      finish(() => reject(opts.fail('cancelled', '')));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: ChildJobEnd<R> | P) => {
      const end = m as ChildJobEnd<R>;
      if (end.type === 'result') finish(() => resolve(end.result));
      else if (end.type === 'error') finish(() => reject(opts.fail(end.message, end.stack)));
      else opts.onMessage?.(m as P);
    });
    child.on('error', (e) => finish(() => reject(opts.fail(e.message, ''))));
    child.on('exit', (code, sig) =>
      finish(() => {
        const tail = stderr.trim();
        const message = `process exited (${sig ?? `code ${code}`}) without a result`;
        reject(opts.fail(tail ? `${message}: ${tail}` : message, tail));
      }),
    );
    child.send(job as object);
  });
}

/**
 * The built script `relative` (e.g. './worker/child.js') next to module `moduleUrl`: beside it
 * once built, else — when the module runs from its TypeScript source, under jest — the same
 * path in the package's dist/. `what` names it in the error when neither exists.
 */
export function builtScript(moduleUrl: string, relative: string, what: string): string {
  const here = fileURLToPath(new URL(relative, moduleUrl));
  if (existsSync(here)) return here;
  const built = here.replace(/([/\\])src([/\\])(?!.*[/\\]src[/\\])/, '$1dist$2');
  if (existsSync(built)) return built;
  throw new Error(`no built ${what} at ${built}: build the package first`);
}
