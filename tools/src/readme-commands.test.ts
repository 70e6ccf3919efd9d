import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const extract = (which: string) =>
  execFileSync('bash', [`${root}tools/readme-commands.sh`, which], { encoding: 'utf8' }).trim();

describe('README commands', () => {
  it('has exactly one main command that installs and runs nx run orchestrator:full', () => {
    const cmd = extract('main');
    expect(cmd.split('\n')).toHaveLength(1);
    expect(cmd).toMatch(/install --frozen-lockfile/);
    expect(cmd).toMatch(/nx run orchestrator:full$/);
  });
  it('has a test command that installs and runs the tests', () => {
    const cmd = extract('test');
    expect(cmd).toMatch(/install --frozen-lockfile && .* test$/);
  });
  it('is what .ci/run executes', () => {
    const ci = readFileSync(`${root}.ci/run`, 'utf8');
    expect(ci).toContain('readme-commands.sh test');
  });
  it('pins the package manager the README names', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      packageManager: string;
    };
    expect(extract('test')).toContain(pkg.packageManager);
  });
});
