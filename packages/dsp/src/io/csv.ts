/**
 * Reading one numeric column of a user's CSV (or gzipped CSV) file with a header row, for
 * `emo ecg`, `emo ppg` and `emo eda`. Errors name the file, the row and what was expected.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';

export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

/** Column `column` of `file` as numbers; empty cells and 'nan' become NaN (the caller decides). */
export function readCsvColumn(file: string, column: string): Float64Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new CsvError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new CsvError(`${file}: looks gzipped but does not decompress`);
    }
  }
  let records: string[][];
  try {
    records = parse(bytes, { skip_empty_lines: true, trim: true, comment: '#' }) as string[][];
  } catch (e) {
    throw new CsvError(`${file}: not a valid CSV file (${(e as Error).message})`);
  }
  if (records.length < 2) throw new CsvError(`${file}: expected a header row and data rows`);
  const header = records[0];
  const index = header.indexOf(column);
  if (index < 0) {
    throw new CsvError(
      `${file}: no column '${column}' (columns: ${header.map((h) => `'${h}'`).join(', ')})`,
    );
  }
  const out = new Float64Array(records.length - 1);
  for (let r = 1; r < records.length; r++) {
    const cell = records[r][index];
    if (cell === undefined) {
      throw new CsvError(`${file}: row ${r + 1} has ${records[r].length} cells, no '${column}'`);
    }
    if (cell === '' || /^nan$/i.test(cell)) {
      out[r - 1] = Number.NaN;
      continue;
    }
    const v = Number(cell);
    if (!Number.isFinite(v)) {
      throw new CsvError(`${file}: row ${r + 1}, column '${column}': '${cell}' is not a number`);
    }
    out[r - 1] = v;
  }
  return out;
}
