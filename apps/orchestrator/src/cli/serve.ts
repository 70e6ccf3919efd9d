// `emo serve`: a model bundle applied to a live stream behind a local dashboard (live/server.ts),
// fed by a replayed recording or by WebSocket clients.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { SERVE_DEFAULTS, serveLive } from '../live/server.js';
import { LiveSession } from '../live/session.js';
import type { CliIo } from './args.js';
import type { SignalCliOptions } from './live-options.js';
import { addSignalOptions, liveOptionsOf } from './live-options.js';

interface ServeCliOptions extends SignalCliOptions {
  model: string;
  input?: string;
  video?: string;
  faces?: boolean;
  host: string;
  port: number;
}

const portArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('--port must be an integer from 0 to 65535 (0: any free port)');
  }
  return n;
};

export function addServeCommand(program: Command, { out, err }: CliIo): void {
  const cmd = program
    .command('serve')
    .description(
      'a local dashboard of a live stream through a model bundle: ECG/GSR traces, heart rate, face crop, class probabilities; fed by a replay (--input) or WebSocket clients (/ws)',
    )
    .requiredOption('--model <dir>', 'a model bundle (results/latest/models/<task>/<kind>)')
    .option(
      '--input <file>',
      'CSV (.csv or .csv.gz) replayed as the stream; without it WebSocket clients feed it',
    );
  addSignalOptions(cmd, "of --input; with WebSocket clients any name: the stream's ECG is 'ecg'")
    .option('--video <file>', 'face video replayed with --input (its time 0 = the first sample)')
    .option('--faces', 'WebSocket clients send face frames (a model that takes faces needs them)')
    .option(
      '--host <addr>',
      'address to listen on (another than 127.0.0.1 exposes the stream)',
      SERVE_DEFAULTS.host,
    )
    .option('--port <n>', 'port (0: any free one)', portArg, SERVE_DEFAULTS.port)
    .action(async (o: ServeCliOptions) => {
      const options = liveOptionsOf(o);
      if (o.video && !o.input) throw new Error('--video is replayed with --input');
      for (const f of [o.input, o.video]) {
        if (f && f !== '-' && !existsSync(f)) throw new Error(`${f}: no such file`);
      }
      const session = await LiveSession.open(
        o.model,
        options,
        o.video !== undefined || o.faces === true,
      );
      const server = await serveLive(session, {
        host: o.host,
        port: o.port,
        replay: o.input
          ? {
              input: o.input,
              columns: { cardiac: o.ecg ?? o.ppg, gsr: o.gsr },
              speed: o.speed,
              video: o.video,
            }
          : undefined,
        log: (line) => err(`emo serve: ${line}\n`),
      });
      out(`emo serve: ${server.url} (Ctrl-C stops)\n`);
      await new Promise<void>((res) => process.once('SIGINT', () => res()));
      await server.close();
      session.close();
      const s = session.summary();
      out(
        `${s.windows} windows from ${s.seconds.toFixed(1)} s of signal; latency p50 ${s.latencyMs.p50.toFixed(1)} ms, p95 ${s.latencyMs.p95.toFixed(1)} ms; ${server.stats.connections} connections, ${server.stats.droppedClients} dropped as too slow, ${server.stats.errors} bad messages\n`,
      );
    });
}
