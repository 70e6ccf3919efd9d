// Conversion of trials with NaN gaps (the rule of gaps.ts) on files in the real DEAP and AMIGOS
// formats: a short gap keeps the trial, a mostly missing column is dropped, a trial is skipped
// only when every signal is, and the report says which and why.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AMIGOS_COLUMNS,
  AMIGOS_ECG_RIGHT_COLUMN,
  AMIGOS_GSR_COLUMN,
  amigosColumn,
  readAmigosSubjectFile,
} from './amigos.js';
import { convertDataset } from './convert.js';
import type { SubjectConvertResult } from './convert.js';
import { readMat, writeMat5 } from './mat/index.js';
import type { MatValue } from './mat/index.js';
import { ndarray } from './ndarray.js';
import { writeDeapPickle } from './pickle/index.js';
import { readRecordingsShard } from './shards/recordings.js';
import type { RecordingRow } from './shards/recordings.js';
import { writeSyntheticCorpus } from './synth/corpus.js';

const FS = 128;
/** A 0.8 s gap (102 samples at 128 Hz), 10 s into the trial. */
const GAP = { from: 10 * FS, to: 10 * FS + Math.round(0.8 * FS) };

let dir: string;
/** The clean synthetic participant P01, and a copy of it with gaps. */
let cleanMat: string;
let gapsRoot: string;

/** NaN in 1-based `column` of a rows×17 joined_data, over rows [from, to). */
function blank(x: Float64Array, column: number, from: number, to: number): void {
  for (let r = from; r < to; r++) x[r * AMIGOS_COLUMNS + column - 1] = NaN;
}

/** Trial 1: a 0.8 s GSR gap; trial 2: 62 % of GSR missing; trial 3: every signal all NaN. */
async function writeAmigosWithGaps(src: string, dest: string): Promise<void> {
  const mat = await readMat(readFileSync(src), src);
  const joined = mat.variables.get('joined_data');
  if (joined?.kind !== 'cell') throw new Error('joined_data is not a cell');
  const items = joined.items.map((item, k): MatValue => {
    if (item.kind !== 'numeric' || k > 2) return item;
    const rows = item.shape[0];
    const x = Float64Array.from(item.data as Float64Array);
    if (k === 0) blank(x, AMIGOS_GSR_COLUMN, GAP.from, GAP.to);
    if (k === 1) blank(x, AMIGOS_GSR_COLUMN, 0, Math.ceil(0.62 * rows));
    if (k === 2) for (const c of [15, 16, 17]) blank(x, c, 0, rows);
    return { ...item, data: x };
  });
  const variables = new Map(mat.variables);
  variables.set('joined_data', { ...joined, items });
  mkdirSync(join(dest, 'Data_Preprocessed_P01'), { recursive: true });
  writeFileSync(
    join(dest, 'Data_Preprocessed_P01', 'Data_Preprocessed_P01.mat'),
    writeMat5(variables, { compress: true }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emo-convert-gaps-'));
  const r = await writeSyntheticCorpus({
    out: join(dir, 'synth'),
    subjects: 1,
    seed: 11,
    deapTrials: 5,
    amigosShortTrials: 5,
    amigosLongS: 20,
    video: false,
  });
  cleanMat = join(r.amigosRoot, 'Data_Preprocessed_P01', 'Data_Preprocessed_P01.mat');
  gapsRoot = join(dir, 'amigos-gaps');
  await writeAmigosWithGaps(cleanMat, gapsRoot);
}, 120_000);

const only = (report: { subjects: readonly SubjectConvertResult[] }): SubjectConvertResult => {
  expect(report.subjects).toHaveLength(1);
  expect(report.subjects[0].error).toBeNull();
  return report.subjects[0];
};

const rowOf = (rows: readonly RecordingRow[], trial: number): RecordingRow => {
  const row = rows.find((r) => r.trial === trial);
  if (!row) throw new Error(`trial ${trial} not in the shard`);
  return row;
};

const f32 = (x: Float64Array): number[] => Array.from(x, Math.fround);

describe('convert AMIGOS with NaN gaps (default maxMissingShare 0.5)', () => {
  it('keeps a trial with a 0.8 s GSR gap: ECG intact, NaN where the gap was, gap reported', async () => {
    const s = only(
      await convertDataset({ dataset: 'amigos', root: gapsRoot, outDir: join(dir, 'a-default') }),
    );
    const clean = await readAmigosSubjectFile(cleanMat);
    const joined1 = clean.trials[0].joined;
    if (!joined1) throw new Error('trial 1 empty');
    const row = rowOf(readRecordingsShard(s.shard as string).rows, 1);
    expect(Array.from(row.ecg ?? [])).toEqual(f32(amigosColumn(joined1, AMIGOS_ECG_RIGHT_COLUMN)));
    const gsr = Array.from(row.gsr ?? []);
    const want = f32(amigosColumn(joined1, AMIGOS_GSR_COLUMN)).map((v, i) =>
      i >= GAP.from && i < GAP.to ? NaN : v,
    );
    expect(gsr).toEqual(want); // toEqual treats NaN as equal to NaN: NaN exactly at the gap
    expect(gsr.filter(Number.isNaN)).toHaveLength(102);

    const gap1 = s.keptWithGaps.find((g) => g.trial === 1);
    expect(gap1?.columns).toEqual([
      expect.objectContaining({ column: 'gsr', missing: 102, gaps: 1, dropped: false }),
    ]);
    expect(gap1?.summary).toMatch(/^1\.\d % of GSR missing \(1 gap, longest 0\.8 s\): kept/);
  });

  it('leaves out a 62 %-missing GSR, keeps that trial for its ECG, and skips an all-NaN trial with the reason', async () => {
    const s = only(
      await convertDataset({ dataset: 'amigos', root: gapsRoot, outDir: join(dir, 'a-default2') }),
    );
    const shard = readRecordingsShard(s.shard as string);
    // 5 short + 4 long trials, trial 3 skipped
    expect(shard.rows.map((r) => r.trial)).toEqual([1, 2, 4, 5, 6, 7, 8, 9]);
    expect(s.trials).toBe(8);
    const row2 = rowOf(shard.rows, 2);
    expect(row2.gsr).toBeNull();
    expect(row2.ecg?.every(Number.isFinite)).toBe(true);
    expect(s.keptWithGaps.find((g) => g.trial === 2)?.summary).toMatch(
      /^62\.\d % of GSR missing \(1 gap, longest \d+\.\d s\), above maxMissingShare=0\.5: GSR dropped$/,
    );
    expect(s.skipped).toEqual([
      {
        trial: 3,
        stimulusId: '9',
        reason: expect.stringMatching(
          /^100\.0 % of ECG missing .*, 100\.0 % of ECG left missing .*, 100\.0 % of GSR missing .*: every signal above maxMissingShare=0\.5$/,
        ),
      },
    ]);
    // the shard says the same to anyone who reads it later
    expect(shard.metadata.skippedTrials).toEqual(s.skipped);
    expect(shard.metadata.parameters).toMatchObject({ maxMissingShare: 0.5 });
    const notes = shard.metadata.notes.join('\n');
    expect(notes).toMatch(/^trial 1 \(stimulus 4\): 1\.\d % of GSR missing/m);
    expect(notes).toMatch(/^trial 2 \(stimulus 5\): 62\.\d % of GSR missing .*GSR dropped$/m);
  });

  it('takes the threshold from maxMissingShare', async () => {
    const loose = only(
      await convertDataset({
        dataset: 'amigos',
        root: gapsRoot,
        outDir: join(dir, 'a-loose'),
        maxMissingShare: 0.7,
      }),
    );
    const row2 = rowOf(readRecordingsShard(loose.shard as string).rows, 2);
    expect(row2.gsr?.filter(Number.isNaN).length).toBe(Math.ceil(0.62 * (row2.gsr?.length ?? 0)));
    expect(loose.skipped.map((k) => k.trial)).toEqual([3]);

    const strict = only(
      await convertDataset({
        dataset: 'amigos',
        root: gapsRoot,
        outDir: join(dir, 'a-strict'),
        maxMissingShare: 0,
      }),
    );
    const row1 = rowOf(readRecordingsShard(strict.shard as string).rows, 1);
    expect(row1.gsr).toBeNull();
    expect(row1.ecg?.every(Number.isFinite)).toBe(true);
    expect(strict.keptWithGaps.find((g) => g.trial === 1)?.summary).toMatch(
      /above maxMissingShare=0: GSR dropped$/,
    );
  });

  it('refuses a threshold outside 0…1 before converting anything', async () => {
    await expect(
      convertDataset({
        dataset: 'amigos',
        root: gapsRoot,
        outDir: join(dir, 'a-bad'),
        maxMissingShare: 5,
      }),
    ).rejects.toThrow(/maxMissingShare must be a number from 0 to 1.*got 5/);
  });
});

describe('convert DEAP with NaN gaps (the same rule)', () => {
  it('keeps a 0.8 s GSR gap, leaves out a 62 %-missing PPG, skips a trial with neither', async () => {
    const n = 3;
    const T = 8064;
    const at = (t: number, ch: number) => (t * 40 + ch - 1) * T;
    const data = Float64Array.from({ length: n * 40 * T }, (_, i) => 1e5 + Math.sin(i / 7) * 1e3);
    data.fill(NaN, at(0, 37) + GAP.from, at(0, 37) + GAP.to); // trial 1: GSR gap
    data.fill(NaN, at(0, 1), at(0, 1) + T); // trial 1: an EEG channel, not kept: no concern
    data.fill(NaN, at(1, 39), at(1, 39) + Math.ceil(0.62 * T)); // trial 2: PPG 62 %
    data.fill(NaN, at(2, 37), at(2, 37) + T); // trial 3: GSR and PPG all NaN
    data.fill(NaN, at(2, 39), at(2, 39) + T);
    const root = join(dir, 'deap-gaps');
    mkdirSync(join(root, 'data_preprocessed_python'), { recursive: true });
    writeFileSync(
      join(root, 'data_preprocessed_python', 's01.dat'),
      writeDeapPickle(
        {
          data: ndarray('float64', [n, 40, T], data),
          labels: ndarray(
            'float64',
            [n, 4],
            Float64Array.from({ length: n * 4 }, () => 7),
          ),
        },
        { protocol: 2, form: 'py2' },
      ),
    );
    const s = only(await convertDataset({ dataset: 'deap', root, outDir: join(root, 'out') }));
    const rows = readRecordingsShard(s.shard as string).rows;
    expect(rows.map((r) => r.trial)).toEqual([1, 2]);
    const channel = (t: number, ch: number) => f32(data.subarray(at(t, ch), at(t, ch) + T));
    expect(Array.from(rowOf(rows, 1).gsr ?? [])).toEqual(channel(0, 37)); // NaN at the gap
    expect(Array.from(rowOf(rows, 1).ppg ?? [])).toEqual(channel(0, 39));
    expect(rowOf(rows, 2).ppg).toBeNull();
    expect(Array.from(rowOf(rows, 2).gsr ?? [])).toEqual(channel(1, 37));
    expect(s.keptWithGaps.map((g) => [g.trial, g.summary])).toEqual([
      [1, expect.stringMatching(/^1\.\d % of GSR missing \(1 gap, longest 0\.8 s\): kept/)],
      [
        2,
        expect.stringMatching(
          /^62\.\d % of PPG missing .*above maxMissingShare=0\.5: PPG dropped$/,
        ),
      ],
    ]);
    expect(s.skipped).toEqual([
      {
        trial: 3,
        stimulusId: '3',
        reason:
          '100.0 % of GSR missing (1 gap, longest 63.0 s), 100.0 % of PPG missing (1 gap, longest 63.0 s): every signal above maxMissingShare=0.5',
      },
    ]);
  });
});
