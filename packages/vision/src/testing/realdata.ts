/**
 * For validation tests: where the real recordings are (EMO_REALDATA_DIR, default
 * `../shared/realdata` beside the repository). Tests use `describeRealdata`, which says clearly
 * when the folder is absent instead of passing silently. (Same pattern as @emo/dsp's.)
 */
import { describe } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The real-data folder, or null when it is not there. */
export function realdataDir(): string | null {
  const dir = resolve(repoRoot, process.env.EMO_REALDATA_DIR ?? '../shared/realdata');
  return existsSync(dir) ? dir : null;
}

/** `describe` when the real data is present; otherwise one skipped block that says why. */
export function describeRealdata(name: string, body: (dir: string) => void): void {
  const dir = realdataDir();
  if (dir) {
    describe(name, () => body(dir));
  } else {
    describe.skip(`${name} — SKIPPED: real data not found (set EMO_REALDATA_DIR)`, () => {
      body('');
    });
  }
}

/** Path inside the real-data folder. */
export function realdataPath(dir: string, ...parts: string[]): string {
  return join(dir, ...parts);
}
