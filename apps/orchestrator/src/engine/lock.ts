/**
 * The store lock: one run at a time per store. The lock is a file created exclusively (written
 * to a private temporary file, then hard-linked to the lock path, which fails atomically when the
 * lock exists, so a reader never sees a half-written lock) holding pid, hostname, host id, start
 * time and a random token.
 *
 * The host id ({@link hostId}) names the process space a pid belongs to: this kernel's boot and
 * this pid namespace. Hostnames do not: two machines (or containers) sharing a store on a network
 * file system may well have the same one. A lock is stale, and broken, only when it was taken
 * with this host id by a process that no longer exists. Breaking goes through a second exclusive
 * file (`<lock>.break`) so two waiters can never both break the same lock and then remove each
 * other's. A lock taken elsewhere (or by a version that recorded no host id) is never broken
 * automatically: the waiting message names the file to remove.
 */
import { linkSync, readFileSync, readlinkSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, uptime } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import { tmpPathFor } from '@emo/runtime';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LockInfo {
  readonly pid: number;
  readonly hostname: string;
  /** {@link hostId} of the process that took it (absent in locks of older versions). */
  readonly host?: string;
  /** ISO time the lock was taken. */
  readonly started: string;
  readonly token: string;
  readonly runId?: string;
  readonly command?: string;
}

export interface LockOptions {
  /** Poll interval while waiting (ms, default 500). */
  readonly pollMs?: number;
  /** Give up after this long (ms, default: wait forever). */
  readonly timeoutMs?: number;
}

export interface AcquireOptions extends LockOptions {
  readonly runId?: string;
  readonly signal?: AbortSignal;
  /** Called once, when the lock is found taken and the caller starts waiting. */
  readonly onWait?: (message: string, holder: LockInfo | null) => void;
}

export class LockTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockTimeoutError';
  }
}

export interface StoreLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Remove the lock if it is still ours (idempotent, synchronous: safe in exit handlers). */
  release(): void;
}

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Create `path` holding `body`, atomically, failing with EEXIST when it exists. */
function createExclusive(path: string, body: string): boolean {
  const tmp = tmpPathFor(path);
  writeFileSync(tmp, body);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if (errCode(e) === 'EEXIST') return false;
    throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

export function readLock(path: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (
      typeof v.pid === 'number' &&
      typeof v.hostname === 'string' &&
      typeof v.token === 'string'
    ) {
      return v as LockInfo;
    }
  } catch {
    // missing or unreadable
  }
  return null;
}

let cachedHostId: string | undefined;

/**
 * Who can check whose pids: the same kernel boot (Linux `boot_id`) and the same pid namespace
 * (`/proc/self/ns/pid`), hashed. Two processes with the same host id see the same pids; any two
 * others may not, whatever their hostnames. Where /proc has neither (not Linux), the hostname and
 * the boot time stand in.
 */
export function hostId(): string {
  if (cachedHostId) return cachedHostId;
  const read = (f: () => string): string => {
    try {
      return f().trim();
    } catch {
      return '';
    }
  };
  const boot = read(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const ns = read(() => readlinkSync('/proc/self/ns/pid'));
  const parts = boot
    ? ['linux', boot, ns]
    : ['other', hostname(), String(Math.round(Date.now() / 1000 - uptime()))];
  cachedHostId = createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
  return cachedHostId;
}

/** Whether process `pid` of this host exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errCode(e) === 'EPERM';
  }
}

/**
 * True when `info` was taken with this {@link hostId} by a process that is gone. A lock of
 * another host id (another machine, container or boot) is never stale here: its pid means
 * nothing in this process space.
 */
export function isStale(info: LockInfo): boolean {
  if (info.host !== hostId()) return false;
  return !pidAlive(info.pid);
}

function same(a: LockInfo | null, b: LockInfo): boolean {
  return !!a && a.token === b.token && a.pid === b.pid;
}

/** Remove a stale lock unless someone else is doing so or it changed meanwhile. */
function breakStale(path: string, seen: LockInfo): void {
  const breaker = `${path}.break`;
  try {
    // A breaker that died mid-break leaves this file; it is only ever held for microseconds.
    if (Date.now() - statSync(breaker).mtimeMs > 10_000) unlinkSync(breaker);
  } catch {
    // no breaker file
  }
  if (!createExclusive(breaker, String(process.pid))) return;
  try {
    const now = readLock(path);
    if (same(now, seen) && isStale(seen)) unlinkSync(path);
  } finally {
    unlinkSync(breaker);
  }
}

function describe(path: string, h: LockInfo | null): string {
  if (!h) return `the store is locked (${path}); waiting…`;
  const run = h.runId ? `run ${h.runId}, ` : '';
  const self = h.pid === process.pid && h.host === hostId() ? ' (this process)' : '';
  return (
    `the store is locked by pid ${h.pid}${self} on ${h.hostname} (${run}since ${h.started}); ` +
    `waiting for it to finish (if that process is gone for good, remove ${path})`
  );
}

/** Try once; null when the lock is held by a live process. */
export function tryLock(path: string, runId?: string): StoreLock | null {
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    host: hostId(),
    started: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
    runId,
    command: process.argv.slice(1).join(' '),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(path, JSON.stringify(info) + '\n')) {
      let released = false;
      return {
        path,
        info,
        release() {
          if (released) return;
          released = true;
          if (same(readLock(path), info)) {
            try {
              unlinkSync(path);
            } catch {
              // removed by hand meanwhile
            }
          }
        },
      };
    }
    const holder = readLock(path);
    if (holder && isStale(holder)) {
      breakStale(path, holder);
      continue;
    }
    if (!holder) {
      // Released meanwhile (retry), or an unreadable lock file (never written by us: ours appear
      // complete): an old one is stale, a fresh one may be someone's hand-made lock, so wait.
      let age: number;
      try {
        age = Date.now() - statSync(path).mtimeMs;
      } catch {
        continue;
      }
      if (age <= 60_000) return null;
      try {
        unlinkSync(path);
      } catch {
        // someone else removed it
      }
      continue;
    }
    return null;
  }
  return null;
}

/** Take the lock, waiting (polling) while a live process holds it. */
export async function acquireLock(path: string, options: AcquireOptions = {}): Promise<StoreLock> {
  const poll = options.pollMs ?? 500;
  const t0 = Date.now();
  let told = false;
  for (;;) {
    options.signal?.throwIfAborted();
    const lock = tryLock(path, options.runId);
    if (lock) return lock;
    const holder = readLock(path);
    if (!told) {
      told = true;
      options.onWait?.(describe(path, holder), holder);
    }
    if (options.timeoutMs !== undefined && Date.now() - t0 >= options.timeoutMs) {
      throw new LockTimeoutError(
        `gave up after ${options.timeoutMs} ms: ${describe(path, holder).replace(/; waiting.*$/, '')}`,
      );
    }
    await sleep(poll, undefined, { signal: options.signal });
  }
}
