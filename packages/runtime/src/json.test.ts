import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { JsonFileError, jsonText, parseJson, readJsonFile } from './json.js';

const schema = z.object({ protocol: z.string(), folds: z.array(z.object({ fold: z.number() })) });

describe('readJsonFile', () => {
  it('returns the parsed value when it fits the schema', () => {
    expect(parseJson('{"protocol":"p","folds":[{"fold":0}]}', schema, 'x.json')).toEqual({
      protocol: 'p',
      folds: [{ fold: 0 }],
    });
  });

  it('names the file, the key and what was expected when it does not', () => {
    expect(() =>
      parseJson('{"protocol":"p","folds":[{"fold":"0"}]}', schema, 's.json', 'split file'),
    ).toThrow(/^s\.json: not a valid split file: 'folds\.0\.fold': .*number/);
    expect(() => parseJson('{"folds":[]}', schema, 's.json')).toThrow(/'protocol'/);
    expect(() => parseJson('{oops', schema, 's.json')).toThrow(/^s\.json: not valid JSON/);
  });

  it('says when the file cannot be read', () => {
    const d = mkdtempSync(join(tmpdir(), 'emo-json-'));
    try {
      expect(() => readJsonFile(join(d, 'none.json'), schema, 'summary')).toThrow(JsonFileError);
      expect(() => readJsonFile(join(d, 'none.json'), schema, 'summary')).toThrow(
        /none\.json: cannot read summary \(ENOENT\)/,
      );
      writeFileSync(join(d, 'ok.json'), jsonText({ protocol: 'q', folds: [] }));
      expect(readJsonFile(join(d, 'ok.json'), schema).protocol).toBe('q');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
