/**
 * Content fingerprints of files and folders, memoised by (path, size, mtimeMs, inode) in a JSON
 * memo file kept in the store, so a no-op run over thousands of raw files costs one `stat` each
 * instead of reading them.
 *
 * A memo entry is trusted only when the file's mtime was at least `RACY_MS` older than the moment
 * it was hashed: a file modified in the same clock tick as its hashing (coarse file-system
 * timestamps) is hashed again next time, as git does with "racily clean" entries.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { lstat, readFile, readdir, readlink, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@emo/runtime';
import { sha256 } from './hash.js';

/** A memo entry whose mtime is this close to its hashing time is re-hashed next time. */
export const RACY_MS = 2000;

interface MemoEntry {
  /** size */
  readonly s: number;
  /** mtimeMs */
  readonly m: number;
  /** inode */
  readonly i: number;
  /** content sha256 */
  readonly h: string;
  /** when hashed (ms since epoch) */
  readonly t: number;
}

interface MemoFile {
  readonly schema: 1;
  readonly entries: Record<string, MemoEntry>;
}

/** The (path, size, mtime, inode) → content hash memo. */
export class FingerprintMemo {
  private readonly entries: Map<string, MemoEntry>;
  private dirty = false;
  /** Files whose content was actually read since this memo was loaded (for tests and benches). */
  hashed = 0;

  constructor(
    /** Where the memo is saved; null keeps it in memory only. */
    readonly file: string | null,
    entries: Iterable<[string, MemoEntry]> = [],
  ) {
    this.entries = new Map(entries);
  }

  /** Load the memo file; a missing or unreadable file gives an empty memo. */
  static load(file: string): FingerprintMemo {
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<MemoFile>;
      if (raw.schema === 1 && raw.entries && typeof raw.entries === 'object') {
        return new FingerprintMemo(file, Object.entries(raw.entries));
      }
    } catch {
      // missing or corrupt: start afresh (the memo is only a cache)
    }
    return new FingerprintMemo(file);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The remembered hash of `path` when its stat still matches, else undefined. */
  lookup(path: string, st: Stats): string | undefined {
    const e = this.entries.get(path);
    if (!e || e.s !== st.size || e.m !== st.mtimeMs || e.i !== st.ino) return undefined;
    if (e.t - e.m < RACY_MS) return undefined;
    return e.h;
  }

  record(path: string, st: Stats, hash: string, hashedAt = Date.now()): void {
    this.entries.set(path, { s: st.size, m: st.mtimeMs, i: st.ino, h: hash, t: hashedAt });
    this.dirty = true;
  }

  /** Drop entries for which `keep(path)` is false; returns how many were dropped. */
  prune(keep: (path: string) => boolean): number {
    let n = 0;
    for (const p of [...this.entries.keys()]) {
      if (!keep(p)) {
        this.entries.delete(p);
        n++;
      }
    }
    if (n) this.dirty = true;
    return n;
  }

  /** Write the memo atomically (temporary file + rename) when it changed. */
  save(): void {
    if (!this.file || !this.dirty) return;
    const body: MemoFile = { schema: 1, entries: Object.fromEntries(this.entries) };
    writeFileAtomic(this.file, JSON.stringify(body));
    this.dirty = false;
  }
}

// A small semaphore so that hashing a tree of thousands of files never opens them all at once.
const MAX_OPEN = 32;
let open = 0;
const waiting: (() => void)[] = [];

async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (open >= MAX_OPEN) await new Promise<void>((r) => waiting.push(r));
  open++;
  try {
    return await fn();
  } finally {
    open--;
    waiting.shift()?.();
  }
}

async function hashContent(path: string, size: number): Promise<string> {
  if (size <= 1 << 20) return sha256(await readFile(path));
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** sha256 of a file's content, through the memo when one is given. */
export async function hashFile(path: string, memo?: FingerprintMemo, st?: Stats): Promise<string> {
  const abs = resolve(path);
  const s = st ?? (await stat(abs));
  const known = memo?.lookup(abs, s);
  if (known) return known;
  const t = Date.now();
  const h = await withSlot(() => hashContent(abs, s.size));
  if (memo) {
    memo.hashed++;
    memo.record(abs, s, h, t);
  }
  return h;
}

/** Digest of a folder tree. */
export interface TreeDigest {
  readonly hash: string;
  readonly files: number;
  readonly bytes: number;
}

export interface TreeOptions {
  readonly memo?: FingerprintMemo;
  /**
   * Follow symbolic links (default true, for raw inputs); when false a link is hashed as its
   * target text (for store outputs).
   */
  readonly followSymlinks?: boolean;
}

/**
 * Merkle digest of a folder: each entry contributes its kind, name and content hash, entries in
 * code-unit order of their names, so the digest depends on names and contents only (not on
 * mtimes, modes or the folder's own path). Empty folders count.
 */
export async function hashTree(path: string, options: TreeOptions = {}): Promise<TreeDigest> {
  const follow = options.followSymlinks ?? true;
  const abs = resolve(path);
  const names = (await readdir(abs)).sort();
  const parts = await Promise.all(
    names.map(async (name) => {
      const p = join(abs, name);
      const st = follow ? await stat(p) : await lstat(p);
      if (st.isSymbolicLink()) {
        const target = await readlink(p);
        return { line: `L ${name} ${sha256(target)}`, files: 1, bytes: 0 };
      }
      if (st.isDirectory()) {
        const d = await hashTree(p, options);
        return { line: `D ${name} ${d.hash}`, files: d.files, bytes: d.bytes };
      }
      if (!st.isFile()) throw new Error(`${p}: not a file or folder`);
      const h = await hashFile(p, options.memo, st);
      return { line: `F ${name} ${h}`, files: 1, bytes: st.size };
    }),
  );
  return {
    hash: sha256(parts.map((x) => x.line).join('\n')),
    files: parts.reduce((a, x) => a + x.files, 0),
    bytes: parts.reduce((a, x) => a + x.bytes, 0),
  };
}

/**
 * Fingerprint of a raw input path: its content hash when a file, its tree digest when a folder.
 * A missing path throws an error naming it.
 */
export async function fingerprintPath(path: string, memo?: FingerprintMemo): Promise<string> {
  const abs = resolve(path);
  let st: Stats;
  try {
    st = await stat(abs);
  } catch {
    throw new Error(`${abs}: input file or folder does not exist`);
  }
  if (st.isDirectory()) return `tree:${(await hashTree(abs, { memo })).hash}`;
  return hashFile(abs, memo, st);
}

/**
 * A stage code version from its package version and a hash of its built code (files or
 * folders), e.g. `0.1.0+3fa4c2d1e0b9`: changing the code changes the version.
 */
export async function codeVersion(
  packageVersion: string,
  paths: readonly string[],
  memo?: FingerprintMemo,
): Promise<string> {
  const parts = await Promise.all(paths.map((p) => fingerprintPath(p, memo)));
  return `${packageVersion}+${sha256(parts.join('\n')).slice(0, 12)}`;
}
