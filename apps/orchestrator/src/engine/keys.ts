/**
 * Cache keys. A task's key is the sha256 of the canonical JSON of everything its output may
 * depend on: stage id, stage code version, validated parameters, the output hashes of its input
 * artifacts (sorted), the content hashes of its raw source files (sorted) and its shard id.
 * Inputs enter by their OUTPUT hash, not their key, so an upstream stage that re-runs and writes
 * the same bytes leaves its downstream cached (early cut-off).
 */
import { hashJson } from './hash.js';
import type { JsonValue } from './hash.js';

/** Bump when the key recipe changes: every key changes with it. */
export const KEY_SCHEMA = 1;

/** An input artifact as it enters a key: which task made it and the hash of its output. */
export interface InputRef {
  readonly stage: string;
  readonly shard: string | null;
  readonly hash: string;
}

/** A raw file or folder outside the store (a dataset download) as it enters a key. */
export interface SourceRef {
  /** An absolute path, or `name:path` for a file inside a named folder (stage.ts RootedSource). */
  readonly path: string;
  readonly hash: string;
}

/** Everything a key is made of (also recorded in meta.json and the manifest). */
export interface KeyMaterial {
  readonly stage: string;
  readonly version: string;
  readonly params: JsonValue;
  readonly inputs: readonly InputRef[];
  readonly sources: readonly SourceRef[];
  readonly shard: string | null;
}

/** `stage` or `stage/shard`. */
export function taskLabel(stage: string, shard: string | null): string {
  return shard === null ? stage : `${stage}/${shard}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortInputs(inputs: readonly InputRef[]): InputRef[] {
  return [...inputs].sort(
    (a, b) => cmp(a.stage, b.stage) || cmp(a.shard ?? '', b.shard ?? '') || cmp(a.hash, b.hash),
  );
}

export function sortSources(sources: readonly SourceRef[]): SourceRef[] {
  return [...sources].sort((a, b) => cmp(a.path, b.path) || cmp(a.hash, b.hash));
}

/** The cache key (64 hex digits). */
export function cacheKey(m: KeyMaterial): string {
  return hashJson({
    schema: KEY_SCHEMA,
    stage: m.stage,
    version: m.version,
    params: m.params,
    inputs: sortInputs(m.inputs).map((i) => [i.stage, i.shard, i.hash]),
    sources: sortSources(m.sources).map((s) => [s.path, s.hash]),
    shard: m.shard,
  });
}
