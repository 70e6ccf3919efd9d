/**
 * One job in a child process: fork a script, send it the job, relay its progress messages, and
 * settle once on its result, its error, its exit without a result, or an abort (which kills
 * it). The packages that compute on one core per process (vision's face detection, model's
 * training) share this plumbing; each keeps its own message types and error class.
 *
 * The child answers with `{type: 'result', result}` or `{type: 'error', message, stack}`; any
 * other message goes to `onMessage`. With `keep`, a child that answered is kept idle for the next
 * job of its script (one job at a time each).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
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
  /**
   * Keep the child after its result for the next job of the same script (true: for
   * {@link CHILD_IDLE_MS}; a number: that many ms), so a worker's start-up (loading a model,
   * compiling WebAssembly) is paid once per process rather than once per job. The script must
   * then answer every job it is sent and stay alive between them. A child that failed, was
   * cancelled or exited is never reused.
   */
  readonly keep?: boolean | number;
  /**
   * With `keep`: what a kept child's state depends on beyond its script (e.g. the kernels it
   * loaded); it is reused only for jobs with the same value.
   */
  readonly keepFor?: string;
}

/**
 * Run `job` in a child process of `script`: a fresh one, or with `keep` an idle one left by an
 * earlier job of the same script (see {@link ChildJobOptions.keep}); see the file comment.
 */
export function runChildJob<J, R, P = never>(
  script: string,
  job: J,
  opts: ChildJobOptions<P>,
): Promise<R> {
  return new Promise((resolve, reject) => {
    const serialization = opts.serialization ?? 'json';
    const poolKey = JSON.stringify([serialization, script, opts.keepFor ?? null]);
    const child = (opts.keep ? takeIdle(poolKey) : undefined) ?? startChild(script, serialization);
    const stderrChars = opts.stderrChars ?? 4000;
    let stderr = '';
    const onStderr = (d: Buffer): void => {
      stderr = (stderr + d.toString()).slice(-stderrChars);
    };
    const onMessage = (m: ChildJobEnd<R> | P): void => {
      const end = m as ChildJobEnd<R>;
      if (end.type === 'result') {
        finish(() => resolve(end.result));
        if (opts.keep) putIdle(poolKey, child, opts.keep);
      } else if (end.type === 'error') {
        finish(() => reject(opts.fail(end.message, end.stack)));
        if (opts.keep) child.kill('SIGTERM'); // a kept child stays alive: never reuse a failed one
      } else opts.onMessage?.(m as P);
    };
    const onError = (e: Error): void => finish(() => reject(opts.fail(e.message, '')));
    const onExit = (code: number | null, sig: NodeJS.Signals | null): void =>
      finish(() => {
        const tail = stderr.trim();
        const message = `process exited (${sig ?? `code ${code}`}) without a result`;
        reject(opts.fail(tail ? `${message}: ${tail}` : message, tail));
      });
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      child.stderr?.off('data', onStderr);
      child.off('message', onMessage);
      child.off('error', onError);
      child.off('exit', onExit);
      f();
    };
    const onAbort = (): void => {
      child.kill('SIGTERM');
      finish(() => reject(opts.fail('cancelled', '')));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stderr?.on('data', onStderr);
    child.on('message', onMessage);
    child.on('error', onError);
    child.on('exit', onExit);
    child.send(job as object, (e) => {
      if (e) onError(e);
    });
  });
}

function startChild(script: string, serialization: 'json' | 'advanced'): ChildProcess {
  return fork(script, [], {
    serialization,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    execArgv: ['--no-warnings'],
  });
}

/** Idle children kept for the next job of their script, by serialization and script. */
const idle = new Map<string, Set<ChildProcess>>();

/** An idle child of `key`, woken (it keeps this process alive again while it works). */
function takeIdle(key: string): ChildProcess | undefined {
  const set = idle.get(key);
  for (const child of set ?? []) {
    set?.delete(child);
    clearTimeout(idleTimers.get(child));
    if (child.exitCode !== null || child.signalCode !== null || !child.connected) continue;
    child.ref();
    child.channel?.ref();
    (child.stderr as { ref?: () => void } | null)?.ref?.();
    return child;
  }
  return undefined;
}

const idleTimers = new WeakMap<ChildProcess, NodeJS.Timeout>();
/** Children whose exit already removes them from their idle set. */
const watched = new WeakSet<ChildProcess>();

/**
 * Keep `child` for the next job of `key` for `ms` (true: {@link CHILD_IDLE_MS}); an idle child
 * does not keep this process alive, and leaves the set when it exits.
 */
function putIdle(key: string, child: ChildProcess, ms: number | true): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.connected) return;
  let set = idle.get(key);
  if (!set) idle.set(key, (set = new Set()));
  set.add(child);
  if (!watched.has(child)) {
    watched.add(child);
    const kept = set;
    child.once('exit', () => kept.delete(child));
  }
  child.unref();
  child.channel?.unref();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  const timer = setTimeout(
    () => {
      if (set.delete(child)) child.kill('SIGTERM');
    },
    ms === true ? CHILD_IDLE_MS : ms,
  );
  timer.unref();
  idleTimers.set(child, timer);
}

/** How long a kept child waits for its next job before it is stopped, ms. */
export const CHILD_IDLE_MS = 5_000;

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
