/**
 * Benchmark of the dsp filters (issue 4): zero-phase Butterworth filtering (sosfiltfilt) of one
 * hour of a 128 Hz signal (460 800 samples) with the pipeline's designs — a 4th-order 0.5–40 Hz
 * band-pass and the 5th-order 0.5 Hz high-pass — best of 5, in samples per second; and
 * scipy.signal.sosfiltfilt on the same signal and designs in a python3 subprocess when python3
 * with numpy and scipy is available (dev-only), with the time ratio and the largest difference
 * between the two outputs. Target: ours no slower than twice scipy.
 * Then the whole dsp stage for one subject (recordings shard → windows shard) on full-size
 * synthetic DEAP (40 trials) and AMIGOS (16 short + 4 long trials) subjects, in samples/s.
 * Run: pnpm bench dsp
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertDataset, writeSyntheticCorpus } from '@emo/datasets';
import { Rng } from '@emo/runtime';
import { butter, processRecordingsShard, sosfiltfilt } from '@emo/dsp';
import type { BandType } from '@emo/dsp';

interface Case {
  name: string;
  order: number;
  cutoff: number | [number, number];
  btype: BandType;
}

const FS = 128;
const N = 3600 * FS;
const REPEAT = 5;

const cases: Case[] = [
  { name: 'band-pass 0.5–40 Hz, order 4', order: 4, cutoff: [0.5, 40], btype: 'bandpass' },
  { name: 'high-pass 0.5 Hz, order 5', order: 5, cutoff: 0.5, btype: 'highpass' },
];

/** An ECG-like test signal: sines, a random walk (drift) and white noise. */
function testSignal(n: number): Float64Array {
  const rng = new Rng(4);
  const x = new Float64Array(n);
  let walk = 0;
  for (let i = 0; i < n; i++) {
    const t = i / FS;
    walk += 0.01 * rng.normal(0, 1);
    x[i] =
      Math.sin(2 * Math.PI * 1.2 * t) +
      0.3 * Math.sin(2 * Math.PI * 10 * t) +
      0.1 * Math.sin(2 * Math.PI * 50 * t) +
      walk +
      0.05 * rng.normal(0, 1);
  }
  return x;
}

function best(fn: () => void, repeat: number): number {
  let min = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, (performance.now() - t0) / 1000);
  }
  return min;
}

/** max|a − b| / max|b|. */
function relErr(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

const rate = (s: number) =>
  `${(N / s / 1e6).toFixed(1).padStart(5)} M samples/s (${(s * 1000).toFixed(1)} ms)`;

function filterBench(): Promise<void> {
  const x = testSignal(N);
  console.log(
    `dsp benchmark: sosfiltfilt on one hour at ${FS} Hz (${N} samples), best of ${REPEAT}`,
  );
  const ours: { t: number; y: Float64Array }[] = [];
  for (const c of cases) {
    const sos = butter(c.order, c.cutoff, c.btype, FS);
    let y: Float64Array = new Float64Array(0);
    sosfiltfilt(sos, x); // warm-up
    const t = best(() => {
      y = sosfiltfilt(sos, x);
    }, REPEAT);
    ours.push({ t, y });
    console.log(`ours   ${c.name.padEnd(30)} ${rate(t)}`);
  }

  const dir = mkdtempSync(join(tmpdir(), 'emo-bench-dsp-'));
  try {
    const sigPath = join(dir, 'x.f64');
    writeFileSync(sigPath, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    const script = fileURLToPath(new URL('../../bench/dsp_bench.py', import.meta.url));
    let py: { scipy: string; times: number[] };
    try {
      const out = execFileSync(
        'python3',
        [
          script,
          sigPath,
          String(FS),
          String(REPEAT),
          dir,
          ...cases.map((c) => JSON.stringify([c.order, c.cutoff, c.btype])),
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      py = JSON.parse(out.trim().split('\n').pop() as string) as typeof py;
    } catch (e) {
      console.log(
        `python3 with numpy/scipy not available, no reference timings (${(e as Error).message.split('\n')[0]})`,
      );
      return Promise.resolve();
    }
    cases.forEach((c, i) => {
      const t = py.times[i];
      const b = readFileSync(join(dir, `${i}.f64`));
      const ref = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      const ratio = ours[i].t / t;
      console.log(
        `scipy  ${c.name.padEnd(30)} ${rate(t)}   ours/scipy time ratio ${ratio.toFixed(2)} ` +
          `(target ≤ 2${ratio <= 2 ? '' : ' — MISSED'}), max|ours−scipy|/max|scipy| ${relErr(ours[i].y, ref).toExponential(1)}`,
      );
    });
    console.log(`(scipy ${py.scipy})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return Promise.resolve();
}

/** The dsp stage's work for one full-size synthetic subject of each data set. */
async function subjectBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'emo-bench-dsp-subject-'));
  try {
    const r = await writeSyntheticCorpus({
      out: join(dir, 'dl'),
      subjects: 1,
      seed: 2,
      deapTrials: 40,
      amigosShortTrials: 16,
      amigosLongS: 600,
      video: false,
    });
    const rec = join(dir, 'rec');
    await convertDataset({ dataset: 'deap', root: r.deapRoot, outDir: rec });
    await convertDataset({ dataset: 'amigos', root: r.amigosRoot, outDir: rec });
    console.log('dsp stage per subject (SYNTHETIC full-size subjects; best of 3):');
    for (const shard of ['deap-s01', 'amigos-P01']) {
      const input = join(rec, `${shard}.arrow`);
      let res = await processRecordingsShard(input, join(dir, `${shard}.w.arrow`));
      let t = Infinity;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        res = await processRecordingsShard(input, join(dir, `${shard}.w.arrow`));
        t = Math.min(t, (performance.now() - t0) / 1000);
      }
      const { readRecordingsShard } = await import('@emo/datasets');
      const samples = readRecordingsShard(input).rows.reduce(
        (n, row) => n + (row.ecg ?? row.ppg ?? []).length + (row.gsr ?? []).length,
        0,
      );
      console.log(
        `  ${shard.padEnd(11)} ${res.trials} trials, ${res.windows} windows, ${(samples / 1e6).toFixed(2)} M samples (cardiac + GSR): ${t.toFixed(2)} s, ${(samples / t / 1e6).toFixed(2)} M samples/s`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runDspBench(): Promise<void> {
  await filterBench();
  await subjectBench();
}
