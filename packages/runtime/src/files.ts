/**
 * Files written so that a crash never leaves half of one: bytes go to a temporary file beside
 * the target (unique per process and call, nothing random), then a rename puts it in place. A
 * reader sees the old file or the new one, never a mix. `durable` also flushes the data to the
 * disk before the rename, for files that must survive an operating-system crash or power loss
 * (model checkpoints), not only a crash or kill of this process.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** fsync the file before the rename (default false; it costs the disk's write speed). */
  readonly durable?: boolean;
}

let seq = 0;

/** A temporary path beside `path`, unique within this process and across processes. */
export function tmpPathFor(path: string): string {
  seq += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${seq}.tmp`);
}

/** Write `data` to `path` atomically (see the file comment); creates the folder. */
export function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  opts: AtomicWriteOptions = {},
): void {
  mkdirSync(dirname(path), { recursive: true });
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tmpPathFor(path);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      let off = 0;
      while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
      if (opts.durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Hex SHA-256 of some bytes or text. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

export function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** Files under `root` (to `depth` levels of folders, hidden ones skipped) whose name matches. */
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
