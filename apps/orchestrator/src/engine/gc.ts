/**
 * Garbage collection (`emo gc`): keep the manifests of the last N runs (default 5) and every
 * object they reference; remove the other objects and the older manifests. With a size cap,
 * objects referenced only by older kept runs are removed too (least recently used first) until
 * the store fits; what the latest run uses is never removed. Runs under the store lock.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FingerprintMemo } from './fingerprint.js';
import type { AcquireOptions } from './lock.js';
import { listRunIds, readManifest } from './manifest.js';
import { openStore } from './store.js';
import type { Store } from './store.js';

export interface GcOptions {
  readonly store?: string | Store;
  /** Runs whose manifests (and objects) are kept (default 5, at least 1). */
  readonly keep?: number;
  /** Optional cap on the total output bytes of kept objects. */
  readonly maxBytes?: number;
  /** Report what would be removed without removing anything. */
  readonly dryRun?: boolean;
  readonly lock?: Omit<AcquireOptions, 'runId'>;
}

export interface RemovedObject {
  readonly key: string;
  readonly stage: string | null;
  readonly shard: string | null;
  readonly bytes: number;
  readonly why: 'unreferenced' | 'size cap';
}

export interface GcReport {
  readonly dryRun: boolean;
  readonly keptRuns: readonly string[];
  readonly removedRuns: readonly string[];
  readonly removed: readonly RemovedObject[];
  readonly keptObjects: number;
  readonly keptBytes: number;
  readonly freedBytes: number;
  /** Entries removed from tmp/ (left by crashed runs). */
  readonly tmpRemoved: number;
  /** Fingerprint memo entries dropped because their file is gone. */
  readonly memoPruned: number;
}

export async function gc(options: GcOptions = {}): Promise<GcReport> {
  const store = openStore(options.store);
  const keep = Math.max(1, Math.floor(options.keep ?? 5));
  const dry = options.dryRun ?? false;
  const lock = await store.lock(options.lock);
  try {
    const runIds = listRunIds(store);
    const keptRuns = runIds.slice(-keep);
    const removedRuns = runIds.slice(0, runIds.length - keptRuns.length);
    // key → index of the newest kept run that uses it (higher = more recent).
    const lastUse = new Map<string, number>();
    keptRuns.forEach((id, i) => {
      const m = readManifest(join(store.runsDir, `${id}.json`));
      for (const t of m?.tasks ?? []) {
        if (t.key && (t.status === 'hit' || t.status === 'ran')) lastUse.set(t.key, i);
      }
    });
    const removed: RemovedObject[] = [];
    const live: { key: string; bytes: number; use: number; stage: string; shard: string | null }[] =
      [];
    for (const key of store.keys()) {
      const meta = store.meta(key);
      const entry = { key, stage: meta?.stage ?? null, shard: meta?.shard ?? null };
      const bytes = meta?.bytes ?? 0;
      const use = lastUse.get(key);
      if (use === undefined || !meta) removed.push({ ...entry, bytes, why: 'unreferenced' });
      else live.push({ key, bytes, use, stage: meta.stage, shard: meta.shard });
    }
    let keptBytes = live.reduce((a, o) => a + o.bytes, 0);
    if (options.maxBytes !== undefined && keptBytes > options.maxBytes) {
      const newest = keptRuns.length - 1;
      const candidates = live
        .filter((o) => o.use < newest)
        .sort((a, b) => a.use - b.use || b.bytes - a.bytes);
      for (const o of candidates) {
        if (keptBytes <= options.maxBytes) break;
        removed.push({
          key: o.key,
          stage: o.stage,
          shard: o.shard,
          bytes: o.bytes,
          why: 'size cap',
        });
        keptBytes -= o.bytes;
      }
    }
    let tmpRemoved = 0;
    let memoPruned = 0;
    if (!dry) {
      for (const o of removed) store.remove(o.key);
      for (const id of removedRuns) rmSync(join(store.runsDir, `${id}.json`), { force: true });
      tmpRemoved = store.cleanTmp();
      const memo = FingerprintMemo.load(store.memoPath);
      memoPruned = memo.prune((p) => existsSync(p));
      memo.save();
    }
    const gone = new Set(removed.map((o) => o.key));
    return {
      dryRun: dry,
      keptRuns,
      removedRuns,
      removed,
      keptObjects: live.filter((o) => !gone.has(o.key)).length,
      keptBytes,
      freedBytes: removed.reduce((a, o) => a + o.bytes, 0),
      tmpRemoved,
      memoPruned,
    };
  } finally {
    lock.release();
  }
}
