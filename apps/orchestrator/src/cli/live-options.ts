// The options `emo stream` and `emo serve` share: the stream's signals, its speed, and the
// windows' calibration, hop and context (live/session.ts).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { STREAM_DEFAULTS } from '@emo/dsp';
import type { LiveOptions } from '../live/session.js';
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

const seconds = (name: string, positive: boolean) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (positive && n === 0)) {
    throw new InvalidArgumentError(`${name} must be ${positive ? '>' : '≥'} 0 (s)`);
  }
  return n;
};

/** What the shared options parse to. */
export interface SignalCliOptions {
  fs: number;
  ecg?: string;
  ppg?: string;
  gsr?: string;
  gsrUnit: 'conductance' | 'resistance';
  speed: number;
  calibration: number;
  context: number;
  hop?: number;
}

/** Adds the shared options to a command (`what`: how the columns are read, for their help). */
export function addSignalOptions(cmd: Command, what: string): Command {
  return cmd
    .requiredOption('--fs <hz>', 'sampling rate of the stream', fsArg)
    .option('--ecg <column>', `ECG column (${what})`)
    .option('--ppg <column>', 'PPG column (instead of --ecg)')
    .option('--gsr <column>', 'GSR column')
    .option('--gsr-unit <unit>', 'conductance (µS) or resistance (Ω)', 'conductance')
    .option('--speed <x>', "replay at 1 (real time), N (N× real time) or 'max'", speedArg, 1)
    .option(
      '--calibration <s>',
      'seconds of calibration at the start (per-subject scaling still settling)',
      seconds('--calibration', false),
      STREAM_DEFAULTS.calibrationSec,
    )
    .option(
      '--hop <s>',
      "seconds between windows (default the model's: the dsp stage's step)",
      seconds('--hop', true),
    )
    .option(
      '--context <s>',
      'seconds before each window that its processing sees',
      seconds('--context', false),
      STREAM_DEFAULTS.contextSec,
    );
}

/** The session's options from the parsed ones; bad combinations are errors. */
export function liveOptionsOf(o: SignalCliOptions): LiveOptions {
  if (o.ecg && o.ppg) throw new Error('give --ecg or --ppg, not both');
  if (!o.ecg && !o.ppg && !o.gsr) throw new Error('give --ecg or --ppg, and/or --gsr');
  if (o.gsrUnit !== 'conductance' && o.gsrUnit !== 'resistance') {
    throw new Error(`--gsr-unit must be conductance or resistance, got '${o.gsrUnit}'`);
  }
  return {
    fs: o.fs,
    cardiac: o.ecg ? 'ecg' : o.ppg ? 'ppg' : null,
    gsr: o.gsr ? o.gsrUnit : null,
    calibrationSec: o.calibration,
    contextSec: o.context,
    hopSec: o.hop,
  };
}
