/**
 * `emo worker`: takes pipeline tasks from the queue and runs them with the same stage code as a
 * local run, committing each output into the shared store under its key. Before anything runs, a
 * job is checked: it must name one of this worker's stages at the same code version, with
 * parameters the stage accepts, inputs that are in this store, and — once this worker has
 * fingerprinted the sources under its own dataset roots — the very key it claims. A job that
 * fails a check is refused with one line and never retried (the coordinator reports it); a task
 * whose output is already in the store is answered at once.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { EmoConfig } from '../config.js';
import {
  FingerprintMemo,
  canonicalJson,
  definePipeline,
  openStore,
  resolveKey,
  runTaskHere,
  stageParams,
  toJsonValue,
} from '../engine/index.js';
import type { Artifact, Pipeline, Stage, StageParams, Store } from '../engine/index.js';
import { buildPipeline } from '../pipeline.js';
import { parseQueueUrl } from './connection.js';
import { QUEUE_DEFAULTS } from './coordinator.js';
import { QUEUE_NAME, taskJobSchema } from './job.js';
import type { TaskJob, TaskJobResult } from './job.js';

export interface WorkerOptions {
  readonly url: string;
  /** The worker's config: its store and where it has each download. */
  readonly config: EmoConfig;
  /** Tasks at once (default: 1). */
  readonly jobs?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /** One line per task taken, done or refused. */
  readonly log?: (line: string) => void;
  /**
   * The stages this worker runs (benchmarks and tests); default emo's pipeline built from
   * `config`, synthetic or not as each job says.
   */
  readonly pipeline?: (synthetic: boolean) => Promise<Pipeline>;
}

export interface RunningWorker {
  /** `host:pid`, as `emo status --queue` lists it. */
  readonly name: string;
  readonly display: string;
  /** Stop taking jobs; waits for the running ones. */
  close(): Promise<void>;
}

/** The pipeline a job belongs to, built once per kind (synthetic or not) for this worker. */
function pipelines(config: EmoConfig): (synthetic: boolean) => Promise<Pipeline> {
  const built = new Map<boolean, Promise<Pipeline>>();
  return (synthetic) => {
    let p = built.get(synthetic);
    if (!p) {
      const cfg: EmoConfig = synthetic ? { ...config, datasets: {} } : config;
      p = buildPipeline(cfg).then((b) => definePipeline(b.stages));
      built.set(synthetic, p);
    }
    return p;
  };
}

/** Check a job against this worker's pipeline and store; returns what runTaskHere needs. */
async function checkJob(
  name: string,
  job: TaskJob,
  pipeline: Pipeline,
  store: Store,
  memo: FingerprintMemo,
  config: EmoConfig,
) {
  const { spec } = job;
  const refuse = (why: string): never => {
    throw new UnrecoverableError(`worker ${name}: ${spec.stage}/${spec.shard ?? '-'}: ${why}`);
  };
  const stage = pipeline.byId.get(spec.stage) as Stage<unknown> | undefined;
  if (!stage) return refuse(`no stage '${spec.stage}' in this worker's pipeline`);
  if (stage.version !== spec.version) {
    return refuse(
      `code version ${stage.version} here, the job was planned with ${spec.version} (run the same build everywhere)`,
    );
  }
  if (!job.synthetic && Object.keys(config.datasets).length === 0) {
    return refuse('this worker has no dataset roots (--deap/--amigos or its config)');
  }
  const parsed = stage.params.safeParse(spec.params);
  if (!parsed.success) return refuse(`parameters rejected: ${parsed.error.issues[0]?.message}`);
  const params: StageParams = stageParams(stage, parsed.data);
  if (canonicalJson(toJsonValue(parsed.data)) !== canonicalJson(spec.params)) {
    return refuse('parameters differ once validated here (another build?)');
  }
  const inputs: Record<string, Artifact[]> = {};
  for (const [dep, list] of Object.entries(spec.inputs)) {
    if (!stage.deps.includes(dep)) return refuse(`'${dep}' is not an input of ${stage.id}`);
    inputs[dep] = list.map((i) => {
      const meta = store.meta(i.key);
      if (!meta || meta.outputHash !== i.hash) {
        return refuse(`input ${i.stage}/${i.shard ?? '-'} (${i.key}) is not in ${store.root}`);
      }
      return { stage: i.stage, shard: i.shard, key: i.key, hash: i.hash, path: store.path(i.key) };
    });
  }
  const r = await resolveKey(stage, params, spec.shard, inputs, memo).catch((e: unknown) =>
    refuse(`cannot read its sources here: ${(e as Error).message}`),
  );
  if (r.key !== spec.key) {
    return refuse(
      `its key is ${r.key} here, not ${spec.key}: its sources differ on this machine (another download, or files changed)`,
    );
  }
  return { stage, params, inputs, material: r.material };
}

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const { connection, display } = parseQueueUrl(o.url);
  const store = openStore(o.config.store);
  store.init();
  const name = `${hostname()}:${process.pid}`;
  const log = o.log ?? (() => undefined);
  const pipelineFor = o.pipeline ?? pipelines(o.config);
  // raw files hashed by this worker (its own memo, in memory: the store's file is the runs')
  const memo = new FingerprintMemo(null);
  const processor = async (job: Job<TaskJob>): Promise<TaskJobResult> => {
    const parsed = taskJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UnrecoverableError(
        `worker ${name}: job ${job.id} is not an emo task (${issue?.path.join('.')}: ${issue?.message})`,
      );
    }
    const data = parsed.data as TaskJob;
    const { spec } = data;
    const label = `${spec.stage}${spec.shard ? `/${spec.shard}` : ''}`;
    const pipeline = await pipelineFor(data.synthetic);
    const checked = await checkJob(name, data, pipeline, store, memo, o.config);
    const done = store.meta(spec.key);
    if (done) {
      log(`${label}: already in the store`);
      return { key: spec.key, outputHash: done.outputHash, cached: true, worker: name };
    }
    log(`${label}: start (attempt ${job.attemptsMade + 1})`);
    const t0 = Date.now();
    const meta = await runTaskHere(
      store,
      { spec, ...checked },
      {
        signal: new AbortController().signal,
        onEvent: (e) => void job.updateProgress(e).catch(() => undefined),
      },
    );
    log(`${label}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { key: spec.key, outputHash: meta.outputHash, cached: false, worker: name };
  };
  const worker = new Worker<TaskJob, TaskJobResult>(QUEUE_NAME, processor, {
    connection,
    name,
    concurrency: o.jobs ?? 1,
    lockDuration: o.lockDurationMs ?? QUEUE_DEFAULTS.lockDurationMs,
    stalledInterval: o.stalledIntervalMs ?? QUEUE_DEFAULTS.stalledIntervalMs,
    maxStalledCount: QUEUE_DEFAULTS.maxStalledCount,
  });
  worker.on('failed', (job, e) => {
    if (job) log(`${job.name}/${job.data.spec?.shard ?? '-'}: failed: ${e.message}`);
  });
  worker.on('error', (e) => log(`queue error: ${e.message}`));
  await worker.waitUntilReady();
  return { name, display, close: () => worker.close() };
}
