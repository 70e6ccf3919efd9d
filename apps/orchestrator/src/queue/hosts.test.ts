// The coordinator, Redis and two workers as separate hosts on this machine: each worker and
// Redis in a network namespace of its own, joined by veth pairs to a bridge that the coordinator
// (this namespace) is on, so every job really crosses a network. The workers mount the store at
// different paths. Needs root, `ip` and redis-server; elsewhere it skips and says so (with
// EMO_REQUIRE_REDIS=1 and root, as in CI, it runs). Traffic stays on this machine.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunManifest } from '../engine/index.js';
import {
  EMO_BIN as bin,
  emoChild as emo,
  manifestOf,
  taskLabel,
  tempDirs,
  workerArgs,
  writeTinyConfig,
} from '../testing.js';
import { redisServerPath } from './testing.js';

const { make: tmp, cleanup } = tempDirs();

const canRun = (): string | null => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'not root on Linux';
  // a namespace can be made here (not only listed): some containers forbid it
  const probe = `emoprobe${process.pid % 100000}`;
  if (spawnSync('ip', ['netns', 'add', probe]).status !== 0)
    return 'cannot create network namespaces';
  spawnSync('ip', ['netns', 'del', probe]);
  return redisServerPath() ? null : 'no redis-server';
};
const why = canRun();

const tag = `emo${process.pid % 100000}`;
const subnet = `10.231.${process.pid % 250}`;
const bridge = `${tag}br`;
const hosts = { redis: 1, w1: 2, w2: 3 } as const;
const ns = (h: keyof typeof hosts) => `${tag}${h}`;
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe', timeout: 10_000 });
const children: ChildProcess[] = [];

/** One command in one host (namespace); a line of what it prints is kept. */
function inHost(h: keyof typeof hosts, cmd: string[]) {
  let log = '';
  const c = spawn('ip', ['netns', 'exec', ns(h), ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  c.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  c.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  children.push(c);
  return { child: c, log: () => log };
}

/** A Redis command over plain TCP (RESP inline), its reply as text. */
function redisCommand(host: string, port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const c = createConnection({ host, port }, () => c.write(`${command}\r\nQUIT\r\n`));
    c.setTimeout(2000, () => c.destroy(new Error(`no answer from ${host}:${port}`)));
    c.on('data', (d) => (reply += d.toString()));
    c.on('close', () => resolve(reply));
    c.on('error', reject);
  });
}

const outputs = (m: RunManifest) =>
  Object.fromEntries(m.tasks.map((t) => [taskLabel(t), [t.key, t.output?.hash]]));

function teardownNetwork(): void {
  for (const [h, n] of Object.entries(hosts) as [keyof typeof hosts, number][]) {
    spawnSync('ip', ['netns', 'del', ns(h)], { timeout: 10_000 });
    spawnSync('ip', ['link', 'del', `${tag}${n}b`], { stdio: 'ignore', timeout: 10_000 });
  }
  spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore', timeout: 10_000 });
}

beforeAll(() => {
  if (why) {
    console.warn(`the multi-host queue test skips: ${why}`);
    return;
  }
  teardownNetwork(); // leftovers of a killed earlier run with this pid
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', `${subnet}.254/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  for (const [h, n] of Object.entries(hosts) as [keyof typeof hosts, number][]) {
    const inside = `${tag}${n}a`;
    const outside = `${tag}${n}b`;
    ip('netns', 'add', ns(h));
    ip('link', 'add', inside, 'type', 'veth', 'peer', 'name', outside);
    ip('link', 'set', inside, 'netns', ns(h));
    ip('link', 'set', outside, 'master', bridge);
    ip('link', 'set', outside, 'up');
    ip('netns', 'exec', ns(h), 'ip', 'addr', 'add', `${subnet}.${n}/24`, 'dev', inside);
    ip('netns', 'exec', ns(h), 'ip', 'link', 'set', inside, 'up');
    ip('netns', 'exec', ns(h), 'ip', 'link', 'set', 'lo', 'up');
  }
});

afterAll(async () => {
  // the namespaces go once no process is left in them
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
  if (!why) teardownNetwork();
  cleanup();
});

describe('the queue across hosts (network namespaces on this machine)', () => {
  (why ? it.skip : it)(
    'coordinator, Redis and two workers on four hosts: the keys and bytes of a local run',
    async () => {
      const redisHost = `${subnet}.${hosts.redis}`;
      const port = 6379;
      inHost('redis', [
        redisServerPath() as string,
        '--port',
        String(port),
        '--bind',
        redisHost,
        '--protected-mode',
        'no',
        '--save',
        '',
        '--appendonly',
        'no',
      ]);
      for (let t0 = Date.now(); ; await sleep(100)) {
        const pong = await redisCommand(redisHost, port, 'PING').catch(() => '');
        if (pong.startsWith('+PONG')) break;
        if (Date.now() - t0 > 15_000)
          throw new Error('redis-server in its namespace does not answer');
      }
      const url = `redis://${redisHost}:${port}`;

      const ref = tmp('emo-hosts-ref-');
      expect((await emo(['full', '--config', writeTinyConfig(ref)])).code).toBe(0);

      const dir = tmp('emo-hosts-');
      const cfg = writeTinyConfig(dir);
      const store = join(dir, 'store');
      mkdirSync(store, { recursive: true });
      // the second machine mounts the store elsewhere
      mkdirSync(join(dir, 'mnt'));
      symlinkSync(store, join(dir, 'mnt', 'emo-store'));
      const worker = (h: 'w1' | 'w2', at: string) =>
        inHost(h, [process.execPath, bin, ...workerArgs(url, cfg, at)]);
      const w1 = worker('w1', store);
      const w2 = worker('w2', join(dir, 'mnt', 'emo-store'));
      const r = await emo(['full', '--config', cfg, '--queue', url]);
      expect(r.code).toBe(0);
      expect(outputs(manifestOf(store))).toEqual(outputs(manifestOf(join(ref, 'store'))));
      for (const w of [w1, w2]) expect(w.log()).toMatch(/: done in /);
      // the workers' connections come from their own hosts' addresses
      const clients = await redisCommand(redisHost, port, 'CLIENT LIST');
      const workerAddrs = clients
        .split('\n')
        .filter((l) => /name=bull:\S+:w:/.test(l))
        .map((l) => /addr=([\d.]+):/.exec(l)?.[1]);
      expect(new Set(workerAddrs)).toEqual(
        new Set([`${subnet}.${hosts.w1}`, `${subnet}.${hosts.w2}`]),
      );
    },
    300_000,
  );
});
