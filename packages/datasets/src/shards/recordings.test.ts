import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import type { RecordingRow, RecordingsMetadata } from './recordings.js';
import { readRecordingsShard, writeRecordingsShard } from './recordings.js';

function row(trial: number, withEcg: boolean): RecordingRow {
  const sig = (k: number) =>
    Float32Array.from({ length: 100 + trial }, (_, i) => Math.sin(i / (k + 1)) * (trial + 1));
  return {
    dataset: withEcg ? 'amigos' : 'deap',
    subject: withEcg ? 'P01' : 's01',
    trial,
    presentationTrial: withEcg ? null : 41 - trial,
    stimulusId: withEcg ? (trial === 2 ? 'N1' : String(trial)) : String(trial),
    fs: 128,
    baselineSamples: withEcg ? 640 : 384,
    ecg: withEcg ? sig(1) : null,
    ecgLeft: withEcg ? sig(2) : null,
    gsr: sig(3),
    ppg: withEcg ? null : sig(4),
    valence: 1 + trial,
    arousal: 9 - trial,
    dominance: trial === 1 ? null : 5,
    liking: 4.5,
    familiarity: null,
    emotions: withEcg
      ? {
          neutral: false,
          disgust: trial === 1,
          happiness: true,
          surprise: false,
          anger: false,
          fear: false,
          sadness: false,
        }
      : null,
    label5: trial === 1 ? null : 'happy',
    labelSource: trial === 1 ? null : 'ratings',
    videoPath: trial === 3 ? null : `/videos/${trial}.mov`,
    videoOffsetS: trial === 3 ? null : 0,
  };
}

const meta: RecordingsMetadata = {
  dataset: 'amigos',
  subject: 'P01',
  sourceFile: '/data/P01.mat',
  sourceSha256: 'ab'.repeat(32),
  stageVersion: '1.0.0',
  parameters: { maxMissingShare: 0.5 },
  units: { ecg: 'mV' },
  cardiacSource: 'ecg',
  synthetic: true,
  labelMapping: 'rule',
  skippedTrials: [{ trial: 4, stimulusId: '7', reason: 'empty trial' }],
  notes: ['a note'],
};

describe('recordings shard', () => {
  it.each([true, false])('round-trips every column and metadata (ecg: %p)', (withEcg) => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-'));
    const path = join(dir, 'x.arrow');
    const rows = [1, 2, 3].map((t) => row(t, withEcg));
    const bytes = writeRecordingsShard(path, rows, meta);
    expect(bytes).toBeGreaterThan(0);
    // no temporary file left behind
    expect(readdirSync(dir)).toEqual(['x.arrow']);
    const back = readRecordingsShard(path);
    expect(back.rows).toHaveLength(3);
    back.rows.forEach((r, i) => {
      const want = rows[i];
      for (const k of Object.keys(want) as (keyof RecordingRow)[]) {
        const a = r[k];
        const b = want[k];
        if (b instanceof Float32Array) expect(Array.from(a as Float32Array)).toEqual(Array.from(b));
        else expect(a).toEqual(b);
      }
    });
    expect(back.metadata).toMatchObject({ ...meta, schemaVersion: '1' });
  });

  it('is a standard Arrow IPC file with List<Float32> signals', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-'));
    const path = join(dir, 'x.arrow');
    writeRecordingsShard(path, [row(1, true)], meta);
    const t = tableFromIPC(readFileSync(path));
    expect(String(t.schema.fields.find((f) => f.name === 'ecg')?.type)).toBe('List<Float32>');
    expect(t.schema.metadata.get('source_sha256')).toBe(meta.sourceSha256);
    expect(t.schema.metadata.get('synthetic')).toBe('true');
  });

  it('refuses a file of another schema version with a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-'));
    const path = join(dir, 'bad.arrow');
    writeFileSync(path, 'not arrow');
    expect(() => readRecordingsShard(path)).toThrow(/bad\.arrow: not a readable Arrow IPC file/);
  });
});
