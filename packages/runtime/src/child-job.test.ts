import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtScript, runChildJob } from './child-job.js';

const dir = mkdtempSync(join(tmpdir(), 'emo-child-job-'));
/** A child script from its body (ESM); `job` is the message it receives. */
function script(name: string, body: string): string {
  const path = join(dir, `${name}.mjs`);
  writeFileSync(path, `process.once('message', (job) => {\n${body}\n});\n`);
  return path;
}
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
