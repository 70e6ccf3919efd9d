import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readCsvColumn } from './csv.js';

const dir = mkdtempSync(join(tmpdir(), 'emo-csv-'));
const file = (name: string, text: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('readCsvColumn', () => {
  it('reads a column by name, from plain or gzipped files, with NaN for empty cells', () => {
    const text = '# exported\ntime,ECG\n0,1.5\n0.01,\n0.02,-2e-3\n';
    expect(Array.from(readCsvColumn(file('a.csv', text), 'ECG'))).toEqual([1.5, NaN, -0.002]);
    expect(Array.from(readCsvColumn(file('a.csv.gz', gzipSync(text)), 'time'))).toEqual([
      0, 0.01, 0.02,
    ]);
  });
  it('names the file, the row and what was expected', () => {
    expect(() => readCsvColumn(file('b.csv', 'x,y\n1,2\n'), 'ECG')).toThrow(
      /b\.csv: no column 'ECG' \(columns: 'x', 'y'\)/,
    );
    expect(() => readCsvColumn(file('c.csv', 'ECG\n1\nabc\n'), 'ECG')).toThrow(
      /c\.csv: row 3, column 'ECG': 'abc' is not a number/,
    );
    expect(() => readCsvColumn(join(dir, 'missing.csv'), 'ECG')).toThrow(
      /missing\.csv: cannot read \(ENOENT\)/,
    );
    expect(() => readCsvColumn(file('d.csv', 'ECG\n'), 'ECG')).toThrow(/header row and data rows/);
  });
});
