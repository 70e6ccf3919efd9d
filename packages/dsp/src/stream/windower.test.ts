// The streaming windows against the dsp stage, on NeuroKit2's event-related recording (real ECG
// and EDA at 100 Hz, 150 s): the same samples both ways give the same sequences and features.
import { expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordingRow } from '@emo/datasets';
import { readWindowsShard, writeRecordingsShard } from '@emo/datasets';
import { processRecordingsShard } from '../subject.js';
import { describeRealdata, readNumericCsv, realdataPath } from '../testing/realdata.js';
import type { StreamWindow } from './windower.js';
import { StreamWindower } from './windower.js';

const FS = 100;

function streamAll(w: StreamWindower, ecg: ArrayLike<number>, eda: ArrayLike<number>) {
  const out: StreamWindow[] = [];
  // chunks of an odd size, as a device would send them
  for (let i = 0; i < ecg.length; i += 37) {
    const end = Math.min(i + 37, ecg.length);
    out.push(
      ...w.push(
        Array.prototype.slice.call(ecg, i, end) as number[],
        Array.prototype.slice.call(eda, i, end) as number[],
      ),
    );
  }
  return out;
}

/** The dsp stage on one recordings row made of samples [start, end) with baseline `base`. */
async function batchWindow(
  dir: string,
  ecg: Float64Array,
  eda: Float64Array,
  start: number,
  end: number,
  base: number,
) {
  const row: RecordingRow = {
    dataset: 'amigos',
    subject: 'nk',
    trial: 1,
    presentationTrial: null,
    stimulusId: '1',
    fs: FS,
    baselineSamples: base,
    ecg: Float32Array.from(ecg.subarray(start, end)),
    ecgLeft: null,
    gsr: Float32Array.from(eda.subarray(start, end)),
    ppg: null,
    valence: null,
    arousal: null,
    dominance: null,
    liking: null,
    familiarity: null,
    emotions: null,
    label5: null,
    labelSource: null,
    videoPath: null,
    videoOffsetS: null,
  };
  const recordings = join(dir, `r-${start}.arrow`);
  writeRecordingsShard(recordings, [row], {
    dataset: 'amigos',
    subject: 'nk',
    sourceFile: 'bio_eventrelated_100hz.csv',
    sourceSha256: '0'.repeat(64),
    stageVersion: 'test',
    parameters: {},
    units: {},
    cardiacSource: 'ecg',
    synthetic: false,
    labelMapping: 'none',
    skippedTrials: [],
    notes: [],
  });
  const windows = join(dir, `w-${start}.arrow`);
  await processRecordingsShard(recordings, windows, { normalise: 'none' });
  return readWindowsShard(windows);
}

describeRealdata('streaming windows (NeuroKit2 bio_eventrelated_100hz.csv)', (dir) => {
  const csv = () => {
    const t = readNumericCsv(realdataPath(dir, 'physio', 'neurokit', 'bio_eventrelated_100hz.csv'));
    const col = (name: string) => t.columns[t.header.indexOf(name)];
    return { ecg: col('ECG'), eda: col('EDA') };
  };

  it("the same samples give the dsp stage's sequences and features, window by window", async () => {
    const { ecg, eda } = csv();
    const w = new StreamWindower({
      fs: FS,
      cardiac: 'ecg',
      gsr: 'conductance',
      params: { normalise: 'none' },
    });
    const got = streamAll(w, ecg, eda);
    // 150 s in 10-s windows every 10 s
    expect(got.map((x) => x.t0)).toEqual(Array.from({ length: 15 }, (_, i) => 10 * i));
    expect(got.every((x) => x.t1 - x.t0 === 10)).toBe(true);
    const tmp = mkdtempSync(join(tmpdir(), 'emo-stream-'));
    for (const x of got) {
      // the stream's buffer: the window and up to 20 s before it (its context, the baseline)
      const end = Math.round(x.t1 * FS);
      const start = Math.max(0, end - 3000);
      const b = await batchWindow(tmp, ecg, eda, start, end, end - 1000 - start);
      expect(b.rows).toHaveLength(1);
      expect(Array.from(x.seq)).toEqual(Array.from(b.physio));
      // the shard keeps features as float32
      expect(x.features.map(Math.fround)).toEqual(Array.from(b.features));
      expect(x.flags.join('; ') || null).toBe(b.rows[0].flags);
    }
    // real heart beats: a heart rate in every window, and SCRs after the negative pictures
    expect(got.every((x) => x.features[4] > 40 && x.features[4] < 140)).toBe(true);
    expect(got.reduce((a, x) => a + x.features[9], 0)).toBeGreaterThan(0);
  }, 60_000);

  it('flags what is off: a gap in the ECG, and the calibration period', () => {
    const { ecg, eda } = csv();
    const gappy = Float64Array.from(ecg);
    gappy.fill(Number.NaN, 5200, 5500); // 3 s without ECG inside the window 50–60 s
    const w = new StreamWindower({ fs: FS, cardiac: 'ecg', gsr: 'conductance' });
    const got = streamAll(w, gappy, eda);
    expect(got[5].flags.some((f) => f.startsWith('ecg nan'))).toBe(true);
    expect(got[4].flags.some((f) => f.startsWith('ecg nan'))).toBe(false);
    // per-subject z-scores from a running estimate; the first minute is calibration
    expect(got.map((x) => x.calibrating)).toEqual(got.map((x) => x.t1 <= 60));
    expect(got.filter((x) => x.flags.includes('calibrating'))).toHaveLength(6);
    expect(got.every((x) => Array.from(x.seq).every(Number.isFinite))).toBe(true);
  });

  it('refuses what it cannot use, in one line', () => {
    expect(() => new StreamWindower({ fs: 0, cardiac: 'ecg', gsr: null })).toThrow(
      'stream: the sampling rate must be positive, got 0',
    );
    expect(() => new StreamWindower({ fs: 100, cardiac: null, gsr: null })).toThrow(
      'stream: no cardiac signal and no GSR',
    );
    const w = new StreamWindower({ fs: 100, cardiac: 'ecg', gsr: 'conductance' });
    expect(() => w.push([1, 2, 3], [1, 2])).toThrow('stream: gsr: expected 3 samples, got 2');
    expect(() => w.push([1, 2, 3], null)).toThrow('stream: gsr: expected 3 samples, got none');
  });
});
