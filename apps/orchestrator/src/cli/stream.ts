// `emo stream`: a model bundle applied to a live or replayed ECG/PPG + GSR stream (and a face
// video), one line per window (live/session.ts: the dsp stage's windows and the vision stage's
// crops, computed as the samples and frames arrive).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { replayCsv } from '../live/replay.js';
import type { LivePrediction } from '../live/session.js';
import { LiveSession } from '../live/session.js';
import type { CliIo } from './args.js';
import type { SignalCliOptions } from './live-options.js';
import { addSignalOptions, liveOptionsOf } from './live-options.js';

interface StreamOptions extends SignalCliOptions {
  model: string;
  input: string;
  video?: string;
  json?: boolean;
}

export function addStreamCommand(program: Command, { out, err }: CliIo): void {
  const cmd = program
    .command('stream')
    .description(
      'apply a model bundle to a live or replayed ECG/PPG + GSR stream (CSV): a line per window with class probabilities, flags and latency',
    )
    .requiredOption('--model <dir>', 'a model bundle (results/latest/models/<task>/<kind>)')
    .requiredOption('--input <file>', 'CSV (.csv or .csv.gz) with a header row; - reads stdin');
  addSignalOptions(cmd, 'name, or number from 1')
    .option(
      '--video <file>',
      'face video replayed with the signals (its time 0 = the first sample)',
    )
    .option('--json', 'NDJSON: one object per window, then a summary object')
    .action(async (o: StreamOptions) => {
      const options = liveOptionsOf(o);
      if (o.video && !existsSync(o.video)) throw new Error(`--video ${o.video}: no such file`);
      const session = await LiveSession.open(o.model, options, o.video !== undefined);
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
