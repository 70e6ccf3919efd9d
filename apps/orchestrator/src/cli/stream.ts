// `emo stream`: a model bundle applied to a live or replayed ECG/PPG + GSR stream, one line per
// window (the dsp stage's windows, computed as the samples arrive: @emo/dsp StreamWindower).
import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { DspParams, StreamWindow } from '@emo/dsp';
import { RunningZscore, STREAM_DEFAULTS, StreamWindower } from '@emo/dsp';
import { readModelBundle } from '../bundles.js';
import { loadModelRuntime } from '../model-runtime.js';
import type { CliIo } from './args.js';
import { fsArg } from './args.js';

/** `1` (real time), `N` (N× real time) or `max` (as fast as it can). */
const speedArg = (v: string): number => {
  if (v === 'max') return Infinity;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError("--speed must be a positive number or 'max'");
  }
  return n;
};

const secondsArg = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be ≥ 0 (s)`);
  return n;
};

interface Columns {
  readonly cardiac: number | null;
  readonly gsr: number | null;
}

/** The CSV's column indices of the named (or numbered, from 1) columns. */
function columnsOf(header: string[], o: StreamOptions, source: string): Columns {
  const find = (name: string | undefined): number | null => {
    if (name === undefined) return null;
    const i = header.indexOf(name);
    if (i >= 0) return i;
    const k = Number(name);
    if (Number.isInteger(k) && k >= 1 && k <= header.length) return k - 1;
    throw new Error(`${source}: no column '${name}' (columns: ${header.join(', ')})`);
  };
  return { cardiac: find(o.ecg ?? o.ppg), gsr: find(o.gsr) };
}

interface StreamOptions {
  model: string;
  input: string;
  fs: number;
  ecg?: string;
  ppg?: string;
  gsr?: string;
  gsrUnit: 'conductance' | 'resistance';
  speed: number;
  calibration: number;
  context: number;
  json?: boolean;
}

const quantile = (xs: readonly number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function addStreamCommand(program: Command, { out, err }: CliIo): void {
  program
    .command('stream')
    .description(
      'apply a model bundle to a live or replayed ECG/PPG + GSR stream (CSV): a line per window with class probabilities, flags and latency',
    )
    .requiredOption('--model <dir>', 'a model bundle (results/latest/models/<task>/<kind>)')
    .requiredOption('--input <file>', 'CSV (.csv or .csv.gz) with a header row; - reads stdin')
    .requiredOption('--fs <hz>', 'sampling rate of the stream', fsArg)
    .option('--ecg <column>', 'ECG column (name, or number from 1)')
    .option('--ppg <column>', 'PPG column (instead of --ecg)')
    .option('--gsr <column>', 'GSR column')
    .option('--gsr-unit <unit>', 'conductance (µS) or resistance (Ω)', 'conductance')
    .option('--speed <x>', "1 (real time), N (N× real time) or 'max'", speedArg, 1)
    .option(
      '--calibration <s>',
      'seconds of calibration at the start (per-subject scaling still settling)',
      secondsArg('--calibration'),
      STREAM_DEFAULTS.calibrationSec,
    )
    .option(
      '--context <s>',
      'seconds before each window that its processing sees',
      secondsArg('--context'),
      STREAM_DEFAULTS.contextSec,
    )
    .option('--json', 'NDJSON: one object per window, then a summary object')
    .action(async (o: StreamOptions) => {
      if (o.ecg && o.ppg) throw new Error('give --ecg or --ppg, not both');
      if (!o.ecg && !o.ppg && !o.gsr) throw new Error('give --ecg or --ppg, and/or --gsr');
      if (o.gsrUnit !== 'conductance' && o.gsrUnit !== 'resistance') {
        throw new Error(`--gsr-unit must be conductance or resistance, got '${o.gsrUnit}'`);
      }
      const dir = resolve(o.model);
      const bundle = readModelBundle(dir);
      if (!bundle.windows) {
        throw new Error(`${dir}: a ${bundle.kind} model takes no physiological windows`);
      }
      const faces = bundle.inputs.filter((i) => i === 'face' || i === 'faceStats');
      if (faces.length > 0) {
        throw new Error(
          `${dir}: a ${bundle.kind} model needs face crops (${faces.join(', ')}); emo stream takes no video yet: use a rnnOnly or logreg bundle`,
        );
      }
      const params = bundle.windows.parameters as Partial<DspParams>;
      const windower = new StreamWindower({
        fs: o.fs,
        cardiac: o.ecg ? 'ecg' : o.ppg ? 'ppg' : null,
        gsr: o.gsr ? o.gsrUnit : null,
        params,
        contextSec: o.context,
        calibrationSec: o.calibration,
      });
      const m = await loadModelRuntime();
      const predictor = await m.openPredictor(join(dir, 'model'));
      const scaler =
        bundle.windows.featureNorm === 'subject'
          ? new RunningZscore(bundle.windows.featureNames.length)
          : null;
      const source = o.input === '-' ? 'stdin' : resolve(o.input);
      let input: Readable = o.input === '-' ? process.stdin : createReadStream(source);
      if (o.input.endsWith('.gz')) input = input.pipe(createGunzip());
      const lines = createInterface({ input, crlfDelay: Infinity });

      const latencies: number[] = [];
      let windows = 0;
      let badSamples = 0;
      let samples = 0;
      const summary = () => ({
        summary: true,
        samples,
        seconds: samples / o.fs,
        windows,
        badSamples,
        droppedSamples: 0,
        latencyMs: {
          p50: quantile(latencies, 0.5),
          p95: quantile(latencies, 0.95),
          max: latencies.length ? Math.max(...latencies) : NaN,
        },
      });
      const printSummary = () => {
        const s = summary();
        out(
          o.json
            ? JSON.stringify(s) + '\n'
            : `${s.windows} windows from ${s.seconds.toFixed(1)} s of signal (${s.badSamples} non-numeric samples); latency p50 ${s.latencyMs.p50.toFixed(1)} ms, p95 ${s.latencyMs.p95.toFixed(1)} ms, max ${s.latencyMs.max.toFixed(1)} ms\n`,
        );
      };
      const onSigint = () => {
        printSummary();
        process.exit(130);
      };
      process.once('SIGINT', onSigint);

      const emit = (w: StreamWindow, receivedAt: number) => {
        let features: Float32Array = Float32Array.from(w.features);
        if (scaler) features = scaler.next(features);
        const probs = predictor.predict({ physio: w.seq, features });
        const latency = performance.now() - receivedAt;
        latencies.push(latency);
        windows++;
        let best = 0;
        for (let c = 1; c < probs.length; c++) if (probs[c] > probs[best]) best = c;
        const named = Object.fromEntries(bundle.classes.map((c, i) => [c, probs[i]]));
        if (o.json) {
          out(
            JSON.stringify({
              t0: w.t0,
              t1: w.t1,
              probs: named,
              predicted: bundle.classes[best],
              flags: w.flags,
              calibrating: w.calibrating,
              latency_ms: latency,
            }) + '\n',
          );
        } else {
          const p = bundle.classes.map((c, i) => `${c} ${probs[i].toFixed(2)}`).join(' ');
          const flags = w.flags.length ? `  [${w.flags.join('; ')}]` : '';
          out(
            `${w.t0.toFixed(1)}–${w.t1.toFixed(1)} s  ${p}  → ${bundle.classes[best]}${flags}  (${latency.toFixed(1)} ms)\n`,
          );
        }
      };

      let header: string[] | null = null;
      let cols: Columns | null = null;
      const start = performance.now();
      const value = (cells: string[], i: number | null): number => {
        if (i === null) return NaN;
        const v = Number(cells[i]);
        if (cells[i] === undefined || cells[i].trim() === '' || !Number.isFinite(v)) {
          badSamples++;
          return NaN;
        }
        return v;
      };
      for await (const line of lines) {
        if (line.trim() === '' || line.startsWith('#')) continue;
        const cells = line.split(',');
        if (!header) {
          header = cells.map((h) => h.trim());
          cols = columnsOf(header, o, source);
          continue;
        }
        const c = cols as Columns;
        const due = start + (1000 * samples) / (o.fs * o.speed);
        if (Number.isFinite(o.speed)) {
          const ahead = due - performance.now();
          if (ahead > 1) await sleep(ahead);
        }
        const receivedAt = Number.isFinite(o.speed) ? due : performance.now();
        samples++;
        const done = windower.push(
          c.cardiac === null ? null : [value(cells, c.cardiac)],
          c.gsr === null ? null : [value(cells, c.gsr)],
        );
        for (const w of done) emit(w, receivedAt);
      }
      process.removeListener('SIGINT', onSigint);
      predictor.dispose();
      if (!header) throw new Error(`${source}: empty (no header row)`);
      if (windows === 0) {
        throw new Error(
          `${source}: ${samples} samples (${(samples / o.fs).toFixed(1)} s) give no window of ${windower.params.windowSec} s`,
        );
      }
      printSummary();
      if (badSamples > 0) err(`emo stream: ${badSamples} non-numeric samples read as missing\n`);
    });
}
