/**
 * The `emo` command line. Every sub-command has --help, exits non-zero with a one-line reason
 * on bad input, and prints machine-readable output with --json.
 */
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { DatasetName } from '@emo/datasets';
import { EMOTIONS, convertDataset, writeSyntheticCorpus } from '@emo/datasets';
import { ConfigError, loadConfig } from './config.js';
import { runFull } from './full.js';

function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

export function buildProgram(out: (s: string) => void, err: (s: string) => void): Command {
  const program = new Command('emo')
    .description('Multimodal emotion recognition pipeline (DEAP / AMIGOS / synthetic)')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: out, writeErr: err })
    .exitOverride();

  program
    .command('synth')
    .description('write a SYNTHETIC DEAP- and AMIGOS-format download (exact file formats)')
    .requiredOption('--out <dir>', 'output folder (DEAP/ and AMIGOS/ are created inside)')
    .option('--subjects <n>', 'subjects per data set', intArg('--subjects', 1, 64), 6)
    .option('--seed <s>', 'random seed', intArg('--seed', 0, 2 ** 31 - 1), 1)
    .option(
      '--deap-trials <n>',
      'trials per DEAP subject (real: 40)',
      intArg('--deap-trials', 5, 40),
      15,
    )
    .option(
      '--amigos-short-trials <n>',
      'short-video trials per AMIGOS participant (real: 16)',
      intArg('--amigos-short-trials', 5, 16),
      16,
    )
    .option('--no-video', 'skip the face videos')
    .option('--json', 'print the result as JSON')
    .action(
      async (o: {
        out: string;
        subjects: number;
        seed: number;
        deapTrials: number;
        amigosShortTrials: number;
        video: boolean;
        json?: boolean;
      }) => {
        const res = await writeSyntheticCorpus({
          out: resolve(o.out),
          subjects: o.subjects,
          seed: o.seed,
          deapTrials: o.deapTrials,
          amigosShortTrials: o.amigosShortTrials,
          video: o.video,
          onProgress: o.json ? undefined : (m) => err(`synth: ${m}\n`),
        });
        out(
          o.json
            ? JSON.stringify(res) + '\n'
            : `synthetic corpus written: ${res.deapRoot}, ${res.amigosRoot}\n`,
        );
      },
    );

  program
    .command('convert')
    .description('convert a DEAP or AMIGOS download to recordings Arrow shards (one per subject)')
    .requiredOption('--dataset <name>', 'deap or amigos', (v: string) => {
      if (v !== 'deap' && v !== 'amigos')
        throw new InvalidArgumentError('--dataset must be deap or amigos');
      return v as DatasetName;
    })
    .requiredOption('--root <dir>', 'the download folder')
    .requiredOption('--out <dir>', 'where the shards go')
    .option('--subjects <list>', 'comma-separated subjects (s01,P03 or numbers)', (v: string) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .option(
      '--nan-policy <p>',
      'trials with NaN in kept signals: skip or keep',
      (v: string) => {
        if (v !== 'skip' && v !== 'keep')
          throw new InvalidArgumentError('--nan-policy must be skip or keep');
        return v;
      },
      'skip',
    )
    .option('--strict', 'exit non-zero if any subject fails')
    .option('--json', 'print the report as JSON')
    .action(
      async (o: {
        dataset: DatasetName;
        root: string;
        out: string;
        subjects?: string[];
        nanPolicy: 'skip' | 'keep';
        strict?: boolean;
        json?: boolean;
      }) => {
        const report = await convertDataset({
          dataset: o.dataset,
          root: resolve(o.root),
          outDir: resolve(o.out),
          subjects: o.subjects,
          nanPolicy: o.nanPolicy,
          onSubject: o.json
            ? undefined
            : (r) =>
                err(
                  r.status === 'ok'
                    ? `${r.subject}: ${r.trials} trials, ${r.skipped.length} skipped\n`
                    : `${r.subject}: FAILED — ${r.error}\n`,
                ),
        });
        if (o.json) out(JSON.stringify(report) + '\n');
        else {
          const ok = report.subjects.filter((s) => s.status === 'ok').length;
          out(
            `${report.dataset}${report.synthetic ? ' (SYNTHETIC)' : ''}: ${ok}/${report.subjects.length} subjects converted; ` +
              `labelled trials ${report.labels.labelled} (${EMOTIONS.map((e) => `${e} ${report.labels.perClass[e]}`).join(', ')}), unlabelled ${report.labels.unlabelled}\n`,
          );
          for (const n of report.notes) out(`note: ${n}\n`);
        }
        const failed = report.subjects.filter((s) => s.status === 'failed');
        if (failed.length && (o.strict || failed.length === report.subjects.length)) {
          throw new Error(
            `${failed.length} subject(s) failed: ${failed.map((f) => f.subject).join(', ')}`,
          );
        }
      },
    );

  program
    .command('full')
    .description('run the whole pipeline (synthetic corpus when no dataset is configured)')
    .option('--config <file>', 'emo.config.json to use')
    .option(
      '--jobs <n>',
      'concurrent jobs (validated now; used once the pipeline engine runs stages in parallel)',
      intArg('--jobs', 1, 256),
    )
    .option('--strict', 'exit non-zero if any subject fails')
    .option('--json', 'print the summary as JSON')
    .action(async (o: { config?: string; strict?: boolean; json?: boolean }) => {
      const { config } = loadConfig(o.config);
      const summary = await runFull(config, (line) => err(`${new Date().toISOString()} ${line}\n`));
      const failed = summary.datasets.flatMap((d) =>
        d.subjects.filter((s) => s.status === 'failed'),
      );
      if (o.json) out(JSON.stringify(summary) + '\n');
      else
        out(
          `done${summary.synthetic ? ' (SYNTHETIC data)' : ''}: results in ${summary.resultsDir}\n`,
        );
      if (o.strict && failed.length)
        throw new Error(`${failed.length} subject(s) failed (--strict)`);
    });

  return program;
}

/** Run the CLI; returns the exit code. */
export async function main(
  argv: readonly string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const program = buildProgram(out, err);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit with 0; usage errors were already printed by commander
      return e.exitCode;
    }
    const msg = e instanceof ConfigError || e instanceof Error ? e.message : String(e);
    err(`emo: ${msg.split('\n')[0]}\n`);
    return 1;
  }
}
