/**
 * For validation tests: where the real recordings are (EMO_REALDATA_DIR, default
 * `../shared/realdata` beside the repository) and a small CSV reader for them. Tests use
 * `describeRealdata`, which says clearly when the folder is absent instead of passing silently.
 */
import { describe } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

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

/** Numeric CSV (optionally .gz) with a header row; `#` lines are skipped. */
export function readNumericCsv(path: string): { header: string[]; columns: Float64Array[] } {
  let text = readFileSync(path);
  if (path.endsWith('.gz')) text = gunzipSync(text);
  const lines = text
    .toString('utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = lines[0].split(',').map((h) => h.trim());
  const columns = header.map(() => new Float64Array(lines.length - 1));
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',');
    for (let c = 0; c < header.length; c++) columns[c][i - 1] = Number(cells[c]);
  }
  return { header, columns };
}

/** Path inside the real-data folder. */
export function realdataPath(dir: string, ...parts: string[]): string {
  return join(dir, ...parts);
}
