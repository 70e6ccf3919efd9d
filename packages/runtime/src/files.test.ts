import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { findFiles, sha256, tmpPathFor, writeFileAtomic } from './files.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'emo-runtime-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes text and bytes, creating the folder, and leaves no temporary file', () => {
    const d = tmp();
    const f = join(d, 'a', 'b', 'x.json');
    writeFileAtomic(f, '{"a":1}\n');
    expect(readFileSync(f, 'utf8')).toBe('{"a":1}\n');
    writeFileAtomic(f, new Uint8Array([1, 2, 3]), { durable: true });
    expect([...readFileSync(f)]).toEqual([1, 2, 3]);
    expect(readdirSync(join(d, 'a', 'b'))).toEqual(['x.json']);
  });

  it('keeps the old file and removes its temporary one when the write fails', () => {
    const d = tmp();
    const f = join(d, 'x.txt');
    writeFileSync(f, 'old');
    // a folder where the file should go makes the rename fail after the data were written
    const blocked = join(d, 'dir');
    writeFileAtomic(join(blocked, 'inner'), 'x');
    expect(() => writeFileAtomic(blocked, 'new')).toThrow();
    expect(readFileSync(f, 'utf8')).toBe('old');
    expect(readdirSync(d).sort()).toEqual(['dir', 'x.txt']);
  });

  it('gives every call its own temporary name beside the target', () => {
    const a = tmpPathFor('/x/y.json');
    const b = tmpPathFor('/x/y.json');
    expect(a).not.toBe(b);
    expect(a.startsWith('/x/.y.json.')).toBe(true);
  });
});

describe('files', () => {
  it('finds files by pattern to a depth, skipping hidden folders', () => {
    const d = tmp();
    writeFileAtomic(join(d, 'a.mat'), '');
    writeFileAtomic(join(d, 'sub', 'b.mat'), '');
    writeFileAtomic(join(d, 'sub', 'deeper', 'too', 'c.mat'), '');
    writeFileAtomic(join(d, '.hidden', 'd.mat'), '');
    writeFileAtomic(join(d, 'e.txt'), '');
    expect(findFiles(d, /\.mat$/).map((p) => p.slice(d.length + 1))).toEqual([
      'a.mat',
      'sub/b.mat',
    ]);
  });

  it('hashes text and bytes alike', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256(new TextEncoder().encode('abc'))).toBe(sha256('abc'));
  });
});
