/**
 * Atomic file writes for the engine's own small files (object metadata, manifests, the
 * fingerprint memo, the lock): a temporary file beside the target, then rename (or link).
 * Temporary names are unique per process (pid) and per call (a counter), so concurrent
 * writers never collide and nothing random is involved.
 */
import { renameSync, writeFileSync } from 'node:fs';

let seq = 0;

/** A temporary path beside `path`, unique within this process and across processes. */
export function tmpPathFor(path: string): string {
  seq += 1;
  return `${path}.${process.pid}.${seq}.tmp`;
}

/** Write `data` to `path` atomically: a temporary file beside it, then rename. */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = tmpPathFor(path);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
