/**
 * The `emo` command line. Every sub-command has --help, exits non-zero with a one-line reason
 * on bad input, and prints machine-readable output with --json.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { DatasetName } from '@emo/datasets';
import { EMOTIONS, convertDataset, writeSyntheticCorpus } from '@emo/datasets';
import type { BeatsReport } from '@emo/dsp';
import { analyseEcg, analyseEda, analysePpg, readCsvColumn } from '@emo/dsp';
import { convertImageFolder, convertVideoFaces } from '@emo/vision';
import { ConfigError, loadConfig } from './config.js';
import { RunInterruptedError } from './engine/index.js';
import { collectGarbage, exitCodeOf, lastRun, planFull, runFull } from './full.js';
import { planText, statusText } from './describe.js';
import { createProgress } from './progress.js';
import { addModelCommands } from './cli-model.js';

function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

interface PipelineFlags {
  config?: string;
  store?: string;
  results?: string;
  deap?: string;
  amigos?: string;
  set?: string[];
}

/** An action's exit code other than 0 (the run finished but its outcome is an error). */
class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function exitWith(code: number): never {
  throw new ExitCode(code);
}

function sizeArg(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError('--max-size must look like 500M, 20G or a byte count');
  const mult = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2].toLowerCase()] ?? 1;
  return Math.floor(Number(m[1]) * mult);
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export function buildProgram(
  out: (s: string) => void,
  err: (s: string) => void,
  /** The real stderr when `err` writes to it (live progress bars on a terminal). */
  stderr?: NodeJS.WriteStream,
): Command {
  const progressStream = (): NodeJS.WritableStream =>
    stderr ??
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        err(chunk.toString());
        done();
      },
    });
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

  // Single-purpose tools on a user's own CSV files (NeuroKit-style).
  const fsArg = (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError('--fs must be a positive number (Hz)');
    return n;
  };
  const signalCommand = (name: string, what: string) =>
    program
      .command(name)
      .description(what)
      .requiredOption('--input <file>', 'CSV or gzipped CSV with a header row')
      .requiredOption('--column <name>', 'the column holding the signal')
      .requiredOption('--fs <hz>', 'sampling rate (Hz)', fsArg)
      .option('--json', 'print the result as JSON');
  const beatsText = (label: string, r: BeatsReport): string => {
    const h = r.hrv;
    const f = (k: string, unit: string, d = 1) =>
      h[k] === null || h[k] === undefined
        ? `${k} n/a`
        : `${k} ${(h[k] as number).toFixed(d)}${unit}`;
    return (
      `${r.peaks.length} ${label}${r.corrections ? ` (${r.corrections} corrected)` : ''}; ` +
      [
        f('MeanHR', ' bpm'),
        f('MeanNN', ' ms'),
        f('SDNN', ' ms'),
        f('RMSSD', ' ms'),
        f('pNN50', ' %'),
        f('LFHF', '', 3),
      ].join(', ') +
      '\n'
    );
  };
  signalCommand('ecg', 'R-peaks (sample indices of the input) and HRV of an ECG column')
    .option('--powerline <hz>', 'mains notch: 50, 60 or none', '50')
    .option('--no-correct', 'keep the detected beats as they are (no artefact correction)')
    .action(
      (o: {
        input: string;
        column: string;
        fs: number;
        powerline: string;
        correct: boolean;
        json?: boolean;
      }) => {
        if (!['50', '60', 'none'].includes(o.powerline))
          throw new Error('--powerline must be 50, 60 or none');
        const x = readCsvColumn(resolve(o.input), o.column);
        const r = analyseEcg(x, o.fs, {
          powerline: o.powerline === 'none' ? 'none' : (Number(o.powerline) as 50 | 60),
          correct: o.correct,
        });
        if (o.json) {
          out(
            JSON.stringify({
              fs: r.fs,
              rpeaks: r.peaks,
              inverted: r.inverted,
              corrections: r.corrections,
              hrv: r.hrv,
              warnings: r.warnings,
            }) + '\n',
          );
          return;
        }
        out(beatsText(`R-peaks${r.inverted ? ' (inverted lead)' : ''}`, r));
        for (const w of r.warnings) err(`warning: ${w}\n`);
      },
    );
  signalCommand('ppg', 'pulse peaks and HRV of a PPG column')
    .option('--no-correct', 'keep the detected beats as they are (no artefact correction)')
    .action(
      (o: { input: string; column: string; fs: number; correct: boolean; json?: boolean }) => {
        const x = readCsvColumn(resolve(o.input), o.column);
        const r = analysePpg(x, o.fs, { correct: o.correct });
        if (o.json) {
          out(
            JSON.stringify({
              fs: r.fs,
              peaks: r.peaks,
              corrections: r.corrections,
              hrv: r.hrv,
              warnings: r.warnings,
            }) + '\n',
          );
          return;
        }
        out(beatsText('pulse peaks', r));
        for (const w of r.warnings) err(`warning: ${w}\n`);
      },
    );
  signalCommand('eda', 'tonic/phasic split, SCR onsets/peaks/amplitudes and EDA features')
    .option('--unit <unit>', 'uS (conductance) or ohm (resistance, converted to µS)', 'uS')
    .option('--out <file>', 'also write tonic and phasic as CSV columns')
    .action(
      (o: {
        input: string;
        column: string;
        fs: number;
        unit: string;
        out?: string;
        json?: boolean;
      }) => {
        if (o.unit !== 'uS' && o.unit !== 'ohm') throw new Error('--unit must be uS or ohm');
        const x = readCsvColumn(resolve(o.input), o.column);
        const r = analyseEda(x, o.fs, { unit: o.unit });
        if (o.out) {
          const lines = ['tonic_uS,phasic_uS'];
          for (let i = 0; i < r.tonic.length; i++) lines.push(`${r.tonic[i]},${r.phasic[i]}`);
          writeFileSync(resolve(o.out), lines.join('\n') + '\n');
        }
        if (o.json) {
          out(
            JSON.stringify({
              fs: r.fs,
              unit: r.unit,
              scr: r.scr,
              features: r.features,
              warnings: r.warnings,
            }) + '\n',
          );
          return;
        }
        const amp = r.scr.amplitudes;
        out(
          `${amp.length} SCRs${amp.length ? ` (amplitude ${Math.min(...amp).toFixed(2)}–${Math.max(...amp).toFixed(2)} µS)` : ''}; ` +
            `SCL mean ${r.features.SCL_mean?.toFixed(2) ?? 'n/a'} µS\n`,
        );
        for (const w of r.warnings) err(`warning: ${w}\n`);
      },
    );

  program
    .command('faces')
    .description(
      '48×48 equalised face crops of a video, or of an image folder (a folder per label, or a path,label CSV)',
    )
    .option('--video <file>', 'a video: one crop per sampled frame')
    .option('--images <dir>', 'an image folder (one sub-folder per label, or with --labels)')
    .option('--labels <csv>', 'a CSV of path,label (paths relative to the CSV)')
    .requiredOption('--out <file>', 'the faces shard to write (.arrow)')
    .option('--fps <n>', 'frames per second sampled from a video', fsArg, 2)
    .option('--equalize <m>', 'hist (global), clahe or none', 'hist')
    .option('--detect', 'images: detect and crop the face (default: images are crops already)')
    .option('--json', 'print {"frames", "faces_found", "rows"}')
    .action(
      async (o: {
        video?: string;
        images?: string;
        labels?: string;
        out: string;
        fps: number;
        equalize: string;
        detect?: boolean;
        json?: boolean;
      }) => {
        if (!['hist', 'clahe', 'none'].includes(o.equalize)) {
          throw new Error('--equalize must be hist, clahe or none');
        }
        const equalize = o.equalize as 'hist' | 'clahe' | 'none';
        if ((o.video ? 1 : 0) + (o.images || o.labels ? 1 : 0) !== 1) {
          throw new Error('give either --video FILE, or --images DIR [--labels CSV]');
        }
        let res: { frames: number; faces_found: number; rows: number };
        if (o.video) {
          const r = await convertVideoFaces({
            video: resolve(o.video),
            out: resolve(o.out),
            sampleFps: o.fps,
            equalize,
          });
          res = { frames: r.frames, faces_found: r.facesFound, rows: r.rows };
        } else {
          const r = await convertImageFolder({
            ...(o.labels ? { csv: resolve(o.labels) } : { root: resolve(o.images ?? '.') }),
            out: resolve(o.out),
            equalisation: equalize === 'hist' ? 'global' : equalize,
            detect: o.detect ?? false,
          });
          const given = r.crops.given + r.crops.detected + r.crops.undeclared + r.crops.noFace;
          res = {
            frames: given + r.crops.blank,
            faces_found: r.crops.given + r.crops.detected,
            rows: r.rows,
          };
          if (!o.json) {
            for (const u of r.unreadable) err(`unreadable: ${u.path}: ${u.error}\n`);
            const left = Object.entries(r.leftOut).map(([k, n]) => `${k} ${n}`);
            if (left.length) err(`left out by the label mapping: ${left.join(', ')}\n`);
          }
        }
        out(
          o.json
            ? JSON.stringify(res) + '\n'
            : `${res.rows} crops written to ${resolve(o.out)}; a face in ${res.faces_found} of ${res.frames} images/frames\n`,
        );
      },
    );

  addModelCommands(program, out, err);

  /** Options every pipeline command shares: the config file and its overrides. */
  const withConfig = (cmd: Command): Command =>
    cmd
      .option('--config <file>', 'emo.config.json to use (default ./emo.config.json if present)')
      .option('--store <dir>', 'content-addressed store (config `store`, default .emo)')
      .option('--results <dir>', 'results folder (config `results`, default results)')
      .option('--deap <dir>', 'DEAP download (config `datasets.deap.root`)')
      .option('--amigos <dir>', 'AMIGOS download (config `datasets.amigos.root`)')
      .option(
        '--set <key=value>',
        'override a config value, e.g. --set convert.nanPolicy=keep (repeatable; JSON values)',
        (v: string, prev: string[] = []) => [...prev, v],
      );
  const configOf = (o: PipelineFlags) =>
    loadConfig(o.config, process.cwd(), {
      set: o.set,
      store: o.store,
      results: o.results,
      deap: o.deap,
      amigos: o.amigos,
    });
  const untilArg = (v: string, prev: string[] = []): string[] => [
    ...prev,
    ...v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ];

  withConfig(
    program
      .command('full')
      .description(
        'run the whole pipeline, re-running only what changed (synthetic corpus when no dataset is configured)',
      ),
  )
    .option('--jobs <n>', 'tasks at once (default: the number of cores)', intArg('--jobs', 1, 256))
    .option('--strict', 'stop at the first failed task and exit non-zero')
    .option('--until <stage>', 'run the DAG only up to this stage (repeatable)', untilArg)
    .option('--json', 'print the outcome as JSON')
    .action(
      async (
        o: PipelineFlags & { jobs?: number; strict?: boolean; until?: string[]; json?: boolean },
      ) => {
        const { config, source } = configOf(o);
        const progress = createProgress({ stream: progressStream() });
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        let r;
        try {
          r = await runFull(config, {
            jobs: o.jobs,
            strict: o.strict,
            until: o.until,
            configSource: source,
            onEvent: (e) => progress.onEvent(e),
            signal: ac.signal,
          });
        } catch (e) {
          if (e instanceof RunInterruptedError) {
            progress.stop();
            err('emo: interrupted; the store is consistent and the next run resumes from it\n');
            return exitWith(130);
          }
          throw e;
        } finally {
          progress.stop();
          process.removeListener('SIGINT', stop);
          process.removeListener('SIGTERM', stop);
        }
        const m = r.manifest;
        const code = exitCodeOf(m);
        if (o.json) {
          out(
            JSON.stringify({
              runId: m.runId,
              status: m.status,
              exitCode: code,
              synthetic: r.synthetic,
              counts: m.counts,
              manifest: r.manifestPath,
              results: r.results.dir,
              latest: r.results.latest,
            }) + '\n',
          );
        } else {
          out(
            `run ${m.runId} ${m.status}${r.synthetic ? ' (SYNTHETIC data)' : ''}: ${m.counts.ran} ran, ${m.counts.hit} cached, ${m.counts.failed} failed, ${m.counts.skipped} skipped; results in ${r.results.latest ?? r.results.dir}\n`,
          );
          if (m.status === 'failed' && code === 0) {
            out(
              `note: ${m.counts.failed} subject task(s) failed and are listed in the report; --strict makes this an error\n`,
            );
          }
        }
        if (code !== 0) {
          if (m.status === 'failed') {
            const f = m.tasks.find((t) => t.status === 'failed' || t.status === 'skipped');
            const what = f
              ? `${f.shard === null ? f.stage : `${f.stage}/${f.shard}`}: ${(f.error ?? f.reason).split('\n')[0]}`
              : '';
            err(`emo: run ${m.runId} failed (${what}); see ${r.results.dir}/report.md\n`);
          }
          return exitWith(code);
        }
      },
    );

  withConfig(
    program.command('plan').description('what `emo full` would run, and why, without running it'),
  )
    .option('--until <stage>', 'plan the DAG only up to this stage (repeatable)', untilArg)
    .option('--all', 'list cached tasks one by one too (default: a count per stage)')
    .option('--json', 'print {"tasks": [{stage, shard, action, reason}]}')
    .action(async (o: PipelineFlags & { until?: string[]; all?: boolean; json?: boolean }) => {
      const { config } = configOf(o);
      const plan = await planFull(config, o.until);
      if (o.json) {
        out(
          JSON.stringify({
            previousRunId: plan.previousRunId,
            synthetic: plan.synthetic,
            tasks: plan.tasks.map((t) => ({
              stage: t.stage,
              shard: t.shard,
              action: t.action,
              reason: t.reason,
            })),
          }) + '\n',
        );
        return;
      }
      out(planText(plan, o.all ?? false));
    });

  withConfig(program.command('status').description("the last run's manifest, summarised"))
    .option('--json', 'print the whole manifest')
    .action((o: PipelineFlags & { json?: boolean }) => {
      const { config } = configOf(o);
      const m = lastRun(config);
      if (!m) {
        if (o.json) out('null\n');
        else out(`no run recorded in ${config.store} yet\n`);
        return;
      }
      out(o.json ? JSON.stringify(m) + '\n' : statusText(m));
    });

  withConfig(
    program.command('gc').description('remove store objects that no kept run manifest references'),
  )
    .option('--keep <n>', 'runs whose objects are kept', intArg('--keep', 1, 1_000_000), 5)
    .option(
      '--max-size <size>',
      'also drop the oldest objects beyond this size (e.g. 20G, 500M)',
      sizeArg,
    )
    .option('--dry-run', 'say what would be removed, remove nothing')
    .option('--json', 'print the report as JSON')
    .action(
      async (
        o: PipelineFlags & { keep: number; maxSize?: number; dryRun?: boolean; json?: boolean },
      ) => {
        const { config } = configOf(o);
        const r = await collectGarbage(config, {
          keep: o.keep,
          maxBytes: o.maxSize,
          dryRun: o.dryRun,
        });
        if (o.json) {
          out(JSON.stringify(r) + '\n');
          return;
        }
        out(
          `${r.dryRun ? 'would remove' : 'removed'} ${r.removed.length} object(s), ${mb(r.freedBytes)}, and ${r.removedRuns.length} old run manifest(s); kept ${r.keptObjects} object(s), ${mb(r.keptBytes)}, of the last ${r.keptRuns.length} run(s)\n`,
        );
      },
    );

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
