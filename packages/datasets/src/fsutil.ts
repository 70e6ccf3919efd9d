import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

export function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** Files under `root` (to `depth` levels of folders) whose name matches `pattern`. */
export function findFiles(root: string, pattern: RegExp, depth = 2): string[] {
  const out: string[] = [];
  const walk = (dir: string, level: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (level < depth && !e.name.startsWith('.')) walk(p, level + 1);
      } else if (pattern.test(e.name)) out.push(p);
    }
  };
  walk(root, 0);
  return out;
}

/** Numbers from 1 to the largest of `present` that are not in it (e.g. missing participants). */
export function missingNumbers(present: readonly number[]): number[] {
  const have = new Set(present);
  const max = Math.max(0, ...present);
  const out: number[] = [];
  for (let n = 1; n <= max; n++) if (!have.has(n)) out.push(n);
  return out;
}
