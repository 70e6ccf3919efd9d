/**
 * The runner: executes the pipeline as an RxJS graph over the store.
 *
 * - Each task (stage × shard) waits for exactly the upstream outputs it reads (a per-subject
 *   task for that subject's upstream shard, a global task or a gathered dependency for every
 *   shard), then joins one queue drained by `mergeMap(task, jobs)`: at most `jobs` tasks
 *   resolve or run at once.
 * - A task's key is computed when its inputs exist (so an upstream re-run that wrote the same
 *   bytes leaves it cached); a key found in the store is a hit, otherwise the stage runs into a
 *   temporary directory that is committed (renamed into the store) only when its Observable
 *   completes.
 * - A failed task is recorded; what needs its output is skipped, everything else goes on. With
 *   `strict`, the first failure cancels the run.
 * - Unsubscribing (Ctrl-C) stops starting tasks, cancels the running ones (their `signal`
 *   aborts, their temporary directories are deleted, never committed), writes an 'interrupted'
 *   manifest and releases the lock, all synchronously.
 * - The whole run holds the store lock; a second run on the same store waits for it.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  AsyncSubject,
  EMPTY,
  Observable,
  Subject,
  Subscription,
  catchError,
  defer,
  filter,
  forkJoin,
  from,
  lastValueFrom,
  map,
  mergeMap,
  of,
  switchMap,
  tap,
} from 'rxjs';
import type { JsonValue } from './hash.js';
import { FingerprintMemo } from './fingerprint.js';
import { taskLabel } from './keys.js';
import type { LockOptions, StoreLock } from './lock.js';
import {
  countTasks,
  machineInfo,
  newRunId,
  readLatestManifest,
  writeManifest,
} from './manifest.js';
import type { RunManifest, RunStatus, TaskRecord } from './manifest.js';
import { definePipeline, validateParams } from './pipeline.js';
import type { Pipeline, StageParams } from './pipeline.js';
import { checkShards, computePlan, explainMiss, previousRun, resolveKey } from './plan.js';
import type { Plan, PreviousRun, ResolvedKey } from './plan.js';
import { readsOwnShard, selectShards, selectorOf } from './stage.js';
import type { Artifact, Inputs, ProgressEvent, Stage } from './stage.js';
import { openStore } from './store.js';
import type { ObjectMeta, Store } from './store.js';
import { localExecutor, taskSpec } from './executor.js';
import type { Executor, Task } from './executor.js';

export interface RunOptions {
  /** Store folder or Store (default `.emo`). */
  readonly store?: string | Store;
  /** Raw parameters by stage id, validated against each stage's schema before anything runs. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Run only these stages and what they depend on. */
  readonly targets?: readonly string[];
  /** Tasks resolving or running at once (default: os.availableParallelism()). */
  readonly jobs?: number;
  /** Stop at the first failed task (default: record it, skip its downstream, go on). */
  readonly strict?: boolean;
  readonly runId?: string;
  /** Extra facts for the manifest (tfjs backend, config file, synthetic data, …). */
  readonly info?: Readonly<Record<string, JsonValue>>;
  readonly lock?: LockOptions;
  /** Where tasks that miss the cache run (default: here, {@link localExecutor}). */
  readonly executor?: Executor;
}

export type RunEvent =
  /** The store is locked by another run; this one waits (emitted once). */
  | { readonly type: 'lock-wait'; readonly message: string }
  /** The lock is held; what is expected to run and why (keys downstream of re-runs unknown). */
  | { readonly type: 'plan'; readonly runId: string; readonly plan: Plan }
  /** A task missed the cache and its stage starts. */
  | {
      readonly type: 'task-start';
      readonly stage: string;
      readonly shard: string | null;
      readonly key: string;
      readonly reason: string;
    }
  | {
      readonly type: 'task-progress';
      readonly stage: string;
      readonly shard: string | null;
      readonly event: ProgressEvent;
    }
  /** A task settled: hit, ran, failed or skipped (a copy of its manifest record). */
  | { readonly type: 'task-end'; readonly record: TaskRecord }
  /** The manifest is written; the Observable completes next. */
  | { readonly type: 'done'; readonly manifest: RunManifest; readonly manifestPath: string };

type Outcome =
  | { readonly ok: true; readonly artifact: Artifact }
  | { readonly ok: false; readonly root: string };

type ShardList =
  | { readonly ok: true; readonly shards: readonly (string | null)[] }
  | { readonly ok: false; readonly root: string };

type Gathered =
  | { readonly ok: true; readonly inputs: Inputs; readonly missing: readonly string[] }
  | { readonly ok: false; readonly root: string; readonly reason?: string };

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** One execution of the graph (the state behind one run). */
class Execution {
  readonly records = new Map<string, TaskRecord>();
  /** No new task starts (cancelled, strict stop, or finished). */
  stopped = false;
  /** Stopped by `strict` after a failure. */
  strictStop = false;
  private readonly outcomes = new Map<string, AsyncSubject<Outcome>>();
  private readonly lists = new Map<string, AsyncSubject<ShardList>>();
  private emit: (e: RunEvent) => void = () => undefined;
  private stopAll: () => void = () => undefined;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly params: ReadonlyMap<string, StageParams>,
    private readonly store: Store,
    private readonly prev: PreviousRun,
    private readonly memo: FingerprintMemo,
    private readonly jobs: number,
    private readonly strict: boolean,
    private readonly executor: Executor,
  ) {}

  private outcome$(stage: string, shard: string | null): AsyncSubject<Outcome> {
    const k = taskLabel(stage, shard);
    let s = this.outcomes.get(k);
    if (!s) this.outcomes.set(k, (s = new AsyncSubject<Outcome>()));
    return s;
  }

  private list$(stage: string): AsyncSubject<ShardList> {
    let s = this.lists.get(stage);
    if (!s) this.lists.set(stage, (s = new AsyncSubject<ShardList>()));
    return s;
  }

  private settle(stage: string, shard: string | null, o: Outcome): void {
    const s = this.outcome$(stage, shard);
    s.next(o);
    s.complete();
  }

  private stage(id: string): Stage<unknown> {
    return this.pipeline.byId.get(id) as Stage<unknown>;
  }

  /** A dependency's shard list and every outcome, once all its tasks settled. */
  private settledOutcomes$(
    dep: string,
  ): Observable<{ list: ShardList; outcomes: { shard: string | null; o: Outcome }[] }> {
    return this.list$(dep).pipe(
      switchMap((list) => {
        if (!list.ok || list.shards.length === 0) return of({ list, outcomes: [] });
        return forkJoin(
          list.shards.map((shard) => this.outcome$(dep, shard).pipe(map((o) => ({ shard, o })))),
        ).pipe(map((outcomes) => ({ list, outcomes })));
      }),
    );
  }

  private newRecord(stage: Stage<unknown>, shard: string | null): TaskRecord {
    const p = this.params.get(stage.id) as StageParams;
    return {
      stage: stage.id,
      shard,
      key: null,
      status: 'interrupted',
      hit: false,
      reason: '',
      version: stage.version,
      params: p.json,
      inputs: null,
      sources: null,
      output: null,
      started: null,
      ms: 0,
    };
  }

  private end(rec: TaskRecord): void {
    this.records.set(taskLabel(rec.stage, rec.shard), rec);
    this.emit({ type: 'task-end', record: { ...rec } });
  }

  /** Record a task (or a whole stage, shard null) that cannot run because an input failed. */
  private skip(
    stage: Stage<unknown>,
    shard: string | null,
    root: string,
    settle: boolean,
    reason = `upstream ${root} failed`,
  ): void {
    if (this.stopped) return;
    const rec = this.newRecord(stage, shard);
    rec.status = 'skipped';
    rec.reason = reason;
    this.end(rec);
    if (settle) this.settle(stage.id, shard, { ok: false, root });
  }

  private listFailed(stage: Stage<unknown>, err: unknown): ShardList {
    const rec = this.newRecord(stage, null);
    rec.status = 'failed';
    rec.reason = 'could not list shards';
    rec.error = errorText(err);
    this.end(rec);
    if (this.strict) this.stopAll();
    return { ok: false, root: stage.id };
  }

  /** The shard list of a stage, once what it needs is known. */
  private computeList$(stage: Stage<unknown>): Observable<ShardList> {
    if (stage.scope === 'global') return of({ ok: true, shards: [null] });
    const p = this.params.get(stage.id) as StageParams;
    if (stage.shards) {
      const deps = stage.deps.map((d) => this.settledOutcomes$(d).pipe(map((s) => ({ d, ...s }))));
      return (deps.length ? forkJoin(deps) : of([])).pipe(
        mergeMap(async (all): Promise<ShardList> => {
          const inputs: Record<string, Artifact[]> = {};
          for (const { d, list, outcomes } of all) {
            if (!list.ok) return this.skipList(stage, list.root);
            const ds = this.stage(d);
            if (ds.scope === 'global' && !outcomes[0].o.ok) {
              return this.skipList(stage, outcomes[0].o.root);
            }
            inputs[d] = outcomes.flatMap(({ o }) => (o.ok ? [o.artifact] : []));
          }
          try {
            const shards = await (stage.shards as NonNullable<Stage<unknown>['shards']>)({
              params: p.value,
              inputs,
            });
            return { ok: true, shards: checkShards(stage.id, shards) };
          } catch (e) {
            return this.listFailed(stage, e);
          }
        }),
      );
    }
    const subjectDeps = stage.deps.filter(
      (d) => this.stage(d).scope === 'subject' && readsOwnShard(stage, d),
    );
    return forkJoin(subjectDeps.map((d) => this.list$(d).pipe(map((l) => ({ d, l }))))).pipe(
      map((lists): ShardList => {
        const union = new Set<string>();
        for (const { l } of lists) {
          if (!l.ok) return this.skipList(stage, l.root);
          for (const s of l.shards) union.add(s as string);
        }
        return { ok: true, shards: [...union].sort() };
      }),
    );
  }

  private skipList(stage: Stage<unknown>, root: string): ShardList {
    this.skip(stage, null, root, false);
    return { ok: false, root };
  }

  /** The inputs of one task, once they have all settled. */
  private inputs$(stage: Stage<unknown>, shard: string | null): Observable<Gathered> {
    type Part =
      | { dep: string; err: string; reason?: string }
      | { dep: string; one: Outcome }
      | { dep: string; all: { shard: string | null; o: Outcome }[] };
    const parts: Observable<Part>[] = stage.deps.map((dep) => {
      const ds = this.stage(dep);
      if (ds.scope === 'global') return this.outcome$(dep, null).pipe(map((one) => ({ dep, one })));
      if (selectorOf(stage, dep)) {
        return this.list$(dep).pipe(
          switchMap((list): Observable<Part> => {
            if (!list.ok) return of({ dep, err: list.root });
            const picked = selectShards(stage, dep, shard, list.shards);
            if (picked.length === 0) {
              const missing = `${dep} (no shard selected)`;
              return of({ dep, err: missing, reason: `no input ${missing}` });
            }
            return forkJoin(
              picked.map((s) => this.outcome$(dep, s).pipe(map((o) => ({ shard: s, o })))),
            ).pipe(map((all): Part => ({ dep, all })));
          }),
        );
      }
      if (readsOwnShard(stage, dep)) {
        return this.list$(dep).pipe(
          switchMap((list): Observable<Part> => {
            if (!list.ok) return of({ dep, err: list.root });
            if (!list.shards.includes(shard)) {
              const missing = taskLabel(dep, shard);
              return of({
                dep,
                err: missing,
                reason: `no input ${missing} (not a shard of ${dep})`,
              });
            }
            return this.outcome$(dep, shard).pipe(map((one) => ({ dep, one })));
          }),
        );
      }
      return this.settledOutcomes$(dep).pipe(
        map(({ list, outcomes }): Part =>
          list.ok ? { dep, all: outcomes } : { dep, err: list.root },
        ),
      );
    });
    return (parts.length ? forkJoin(parts) : of([] as Part[])).pipe(
      map((ps): Gathered => {
        const inputs: Record<string, Artifact[]> = {};
        const missing: string[] = [];
        for (const part of ps) {
          if ('err' in part) return { ok: false, root: part.err, reason: part.reason };
          if ('one' in part) {
            if (!part.one.ok) return { ok: false, root: part.one.root };
            inputs[part.dep] = [part.one.artifact];
            continue;
          }
          const good = part.all.flatMap(({ o }) => (o.ok ? [o.artifact] : []));
          for (const { shard: s, o } of part.all) if (!o.ok) missing.push(taskLabel(part.dep, s));
          if (part.all.length > 0 && good.length === 0) {
            const first = part.all[0].o;
            return { ok: false, root: first.ok ? part.dep : first.root };
          }
          inputs[part.dep] = good;
        }
        return { ok: true, inputs, missing };
      }),
    );
  }

  /** Resolve a task's key; hit, or run its stage into a temporary directory and commit it. */
  private job$(
    stage: Stage<unknown>,
    shard: string | null,
    inputs: Inputs,
    missing: readonly string[],
  ): Observable<RunEvent> {
    return defer(() => {
      if (this.stopped) return EMPTY;
      const t0 = performance.now();
      const rec = this.newRecord(stage, shard);
      rec.started = new Date().toISOString();
      if (missing.length) rec.missingInputs = [...missing];
      this.records.set(taskLabel(stage.id, shard), rec);
      const p = this.params.get(stage.id) as StageParams;
      return from(resolveKey(stage, p, shard, inputs, this.memo)).pipe(
        catchError((err: unknown) => {
          rec.reason = 'cannot read sources';
          this.fail(rec, err, t0);
          return EMPTY;
        }),
        mergeMap((r): Observable<RunEvent> => {
          rec.key = r.key;
          rec.inputs = [...r.material.inputs];
          rec.sources = [...r.material.sources];
          const meta = this.store.meta(r.key);
          if (meta) {
            rec.status = 'hit';
            rec.hit = true;
            rec.reason = 'cached';
            this.succeed(rec, stage.id, shard, r.key, meta, t0);
            return EMPTY;
          }
          rec.reason = explainMiss(this.prev, r.material, r.key);
          return this.execute$(stage, shard, p, inputs, r, rec, t0);
        }),
      );
    });
  }

  /** Record a task's committed (or cached) output and release its dependents. */
  private succeed(
    rec: TaskRecord,
    stage: string,
    shard: string | null,
    key: string,
    meta: ObjectMeta,
    t0: number,
  ): void {
    rec.output = {
      path: this.store.path(key),
      hash: meta.outputHash,
      bytes: meta.bytes,
      files: meta.files,
    };
    rec.ms = performance.now() - t0;
    this.end(rec);
    this.settle(stage, shard, { ok: true, artifact: this.artifact(rec, meta.outputHash) });
  }

  private artifact(rec: TaskRecord, hash: string): Artifact {
    const key = rec.key as string;
    return { stage: rec.stage, shard: rec.shard, key, path: this.store.path(key), hash };
  }

  private fail(rec: TaskRecord, err: unknown, t0: number): void {
    rec.status = 'failed';
    rec.error = errorText(err);
    rec.ms = performance.now() - t0;
    this.end(rec);
    // Strict: stop before settling, so that nothing downstream is started or recorded.
    if (this.strict) this.stopAll();
    this.settle(rec.stage, rec.shard, { ok: false, root: taskLabel(rec.stage, rec.shard) });
  }

  private execute$(
    stage: Stage<unknown>,
    shard: string | null,
    p: StageParams,
    inputs: Inputs,
    r: ResolvedKey,
    rec: TaskRecord,
    t0: number,
  ): Observable<RunEvent> {
    return new Observable<RunEvent>((sub) => {
      const ac = new AbortController();
      let settled = false;
      sub.next({ type: 'task-start', stage: stage.id, shard, key: r.key, reason: rec.reason });
      const task: Task = {
        spec: taskSpec(r.key, stage, p, shard, inputs, r.material),
        stage,
        params: p,
        inputs,
        material: r.material,
      };
      this.executor
        .execute(task, {
          signal: ac.signal,
          onEvent: (event) => {
            if (!settled) sub.next({ type: 'task-progress', stage: stage.id, shard, event });
          },
        })
        .then(
          (meta) => {
            if (settled || ac.signal.aborted) return;
            settled = true;
            rec.status = 'ran';
            this.succeed(rec, stage.id, shard, r.key, meta, t0);
            sub.complete();
          },
          (err: unknown) => {
            if (settled || ac.signal.aborted) return;
            settled = true;
            this.fail(rec, err, t0);
            sub.complete();
          },
        );
      return () => {
        if (settled) return;
        settled = true;
        ac.abort();
        rec.status = 'interrupted';
        rec.ms = performance.now() - t0;
      };
    });
  }

  /** Wire one stage: its shard list, then each shard's task once its inputs exist. */
  private wire(stage: Stage<unknown>, queue: Subject<Observable<RunEvent>>): Subscription {
    const subs = new Subscription();
    const list = this.list$(stage.id);
    subs.add(
      this.computeList$(stage).subscribe((l) => {
        list.next(l);
        list.complete();
      }),
    );
    subs.add(
      list
        .pipe(
          mergeMap((l) => (l.ok ? from(l.shards) : EMPTY)),
          mergeMap((shard) => this.inputs$(stage, shard).pipe(map((g) => ({ shard, g })))),
        )
        .subscribe(({ shard, g }) => {
          if (this.stopped) return;
          if (g.ok) queue.next(this.job$(stage, shard, g.inputs, g.missing));
          else this.skip(stage, shard, g.root, true, g.reason);
        }),
    );
    return subs;
  }

  /** The whole graph: emits task events, completes when every task settled (or strict stop). */
  graph$(): Observable<RunEvent> {
    return new Observable<RunEvent>((sub) => {
      const subs = new Subscription();
      const queue = new Subject<Observable<RunEvent>>();
      this.emit = (e) => sub.next(e);
      const worker = queue
        .pipe(mergeMap((job) => job, this.jobs))
        .subscribe({ next: (e) => sub.next(e), error: (e: unknown) => sub.error(e) });
      subs.add(worker);
      this.stopAll = () => {
        if (this.stopped) return;
        this.stopped = true;
        this.strictStop = true;
        worker.unsubscribe();
        sub.complete();
      };
      for (const stage of this.pipeline.stages) subs.add(this.wire(stage, queue));
      const all = this.pipeline.stages.map((s) => this.settledOutcomes$(s.id));
      subs.add((all.length ? forkJoin(all) : of([])).subscribe({ complete: () => sub.complete() }));
      return () => {
        this.stopped = true;
        subs.unsubscribe();
      };
    });
  }

  /** Task records in pipeline order, shards sorted. */
  sortedRecords(): TaskRecord[] {
    const order = new Map(this.pipeline.stages.map((s, i) => [s.id, i]));
    return [...this.records.values()].sort(
      (a, b) =>
        (order.get(a.stage) ?? 0) - (order.get(b.stage) ?? 0) ||
        ((a.shard ?? '') < (b.shard ?? '') ? -1 : (a.shard ?? '') > (b.shard ?? '') ? 1 : 0),
    );
  }
}

/**
 * Run the pipeline. Subscribing starts it (after taking the store lock); the Observable emits
 * progress and completes after the manifest is written ('done'). A failed task does not error
 * the Observable (see the manifest's status); bad parameters, an invalid pipeline and store I/O
 * errors do. Unsubscribing cancels the run safely.
 */
export function runPipeline(
  stages: readonly Stage<unknown>[],
  options: RunOptions = {},
): Observable<RunEvent> {
  return new Observable<RunEvent>((subscriber) => {
    let pipeline: Pipeline;
    let params: Map<string, StageParams>;
    try {
      pipeline = definePipeline(stages, options.targets);
      params = validateParams(pipeline, options.params);
    } catch (e) {
      subscriber.error(e);
      return;
    }
    const store = openStore(options.store);
    const runId = options.runId ?? newRunId();
    const jobs = Math.max(1, Math.floor(options.jobs ?? availableParallelism()));
    const strict = options.strict ?? false;
    const ac = new AbortController();
    const started = new Date();
    const t0 = performance.now();
    let lock: StoreLock | null = null;
    let exec: Execution | null = null;
    let memo: FingerprintMemo | null = null;
    let prev: PreviousRun = previousRun(null);
    let graphSub: Subscription | null = null;
    let closed = false;

    const finish = (status: RunStatus): { manifest: RunManifest; path: string } => {
      const tasks = exec ? exec.sortedRecords() : [];
      const manifest: RunManifest = {
        schema: 1,
        runId,
        status,
        started: started.toISOString(),
        finished: new Date().toISOString(),
        ms: performance.now() - t0,
        store: store.root,
        previousRunId: prev.manifest?.runId ?? null,
        options: { jobs, strict, targets: options.targets ? [...options.targets] : null },
        machine: machineInfo(),
        info: options.info ?? {},
        counts: countTasks(tasks),
        tasks,
      };
      const path = writeManifest(store, manifest);
      memo?.save();
      return { manifest, path };
    };

    const main = async (): Promise<void> => {
      const held = await store.lock({
        ...options.lock,
        runId,
        signal: ac.signal,
        onWait: (message) => subscriber.next({ type: 'lock-wait', message }),
      });
      if (ac.signal.aborted) {
        held.release();
        return;
      }
      lock = held;
      store.cleanTmp();
      prev = previousRun(readLatestManifest(store));
      memo = FingerprintMemo.load(store.memoPath);
      const plan = await computePlan(pipeline, params, store, prev, memo);
      if (ac.signal.aborted) return;
      subscriber.next({ type: 'plan', runId, plan });
      const executor = options.executor ?? localExecutor(store);
      const ex = new Execution(pipeline, params, store, prev, memo, jobs, strict, executor);
      exec = ex;
      await new Promise<void>((resolve, reject) => {
        graphSub = ex.graph$().subscribe({
          next: (e) => subscriber.next(e),
          error: reject,
          complete: resolve,
        });
      });
      if (ac.signal.aborted) return;
      closed = true;
      const failed = ex.strictStop || [...ex.records.values()].some((r) => r.status === 'failed');
      const { manifest, path } = finish(failed ? 'failed' : 'ok');
      lock.release();
      subscriber.next({ type: 'done', manifest, manifestPath: path });
      subscriber.complete();
    };

    main().catch((err: unknown) => {
      if (closed || ac.signal.aborted) return;
      closed = true;
      (graphSub as Subscription | null)?.unsubscribe();
      try {
        if (exec) finish('failed');
      } catch {
        // the original error matters more
      }
      (lock as StoreLock | null)?.release();
      subscriber.error(err);
    });

    return () => {
      if (closed) return;
      closed = true;
      ac.abort();
      graphSub?.unsubscribe();
      try {
        if (exec) finish('interrupted');
      } catch {
        // best effort while being cancelled
      }
      lock?.release();
    };
  });
}

export interface RunResult {
  readonly manifest: RunManifest;
  readonly manifestPath: string;
}

/** Thrown by runPipelineToEnd when its signal aborts the run. */
export class RunInterruptedError extends Error {
  constructor() {
    super('run interrupted; the store is consistent and the next run resumes from it');
    this.name = 'RunInterruptedError';
  }
}

/**
 * Promise form of runPipeline: resolves with the manifest. `signal` (e.g. aborted from a SIGINT
 * handler) cancels the run and rejects with RunInterruptedError.
 */
export function runPipelineToEnd(
  stages: readonly Stage<unknown>[],
  options: RunOptions = {},
  hooks: { readonly onEvent?: (e: RunEvent) => void; readonly signal?: AbortSignal } = {},
): Promise<RunResult> {
  const done$ = runPipeline(stages, options).pipe(
    tap((e) => hooks.onEvent?.(e)),
    filter((e): e is Extract<RunEvent, { type: 'done' }> => e.type === 'done'),
    map((e) => ({ manifest: e.manifest, manifestPath: e.manifestPath })),
  );
  const { signal } = hooks;
  if (!signal) return lastValueFrom(done$);
  return new Promise<RunResult>((resolve, reject) => {
    if (signal.aborted) return reject(new RunInterruptedError());
    const onAbort = (): void => {
      sub.unsubscribe();
      reject(new RunInterruptedError());
    };
    const sub = done$.subscribe({
      next: resolve,
      error: (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
      complete: () => signal.removeEventListener('abort', onAbort),
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
