/**
 * Executors: where a task that missed the cache runs. The engine plans and follows the graph; an
 * executor runs one task and commits its output under the task's key. The embedded one
 * ({@link localExecutor}) runs the stage in this process; the queue executor (../queue/) hands the
 * task, as data, to `emo worker` processes on any machine that shares the store.
 *
 * A {@link TaskSpec} is everything a task's output may depend on, and nothing about where things
 * lie: the worker finds inputs in its store by key and dataset files under its own roots.
 */
import type { JsonValue } from './hash.js';
import type { KeyMaterial, SourceRef } from './keys.js';
import type { StageParams } from './pipeline.js';
import type { Inputs, ProgressEvent, Stage } from './stage.js';
import type { ObjectMeta, Store } from './store.js';

/** An input artifact of a task, by the key it is stored under. */
export interface TaskInput {
  readonly stage: string;
  readonly shard: string | null;
  readonly key: string;
  readonly hash: string;
}

/** One task as data: what a worker elsewhere needs to run it. */
export interface TaskSpec {
  readonly key: string;
  readonly stage: string;
  readonly shard: string | null;
  /** The stage's code version the key was computed with. */
  readonly version: string;
  /**
   * The validated parameters as the stage receives them, keys in their order (a stage may write
   * them into its output; the key uses them sorted).
   */
  readonly params: JsonValue;
  /** The input artifacts by dependency, in the order the stage receives them. */
  readonly inputs: Readonly<Record<string, readonly TaskInput[]>>;
  /** The raw sources as they entered the key. */
  readonly sources: readonly SourceRef[];
}

/** A task as the engine hands it to an executor: the data, and the objects to run it here. */
export interface Task {
  readonly spec: TaskSpec;
  readonly stage: Stage<unknown>;
  readonly params: StageParams;
  readonly inputs: Inputs;
  readonly material: KeyMaterial;
}

export interface ExecuteOptions {
  /** Aborted when the run is cancelled: stop, and commit nothing. */
  readonly signal: AbortSignal;
  /** The task's progress events (wherever it runs). */
  readonly onEvent: (e: ProgressEvent) => void;
}

export interface Executor {
  /** Resolves with the committed object once the task's output is in the store. */
  execute(task: Task, opts: ExecuteOptions): Promise<ObjectMeta>;
}

/** The data of a task (see {@link TaskSpec}). */
export function taskSpec(
  key: string,
  stage: Stage<unknown>,
  params: StageParams,
  shard: string | null,
  inputs: Inputs,
  material: KeyMaterial,
): TaskSpec {
  return {
    key,
    stage: stage.id,
    shard,
    version: stage.version,
    params: JSON.parse(JSON.stringify(params.value)) as JsonValue,
    inputs: Object.fromEntries(
      Object.entries(inputs).map(([dep, list]) => [
        dep,
        list.map((a) => ({ stage: a.stage, shard: a.shard, key: a.key, hash: a.hash })),
      ]),
    ),
    sources: material.sources,
  };
}

/**
 * Run `task`'s stage in this process into a temporary folder of `store` and commit it under the
 * task's key (a key committed meanwhile by someone else is kept, and this output dropped).
 */
export function runTaskHere(store: Store, task: Task, opts: ExecuteOptions): Promise<ObjectMeta> {
  const { stage, spec, material } = task;
  return new Promise<ObjectMeta>((resolve, reject) => {
    const staging = store.begin();
    const ac = new AbortController();
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      f();
    };
    const fail = (err: unknown): void =>
      settle(() => {
        store.discard(staging);
        reject(err);
      });
    const onAbort = (): void => {
      ac.abort(opts.signal.reason);
      inner?.unsubscribe();
      fail(new Error('cancelled'));
    };
    let inner: { unsubscribe(): void } | undefined;
    if (opts.signal.aborted) return fail(new Error('cancelled'));
    opts.signal.addEventListener('abort', onAbort, { once: true });
    try {
      inner = stage
        .run({
          stage: stage.id,
          shard: spec.shard,
          params: task.params.value,
          inputs: task.inputs,
          sources: material.sources,
          outDir: staging.out,
          signal: ac.signal,
        })
        .subscribe({
          next: (e) => {
            if (!settled) opts.onEvent(e);
          },
          error: fail,
          complete: () => {
            if (settled) return;
            store
              .commit(
                staging,
                {
                  key: spec.key,
                  stage: stage.id,
                  shard: spec.shard,
                  version: material.version,
                  params: material.params,
                  inputs: material.inputs,
                  sources: material.sources,
                },
                () => !settled && !ac.signal.aborted,
              )
              .then((meta) => settle(() => resolve(meta)), fail);
          },
        });
    } catch (e) {
      fail(e);
    }
  });
}

/** The embedded executor: every task in this process (and its worker processes). */
export function localExecutor(store: Store): Executor {
  return { execute: (task, opts) => runTaskHere(store, task, opts) };
}
