/**
 * The stage graph: checks a list of stages (unique ids, known dependencies, valid `gather` lists,
 * no cycles), orders it topologically, selects the part needed for some target stages, and
 * validates the per-stage parameters from a config with errors that name the stage and the key.
 */
import type { z } from 'zod';
import { toJsonValue } from './hash.js';
import type { JsonValue } from './hash.js';
import { readsOwnShard } from './stage.js';
import type { Stage } from './stage.js';

/** A stage list that cannot form a pipeline (duplicate id, unknown dependency, cycle, …). */
export class PipelineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipelineError';
  }
}

/** A bad stage parameter; the message is one line naming the stage and the key. */
export class StageParamsError extends Error {
  constructor(
    message: string,
    readonly stage: string,
    readonly key: string,
  ) {
    super(message);
    this.name = 'StageParamsError';
  }
}

export interface Pipeline {
  /** The selected stages in dependency order (declaration order among independent ones). */
  readonly stages: readonly Stage<unknown>[];
  readonly byId: ReadonlyMap<string, Stage<unknown>>;
  /** Every declared stage id, selected or not (config keys may name any of them). */
  readonly declared: ReadonlySet<string>;
}

const ID = /^[a-z][a-z0-9_-]*$/;
/** Shard ids: letters, digits, `.`, `_`, `-`, not starting with a punctuation mark. */
export const SHARD_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Check and order `stages`. With `targets`, keep only those stages and everything they depend
 * on (how per-stage nx targets run "the DAG up to that stage").
 */
export function definePipeline(
  stages: readonly Stage<unknown>[],
  targets?: readonly string[],
): Pipeline {
  const byId = new Map<string, Stage<unknown>>();
  for (const s of stages) {
    if (!ID.test(s.id)) throw new PipelineError(`stage id '${s.id}' must match ${ID}`);
    if (byId.has(s.id)) throw new PipelineError(`stage '${s.id}' is declared twice`);
    if (s.scope !== 'global' && s.scope !== 'subject') {
      throw new PipelineError(`stage '${s.id}': scope must be 'global' or 'subject'`);
    }
    byId.set(s.id, s);
  }
  for (const s of stages) {
    for (const d of s.deps) {
      if (!byId.has(d)) throw new PipelineError(`stage '${s.id}' depends on unknown stage '${d}'`);
    }
    for (const g of s.gather ?? []) {
      if (!s.deps.includes(g)) {
        throw new PipelineError(`stage '${s.id}' gathers '${g}', which is not one of its deps`);
      }
      if (byId.get(g)?.scope !== 'subject') {
        throw new PipelineError(`stage '${s.id}' gathers '${g}', which is not per-subject`);
      }
    }
    for (const d of Object.keys(s.select ?? {})) {
      if (!s.deps.includes(d)) {
        throw new PipelineError(
          `stage '${s.id}' selects shards of '${d}', which is not one of its deps`,
        );
      }
      if (byId.get(d)?.scope !== 'subject' || s.scope !== 'subject') {
        throw new PipelineError(
          `stage '${s.id}' selects shards of '${d}': both must be per-subject`,
        );
      }
      if (s.gather?.includes(d)) {
        throw new PipelineError(`stage '${s.id}' both gathers and selects shards of '${d}'`);
      }
    }
    if (s.scope === 'subject' && !s.shards) {
      const subjectDeps = s.deps.filter((d) => byId.get(d)?.scope === 'subject');
      if (subjectDeps.length === 0) {
        throw new PipelineError(
          `stage '${s.id}' is per-subject but has no shards() and no per-subject dependency`,
        );
      }
      if (subjectDeps.every((d) => !readsOwnShard(s, d))) {
        throw new PipelineError(
          `stage '${s.id}' gathers or selects all its per-subject dependencies, so it needs shards()`,
        );
      }
    }
  }
  // Topological order, stable with respect to declaration order; reports a cycle by name.
  const order: Stage<unknown>[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: Stage<unknown>, trail: string[]): void => {
    const st = state.get(s.id);
    if (st === 'done') return;
    if (st === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(s.id)), s.id].join(' → ');
      throw new PipelineError(`stage dependency cycle: ${cycle}`);
    }
    state.set(s.id, 'visiting');
    for (const d of s.deps) visit(byId.get(d) as Stage<unknown>, [...trail, s.id]);
    state.set(s.id, 'done');
    order.push(s);
  };
  for (const s of stages) visit(s, []);

  let selected = order;
  if (targets && targets.length) {
    const keep = new Set<string>();
    const add = (id: string): void => {
      if (keep.has(id)) return;
      const s = byId.get(id);
      if (!s) throw new PipelineError(`unknown target stage '${id}'`);
      keep.add(id);
      s.deps.forEach(add);
    };
    targets.forEach(add);
    selected = order.filter((s) => keep.has(s.id));
  }
  return {
    stages: selected,
    byId: new Map(selected.map((s) => [s.id, s])),
    declared: new Set(byId.keys()),
  };
}

function describeIssue(stage: string, issue: z.core.$ZodIssue): StageParamsError {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    const list = keys.map((k) => `'${k}'`).join(', ');
    return new StageParamsError(
      `stage '${stage}': unknown parameter${keys.length > 1 ? 's' : ''} ${list}`,
      stage,
      keys[0],
    );
  }
  return new StageParamsError(
    `stage '${stage}': parameter '${path || '(all)'}': ${issue.message}`,
    stage,
    path,
  );
}

/** Validated parameters of one stage: the schema's output and its canonical JSON form. */
export interface StageParams {
  readonly value: unknown;
  /** What enters every task's key and record: the value, or the stage's `keyParams` of it. */
  readonly json: JsonValue;
}

/**
 * A stage's validated parameters with what enters its tasks' keys (its `keyParams` of them, or
 * all). Throws when they are not plain JSON data.
 */
export function stageParams(stage: Stage<unknown>, value: unknown): StageParams {
  return { value, json: toJsonValue(stage.keyParams ? stage.keyParams(value) : value) };
}

/**
 * Validate `raw[stage.id]` (default `{}`) for every selected stage. Throws StageParamsError on the
 * first problem, and for a `raw` key that names no declared stage.
 */
export function validateParams(
  pipeline: Pipeline,
  raw: Readonly<Record<string, unknown>> = {},
): Map<string, StageParams> {
  for (const k of Object.keys(raw)) {
    if (!pipeline.declared.has(k)) {
      throw new StageParamsError(`parameters given for unknown stage '${k}'`, k, '');
    }
  }
  const out = new Map<string, StageParams>();
  for (const s of pipeline.stages) {
    const r = s.params.safeParse(raw[s.id] ?? {});
    if (!r.success) throw describeIssue(s.id, r.error.issues[0]);
    let params: StageParams;
    try {
      params = stageParams(s, r.data);
    } catch (e) {
      throw new StageParamsError(
        `stage '${s.id}': parameters must be plain JSON data (${(e as Error).message})`,
        s.id,
        '',
      );
    }
    out.set(s.id, params);
  }
  return out;
}
