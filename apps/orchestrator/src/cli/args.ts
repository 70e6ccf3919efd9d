// What every command group shares: the CliIo it writes through, the option parsers and small
// formatting helpers, and the ExitCode an action throws to end with a non-zero exit code.
import { Writable } from 'node:stream';
import { InvalidArgumentError } from 'commander';

/** Where the commands write: stdout and stderr lines, and a stream for live progress bars. */
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** The real stderr when `err` writes to it (live progress bars on a terminal), else `err`. */
  progressStream: () => NodeJS.WritableStream;
}

export function cliIo(
  out: (s: string) => void,
  err: (s: string) => void,
  stderr?: NodeJS.WriteStream,
): CliIo {
  const progressStream = (): NodeJS.WritableStream =>
    stderr ??
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        err(chunk.toString());
        done();
      },
    });
  return { out, err, progressStream };
}

/** An action's exit code other than 0 (the run finished but its outcome is an error). */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function exitWith(code: number): never {
  throw new ExitCode(code);
}

export function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

/** A sampling rate or frame rate in Hz (the message names --fs, also for `faces --fps`). */
export const fsArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('--fs must be a positive number (Hz)');
  return n;
};

/** A JSON object given on the command line. */
export function jsonObjectArg(name: string) {
  return (v: string): Record<string, unknown> => {
    let o: unknown;
    try {
      o = JSON.parse(v);
    } catch {
      throw new InvalidArgumentError(`${name} must be a JSON object, e.g. '{"key": 1}'`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      throw new InvalidArgumentError(`${name} must be a JSON object, e.g. '{"key": 1}'`);
    }
    return o as Record<string, unknown>;
  };
}

/** A repeatable option: every value given, in order. */
export const repeatArg = (v: string, prev: string[] = []): string[] => [...prev, v];

export function sizeArg(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError('--max-size must look like 500M, 20G or a byte count');
  const mult = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2].toLowerCase()] ?? 1;
  return Math.floor(Number(m[1]) * mult);
}

export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export const pct = (v: number | null): string => (v == null ? 'n/a' : `${(100 * v).toFixed(1)} %`);

/** `--lr-drop 0.3:3`: the factor in (0, 1) and the patience (epochs ≥ 1). */
export function lrDropArg(v: string): { factor: number; patience: number } {
  const m = /^([0-9.]+):([0-9]+)$/.exec(v.trim());
  const factor = m ? Number(m[1]) : NaN;
  const patience = m ? Number(m[2]) : NaN;
  if (!(factor > 0 && factor < 1) || !(patience >= 1)) {
    throw new InvalidArgumentError(
      `--lr-drop takes factor:patience with a factor in (0, 1) and a patience ≥ 1 epoch, e.g. 0.3:3; got '${v}'`,
    );
  }
  return { factor, patience };
}
