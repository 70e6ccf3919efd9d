/** Temporary folders that are removed together (tests call `cleanup` in afterAll). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDirs(): { make: (prefix: string) => string; cleanup: () => void } {
  const made: string[] = [];
  return {
    make: (prefix) => {
      const d = mkdtempSync(join(tmpdir(), prefix));
      made.push(d);
      return d;
    },
    cleanup: () => {
      for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}
