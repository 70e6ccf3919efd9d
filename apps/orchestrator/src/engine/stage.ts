/**
 * The stage interface: what every pipeline stage implements. A stage is declared as data (id,
 * code version, dependencies, parameter schema, scope) plus up to three functions: `shards`
 * (per-subject stages: which subjects), `sources` (raw files outside the store that its output
 * depends on) and `run` (do the work, writing into `ctx.outDir`, reporting progress as an
 * Observable). The engine does everything else: validation, cache keys, the store, scheduling,
 * manifests. See README.md beside this file.
 */
import { Observable } from 'rxjs';
import type { z } from 'zod';
import type { SourceRef } from './keys.js';

/** What a running stage reports. `done`/`total` count whatever unit the stage likes. */
export type ProgressEvent =
  | {
      readonly kind: 'progress';
      readonly done: number;
      readonly total?: number;
      readonly message?: string;
    }
  | { readonly kind: 'log'; readonly message: string };

/** `global`: one task. `subject`: one task per shard (subject id). */
export type Scope = 'global' | 'subject';

/** A committed output of one task, read-only. */
export interface Artifact {
  readonly stage: string;
  /** The shard id, null for a global stage's artifact. */
  readonly shard: string | null;
  /** The cache key it is stored under. */
  readonly key: string;
  /** Absolute path of the output folder (what the producing stage wrote into its outDir). */
  readonly path: string;
  /** Content hash of that folder. */
  readonly hash: string;
}

/**
 * Input artifacts by dependency stage id, each list sorted by shard:
 * - a global dependency: its one artifact;
 * - a per-subject dependency of a per-subject stage: that subject's artifact only, unless the
 *   stage lists it in `gather`;
 * - a per-subject dependency of a global stage, or one in `gather`: every subject's artifact
 *   (subjects whose task failed are left out; the manifest says which).
 */
export type Inputs = Readonly<Record<string, readonly Artifact[]>>;

export interface ShardsContext<P> {
  readonly params: P;
  readonly inputs: Inputs;
}

export interface SourcesContext<P> {
  readonly params: P;
  readonly inputs: Inputs;
  readonly shard: string | null;
}

export interface RunContext<P> {
  readonly stage: string;
  /** The subject id for a per-subject stage, null for a global one. */
  readonly shard: string | null;
  /** Validated parameters (schema defaults applied). */
  readonly params: P;
  readonly inputs: Inputs;
  /** The raw sources this task declared, with their content hashes. */
  readonly sources: readonly SourceRef[];
  /**
   * An empty folder to write the output into. The engine hashes it and renames it into the
   * store only when `run`'s Observable completes; on error or cancellation it is deleted.
   */
  readonly outDir: string;
  /** Aborted when the run is cancelled (Ctrl-C, --strict after a failure): stop early. */
  readonly signal: AbortSignal;
}

/**
 * A source file given relative to a named folder: `root` is where the folder lies on this
 * machine, `name` what the key calls it (`deap`), `path` the file inside it ('/' separators).
 */
export interface RootedSource {
  readonly name: string;
  readonly root: string;
  readonly path: string;
}

/** An absolute path (it enters the key as it is), or a file inside a named folder. */
export type Source = string | RootedSource;

/** Which shards of a dependency one task reads: a subset of `shards`, the dependency's. */
export type ShardSelector = (shard: string, shards: readonly string[]) => readonly string[];

export interface Stage<P = unknown> {
  /** Unique id, also the name in config files, manifests and messages (`[a-z][a-z0-9-]*`). */
  readonly id: string;
  /** Code version: change it (or derive it from the built code) when the output would change. */
  readonly version: string;
  /** Ids of the stages whose outputs this stage reads. */
  readonly deps: readonly string[];
  /**
   * Per-subject stages: ids of per-subject dependencies (a subset of `deps`) whose EVERY shard
   * each task reads, as a global stage does (failed shards left out and listed as missing, the
   * task skipped when all failed), instead of the artifact of its own shard. For a fan-out over
   * ids that are not subjects, e.g. `train` over model×fold shards, each reading every subject's
   * features. A stage that gathers all its per-subject dependencies needs `shards()`.
   */
  readonly gather?: readonly string[];
  /**
   * Per-subject stages: per-subject dependencies of which each task reads only the shards this
   * function picks from the dependency's shard ids, as `gather` does but not all of them — e.g.
   * `train` task `valence2.subject-kfold-3.hybrid.f0` reads `split` shard `valence2` only. Only
   * the picked artifacts enter the task's key, so a new shard upstream (a task added to the
   * config) re-runs nothing that reads others. Picking no shard skips the task. A stage that
   * selects or gathers all its per-subject dependencies needs `shards()`.
   */
  readonly select?: Readonly<Record<string, ShardSelector>>;
  /**
   * The part of the validated parameters that enters every task's key and record (default: all
   * of them). Leave out a parameter that only lists the shards — e.g. `split`'s list of tasks,
   * each task being a shard whose id is in its key — so that adding a shard re-runs nothing
   * that exists. `run` must not read what this leaves out.
   */
  keyParams?(params: P): unknown;
  /** Parameter schema; the config's `params[id]` (or `{}`) is validated against it. */
  readonly params: z.ZodType<P>;
  readonly scope: Scope;
  /** One line for `emo plan` and the README. */
  readonly description?: string;
  /**
   * Per-subject stages: the shard ids to run, from the parameters and the inputs (every
   * upstream artifact). When absent the shards are those of the per-subject dependencies that
   * are not in `gather`.
   */
  shards?(ctx: ShardsContext<P>): readonly string[] | Promise<readonly string[]>;
  /**
   * Raw files or folders outside the store that this task reads (e.g. one subject's download);
   * their content hashes join the cache key, so editing one re-runs only the tasks that read it.
   * A source inside a named folder ({@link RootedSource}, e.g. a dataset's download) enters the
   * key by its path inside that folder, so the key does not depend on where the folder lies.
   */
  sources?(ctx: SourcesContext<P>): readonly Source[] | Promise<readonly Source[]>;
  /** Do the work; the Observable completes when the output in `ctx.outDir` is complete. */
  run(ctx: RunContext<P>): Observable<ProgressEvent>;
}

/**
 * True when each task of `stage` reads every shard of its per-subject dependency `dep`: the
 * stage is global, or it lists `dep` in `gather`.
 */
export function gathers(stage: Stage<unknown>, dep: string): boolean {
  return stage.scope === 'global' || (stage.gather?.includes(dep) ?? false);
}

/** The selector through which each task of `stage` picks shards of `dep`, if it has one. */
export function selectorOf(stage: Stage<unknown>, dep: string): ShardSelector | null {
  return stage.scope === 'subject' ? (stage.select?.[dep] ?? null) : null;
}

/** True when each task of `stage` reads only its own shard of the per-subject dependency `dep`. */
export function readsOwnShard(stage: Stage<unknown>, dep: string): boolean {
  return !gathers(stage, dep) && selectorOf(stage, dep) === null;
}

/**
 * The shards a task of `stage` reads of `dep` through its selector, checked to be shards of
 * `dep` (throws naming the stage, the task and the shard otherwise).
 */
export function selectShards(
  stage: Stage<unknown>,
  dep: string,
  shard: string | null,
  shards: readonly (string | null)[],
): string[] {
  const pick = selectorOf(stage, dep);
  if (!pick || shard === null) throw new Error(`stage '${stage.id}' selects no shards of '${dep}'`);
  const known = shards.filter((s): s is string => s !== null);
  const out = [...pick(shard, known)];
  for (const s of out) {
    if (!known.includes(s)) {
      throw new Error(
        `stage '${stage.id}' task '${shard}' selects '${s}', not a shard of '${dep}'`,
      );
    }
  }
  return out;
}

/** Identity function that lets TypeScript infer `P` from the schema. */
export function defineStage<P>(stage: Stage<P>): Stage<P> {
  return stage;
}

/** The one artifact of dependency `stage` (throws when there is not exactly one). */
export function inputOf(inputs: Inputs, stage: string): Artifact {
  const list = inputs[stage];
  if (!list || list.length !== 1) {
    throw new Error(`expected exactly one input from stage '${stage}', got ${list?.length ?? 0}`);
  }
  return list[0];
}

/**
 * Wrap async code as a stage's `run` Observable: `emit` reports progress, `signal` aborts when
 * the subscriber unsubscribes. Resolving completes the Observable, rejecting errors it.
 */
export function stageTask(
  body: (emit: (e: ProgressEvent) => void, signal: AbortSignal) => Promise<void>,
): Observable<ProgressEvent> {
  return new Observable<ProgressEvent>((sub) => {
    const ac = new AbortController();
    body((e) => {
      if (!ac.signal.aborted) sub.next(e);
    }, ac.signal).then(
      () => sub.complete(),
      (err: unknown) => sub.error(err),
    );
    return () => ac.abort();
  });
}
