/**
 * Planning: which tasks would run and why, without running anything (`emo plan`), plus the two
 * pieces the runner shares with it: computing a task's cache key from its resolved inputs, and
 * explaining a cache miss against the previous run's manifest.
 *
 * A task whose inputs come from a task that will re-run has no key yet (its inputs' hashes are
 * only known once they are written): the plan marks it 'run' with the reason
 * "upstream <stage>/<shard> will re-run". The runner computes the real key when the inputs exist,
 * so such a task may still turn out cached (an upstream re-run that wrote the same bytes).
 */
import { join, resolve } from 'node:path';
import { canonicalJson } from './hash.js';
import type { JsonValue } from './hash.js';
import { FingerprintMemo, fingerprintPath } from './fingerprint.js';
import { cacheKey, sortInputs, sortSources, taskLabel } from './keys.js';
import type { InputRef, KeyMaterial, SourceRef } from './keys.js';
import { indexTasks, readLatestManifest } from './manifest.js';
import type { RunManifest, TaskRecord } from './manifest.js';
import { SHARD_ID, definePipeline, validateParams } from './pipeline.js';
import type { Pipeline, StageParams } from './pipeline.js';
import { readsOwnShard, selectShards, selectorOf } from './stage.js';
import type { Artifact, Inputs, Stage } from './stage.js';
import { openStore } from './store.js';
import type { Store } from './store.js';

export interface PlannedTask {
  readonly stage: string;
  readonly shard: string | null;
  /** Null when it depends on the output of a task that will re-run. */
  readonly key: string | null;
  readonly action: 'run' | 'cached';
  readonly reason: string;
}

export interface Plan {
  readonly previousRunId: string | null;
  readonly tasks: readonly PlannedTask[];
}

export interface PlanOptions {
  readonly store?: string | Store;
  /** Raw parameters by stage id (validated here). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Plan only these stages and what they depend on. */
  readonly targets?: readonly string[];
  /** The manifest to explain misses against (default: the store's runs/latest.json). */
  readonly previous?: RunManifest | null;
  /** Fingerprint memo (default: the store's, read-only). */
  readonly memo?: FingerprintMemo;
}

// ---------------------------------------------------------------------------------------------
// Keys

/** Key material and key of one task, once its inputs are known. */
export interface ResolvedKey {
  readonly material: KeyMaterial;
  readonly key: string;
}

/** The input refs of a task: every artifact of every dependency, sorted. */
export function inputRefs(stage: Stage<unknown>, inputs: Inputs): InputRef[] {
  return sortInputs(
    stage.deps.flatMap((d) =>
      (inputs[d] ?? []).map((a) => ({ stage: a.stage, shard: a.shard, hash: a.hash })),
    ),
  );
}

/** Fingerprint the task's raw sources and compute its key. Throws when a source is missing. */
export async function resolveKey(
  stage: Stage<unknown>,
  params: StageParams,
  shard: string | null,
  inputs: Inputs,
  memo?: FingerprintMemo,
): Promise<ResolvedKey> {
  const declared = stage.sources
    ? await stage.sources({ params: params.value, inputs, shard })
    : [];
  // what the key calls each source → where it is here
  const where = new Map<string, string>();
  for (const s of declared) {
    if (typeof s === 'string') where.set(resolve(s), resolve(s));
    else where.set(`${s.name}:${s.path}`, join(s.root, ...s.path.split('/')));
  }
  const sources: SourceRef[] = sortSources(
    await Promise.all(
      [...where].map(async ([path, file]) => ({ path, hash: await fingerprintPath(file, memo) })),
    ),
  );
  const material: KeyMaterial = {
    stage: stage.id,
    version: stage.version,
    params: params.json,
    inputs: inputRefs(stage, inputs),
    sources,
    shard,
  };
  return { material, key: cacheKey(material) };
}

/** Check shard ids returned by a stage: valid, unique. */
export function checkShards(stage: string, shards: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const s of shards) {
    if (typeof s !== 'string' || !SHARD_ID.test(s)) {
      throw new Error(`stage '${stage}': bad shard id ${JSON.stringify(s)} (expected ${SHARD_ID})`);
    }
    if (seen.has(s)) throw new Error(`stage '${stage}': shard '${s}' listed twice`);
    seen.add(s);
  }
  return [...shards];
}

// ---------------------------------------------------------------------------------------------
// Why a task misses

export interface PreviousRun {
  readonly manifest: RunManifest | null;
  readonly tasks: ReadonlyMap<string, TaskRecord>;
}

export function previousRun(manifest: RunManifest | null): PreviousRun {
  return { manifest, tasks: indexTasks(manifest) };
}

function show(v: JsonValue | undefined): string {
  if (v === undefined) return 'absent';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function isObject(v: JsonValue | undefined): v is { readonly [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function diffParams(
  a: JsonValue | undefined,
  b: JsonValue | undefined,
  path: string,
  out: string[],
): void {
  if (a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b)) return;
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) diffParams(a[k], b[k], path ? `${path}.${k}` : k, out);
    return;
  }
  out.push(`parameter ${path || '(all)'} changed (${show(a)} → ${show(b)})`);
}

function diffRefs<T extends { hash: string }>(
  what: string,
  prev: readonly T[],
  cur: readonly T[],
  label: (r: T) => string,
): string[] {
  const p = new Map(prev.map((r) => [label(r), r.hash]));
  const c = new Map(cur.map((r) => [label(r), r.hash]));
  const out: string[] = [];
  for (const [l, h] of c) {
    if (!p.has(l)) out.push(`${what} ${l} added`);
    else if (p.get(l) !== h) out.push(`${what} ${l} changed`);
  }
  for (const l of p.keys()) if (!c.has(l)) out.push(`${what} ${l} removed`);
  if (out.length > 3) return [...out.slice(0, 3), `and ${out.length - 3} more ${what} changes`];
  return out;
}

/**
 * What changed in a task's own code version and parameters since its previous record. Also said
 * for a task whose key is not known yet (an upstream task will re-run first), so that the plan
 * still says, e.g., that `--set seed=3` changes it and not only that its inputs will.
 */
function ownChanges(rec: TaskRecord | undefined, version: string, params: JsonValue): string[] {
  if (!rec) return [];
  const why: string[] = [];
  if (rec.version !== version) why.push(`code version changed (${rec.version} → ${version})`);
  diffParams(rec.params, params, '', why);
  return why;
}

/**
 * Why a task with this key material is not in the store, compared with the previous run: every
 * difference found (code version, each changed parameter, each changed input or source), else
 * what happened to it last time.
 */
export function explainMiss(prev: PreviousRun, material: KeyMaterial, key: string): string {
  const m = prev.manifest;
  if (!m) return 'no previous run';
  const label = taskLabel(material.stage, material.shard);
  const rec = prev.tasks.get(label);
  if (!rec) {
    const whole = material.shard !== null ? prev.tasks.get(material.stage) : undefined;
    if (whole?.status === 'failed') return 'its stage could not list shards in the previous run';
    if (whole?.status === 'skipped') return 'skipped in the previous run (an input failed)';
    if (m.status === 'interrupted') return 'not reached in the previous run (interrupted)';
    if (m.status === 'failed' && m.options.strict) {
      return 'not reached in the previous run (stopped at the first failure)';
    }
    return material.shard === null
      ? 'new stage (not in the previous run)'
      : 'new shard (not in the previous run)';
  }
  const why = ownChanges(rec, material.version, material.params);
  if (rec.inputs) {
    why.push(...diffRefs('input', rec.inputs, material.inputs, (r) => taskLabel(r.stage, r.shard)));
  }
  if (rec.sources) why.push(...diffRefs('source', rec.sources, material.sources, (r) => r.path));
  if (why.length) return why.join('; ');
  if (rec.key !== null && rec.key !== key) return 'cache key changed';
  switch (rec.status) {
    case 'failed':
      return 'failed in the previous run';
    case 'interrupted':
      return 'interrupted in the previous run';
    case 'skipped':
      return 'skipped in the previous run (an input failed)';
    default:
      return 'output missing from store';
  }
}

// ---------------------------------------------------------------------------------------------
// The plan

class PendingInput extends Error {
  constructor(readonly label: string) {
    super(`input ${label} is not known yet`);
  }
}

interface PTask {
  readonly shard: string | null;
  /** Known output when cached; null when it will run. */
  readonly artifact: Artifact | null;
}

interface PStage {
  /** null: unknown until an upstream task re-runs (`blocker`). */
  readonly known: boolean;
  readonly blocker: string | null;
  readonly tasks: Map<string, PTask>;
}

const slot = (shard: string | null): string => shard ?? '';

/** What would run and why, without running anything and without taking the lock. */
export async function planPipeline(
  stages: readonly Stage<unknown>[],
  options: PlanOptions = {},
): Promise<Plan> {
  const pipeline = definePipeline(stages, options.targets);
  const params = validateParams(pipeline, options.params);
  const store = openStore(options.store);
  const previous =
    options.previous === undefined ? readLatestManifest(store) : (options.previous ?? null);
  const memo = options.memo ?? FingerprintMemo.load(store.memoPath);
  return computePlan(pipeline, params, store, previousRun(previous), memo);
}

/** The plan for an already-validated pipeline (used by the runner to announce its tasks). */
export async function computePlan(
  pipeline: Pipeline,
  params: ReadonlyMap<string, StageParams>,
  store: Store,
  prev: PreviousRun,
  memo: FingerprintMemo,
): Promise<Plan> {
  const state = new Map<string, PStage>();
  const tasks: PlannedTask[] = [];

  type Gathered = { artifacts: Artifact[] } | { pending: string } | { missing: string };

  /** Every artifact of `dep` (for a global consumer, a gathered dep or a shards() call). */
  const allOf = (dep: string): Gathered => {
    const d = state.get(dep) as PStage;
    if (!d.known) return { pending: d.blocker ?? dep };
    const out: Artifact[] = [];
    for (const t of d.tasks.values()) {
      if (!t.artifact) return { pending: taskLabel(dep, t.shard) };
      out.push(t.artifact);
    }
    return { artifacts: out };
  };

  const gather = (stage: Stage<unknown>, shard: string | null): Gathered => {
    const inputs: Record<string, Artifact[]> = {};
    for (const dep of stage.deps) {
      const ds = pipeline.byId.get(dep) as Stage<unknown>;
      const d = state.get(dep) as PStage;
      let g: Gathered;
      if (ds.scope === 'subject' && selectorOf(stage, dep)) {
        if (!d.known) g = { pending: d.blocker ?? dep };
        else {
          const picked = selectShards(
            stage,
            dep,
            shard,
            [...d.tasks.values()].map((t) => t.shard),
          );
          const tasks = picked.map((s) => d.tasks.get(slot(s)) as PTask);
          const waiting = tasks.find((t) => !t.artifact);
          if (picked.length === 0) g = { missing: `${dep} (no shard selected)` };
          else if (waiting) g = { pending: taskLabel(dep, waiting.shard) };
          else g = { artifacts: tasks.map((t) => t.artifact as Artifact) };
        }
      } else if (ds.scope === 'subject' && readsOwnShard(stage, dep)) {
        if (!d.known) g = { pending: d.blocker ?? dep };
        else {
          const t = d.tasks.get(slot(shard));
          if (!t) g = { missing: taskLabel(dep, shard) };
          else if (!t.artifact) g = { pending: taskLabel(dep, shard) };
          else g = { artifacts: [t.artifact] };
        }
      } else {
        g = allOf(dep);
      }
      if (!('artifacts' in g)) return g;
      inputs[dep] = g.artifacts;
    }
    return { artifacts: stage.deps.flatMap((d) => inputs[d]) };
  };

  const inputsOf = (stage: Stage<unknown>, artifacts: Artifact[]): Inputs => {
    const out: Record<string, Artifact[]> = {};
    for (const d of stage.deps) out[d] = artifacts.filter((a) => a.stage === d);
    return out;
  };

  for (const stage of pipeline.stages) {
    const p = params.get(stage.id) as StageParams;
    // 1. Which shards.
    let shards: (string | null)[] | null = null;
    let blocker: string | null = null;
    let listError: string | null = null;
    if (stage.scope === 'global') shards = [null];
    else if (stage.shards) {
      const lazy: Record<string, readonly Artifact[]> = {};
      for (const dep of stage.deps) {
        Object.defineProperty(lazy, dep, {
          enumerable: true,
          get: () => {
            const g = allOf(dep);
            if ('artifacts' in g) return g.artifacts;
            throw new PendingInput('pending' in g ? g.pending : g.missing);
          },
        });
      }
      try {
        shards = checkShards(stage.id, await stage.shards({ params: p.value, inputs: lazy }));
      } catch (e) {
        if (e instanceof PendingInput) blocker = e.label;
        else listError = (e as Error).message;
      }
    } else {
      const union = new Set<string>();
      for (const dep of stage.deps) {
        if ((pipeline.byId.get(dep) as Stage<unknown>).scope !== 'subject') continue;
        if (!readsOwnShard(stage, dep)) continue;
        const d = state.get(dep) as PStage;
        if (!d.known) {
          blocker = d.blocker ?? dep;
          break;
        }
        for (const t of d.tasks.values()) union.add(t.shard as string);
      }
      if (blocker === null) shards = [...union].sort();
    }

    /** The reason of a task that waits for an upstream re-run: its own changes first. */
    const pending = (shard: string | null, upstream: string): string =>
      [
        ...ownChanges(prev.tasks.get(taskLabel(stage.id, shard)), stage.version, p.json),
        upstream,
      ].join('; ');
    const st: PStage = {
      known: shards !== null,
      blocker: blocker ?? (listError ? stage.id : null),
      tasks: new Map(),
    };
    state.set(stage.id, st);
    if (shards === null) {
      if (listError) {
        const reason = `cannot list shards: ${listError}`;
        tasks.push({ stage: stage.id, shard: null, key: null, action: 'run', reason });
        continue;
      }
      // Unknown until upstream runs: show last run's shards (or one placeholder) as 'run'.
      const guess = [...prev.tasks.values()]
        .filter((t) => t.stage === stage.id && t.shard !== null)
        .map((t) => t.shard);
      const upstream = `upstream ${blocker} will re-run${guess.length ? '' : ' (shards known once it has run)'}`;
      for (const shard of guess.length ? guess : [null]) {
        const reason = pending(shard, upstream);
        tasks.push({ stage: stage.id, shard, key: null, action: 'run', reason });
      }
      continue;
    }

    // 2. Each shard: inputs known? key? in the store?
    for (const shard of shards) {
      const g = gather(stage, shard);
      if (!('artifacts' in g)) {
        const reason =
          'pending' in g
            ? pending(shard, `upstream ${g.pending} will re-run`)
            : `no input ${g.missing} (will be skipped)`;
        st.tasks.set(slot(shard), { shard, artifact: null });
        tasks.push({ stage: stage.id, shard, key: null, action: 'run', reason });
        continue;
      }
      let r: ResolvedKey;
      try {
        r = await resolveKey(stage, p, shard, inputsOf(stage, g.artifacts), memo);
      } catch (e) {
        st.tasks.set(slot(shard), { shard, artifact: null });
        tasks.push({
          stage: stage.id,
          shard,
          key: null,
          action: 'run',
          reason: `cannot read sources: ${(e as Error).message}`,
        });
        continue;
      }
      const hash = store.outputHash(r.key);
      if (hash !== null) {
        const artifact: Artifact = {
          stage: stage.id,
          shard,
          key: r.key,
          path: store.path(r.key),
          hash,
        };
        st.tasks.set(slot(shard), { shard, artifact });
        tasks.push({ stage: stage.id, shard, key: r.key, action: 'cached', reason: 'cached' });
      } else {
        st.tasks.set(slot(shard), { shard, artifact: null });
        tasks.push({
          stage: stage.id,
          shard,
          key: r.key,
          action: 'run',
          reason: explainMiss(prev, r.material, r.key),
        });
      }
    }
  }
  return { previousRunId: prev.manifest?.runId ?? null, tasks };
}
