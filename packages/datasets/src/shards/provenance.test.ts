import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { int32Column, makeShardTable, readShardFile, writeShardFile } from './arrow.js';
import { readFacesShard, writeFacesShard } from './faces.js';
import type { FacesMetadata } from './faces.js';
import type { ShardSpec } from './provenance.js';
import {
  STRING_LIST,
  STRING_RECORD,
  provenanceMetadata,
  readProvenance,
  readShard,
} from './provenance.js';
import { readRecordingsShard, writeRecordingsShard } from './recordings.js';
import { readWindowsShard, writeWindowsShard } from './windows.js';

const SPEC: ShardSpec = {
  kind: 'test',
  schemaVersion: '3',
  stage: 'make',
  keys: [
    'schema_version',
    'stage',
    'stage_version',
    'subject',
    'parameters',
    'count',
    'rate',
    'names',
    'mode',
    'synthetic',
    'classes',
    'notes',
  ],
};

const provenance = {
  stageVersion: '0.1.0',
  subject: 's01',
  // not among SPEC's keys, so not written
  dataset: 'deap',
  parameters: { seed: 7 },
  synthetic: false,
  notes: ['a'],
};

const entries = { count: 48, rate: 0.4, names: ['x', 'y'], mode: 'fast' };

const tmp = (name: string) => join(mkdtempSync(join(tmpdir(), 'emo-prov-')), name);

/** Write a one-column shard with the given metadata; returns its path. */
function shardWith(name: string, metadata: Map<string, string>): string {
  const path = tmp(name);
  writeShardFile(path, makeShardTable([int32Column('n', [1])], metadata));
  return path;
}

/** Rewrite the metadata of the shard at `path`, keeping its columns. */
function changeMetadata(path: string, change: (md: Map<string, string>) => void): void {
  const table = tableFromIPC(readFileSync(path));
  const md = new Map(table.schema.metadata);
  change(md);
  const columns = table.schema.fields.map((field) => ({
    field,
    data: table.getChild(field.name)!.data[0],
  }));
  writeShardFile(path, makeShardTable(columns, md));
}

const faceMeta: FacesMetadata = {
  dataset: 'deap',
  subject: 's01',
  stageVersion: '1',
  parameters: {},
  size: 4,
  frames: 1,
  equalisation: 'none',
  detector: 'none',
  synthetic: false,
  labelMapping: '',
  notes: [],
};

describe('provenanceMetadata', () => {
  it('writes the listed keys in the order of the spec, values in one fixed way', () => {
    const md = provenanceMetadata(SPEC, provenance, entries);
    expect([...md]).toEqual([
      ['schema_version', '3'],
      ['stage', 'make'],
      ['stage_version', '0.1.0'],
      ['subject', 's01'],
      ['parameters', '{"seed":7}'],
      ['count', '48'],
      ['rate', '0.4'],
      ['names', '["x","y"]'],
      ['mode', 'fast'],
      ['synthetic', 'false'],
      ['classes', '["happy","sad","angry","neutral","fear"]'],
      ['notes', '["a"]'],
    ]);
  });

  it('writes the stage the provenance names', () => {
    expect(provenanceMetadata(SPEC, { ...provenance, stage: 'eval' }, entries).get('stage')).toBe(
      'eval',
    );
  });

  it('refuses a listed key without a value, and an entry that is not listed', () => {
    const { count: _, ...noCount } = entries;
    expect(() => provenanceMetadata(SPEC, provenance, noCount)).toThrow(
      "test shard: no value for metadata 'count'",
    );
    expect(() => provenanceMetadata(SPEC, provenance, { ...entries, extra: 1 })).toThrow(
      "test shard: 'extra' is not one of its own metadata keys",
    );
    expect(() => provenanceMetadata(SPEC, provenance, { ...entries, notes: [] })).toThrow(
      "test shard: 'notes' is not one of its own metadata keys",
    );
  });
});

describe('readProvenance', () => {
  const good = () => provenanceMetadata(SPEC, provenance, entries);
  const read = (name: string, md: Map<string, string>) => {
    const path = shardWith(name, md);
    return readProvenance(readShardFile(path), path, SPEC);
  };

  it('reads back the common fields and, through the accessors, the kind’s own keys', () => {
    const md = read('x.arrow', good());
    expect(md).toMatchObject({
      schemaVersion: '3',
      stage: 'make',
      stageVersion: '0.1.0',
      parameters: { seed: 7 },
      synthetic: false,
      classes: ['happy', 'sad', 'angry', 'neutral', 'fear'],
      notes: ['a'],
    });
    expect(md.str('subject')).toBe('s01');
    expect(md.int('count')).toBe(48);
    expect(md.num('rate')).toBe(0.4);
    expect(md.json('names', STRING_LIST)).toEqual(['x', 'y']);
    expect(md.str('mode', ['fast', 'slow'])).toBe('fast');
  });

  it('refuses a shard of another schema version or stage, naming the file', () => {
    const older = good();
    older.set('schema_version', '2');
    expect(() => read('old.arrow', older)).toThrow(
      'old.arrow: not a test shard of schema 3 (schema_version 2, stage make)',
    );
    const other = good();
    other.delete('stage');
    expect(() => read('other.arrow', other)).toThrow(
      'other.arrow: not a test shard of schema 3 (schema_version 3, stage (none))',
    );
  });

  it.each([
    ['synthetic', 'yes', "metadata 'synthetic' is 'yes', expected true or false"],
    ['parameters', '{seed: 7}', "metadata 'parameters' is '{seed: 7}', expected a JSON object"],
    ['parameters', '[7]', "metadata 'parameters' is '[7]', expected a JSON object"],
    ['notes', '"a"', `metadata 'notes' is '"a"', expected a JSON list of strings`],
    ['classes', '[1,2]', "metadata 'classes' is '[1,2]', expected a JSON list of strings"],
  ])('refuses a bad common value of %s (%s), naming the file and the key', (key, value, msg) => {
    const md = good();
    md.set(key, value);
    expect(() => read('x.arrow', md)).toThrow(`x.arrow: ${msg} (a test shard?)`);
  });

  it.each(['stage_version', 'parameters', 'synthetic', 'classes', 'notes'])(
    'refuses a shard without %s, naming the file and the key',
    (key) => {
      const md = good();
      md.delete(key);
      expect(() => read('x.arrow', md)).toThrow(
        new RegExp(`/x\\.arrow: metadata '${key}' missing, expected .* \\(a test shard\\?\\)$`),
      );
    },
  );

  it('refuses bad values of the kind’s own keys, naming the file, the key and what was expected', () => {
    const md = good();
    md.set('count', '4.5');
    md.set('rate', 'fast');
    md.set('names', '{"a":1}');
    md.set('mode', 'medium');
    md.delete('subject');
    const back = read('x.arrow', md);
    expect(() => back.int('count')).toThrow(
      "x.arrow: metadata 'count' is '4.5', expected an integer (a test shard?)",
    );
    expect(() => back.num('rate')).toThrow(
      "x.arrow: metadata 'rate' is 'fast', expected a number (a test shard?)",
    );
    expect(() => back.json('names', STRING_LIST)).toThrow(
      `x.arrow: metadata 'names' is '{"a":1}', expected a JSON list of strings (a test shard?)`,
    );
    expect(() => back.json('names', STRING_RECORD)).toThrow(/expected a JSON object of strings/);
    expect(() => back.str('mode', ['fast', 'slow'])).toThrow(
      "x.arrow: metadata 'mode' is 'medium', expected one of fast, slow (a test shard?)",
    );
    expect(() => back.str('subject')).toThrow(
      "x.arrow: metadata 'subject' missing, expected a string (a test shard?)",
    );
  });

  it('shows a long bad value cut short', () => {
    const md = good();
    md.set('notes', `[${'1,'.repeat(100)}1]`);
    expect(() => read('x.arrow', md)).toThrow(`is '[${'1,'.repeat(28)}...', expected`);
  });

  it('refuses a table without the columns of its kind', () => {
    const path = shardWith('x.arrow', good());
    expect(() => readShard(path, { ...SPEC, columns: ['n', 'probs', 'fold'] })).toThrow(
      'x.arrow: not a test shard of schema 3 (schema_version 3, stage make, missing columns probs, fold)',
    );
  });
});

describe('shard readers refuse bad metadata', () => {
  it('refuses a faces shard whose synthetic flag is not true or false', () => {
    const path = tmp('x.arrow');
    writeFacesShard(path, [], new Uint8Array(0), faceMeta);
    changeMetadata(path, (md) => md.set('synthetic', 'yes'));
    expect(() => readFacesShard(path)).toThrow(
      `${path}: metadata 'synthetic' is 'yes', expected true or false (a faces shard?)`,
    );
  });

  it('refuses a faces shard with an unknown equalisation or a crop size that is not an integer', () => {
    const path = tmp('f.arrow');
    writeFacesShard(path, [], new Uint8Array(0), faceMeta);
    changeMetadata(path, (md) => md.set('equalisation', 'gamma'));
    expect(() => readFacesShard(path)).toThrow(
      /f\.arrow: metadata 'equalisation' is 'gamma', expected one of global, clahe, none/,
    );
    changeMetadata(path, (md) => {
      md.set('equalisation', 'none');
      md.set('size', 'four');
    });
    expect(() => readFacesShard(path)).toThrow(
      /f\.arrow: metadata 'size' is 'four', expected an integer/,
    );
  });

  it('refuses a windows shard without its sequence length, naming the file and the key', () => {
    const path = tmp('w.arrow');
    writeWindowsShard(path, [], new Float32Array(0), new Float32Array(0), {
      dataset: 'deap',
      subject: 's01',
      stageVersion: '1',
      sourceFile: 'x',
      sourceSha256: 'y',
      parameters: {},
      channels: ['a'],
      seqLength: 4,
      seqRate: 0.4,
      featureNames: [],
      units: {},
      cardiacSource: 'ppg',
      synthetic: false,
      labelMapping: '',
      notes: [],
    });
    expect(readWindowsShard(path).metadata.seqRate).toBe(0.4);
    changeMetadata(path, (md) => md.delete('seq_length'));
    expect(() => readWindowsShard(path)).toThrow(
      /w\.arrow: metadata 'seq_length' missing, expected an integer \(a windows shard\?\)/,
    );
  });

  it('refuses a recordings shard with bad JSON in its units, naming the file and the key', () => {
    const path = tmp('r.arrow');
    writeRecordingsShard(path, [], {
      dataset: 'deap',
      subject: 's01',
      sourceFile: 'x',
      sourceSha256: 'y',
      stageVersion: '1',
      parameters: {},
      units: { gsr: 'uS' },
      cardiacSource: 'ppg',
      synthetic: false,
      labelMapping: '',
      skippedTrials: [],
      notes: [],
    });
    changeMetadata(path, (md) => md.set('units', '{gsr: uS}'));
    expect(() => readRecordingsShard(path)).toThrow(
      /r\.arrow: metadata 'units' is '\{gsr: uS\}', expected a JSON object of strings \(a recordings shard\?\)/,
    );
    changeMetadata(path, (md) => {
      md.set('units', '{}');
      md.set('schema_version', '0');
    });
    expect(() => readRecordingsShard(path)).toThrow(
      /r\.arrow: not a recordings shard of schema 1 \(schema_version 0, stage convert\)/,
    );
  });
});
