/**
 * The `emo` command line. Every sub-command has --help, exits non-zero with a one-line reason
 * on bad input, and prints machine-readable output with --json. The commands live in cli/.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from './config.js';
import { ExitCode, cliIo } from './cli/args.js';
import { addDataCommands } from './cli/data.js';
import { addFaceCommands } from './cli/faces.js';
import { addModelCommands } from './cli/model.js';
import { addServeCommand } from './cli/serve.js';
import { addStreamCommand } from './cli/stream.js';
import { addPipelineCommands, addWorkerCommand } from './cli/pipeline.js';
import { addSignalCommands } from './cli/signals.js';

export function buildProgram(
  out: (s: string) => void,
  err: (s: string) => void,
  /** The real stderr when `err` writes to it (live progress bars on a terminal). */
  stderr?: NodeJS.WriteStream,
): Command {
  const io = cliIo(out, err, stderr);
  const program = new Command('emo')
    .description('Multimodal emotion recognition pipeline (DEAP / AMIGOS / synthetic)')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: out, writeErr: err })
    .exitOverride();
  // In this order in `emo --help`.
  addDataCommands(program, io);
  addSignalCommands(program, io);
  addFaceCommands(program, io);
  addModelCommands(program, io);
  addStreamCommand(program, io);
  addServeCommand(program, io);
  addPipelineCommands(program, io);
  addWorkerCommand(program, io);
  return program;
}

/** Run the CLI; returns the exit code. */
export async function main(
  argv: readonly string[],
  out?: (s: string) => void,
  err?: (s: string) => void,
): Promise<number> {
  const stderr = err ? undefined : process.stderr;
  out ??= (s) => process.stdout.write(s);
  err ??= (s) => process.stderr.write(s);
  const program = buildProgram(out, err, stderr);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof ExitCode) return e.code;
    if (e instanceof CommanderError) {
      // help and version exit with 0; usage errors were already printed by commander
      return e.exitCode;
    }
    const msg = e instanceof ConfigError || e instanceof Error ? e.message : String(e);
    err(`emo: ${msg.split('\n')[0]}\n`);
    return 1;
  }
}
