// `emo stream`: a model bundle applied to a live or replayed ECG/PPG + GSR stream (and a face
// video), one line per window (live/session.ts: the dsp stage's windows and the vision stage's
// crops, computed as the samples and frames arrive).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { STREAM_DEFAULTS } from '@emo/dsp';
import { replayCsv } from '../live/replay.js';
import type { LivePrediction } from '../live/session.js';
import { LiveSession } from '../live/session.js';
import type { CliIo } from './args.js';
import { fsArg } from './args.js';

/** `1` (real time), `N` (N× real time) or `max` (as fast as it can). */
export const speedArg = (v: string): number => {
  if (v === 'max') return Infinity;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError("--speed must be a positive number or 'max'");
  }
  return n;
};

export const positiveSeconds = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be > 0 (s)`);
  return n;
};

export const secondsArg = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be ≥ 0 (s)`);
  return n;
};

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
  hop?: number;
  video?: string;
  json?: boolean;
}

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
      '--hop <s>',
      "seconds between windows (default the model's: the dsp stage's step)",
      positiveSeconds('--hop'),
    )
    .option(
      '--context <s>',
      'seconds before each window that its processing sees',
      secondsArg('--context'),
      STREAM_DEFAULTS.contextSec,
    )
    .option(
      '--video <file>',
      'face video replayed with the signals (its time 0 = the first sample)',
    )
    .option('--json', 'NDJSON: one object per window, then a summary object')
    .action(async (o: StreamOptions) => {
      if (o.ecg && o.ppg) throw new Error('give --ecg or --ppg, not both');
      if (!o.ecg && !o.ppg && !o.gsr) throw new Error('give --ecg or --ppg, and/or --gsr');
      if (o.gsrUnit !== 'conductance' && o.gsrUnit !== 'resistance') {
        throw new Error(`--gsr-unit must be conductance or resistance, got '${o.gsrUnit}'`);
      }
      if (o.video && !existsSync(o.video)) throw new Error(`--video ${o.video}: no such file`);
      const session = await LiveSession.open(
        o.model,
        {
          fs: o.fs,
          cardiac: o.ecg ? 'ecg' : o.ppg ? 'ppg' : null,
          gsr: o.gsr ? o.gsrUnit : null,
          calibrationSec: o.calibration,
          contextSec: o.context,
          hopSec: o.hop,
        },
        o.video !== undefined,
      );
      const { bundle } = session;
      if (o.video && !session.faces) {
        err(`emo stream: a ${bundle.kind} model takes no faces; --video is not read\n`);
      }
      const printSummary = () => {
        const s = session.summary();
        const frames = s.frameMs
          ? `; ${s.frames} face frames, ${s.frameMs.p50.toFixed(1)} ms each (p50)`
          : '';
        out(
          o.json
            ? JSON.stringify({ summary: true, ...s }) + '\n'
            : `${s.windows} windows from ${s.seconds.toFixed(1)} s of signal (${s.badSamples} non-numeric samples); latency p50 ${s.latencyMs.p50.toFixed(1)} ms, p95 ${s.latencyMs.p95.toFixed(1)} ms, max ${s.latencyMs.max.toFixed(1)} ms${frames}\n`,
        );
      };
      const onSigint = () => {
        printSummary();
        process.exit(130);
      };
      process.once('SIGINT', onSigint);

      const emit = (w: LivePrediction) => {
        if (o.json) {
          out(JSON.stringify(w) + '\n');
        } else {
          const p = bundle.classes.map((c) => `${c} ${w.probs[c].toFixed(2)}`).join(' ');
          const flags = w.flags.length ? `  [${w.flags.join('; ')}]` : '';
          out(
            `${w.t0.toFixed(1)}–${w.t1.toFixed(1)} s  ${p}  → ${w.predicted}${flags}  (${w.latency_ms.toFixed(1)} ms)\n`,
          );
        }
      };

      await replayCsv(session, {
        input: o.input,
        columns: { cardiac: o.ecg ?? o.ppg, gsr: o.gsr },
        speed: o.speed,
        video: o.video,
        onPrediction: emit,
      }).finally(() => {
        process.removeListener('SIGINT', onSigint);
        session.close();
      });
      const s = session.summary();
      if (s.windows === 0) {
        throw new Error(
          `${o.input}: ${s.samples} samples (${s.seconds.toFixed(1)} s) give no window of ${session.windower.params.windowSec} s`,
        );
      }
      printSummary();
      if (s.badSamples > 0)
        err(`emo stream: ${s.badSamples} non-numeric samples read as missing\n`);
    });
}
