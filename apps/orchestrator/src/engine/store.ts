/**
 * The content-addressed store (default `.emo/`):
 *
 *   objects/<key>/out/        a committed task output (read-only by convention)
 *   objects/<key>/meta.json   stage, shard, key, version, params, inputs, sources, created,
 *                             output hash, size
 *   tmp/<random>/             outputs being written; only ever renamed into objects/ complete
 *   runs/<runId>.json         run manifests; runs/latest.json is the last one
 *   fingerprints.json         the (path, size, mtime, inode) → hash memo for raw inputs
 *   lock                      the store lock (see lock.ts)
 *
 * An object directory appears in `objects/` by a single `rename` of a complete temporary
 * directory (output + meta.json), so a crash at any moment leaves either the whole object or
 * garbage under tmp/, which the next run removes while holding the lock (only what no live
 * process can still commit: workers on other hosts may be writing there, see cleanTmp).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
} from 'node:fs';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JsonValue } from './hash.js';
import { tmpPathFor } from '@emo/runtime';
import { hashTree } from './fingerprint.js';
import type { InputRef, SourceRef } from './keys.js';
import { acquireLock, hostId, pidAlive } from './lock.js';
import type { AcquireOptions, StoreLock } from './lock.js';

/** The default store folder, relative to the working folder. */
export const DEFAULT_STORE = '.emo';

export interface ObjectMeta {
  readonly schema: 1;
  readonly key: string;
  readonly stage: string;
  readonly shard: string | null;
  readonly version: string;
  readonly params: JsonValue;
  readonly inputs: readonly InputRef[];
  readonly sources: readonly SourceRef[];
  /** ISO time of commit. */
  readonly created: string;
  /** Tree digest of `out/` (what downstream keys use). */
  readonly outputHash: string;
  readonly bytes: number;
  readonly files: number;
}

/** A temporary directory a task writes into. */
export interface Staging {
  /** tmp/<random>/ — becomes objects/<key>/ on commit. */
  readonly dir: string;
  /** tmp/<random>/out/ — the stage's outDir. */
  readonly out: string;
}

const KEY = /^[0-9a-f]{64}$/;
/** A staging folder's name: t-<host id>-<pid>-<random>. */
const STAGING_NAME = /^t-([0-9a-f]{16})-(\d+)-/;
/** A staging folder of another host untouched this long is garbage, ms. */
const STALE_TMP_MS = 24 * 3600 * 1000;

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

export class Store {
  readonly root: string;
  readonly objectsDir: string;
  readonly tmpDir: string;
  readonly runsDir: string;
  readonly lockPath: string;
  readonly memoPath: string;
  private readonly metas = new Map<string, ObjectMeta>();

  constructor(root: string = DEFAULT_STORE) {
    this.root = resolve(root);
    this.objectsDir = join(this.root, 'objects');
    this.tmpDir = join(this.root, 'tmp');
    this.runsDir = join(this.root, 'runs');
    this.lockPath = join(this.root, 'lock');
    this.memoPath = join(this.root, 'fingerprints.json');
  }

  /** Create the store folders (idempotent). */
  init(): this {
    for (const d of [this.objectsDir, this.tmpDir, this.runsDir]) mkdirSync(d, { recursive: true });
    return this;
  }

  private checkKey(key: string): void {
    if (!KEY.test(key)) throw new Error(`not a cache key: '${key}'`);
  }

  /** objects/<key>/ */
  objectDir(key: string): string {
    this.checkKey(key);
    return join(this.objectsDir, key);
  }

  /** The output folder of a committed object: objects/<key>/out */
  path(key: string): string {
    return join(this.objectDir(key), 'out');
  }

  /** The meta.json of a committed object, or null when `key` is not in the store. */
  meta(key: string): ObjectMeta | null {
    const cached = this.metas.get(key);
    if (cached) return cached;
    try {
      const m = JSON.parse(
        readFileSync(join(this.objectDir(key), 'meta.json'), 'utf8'),
      ) as ObjectMeta;
      if (m.key !== key || typeof m.outputHash !== 'string') return null;
      this.metas.set(key, m);
      return m;
    } catch {
      return null;
    }
  }

  has(key: string): boolean {
    return this.meta(key) !== null;
  }

  /** Output hash of a committed object, or null. */
  outputHash(key: string): string | null {
    return this.meta(key)?.outputHash ?? null;
  }

  /** Keys of all committed objects. */
  keys(): string[] {
    if (!existsSync(this.objectsDir)) return [];
    return readdirSync(this.objectsDir).filter((k) => KEY.test(k));
  }

  /** A fresh temporary directory under tmp/ for one task's output. */
  begin(): Staging {
    mkdirSync(this.tmpDir, { recursive: true });
    // named by host and process, so that cleaning tmp/ leaves the live ones of every host
    const dir = mkdtempSync(join(this.tmpDir, `t-${hostId()}-${process.pid}-`));
    const out = join(dir, 'out');
    mkdirSync(out);
    return { dir, out };
  }

  /** Delete a staging directory (never committed). */
  discard(staging: Staging): void {
    rmSync(staging.dir, { recursive: true, force: true });
  }

  /**
   * Hash the staged output, write meta.json and rename the directory to objects/<key>. When the
   * key is already committed (the same task finished elsewhere), the staging copy is dropped and
   * the existing object kept.
   */
  async commit(
    staging: Staging,
    meta: Omit<ObjectMeta, 'schema' | 'created' | 'outputHash' | 'bytes' | 'files'>,
    shouldCommit: () => boolean = () => true,
  ): Promise<ObjectMeta> {
    const digest = await hashTree(staging.out, { followSymlinks: false });
    const full: ObjectMeta = {
      schema: 1,
      ...meta,
      created: new Date().toISOString(),
      outputHash: digest.hash,
      bytes: digest.bytes,
      files: digest.files,
    };
    if (!shouldCommit()) throw new Error('cancelled before commit');
    writeFileSync(join(staging.dir, 'meta.json'), JSON.stringify(full, null, 2) + '\n');
    const target = this.objectDir(meta.key);
    for (let attempt = 0; ; attempt++) {
      try {
        renameSync(staging.dir, target);
        this.metas.set(meta.key, full);
        return full;
      } catch (e) {
        const code = errCode(e);
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt > 0) throw e;
        const existing = this.meta(meta.key);
        if (existing) {
          this.discard(staging);
          return existing;
        }
        // A directory without meta.json (not made by the engine): move it aside and retry.
        this.remove(meta.key);
      }
    }
  }

  /** Remove an object: renamed into tmp/ first (atomic), then deleted. */
  remove(key: string): void {
    const dir = this.objectDir(key);
    const aside = tmpPathFor(join(this.tmpDir, `gc-${key}`));
    mkdirSync(this.tmpDir, { recursive: true });
    try {
      renameSync(dir, aside);
    } catch (e) {
      if (errCode(e) === 'ENOENT') return;
      throw e;
    }
    this.metas.delete(key);
    rmSync(aside, { recursive: true, force: true });
  }

  /**
   * Delete the garbage under tmp/ (call only while holding the lock): staging folders of dead
   * processes of this host, of other hosts when untouched for a day, and anything else. Returns
   * the entries removed.
   */
  cleanTmp(): number {
    if (!existsSync(this.tmpDir)) return 0;
    let removed = 0;
    const here = hostId();
    for (const n of readdirSync(this.tmpDir)) {
      const m = STAGING_NAME.exec(n);
      if (m) {
        // a task's output being written: by a live process here, or by any process of another
        // host (a worker sharing the store), it may still be committed — leave it, unless it
        // was last touched a day ago (its host is gone)
        const alive = m[1] === here ? pidAlive(Number(m[2])) : !this.olderThan(n, STALE_TMP_MS);
        if (alive) continue;
      }
      rmSync(join(this.tmpDir, n), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  private olderThan(name: string, ms: number): boolean {
    try {
      return Date.now() - statSync(join(this.tmpDir, name)).mtimeMs > ms;
    } catch {
      return true;
    }
  }

  /** Take the store lock (waits while another live process holds it). */
  async lock(options: AcquireOptions = {}): Promise<StoreLock> {
    this.init();
    const lock = await acquireLock(this.lockPath, options);
    this.metas.clear(); // another process may have changed objects/ before we got the lock
    return lock;
  }
}

/** A Store for `store` (a path or an existing Store). */
export function openStore(store: string | Store | undefined): Store {
  return store instanceof Store ? store : new Store(store ?? DEFAULT_STORE);
}
