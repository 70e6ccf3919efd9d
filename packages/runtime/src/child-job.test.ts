import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtScript, runChildJob } from './child-job.js';

const dir = mkdtempSync(join(tmpdir(), 'emo-child-job-'));
/** A child script from its body (ESM); `job` is the message it receives. */
function script(name: string, body: string, on: 'once' | 'on' = 'once'): string {
  const path = join(dir, `${name}.mjs`);
  writeFileSync(path, `process.${on}('message', (job) => {\n${body}\n});\n`);
  return path;
}
/** Whether process `pid` is still running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
const until = async (cond: () => boolean, ms = 5000): Promise<boolean> => {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await new Promise((r) => setTimeout(r, 20)))
    if (cond()) return true;
  return cond();
};
const fail = (message: string, detail: string) => Object.assign(new Error(message), { detail });

describe('runChildJob', () => {
  it('relays progress messages and resolves with the result', async () => {
    const s = script(
      'ok',
      `process.send({ type: 'step', n: 1 });
       process.send({ type: 'result', result: job.x * 2 }, () => process.exit(0));`,
    );
    const steps: unknown[] = [];
    const r = await runChildJob<{ x: number }, number, { type: 'step'; n: number }>(
      s,
      { x: 21 },
      { onMessage: (m) => steps.push(m), fail },
    );
    expect(r).toBe(42);
    expect(steps).toEqual([{ type: 'step', n: 1 }]);
  });

  it("rejects with the child's error and stack", async () => {
    const s = script(
      'err',
      `process.send({ type: 'error', message: 'bad ' + job.what, stack: 'at here' }, () => process.exit(1));`,
    );
    await expect(runChildJob(s, { what: 'input' }, { fail })).rejects.toMatchObject({
      message: 'bad input',
      detail: 'at here',
    });
  });

  it('rejects with the tail of stderr when the child exits without a result', async () => {
    const s = script('crash', `process.stderr.write('boom\\n'); process.exit(3);`);
    await expect(runChildJob(s, {}, { fail })).rejects.toMatchObject({
      message: 'process exited (code 3) without a result: boom',
      detail: 'boom',
    });
  });

  it('kills the child and rejects when aborted', async () => {
    const s = script('hang', `setInterval(() => {}, 1000);`);
    const ac = new AbortController();
    const p = runChildJob(s, {}, { signal: ac.signal, fail });
    setTimeout(() => ac.abort(), 100);
    await expect(p).rejects.toThrow('cancelled');
  });
});

describe('builtScript', () => {
  it("finds a module's built sibling in dist/ when running from src/", () => {
    const pkg = mkdtempSync(join(tmpdir(), 'emo-built-'));
    mkdirSync(join(pkg, 'dist', 'worker'), { recursive: true });
    writeFileSync(join(pkg, 'dist', 'worker', 'child.js'), '');
    const moduleUrl = `file://${join(pkg, 'src', 'worker', 'parent.ts')}`;
    expect(builtScript(moduleUrl, './child.js', 'worker')).toBe(
      join(pkg, 'dist', 'worker', 'child.js'),
    );
    expect(() => builtScript(moduleUrl, './other.js', 'other worker')).toThrow(
      /no built other worker at .*dist\/worker\/other\.js/,
    );
  });
});

describe('runChildJob with keep', () => {
  // answers every job with its own pid, and stays alive between jobs
  const serve = () =>
    script(
      'serve',
      `if (job.fail) process.send({ type: 'error', message: 'failed', stack: '' });
         else process.send({ type: 'result', result: process.pid });`,
      'on',
    );

  it('runs the next job of the same script in the idle child, and stops it when idle', async () => {
    const s = serve();
    const first = await runChildJob<object, number>(s, {}, { fail, keep: 300 });
    const second = await runChildJob<object, number>(s, {}, { fail, keep: 300 });
    expect(second).toBe(first);
    expect(alive(first)).toBe(true);
    // a job that needs another state (keepFor) gets a child of its own
    const other = await runChildJob<object, number>(s, {}, { fail, keep: 300, keepFor: 'b' });
    expect(other).not.toBe(first);
    expect(await until(() => !alive(first))).toBe(true); // idle for 300 ms: stopped
    const later = await runChildJob<object, number>(s, {}, { fail, keep: 300 });
    expect(later).not.toBe(first);
  });

  it('never reuses a child whose job failed, and stops it', async () => {
    const s = serve();
    const pid = await runChildJob<object, number>(s, {}, { fail, keep: 5000 });
    await expect(runChildJob(s, { fail: true }, { fail, keep: 5000 })).rejects.toThrow('failed');
    expect(await until(() => !alive(pid))).toBe(true);
    const next = await runChildJob<object, number>(s, {}, { fail, keep: 5000 });
    expect(next).not.toBe(pid);
  });

  it('an idle child does not keep the parent process alive', () => {
    const s = serve();
    const parent = join(dir, 'parent.mjs');
    const mod = new URL('./child-job.ts', import.meta.url).pathname.replace(
      /\/src\/child-job\.ts$/,
      '/dist/child-job.js',
    );
    writeFileSync(
      parent,
      `import { runChildJob } from ${JSON.stringify(mod)};
         const pid = await runChildJob(${JSON.stringify(s)}, {}, { fail: (m) => new Error(m), keep: 60000 });
         process.stdout.write(String(pid));`,
    );
    const t0 = Date.now();
    const pid = Number(execFileSync(process.execPath, [parent], { timeout: 20_000 }).toString());
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(pid).toBeGreaterThan(0);
    // the parent gone, the child follows (its IPC channel closed)
    return until(() => !alive(pid)).then((gone) => expect(gone).toBe(true));
  }, 30_000);
});
