import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { tableFromIPC } from 'apache-arrow';
import type { PredictionRow, PredictionsMetadata } from './predictions.js';
import { readPredictionsShard, writePredictionsShard } from './predictions.js';
import { fixedSizeListColumn, makeShardTable, writeShardFile } from './arrow.js';
import { writeFacesShard } from './faces.js';

const meta: PredictionsMetadata = {
  stageVersion: '0.1.0+abc',
  synthetic: true,
  backend: 'wasm',
  parameters: { epochs: 3, seed: 7 },
  notes: ['SYNTHETIC'],
};

const tmp = (name: string) => join(mkdtempSync(join(tmpdir(), 'emo-pred-')), name);

describe('predictions shard', () => {
  it('round-trips rows (windows and images), probabilities and metadata', () => {
    const path = tmp('p.arrow');
    const rows: PredictionRow[] = [
      {
        dataset: 'deap',
        subject: 's01',
        trial: 3,
        stimulusId: '3',
        window: 2,
        t0: 10,
        t1: 20,
        protocol: 'random-70-15-15',
        fold: 0,
        model: 'hybrid',
        yTrue: 'fear',
      },
      {
        dataset: 'fer2013',
        subject: 'PublicTest',
        trial: null,
        stimulusId: null,
        window: null,
        t0: null,
        t1: null,
        protocol: 'random-70-15-15',
        fold: 1,
        model: 'cnnOnly',
        yTrue: null,
      },
    ];
    const probs = Float32Array.from([0.1, 0.2, 0.3, 0.15, 0.25, 0.9, 0.025, 0.025, 0.025, 0.025]);
    writePredictionsShard(path, rows, probs, meta);
    const back = readPredictionsShard(path);
    expect(back.rows).toEqual(rows);
    expect(back.probs).toEqual(probs);
    expect(back.metadata).toEqual({
      ...meta,
      stage: 'train',
      schemaVersion: '1',
      classes: ['happy', 'sad', 'angry', 'neutral', 'fear'],
    });
    const t = tableFromIPC(readFileSync(path));
    expect(String(t.schema.fields.find((f) => f.name === 'probs')?.type)).toBe(
      'FixedSizeList[5]<Float32>',
    );
  });

  it('keeps a given stage name', () => {
    const path = tmp('p.arrow');
    writePredictionsShard(path, [], new Float32Array(0), { ...meta, stage: 'eval' });
    expect(readPredictionsShard(path).metadata.stage).toBe('eval');
  });

  it('refuses a shard that is not a predictions shard, naming the file', () => {
    const path = tmp('faces.arrow');
    writeFacesShard(path, [], new Uint8Array(0), {
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
    });
    expect(() => readPredictionsShard(path)).toThrow(/faces\.arrow: not a predictions shard/);
  });

  it('refuses probabilities that are not 5 wide, naming the file', () => {
    const path = tmp('wide.arrow');
    writePredictionsShard(path, [], new Float32Array(0), meta);
    const good = readFileSync(path);
    const schema = tableFromIPC(good).schema;
    // same metadata and columns, but probs of width 4
    const columns = schema.fields.map((f) =>
      f.name === 'probs'
        ? fixedSizeListColumn('probs', 4, new Float32Array(0), 0)
        : { field: f, data: tableFromIPC(good).getChild(f.name)!.data[0] },
    );
    writeShardFile(path, makeShardTable(columns, schema.metadata));
    expect(() => readPredictionsShard(path)).toThrow(/wide\.arrow: column 'probs' has 4 values/);
  });

  it('refuses probabilities stored as bytes, naming the file', () => {
    const path = tmp('bytes.arrow');
    writePredictionsShard(path, [], new Float32Array(0), meta);
    const good = readFileSync(path);
    const schema = tableFromIPC(good).schema;
    const columns = schema.fields.map((f) =>
      f.name === 'probs'
        ? fixedSizeListColumn('probs', 5, new Uint8Array(0), 0)
        : { field: f, data: tableFromIPC(good).getChild(f.name)!.data[0] },
    );
    writeShardFile(path, makeShardTable(columns, schema.metadata));
    expect(() => readPredictionsShard(path)).toThrow(
      /bytes\.arrow: column 'probs' has 5 values of Uint8 per row, expected 5 floats/,
    );
  });

  it('writes probabilities made in another realm as floats (what a worker process sends back)', () => {
    // structured clone from a worker or child process yields arrays of another realm under
    // jest's VM: `instanceof Float32Array` is false for them, yet they are floats
    const foreign = runInNewContext(
      'new Float32Array([0.1, 0.2, 0.3, 0.15, 0.25])',
    ) as Float32Array;
    expect(foreign instanceof Float32Array).toBe(false);
    const path = tmp('foreign.arrow');
    const row: PredictionRow = {
      dataset: 'deap',
      subject: 's01',
      trial: 1,
      stimulusId: '1',
      window: 0,
      t0: 0,
      t1: 10,
      protocol: 'random-70-15-15',
      fold: 0,
      model: 'hybrid',
      yTrue: 'angry',
    };
    writePredictionsShard(path, [row], foreign, meta);
    expect(Array.from(readPredictionsShard(path).probs)).toEqual(Array.from(foreign));
  });

  it('refuses a column of another typed array, naming the column', () => {
    expect(() => fixedSizeListColumn('probs', 1, new Float64Array(2) as never, 2)).toThrow(
      /probs: expected a Float32Array or Uint8Array, got a Float64Array/,
    );
  });
});
