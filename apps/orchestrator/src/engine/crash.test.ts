// Real processes: a run killed with SIGKILL mid-write, and two runs started at once. The engine
// is transpiled (typescript.transpileModule) into a temporary folder so that a plain `node`
// child can run it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { hashTree } from './fingerprint.js';
import { taskLabel } from './keys.js';
import type { RunManifest } from './manifest.js';
import { readLock } from './lock.js';
import { runPipelineToEnd } from './run.js';
import { Store } from './store.js';
import { fakeStages, writeRawSubjects } from './testing.js';

const here = dirname(fileURLToPath(import.meta.url));
const pkgRoot = resolve(here, '..', '..');

const RUNNER = `
import { runPipeline } from './engine/run.js';
import { fakeStages } from './engine/testing.js';
const [store, raw, hangAt, jobs, delayMs] = process.argv.slice(2);
const stages = fakeStages({ hangAt: hangAt || undefined, delayMs: Number(delayMs) || 0 });
runPipeline(stages, {
  store,
  jobs: Number(jobs),
  params: { convert: { root: raw } },
  lock: { pollMs: 25 },
}).subscribe({
  next: (e) => {
    const line = e.type === 'done' ? { type: 'done', manifest: e.manifest } : e.type === 'plan' ? { type: 'plan' } : e;
    process.stdout.write(JSON.stringify(line) + '\\n');
  },
  error: (err) => {
    process.stderr.write(String((err && err.stack) || err) + '\\n');
    process.exit(1);
  },
  complete: () => process.exit(0),
});
`;

const dirs: string[] = [];
function made(dir: string): string {
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let lib = '';

beforeAll(() => {
  lib = mkdtempSync(join(tmpdir(), 'emo-engine-js-'));
  mkdirSync(join(lib, 'engine'));
  for (const f of readdirSync(here)) {
    if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
    const out = ts.transpileModule(readFileSync(join(here, f), 'utf8'), {
      fileName: f,
      compilerOptions: {
        module: ts.ModuleKind.ES2022,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    writeFileSync(join(lib, 'engine', f.replace(/\.ts$/, '.js')), out.outputText);
  }
  writeFileSync(join(lib, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(pkgRoot, 'node_modules'), join(lib, 'node_modules'), 'dir');
  writeFileSync(join(lib, 'runner.mjs'), RUNNER);
});

afterAll(() => {
  if (lib) rmSync(lib, { recursive: true, force: true });
});

interface Child {
  readonly proc: ChildProcess;
  readonly lines: Record<string, unknown>[];
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  /** Resolves with the first line matching `pred`. */
  waitFor(pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

function runner(store: string, raw: string, hangAt = '', jobs = 1, delayMs = 0): Child {
  const proc = spawn(
    process.execPath,
    [join(lib, 'runner.mjs'), store, raw, hangAt, String(jobs), String(delayMs)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    pred: (l: Record<string, unknown>) => boolean;
    res: (l: Record<string, unknown>) => void;
  }[] = [];
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    const l = JSON.parse(text) as Record<string, unknown>;
    lines.push(l);
    for (const w of waiters.filter((x) => x.pred(l))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.res(l);
    }
  });
  const exited = new Promise<number | string>((res) =>
    proc.on('exit', (code, signal) => {
      if (code) process.stderr.write(stderr);
      res(code ?? signal ?? -1);
    }),
  );
  return {
    proc,
    lines,
    exited,
    waitFor: (pred) =>
      new Promise((res, rej) => {
        const hit = lines.find(pred);
        if (hit) return res(hit);
        waiters.push({ pred, res });
        void exited.then((c) => rej(new Error(`runner exited (${c}) before the expected line`)));
      }),
  };
}

function world(): { raw: string; store: string } {
  const dir = made(mkdtempSync(join(tmpdir(), 'emo-crash-')));
  writeRawSubjects(join(dir, 'raw'), 3);
  return { raw: join(dir, 'raw'), store: join(dir, '.emo') };
}

function outputsByTask(m: RunManifest): Record<string, string> {
  return Object.fromEntries(
    m.tasks.map((t) => [taskLabel(t.stage, t.shard), t.output?.hash ?? '']),
  );
}

describe('crash and concurrency safety (real processes)', () => {
  it('a run killed with SIGKILL mid-write leaves a store the next run trusts and completes', async () => {
    const ref = world();
    const clean = await runPipelineToEnd(fakeStages(), {
      store: ref.store,
      params: { convert: { root: ref.raw } },
    });

    const w = world();
    const child = runner(w.store, w.raw, 'features/S02', 1);
    await child.waitFor(
      (l) => l.type === 'task-progress' && l.stage === 'features' && l.shard === 'S02',
    );
    child.proc.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');

    // What the crash left: a lock of a dead process, a half-written staging dir, whole objects.
    const store = new Store(w.store);
    expect(readLock(store.lockPath)?.pid).toBe(child.proc.pid);
    const tmp = readdirSync(store.tmpDir);
    expect(tmp.length).toBe(1);
    const partial = readFileSync(join(store.tmpDir, tmp[0], 'out', 'features.txt'), 'utf8');
    expect(partial.split('\n').length - 1).toBe(3); // 3 of 7 lines
    expect(existsSync(join(store.runsDir, 'latest.json'))).toBe(false);
    for (const key of store.keys()) {
      const meta = store.meta(key);
      expect(meta).not.toBeNull();
      expect((await hashTree(store.path(key), { followSymlinks: false })).hash).toBe(
        meta?.outputHash,
      );
    }
    expect(store.keys().length).toBe(5); // source, convert ×3, features/S01

    const resumed = await runPipelineToEnd(fakeStages(), {
      store: w.store,
      params: { convert: { root: w.raw } },
      lock: { pollMs: 25 },
    });
    const m = resumed.manifest;
    expect(m.status).toBe('ok');
    const hits = m.tasks.filter((t) => t.hit).map((t) => taskLabel(t.stage, t.shard));
    expect(hits).toEqual(['source', 'convert/S01', 'convert/S02', 'convert/S03', 'features/S01']);
    expect(readdirSync(store.tmpDir)).toEqual([]);
    expect(existsSync(store.lockPath)).toBe(false);
    expect(outputsByTask(m)).toEqual(outputsByTask(clean.manifest));
    const all = (r: RunManifest): string =>
      readFileSync(
        join(r.tasks.find((t) => t.stage === 'join')?.output?.path ?? '', 'all.txt'),
        'utf8',
      );
    expect(all(m)).toBe(all(clean.manifest));
  });

  it('two runs started at once on one store both finish; the second waits for the lock', async () => {
    const w = world();
    const a = runner(w.store, w.raw, '', 1, 300);
    const b = runner(w.store, w.raw, '', 1, 300);
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    const done = [a, b].map(
      (c) => (c.lines.find((l) => l.type === 'done') as { manifest: RunManifest }).manifest,
    );
    const waited = [a, b].map((c) => c.lines.some((l) => l.type === 'lock-wait'));
    const first = done.findIndex((m) => m.counts.ran === 8);
    expect(first).toBeGreaterThanOrEqual(0);
    const second = 1 - first;
    expect(done[first].status).toBe('ok');
    expect(done[second].status).toBe('ok');
    expect(done[second].counts.hit).toBe(8);
    expect(waited).toEqual([first === 1, first === 0]);
    expect(outputsByTask(done[second])).toEqual(outputsByTask(done[first]));
    expect(new Store(w.store).keys().length).toBe(8);
  });
});
