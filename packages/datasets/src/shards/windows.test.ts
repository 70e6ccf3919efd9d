import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import type { WindowRow, WindowsMetadata } from './windows.js';
import { readWindowsShard, writeWindowsShard } from './windows.js';
import { writeRecordingsShard } from './recordings.js';

const meta: WindowsMetadata = {
  dataset: 'amigos',
  subject: 'P01',
  stageVersion: '0.1.0+abc',
  sourceFile: '/x/amigos-P01.arrow',
  sourceSha256: 'f'.repeat(64),
  parameters: { windowSec: 10 },
  channels: ['cardiac', 'gsr_phasic', 'gsr_tonic'],
  seqLength: 4,
  seqRate: 0.4,
  featureNames: ['MeanNN', 'SCR_n'],
  units: { MeanNN: 'ms' },
  cardiacSource: 'ecg',
  synthetic: true,
  labelMapping: 'rule',
  notes: ['SYNTHETIC'],
};

const row = (w: number, flags: string | null): WindowRow => ({
  dataset: 'amigos',
  subject: 'P01',
  trial: 3,
  stimulusId: '9',
  window: w,
  t0: 5 * w,
  t1: 5 * w + 10,
  label5: w === 0 ? 'happy' : null,
  labelSource: w === 0 ? 'ratings' : null,
  valence: 7.5,
  arousal: null,
  dominance: 3,
  liking: 1,
  flags,
});

describe('windows shard', () => {
  it('round-trips rows, the T×C sequences, features and metadata', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'emo-win-')), 'w.arrow');
    const rows = [row(0, null), row(1, 'hrv: 2 beats')];
    const physio = Float32Array.from({ length: 2 * 4 * 3 }, (_, i) => i / 7);
    const features = Float32Array.from([812.5, 2, Number.NaN, 0]);
    writeWindowsShard(path, rows, physio, features, meta);
    const back = readWindowsShard(path);
    expect(back.rows).toEqual(rows);
    expect(back.physio).toEqual(physio);
    expect(Array.from(back.features)).toEqual([812.5, 2, Number.NaN, 0]);
    expect(back.metadata).toEqual({ ...meta, schemaVersion: '1' });
    // readable by any Arrow reader: FixedSizeList columns of the declared sizes
    const t = tableFromIPC(readFileSync(path));
    expect(String(t.schema.fields.find((f) => f.name === 'physio')?.type)).toBe(
      'FixedSizeList[12]<Float32>',
    );
  });

  it('refuses a shard that is not a windows shard, naming the file', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'emo-win-')), 'rec.arrow');
    writeRecordingsShard(path, [], {
      dataset: 'deap',
      subject: 's01',
      sourceFile: 'x',
      sourceSha256: 'y',
      stageVersion: '1',
      parameters: {},
      units: {},
      cardiacSource: 'ppg',
      synthetic: false,
      labelMapping: '',
      skippedTrials: [],
      notes: [],
    });
    expect(() => readWindowsShard(path)).toThrow(/rec\.arrow: not a windows shard/);
  });
});
