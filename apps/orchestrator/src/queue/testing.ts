// For tests: a real redis-server of their own, on a free loopback port, without persistence,
// stopped by its pid. Where Debian's redis-server is not installed the tests skip and say so,
// unless EMO_REQUIRE_REDIS=1 (CI), which makes them fail.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Stop it and start an empty one on the same port (a Redis restarted without its data). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The redis-server binary, or null (with EMO_REQUIRE_REDIS=1: an error) when there is none. */
export function redisServerPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = r.status === 0 ? r.stdout.trim() : '';
  if (path) return path;
  if (process.env.EMO_REQUIRE_REDIS === '1') {
    throw new Error(
      'EMO_REQUIRE_REDIS=1 but redis-server is not installed (apt-get install redis-server)',
    );
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** PING until PONG (or give up after `ms`). */
async function answers(port: number, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection({ host: '127.0.0.1', port }, () => c.write('PING\r\n'));
      c.setTimeout(500, () => {
        c.destroy();
        resolve(false);
      });
      c.once('data', (d) => {
        c.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - t0 > ms) throw new Error(`redis-server on port ${port} does not answer`);
    await sleep(50);
  }
}

function launch(bin: string, port: number): ChildProcess {
  return spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
}

async function kill(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  p.kill('SIGKILL');
  await gone;
}

/** Start a redis-server for a test file; null when none is installed (skip). */
export async function startTestRedis(): Promise<TestRedis | null> {
  const bin = redisServerPath();
  if (!bin) return null;
  const port = await freePort();
  let server = launch(bin, port);
  await answers(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return server.pid ?? -1;
    },
    restart: async () => {
      await kill(server);
      server = launch(bin, port);
      await answers(port);
    },
    stop: () => kill(server),
  };
}
