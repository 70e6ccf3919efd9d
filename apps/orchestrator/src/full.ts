/**
 * `emo full`, `emo plan`, `emo status`, `emo gc`: the pipeline of src/pipeline.ts run by the
 * engine of src/engine/, and the results written where a person looks for them.
 */
import { availableParallelism } from 'node:os';
import type { GcReport, Plan, RunEvent, RunManifest } from './engine/index.js';
import {
  gc,
  openStore,
  planPipeline,
  readLatestManifest,
  runPipelineToEnd,
} from './engine/index.js';
import type { EmoConfig } from './config.js';
import { STAGE_IDS, buildPipeline } from './pipeline.js';
import type { ResultsWritten } from './results.js';
import { writeResults } from './results.js';
import { loadModelRuntime } from './model-runtime.js';

export interface FullOptions {
  readonly jobs?: number;
  readonly strict?: boolean;
  /** Run the DAG only up to these stages (per-stage nx targets). */
  readonly until?: readonly string[];
  /** Where the config came from (recorded in the manifest). */
  readonly configSource?: string;
  readonly onEvent?: (e: RunEvent) => void;
  readonly signal?: AbortSignal;
  /**
   * Run the tasks on `emo worker` processes through this queue (redis://…) instead of here;
   * the results are the same.
   */
  readonly queue?: string;
}

export interface FullResult {
  readonly manifest: RunManifest;
  readonly manifestPath: string;
  readonly results: ResultsWritten;
  readonly synthetic: boolean;
}

/**
 * The tfjs backend the train stage's worker processes select (by the same rule, with the same
 * EMO_TF_BACKEND), for the manifest; loads tfjs only when the run reaches the train stage.
 */
async function tfBackendOf(stages: readonly { id: string }[], until?: readonly string[]) {
  const trains = stages.some((s) => s.id === 'train');
  const reached =
    !until ||
    until.length === 0 ||
    until.some((id) => STAGE_IDS.indexOf(id as never) >= STAGE_IDS.indexOf('train'));
  if (!trains || !reached) return 'none (no train stage in this run)';
  const { describeBackend, selectBackend } = await loadModelRuntime();
  return describeBackend(await selectBackend({ quiet: true }));
}

/** The pipeline, after checking that every --until stage is in it. */
async function pipelineFor(config: EmoConfig, until?: readonly string[]) {
  const p = await buildPipeline(config);
  for (const id of until ?? []) {
    if (!p.stages.some((s) => s.id === id)) {
      throw new Error(
        id === 'synth' && !p.synthetic
          ? '--until synth: a dataset is configured, so the pipeline has no synth stage'
          : `--until ${id}: no such stage (stages: ${p.stages.map((s) => s.id).join(', ')})`,
      );
    }
  }
  return p;
}

export async function runFull(config: EmoConfig, o: FullOptions = {}): Promise<FullResult> {
  const p = await pipelineFor(config, o.until);
  const tfBackend = await tfBackendOf(p.stages, o.until);
  // BullMQ is loaded only for a queue run
  const queue = o.queue ? await import('./queue/index.js') : undefined;
  const executor =
    o.queue && queue
      ? await queue.queueExecutor({
          url: o.queue,
          store: openStore(config.store),
          synthetic: p.synthetic,
        })
      : undefined;
  const { manifest, manifestPath } = await runPipelineToEnd(
    p.stages,
    {
      executor,
      store: config.store,
      params: p.params,
      // a queue run enqueues every ready task (the workers pull); a local one runs --jobs
      jobs: o.jobs ?? (queue ? queue.QUEUE_DEFAULTS.inFlight : availableParallelism()),
      strict: o.strict ?? false,
      targets: o.until && o.until.length > 0 ? o.until : undefined,
      info: {
        config: o.configSource ?? '(defaults)',
        synthetic: p.synthetic,
        datasets: p.synthetic
          ? 'SYNTHETIC corpus (no dataset configured)'
          : Object.entries(config.datasets)
              .map(([k, v]) => `${k}: ${v.root}`)
              .join('; '),
        tfBackend,
        executor: executor ? `queue ${executor.display}` : 'local',
      },
    },
    { onEvent: o.onEvent, signal: o.signal },
  ).finally(() => executor?.close());
  // results/latest follows runs that reach the report (not a team's run of its own stage)
  const results = writeResults(
    config.results,
    manifest,
    manifestPath,
    !o.until || o.until.length === 0 || o.until.includes('report'),
  );
  return { manifest, manifestPath, results, synthetic: p.synthetic };
}

export async function planFull(
  config: EmoConfig,
  until?: readonly string[],
): Promise<Plan & { synthetic: boolean }> {
  const p = await pipelineFor(config, until);
  const plan = await planPipeline(p.stages, {
    store: config.store,
    params: p.params,
    targets: until && until.length > 0 ? until : undefined,
  });
  return { ...plan, synthetic: p.synthetic };
}

export function lastRun(config: EmoConfig): RunManifest | null {
  return readLatestManifest(openStore(config.store));
}

export function collectGarbage(
  config: EmoConfig,
  o: { keep?: number; maxBytes?: number; dryRun?: boolean },
): Promise<GcReport> {
  return gc({ store: config.store, keep: o.keep, maxBytes: o.maxBytes, dryRun: o.dryRun });
}

/**
 * The exit code of a run: 0 when every task ran or was cached, or when only per-subject tasks
 * failed (they are reported; the other subjects' results stand) and not --strict; 1 when a
 * global stage failed or was skipped, or any task failed under --strict; 130 when interrupted.
 */
export function exitCodeOf(m: RunManifest): number {
  if (m.status === 'ok') return 0;
  if (m.status === 'interrupted') return 130;
  if (m.options.strict) return 1;
  const globalBroken = m.tasks.some(
    (t) => t.shard === null && (t.status === 'failed' || t.status === 'skipped'),
  );
  return globalBroken ? 1 : 0;
}
