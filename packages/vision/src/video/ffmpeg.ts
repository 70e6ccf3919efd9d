/**
 * The ffmpeg binary of `@ffmpeg-installer/ffmpeg` (a static ffmpeg 4.1 build; the package has
 * no ffprobe) and the process plumbing shared by probing and decoding: every child is killed
 * on timeout or abort and always awaited until the OS has reaped it, so nothing is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { VideoError } from './errors.js';

/** Path of the static ffmpeg binary used by this package. */
export const FFMPEG_PATH: string = ffmpegInstaller.path;

/** Characters of ffmpeg's stderr kept for error messages. */
export const STDERR_TAIL = 4000;

export function tail(s: string, n = STDERR_TAIL): string {
  const t = s.trim();
  return t.length > n ? `…${t.slice(t.length - n)}` : t;
}

/** How a child process ended. */
export interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: Error;
}

/**
 * A promise that resolves (never rejects) once `child` has exited, with its status, or with the
 * spawn error when it never started.
 */
export function childEnded(child: ChildProcess): Promise<ChildEnd> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Kill `child` (SIGKILL: ffmpeg holds nothing that needs a clean shutdown when we only read
 * from it), drop its pipes so no unread output keeps them open, and wait until it is reaped.
 */
export async function killChild(child: ChildProcess, ended: Promise<ChildEnd>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child.stdout?.destroy();
  child.stderr?.destroy();
  child.stdin?.destroy();
  await ended;
}

/** Reject early, with a clear error, when `file` is missing or a directory. */
export async function assertVideoFile(file: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(file)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new VideoError(
      file,
      'not-found',
      'an existing video file',
      code === 'ENOENT' ? 'file not found' : `cannot stat the file (${code ?? String(e)})`,
    );
  }
  if (isDir) throw new VideoError(file, 'not-found', 'a video file', 'is a directory');
}

export interface RunOptions {
  /** Kill ffmpeg and reject after this many ms (the whole run). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** The file the run is about, for error messages. */
  file: string;
  /** What the run does, for the timeout message ("probing", "counting frames"). */
  what: string;
  /** Keep ffmpeg's stdout (returned as text); otherwise it is ignored. */
  stdout?: boolean;
}

/** {@link runFfmpeg} keeping stdout. */
export function runFfmpegStdout(
  args: readonly string[],
  opts: Omit<RunOptions, 'stdout'>,
): Promise<ChildEnd & { stderr: string; stdout: string }> {
  return runFfmpeg(args, { ...opts, stdout: true });
}

/**
 * Run ffmpeg with `args` to completion, collecting stderr (and stdout when asked). Resolves with the
 * exit status whatever it is; rejects on timeout (VideoError 'timeout'), abort (the signal's
 * reason) or when the binary cannot be started.
 */
export async function runFfmpeg(
  args: readonly string[],
  opts: RunOptions,
): Promise<ChildEnd & { stderr: string; stdout: string }> {
  opts.signal?.throwIfAborted();
  const child = spawn(FFMPEG_PATH, args, {
    stdio: ['ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  const ended = childEnded(child);
  const out: string[] = [];
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => out.push(d));
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr += d;
    // Keep the head (the stream description) and a bounded tail (progress lines).
    if (stderr.length > 1 << 20) stderr = stderr.slice(0, 1 << 19) + stderr.slice(-(1 << 18));
  });
  const closed = Promise.all(
    [child.stderr, child.stdout].map(
      (s) =>
        new Promise<void>((resolve) => {
          if (!s) resolve();
          else s.once('close', () => resolve());
        }),
    ),
  );
  let why: 'timeout' | 'abort' | undefined;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const timer = setTimeout(() => {
    why = 'timeout';
    stop();
  }, opts.timeoutMs);
  const onAbort = (): void => {
    why = 'abort';
    stop();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([Promise.all([ended, closed]), stopped]);
    if (why) {
      await killChild(child, ended);
      if (why === 'abort') throw opts.signal?.reason ?? new Error('aborted');
      throw new VideoError(
        opts.file,
        'timeout',
        `ffmpeg to finish ${opts.what} within ${opts.timeoutMs} ms`,
        `ffmpeg was still ${opts.what} after ${opts.timeoutMs} ms and was killed`,
        tail(stderr),
      );
    }
    const end = await ended;
    if (end.error) {
      throw new VideoError(
        opts.file,
        'ffmpeg',
        `a runnable ffmpeg at ${FFMPEG_PATH}`,
        `could not start ffmpeg: ${end.error.message}`,
      );
    }
    return { ...end, stderr, stdout: out.join('') };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    await killChild(child, ended);
  }
}
