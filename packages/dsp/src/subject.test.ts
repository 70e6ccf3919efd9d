import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  convertDataset,
  readRecordingsShard,
  readWindowsShard,
  writeRecordingsShard,
  writeSyntheticCorpus,
} from '@emo/datasets';
import { CHANNELS, FEATURES, processRecordingsShard } from './subject.js';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emo-dsp-subject-'));
  const r = await writeSyntheticCorpus({
    out: join(dir, 'dl'),
    subjects: 3,
    seed: 3,
    deapTrials: 5,
    amigosShortTrials: 5,
    amigosLongS: 30,
    video: false,
  });
  await convertDataset({ dataset: 'deap', root: r.deapRoot, outDir: join(dir, 'rec') });
  // the trial with the designed NaN run (AMIGOS P03, trial 5) is kept, so dsp has to flag it
  await convertDataset({ dataset: 'amigos', root: r.amigosRoot, outDir: join(dir, 'rec') });
}, 120_000);

describe('processRecordingsShard (synthetic recordings in the real formats)', () => {
  it('DEAP: non-overlapping 10-s windows after the baseline (the default step), beats from the plethysmograph', async () => {
    const out = join(dir, 'deap-s01.windows.arrow');
    const r = await processRecordingsShard(join(dir, 'rec', 'deap-s01.arrow'), out);
    const w = readWindowsShard(out);
    // 5 trials × 60 s: windows at 0, 10, …, 50 s
    expect(r).toMatchObject({ trials: 5, windows: 30 });
    expect(w.rows).toHaveLength(30);
    expect(w.rows.slice(0, 2).map((x) => [x.trial, x.window, x.t0, x.t1])).toEqual([
      [1, 0, 0, 10],
      [1, 1, 10, 20],
    ]);
    expect(w.metadata).toMatchObject({
      cardiacSource: 'ppg',
      synthetic: true,
      channels: [...CHANNELS],
      seqLength: 320,
      seqRate: 32,
      featureNames: [...FEATURES],
    });
    expect(w.metadata.notes.join(' ')).toMatch(/plethysmograph .* not ECG/);
    expect(w.physio).toHaveLength(30 * 320 * CHANNELS.length);
    expect(w.physio.every((v) => Number.isFinite(v))).toBe(true);
    const F = FEATURES.length;
    const meanHr = FEATURES.indexOf('MeanHR');
    w.rows.forEach((row, i) => {
      const f = w.features.subarray(i * F, (i + 1) * F);
      if (row.flags === null) {
        expect(f.every((v) => Number.isFinite(v))).toBe(true);
        expect(f[meanHr]).toBeGreaterThan(40);
        expect(f[meanHr]).toBeLessThan(140);
      } else {
        // a NaN feature only ever comes with a flag saying why
        expect(row.flags.length).toBeGreaterThan(0);
      }
    });
    expect(r.flagged).toBeLessThan(r.windows / 5);
  }, 60_000);

  it('AMIGOS: ECG beats, and windows over a NaN run are flagged, never NaN', async () => {
    const out = join(dir, 'amigos-P03.windows.arrow');
    const r = await processRecordingsShard(join(dir, 'rec', 'amigos-P03.arrow'), out, {
      normalise: 'trials',
    });
    const w = readWindowsShard(out);
    expect(w.metadata.cardiacSource).toBe('ecg');
    expect(w.physio.every((v) => Number.isFinite(v))).toBe(true);
    const nanWindows = w.rows.filter((x) => x.flags?.includes('nan'));
    expect(nanWindows.length).toBeGreaterThan(0);
    expect(new Set(nanWindows.map((x) => x.trial))).toEqual(new Set([5]));
    // z-scored over all trials: every channel is centred and scaled
    const T = w.metadata.seqLength;
    const C = CHANNELS.length;
    for (let c = 0; c < C; c++) {
      let sum = 0;
      let sum2 = 0;
      const n = w.rows.length * T;
      for (let i = 0; i < n; i++) {
        const v = w.physio[i * C + c];
        sum += v;
        sum2 += v * v;
      }
      expect(Math.abs(sum / n)).toBeLessThan(0.35);
      expect(Math.sqrt(sum2 / n)).toBeGreaterThan(0.5);
      expect(Math.sqrt(sum2 / n)).toBeLessThan(1.6);
    }
    expect(r.warnings.length).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('AMIGOS: a calibration square wave in one trial is excluded and flagged; HRV stays to the heart', async () => {
    const shard = readRecordingsShard(join(dir, 'rec', 'amigos-P01.arrow'));
    const row = shard.rows[0];
    const fs = row.fs;
    const ecg = Float32Array.from(row.ecg ?? []);
    // 20 s of ±0.5 calibration pulses (2 Hz) from the 5th second after the baseline
    const a = row.baselineSamples + 5 * fs;
    const e = a + 20 * fs;
    for (let i = a; i < e; i++) ecg[i] = Math.floor((4 * (i - a)) / fs) % 2 ? 0.5 : -0.5;
    const inPath = join(dir, 'amigos-P01.calibrated.arrow');
    writeRecordingsShard(inPath, [{ ...row, ecg }, ...shard.rows.slice(1)], shard.metadata);
    const out = join(dir, 'amigos-P01.calibrated.windows.arrow');
    await processRecordingsShard(inPath, out);
    const w = readWindowsShard(out);
    const F = FEATURES.length;
    const sdnn = FEATURES.indexOf('SDNN');
    const t1 = w.rows.filter((x) => x.trial === row.trial);
    // windows of 10 s: [0, 10) and [10, 20) hold the square wave, [20, 30) its last 5 s
    const flagged = t1.filter((x) => x.flags?.includes('ecg excluded'));
    expect(flagged.map((x) => x.window)).toEqual([0, 1, 2]);
    expect(flagged[1].flags).toMatch(/ecg excluded 10\.0 s: /);
    for (const x of t1) {
      const f = w.features[w.rows.indexOf(x) * F + sdnn];
      // a window wholly excluded has no HRV, and says so; the others keep theirs, finite and
      // with no interval across the exclusion (SDNN of a steady synthetic heart stays small)
      if (x.window === 1) {
        expect(Number.isNaN(f)).toBe(true);
        expect(x.flags).toMatch(/hrv: 0 usable beats/);
      } else if (x.window >= 3) {
        expect(f).toBeLessThan(200);
      }
    }
    // the other trials are untouched by it
    expect(w.rows.filter((x) => x.trial !== row.trial && x.flags?.includes('excluded'))).toEqual(
      [],
    );
  }, 60_000);

  it('AMIGOS: a trial whose right-arm ECG was dropped takes its beats from the left-arm lead', async () => {
    const shard = readRecordingsShard(join(dir, 'rec', 'amigos-P02.arrow'));
    const row = shard.rows[0];
    expect(row.ecgLeft).not.toBeNull();
    const inPath = join(dir, 'amigos-P02.left.arrow');
    writeRecordingsShard(inPath, [{ ...row, ecg: null }, ...shard.rows.slice(1)], shard.metadata);
    const out = join(dir, 'amigos-P02.left.windows.arrow');
    const r = await processRecordingsShard(inPath, out);
    const w = readWindowsShard(out);
    const F = FEATURES.length;
    const meanHr = FEATURES.indexOf('MeanHR');
    const first = w.rows.filter((x) => x.trial === row.trial);
    expect(first.length).toBeGreaterThan(0);
    for (const x of first) {
      expect(x.flags ?? '').not.toMatch(/cardiac: missing/);
      expect(w.features[w.rows.indexOf(x) * F + meanHr]).toBeGreaterThan(40);
    }
    expect(r.warnings.join(' ')).toMatch(
      new RegExp(`trial ${row.trial}: ECG from the left-arm lead`),
    );
  }, 60_000);

  it('names the file when no trial is long enough for one window', async () => {
    await expect(
      processRecordingsShard(join(dir, 'rec', 'deap-s02.arrow'), join(dir, 'x.arrow'), {
        windowSec: 120,
      }),
    ).rejects.toThrow(/deap-s02\.arrow: no trial long enough for a 120-s window/);
  });
});
