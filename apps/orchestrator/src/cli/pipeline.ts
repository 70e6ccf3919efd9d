// `emo full`, `emo plan`, `emo status` and `emo gc`: the pipeline commands, which share the
// config file and its overrides (--config, --store, --results, --deap, --amigos, --set); and
// `emo schema`, the config file's JSON Schema.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { configJsonSchemaText } from '../config-schema.js';
import { RunInterruptedError } from '../engine/index.js';
import { collectGarbage, exitCodeOf, lastRun, planFull, runFull } from '../full.js';
import { planText, statusText } from '../describe.js';
import { createProgress } from '../progress.js';
import type { CliIo } from './args.js';
import { exitWith, intArg, mb, repeatArg, sizeArg } from './args.js';

interface PipelineFlags {
  config?: string;
  store?: string;
  results?: string;
  deap?: string;
  amigos?: string;
  set?: string[];
}

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
      'override a config value, e.g. --set convert.maxMissingShare=0.2 (repeatable; JSON values)',
      repeatArg,
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

export function addPipelineCommands(program: Command, { out, err, progressStream }: CliIo): void {
  withConfig(
    program
      .command('full')
      .description(
        'run the whole pipeline, re-running only what changed (synthetic corpus when no dataset is configured)',
      ),
  )
    .option(
      '--jobs <n>',
      'tasks at once (default: the number of cores; with --queue, 256 enqueued at once)',
      intArg('--jobs', 1, 256),
    )
    .option('--strict', 'stop at the first failed task and exit non-zero')
    .option('--until <stage>', 'run the DAG only up to this stage (repeatable)', untilArg)
    .option('--json', 'print the outcome as JSON')
    .option(
      '--queue <url>',
      'run the tasks on `emo worker` processes through Redis: redis://[user:password@]host:port[/db]',
    )
    .action(
      async (
        o: PipelineFlags & {
          jobs?: number;
          strict?: boolean;
          until?: string[];
          json?: boolean;
          queue?: string;
        },
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
            queue: o.queue,
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
    .option('--queue <url>', 'also say which workers would run it, and what the queue holds')
    .action(
      async (
        o: PipelineFlags & { until?: string[]; all?: boolean; json?: boolean; queue?: string },
      ) => {
        const { config } = configOf(o);
        const plan = await planFull(config, o.until);
        const queueModule = o.queue ? await import('../queue/index.js') : undefined;
        const queue = o.queue && queueModule ? await queueModule.queueStatus(o.queue) : undefined;
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
              ...(queue ? { queue } : {}),
            }) + '\n',
          );
          return;
        }
        out(planText(plan, o.all ?? false));
        if (queue && queueModule) {
          out(queueModule.queueStatusText(queue));
          if (queue.workers.length === 0) out('no worker is connected: start `emo worker`\n');
        }
      },
    );

  withConfig(program.command('status').description("the last run's manifest, summarised"))
    .option('--json', 'print the whole manifest')
    .option('--queue <url>', "the queue's workers, waiting/running/failed tasks and last errors")
    .action(async (o: PipelineFlags & { json?: boolean; queue?: string }) => {
      if (o.queue) {
        const { queueStatus, queueStatusText } = await import('../queue/index.js');
        const s = await queueStatus(o.queue);
        out(o.json ? JSON.stringify(s) + '\n' : queueStatusText(s));
        return;
      }
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

  program
    .command('schema')
    .description(
      "the JSON Schema of emo.config.json (generated from the config's own schema; for editors)",
    )
    .option('--out <file>', 'write it to this file instead of printing it')
    .action((o: { out?: string }) => {
      const text = configJsonSchemaText();
      if (o.out) writeFileSync(resolve(o.out), text);
      else out(text);
    });
}

/** `emo worker`: run pipeline tasks from a queue (see src/queue/worker.ts). */
export function addWorkerCommand(program: Command, { out }: CliIo): void {
  withConfig(
    program
      .command('worker')
      .description(
        'take pipeline tasks from a Redis queue and run them into the shared store (see `emo full --queue`)',
      ),
  )
    .requiredOption('--queue <url>', 'redis://[user:password@]host:port[/db]')
    .option('--jobs <n>', 'tasks at once (default: 1)', intArg('--jobs', 1, 256))
    .option(
      '--lock-ms <ms>',
      'how long a task may go without a heartbeat before another worker takes it over',
      intArg('--lock-ms', 1000, 3_600_000),
    )
    .action(async (o: PipelineFlags & { queue: string; jobs?: number; lockMs?: number }) => {
      const { config } = configOf(o);
      const { startWorker } = await import('../queue/index.js');
      const line = (s: string) => out(`${new Date().toISOString()} ${s}\n`);
      const w = await startWorker({
        url: o.queue,
        config,
        jobs: o.jobs,
        ...(o.lockMs
          ? { lockDurationMs: o.lockMs, stalledIntervalMs: Math.ceil(o.lockMs / 2) }
          : {}),
        log: line,
      });
      line(`worker ${w.name} on ${w.display}, store ${resolve(config.store)}; Ctrl-C stops it`);
      await new Promise<void>((done) => {
        const stop = () => {
          line('stopping: waiting for the running tasks');
          void w.close().then(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
