import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, hashJson } from './hash.js';
import {
  FingerprintMemo,
  codeVersion,
  fingerprintPath,
  hashFile,
  hashTree,
} from './fingerprint.js';
import { cacheKey } from './keys.js';
import type { KeyMaterial } from './keys.js';
import { LockTimeoutError, acquireLock, hostId, isStale, readLock, tryLock } from './lock.js';
import { Store } from './store.js';

const dirs: string[] = [];
function made(dir: string): string {
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  return made(mkdtempSync(join(tmpdir(), 'emo-store-')));
}

describe('canonical JSON hashing', () => {
  it('ignores key order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[1,2]},"b":1}',
    );
    expect(hashJson({ a: 1, b: 2 })).toBe(hashJson({ b: 2, a: 1, c: undefined }));
    expect(hashJson({ a: 1 })).not.toBe(hashJson({ a: '1' }));
  });

  it('refuses what JSON cannot carry exactly, naming where', () => {
    expect(() => canonicalJson({ a: { b: NaN } })).toThrow('cannot hash NaN at a.b');
    expect(() => canonicalJson({ when: new Date(0) })).toThrow('cannot hash a Date at when');
    expect(() => canonicalJson([1, undefined])).toThrow('cannot hash undefined at [1]');
  });
});

describe('cache keys', () => {
  const base: KeyMaterial = {
    stage: 'features',
    version: '1',
    params: { window: 2 },
    inputs: [
      { stage: 'convert', shard: 'S01', hash: 'a' },
      { stage: 'source', shard: null, hash: 'b' },
    ],
    sources: [{ path: '/raw/S01.txt', hash: 'c' }],
    shard: 'S01',
  };

  it('changes with every component and not with input order', () => {
    const k = cacheKey(base);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey({ ...base, inputs: [...base.inputs].reverse() })).toBe(k);
    const variants: KeyMaterial[] = [
      { ...base, stage: 'other' },
      { ...base, version: '2' },
      { ...base, params: { window: 3 } },
      { ...base, inputs: [{ ...base.inputs[0], hash: 'z' }, base.inputs[1]] },
      { ...base, sources: [{ path: '/raw/S01.txt', hash: 'd' }] },
      { ...base, shard: 'S02' },
    ];
    for (const v of variants) expect(cacheKey(v)).not.toBe(k);
  });
});

describe('fingerprints', () => {
  it('memoises file hashes by (path, size, mtime, inode)', async () => {
    const dir = tmp();
    const f = join(dir, 'a.bin');
    writeFileSync(f, 'hello');
    const past = new Date(Date.now() - 3600_000);
    utimesSync(f, past, past);
    const memo = new FingerprintMemo(join(dir, 'memo.json'));
    const h1 = await hashFile(f, memo);
    expect(memo.hashed).toBe(1);
    // Same size and mtime, in place (same inode): the memo answers without reading.
    writeFileSync(f, 'HELLO');
    utimesSync(f, past, past);
    expect(await hashFile(f, memo)).toBe(h1);
    expect(memo.hashed).toBe(1);
    // A new mtime is noticed.
    const later = new Date(Date.now() - 1800_000);
    utimesSync(f, later, later);
    const h2 = await hashFile(f, memo);
    expect(h2).not.toBe(h1);
    expect(memo.hashed).toBe(2);
    // Saved and loaded again.
    memo.save();
    const again = FingerprintMemo.load(join(dir, 'memo.json'));
    expect(again.size).toBe(1);
    expect(await hashFile(f, again)).toBe(h2);
    expect(again.hashed).toBe(0);
  });

  it('re-hashes a file modified within the racy window of its hashing', async () => {
    const dir = tmp();
    const f = join(dir, 'fresh.txt');
    writeFileSync(f, 'one');
    const memo = new FingerprintMemo(null);
    await hashFile(f, memo);
    await hashFile(f, memo);
    expect(memo.hashed).toBe(2); // mtime too recent to trust
  });

  it('digests folders by names and contents only', async () => {
    const a = tmp();
    const b = tmp();
    for (const d of [a, b]) {
      mkdirSync(join(d, 'sub'));
      writeFileSync(join(d, 'x.txt'), 'x');
      writeFileSync(join(d, 'sub', 'y.txt'), 'y');
    }
    utimesSync(join(b, 'x.txt'), new Date(0), new Date(0));
    const da = await hashTree(a);
    expect(da).toEqual(await hashTree(b));
    expect(da).toMatchObject({ files: 2, bytes: 2 });
    renameSync(join(b, 'x.txt'), join(b, 'z.txt'));
    expect((await hashTree(b)).hash).not.toBe(da.hash);
    mkdirSync(join(a, 'empty'));
    expect((await hashTree(a)).hash).not.toBe(da.hash);
    await expect(fingerprintPath(join(a, 'nope'))).rejects.toThrow(
      /nope: input file or folder does not exist/,
    );
    symlinkSync(join(a, 'x.txt'), join(a, 'link'));
    const noFollow = await hashTree(a, { followSymlinks: false });
    const follow = await hashTree(a);
    expect(noFollow).toMatchObject({ files: 3, bytes: 2 }); // a link counts as its target text
    expect(follow).toMatchObject({ files: 3, bytes: 3 });
    expect(noFollow.hash).not.toBe(follow.hash);
  });

  it('derives a code version from a package version and code', async () => {
    const d = tmp();
    writeFileSync(join(d, 'index.js'), 'export const a = 1;\n');
    const v1 = await codeVersion('0.1.0', [d]);
    expect(v1).toMatch(/^0\.1\.0\+[0-9a-f]{12}$/);
    writeFileSync(join(d, 'index.js'), 'export const a = 2;\n');
    expect(await codeVersion('0.1.0', [d])).not.toBe(v1);
  });
});

describe('content-addressed store', () => {
  const meta = (key: string) => ({
    key,
    stage: 's',
    shard: null,
    version: '1',
    params: {},
    inputs: [],
    sources: [],
  });

  it('commits a staged output by rename, with meta.json and its output hash', async () => {
    const store = new Store(join(tmp(), '.emo')).init();
    const key = 'a'.repeat(64);
    expect(store.has(key)).toBe(false);
    const st = store.begin();
    expect(st.dir.startsWith(store.tmpDir)).toBe(true);
    writeFileSync(join(st.out, 'out.txt'), 'data');
    const m = await store.commit(st, meta(key));
    expect(store.has(key)).toBe(true);
    expect(existsSync(st.dir)).toBe(false);
    expect(readFileSync(join(store.path(key), 'out.txt'), 'utf8')).toBe('data');
    const onDisk = JSON.parse(readFileSync(join(store.objectDir(key), 'meta.json'), 'utf8')) as {
      outputHash: string;
    };
    expect(onDisk.outputHash).toBe((await hashTree(store.path(key))).hash);
    expect(store.outputHash(key)).toBe(m.outputHash);
    expect(m).toMatchObject({ stage: 's', bytes: 4, files: 1 });

    // Committing the same key again keeps the first object and drops the new staging dir.
    const st2 = store.begin();
    writeFileSync(join(st2.out, 'out.txt'), 'other');
    expect((await store.commit(st2, meta(key))).outputHash).toBe(m.outputHash);
    expect(existsSync(st2.dir)).toBe(false);
    expect(() => store.path('../etc')).toThrow(/not a cache key/);
  });

  it('never treats a directory without meta.json as committed, and cleans tmp/', () => {
    const store = new Store(join(tmp(), '.emo')).init();
    const key = 'b'.repeat(64);
    mkdirSync(join(store.objectDir(key), 'out'), { recursive: true });
    expect(store.has(key)).toBe(false);
    // what a live process may still commit stays: this process's staging, and another host's
    // (a worker sharing the store) unless untouched for a day
    const mine = store.begin();
    const dead = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout,
    );
    const at = (name: string) => join(store.tmpDir, name);
    mkdirSync(at(`t-${hostId()}-${dead}-x1`));
    mkdirSync(at('t-0123456789abcdef-42-x2'));
    mkdirSync(at('t-fedcba9876543210-42-x3'));
    const twoDaysAgo = new Date(Date.now() - 48 * 3600 * 1000);
    utimesSync(at('t-fedcba9876543210-42-x3'), twoDaysAgo, twoDaysAgo);
    mkdirSync(at('gc-leftover'));
    expect(store.cleanTmp()).toBe(3);
    expect(readdirSync(store.tmpDir).sort()).toEqual(
      [mine.dir.split('/').at(-1), 't-0123456789abcdef-42-x2'].sort(),
    );
    store.remove(key);
    expect(existsSync(store.objectDir(key))).toBe(false);
  });
});

describe('store lock', () => {
  it('is exclusive while held and free after release', () => {
    const path = join(tmp(), 'lock');
    const a = tryLock(path, 'run-a');
    expect(a).not.toBeNull();
    expect(readLock(path)).toMatchObject({
      pid: process.pid,
      hostname: hostname(),
      host: hostId(),
      runId: 'run-a',
    });
    expect(tryLock(path)).toBeNull();
    a?.release();
    expect(existsSync(path)).toBe(false);
    const b = tryLock(path);
    expect(b).not.toBeNull();
    a?.release(); // releasing twice, or someone else's lock, does nothing
    expect(existsSync(path)).toBe(true);
    b?.release();
  });

  it('breaks a stale lock left by a dead process', async () => {
    const path = join(tmp(), 'lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = Number(dead.stdout.toString());
    const stale = {
      pid,
      hostname: hostname(),
      host: hostId(),
      started: new Date().toISOString(),
      token: 'x',
    };
    writeFileSync(path, JSON.stringify(stale));
    expect(isStale(stale)).toBe(true);
    // the same dead pid and hostname, but taken by another machine (or container) that shares
    // the store: its pid says nothing here, so the lock is never broken
    expect(isStale({ ...stale, host: 'another-host-id' })).toBe(false);
    expect(isStale({ ...stale, host: undefined })).toBe(false); // an older lock: unknown host
    const lock = await acquireLock(path, { pollMs: 10, timeoutMs: 1000 });
    expect(lock.info.pid).toBe(process.pid);
    lock.release();
  });

  it('waits for a live holder with a clear message, and never breaks a lock from another host', async () => {
    const path = join(tmp(), 'lock');
    const held = tryLock(path, 'first');
    const messages: string[] = [];
    const waiting = acquireLock(path, { pollMs: 10, onWait: (m) => messages.push(m) });
    await new Promise((r) => setTimeout(r, 50));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /store is locked by pid \d+ \(this process\) on .*run first.*waiting/,
    );
    held?.release();
    (await waiting).release();

    const foreign = {
      pid: 1,
      hostname: `not-${hostname()}`,
      host: 'another-host-id',
      started: new Date().toISOString(),
      token: 'y',
    };
    writeFileSync(path, JSON.stringify(foreign));
    expect(isStale(foreign)).toBe(false);
    const err = await acquireLock(path, { pollMs: 10, timeoutMs: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as Error).message).toMatch(/locked by pid 1 on not-/);
    expect(statSync(path).isFile()).toBe(true);
  });
});
