/**
 * Run manifests: one JSON file per run, `<store>/runs/<runId>.json`, and a copy in
 * `<store>/runs/latest.json`, both written atomically. A manifest lists every task the run
 * reached: its key, hit or miss, why it missed, timings, output and error.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { arch, availableParallelism, cpus, hostname, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { JsonValue } from './hash.js';
import type { InputRef, SourceRef } from './keys.js';
import { taskLabel } from './keys.js';
import { writeFileAtomic } from '@emo/runtime';
import type { Store } from './store.js';

/**
 * - `hit`: found in the store, not run;
 * - `ran`: run and committed;
 * - `failed`: its stage threw (or its sources could not be read);
 * - `skipped`: an input it needs failed or was skipped;
 * - `interrupted`: running or resolving when the run was cancelled; nothing was committed.
 */
export type TaskStatus = 'hit' | 'ran' | 'failed' | 'skipped' | 'interrupted';

export interface TaskRecord {
  readonly stage: string;
  /** Subject id; null for a global stage (or for a per-subject stage whose shards failed). */
  readonly shard: string | null;
  /** Cache key; null when it could not be computed (skipped, or failed before). */
  key: string | null;
  status: TaskStatus;
  /** True for a cache hit. */
  hit: boolean;
  /** 'cached' for a hit, otherwise why it had to run (or why it was skipped). */
  reason: string;
  readonly version: string;
  readonly params: JsonValue;
  /** Input artifacts (stage, shard, output hash); null when not known. */
  inputs: InputRef[] | null;
  /** Raw sources (path, content hash); null when not known. */
  sources: SourceRef[] | null;
  /** Upstream shards left out of a global or gathering task's inputs because they failed. */
  missingInputs?: string[];
  output: { path: string; hash: string; bytes: number; files: number } | null;
  /** ISO time the task was picked up; null when never started. */
  started: string | null;
  /** Wall time (ms) from pick-up to commit or failure. */
  ms: number;
  error?: string;
}

export interface MachineInfo {
  readonly hostname: string;
  readonly platform: string;
  readonly release: string;
  readonly arch: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly node: string;
}

export type RunStatus = 'ok' | 'failed' | 'interrupted';

export interface RunManifest {
  readonly schema: 1;
  readonly runId: string;
  /** ok: every task hit or ran; failed: some task failed; interrupted: cancelled. */
  readonly status: RunStatus;
  readonly started: string;
  readonly finished: string;
  readonly ms: number;
  readonly store: string;
  readonly previousRunId: string | null;
  readonly options: {
    readonly jobs: number;
    readonly strict: boolean;
    readonly targets: readonly string[] | null;
  };
  readonly machine: MachineInfo;
  /** Caller-supplied facts (tfjs backend, config file, synthetic data, …). */
  readonly info: Readonly<Record<string, JsonValue>>;
  readonly counts: Readonly<Record<TaskStatus, number>>;
  readonly tasks: readonly TaskRecord[];
}

export function machineInfo(): MachineInfo {
  return {
    hostname: hostname(),
    platform: platform(),
    release: release(),
    arch: arch(),
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
  };
}

/** Sortable run id: `20250102-030405-678-1a2b3c` (UTC time, then random). */
export function newRunId(now = new Date()): string {
  const iso = now.toISOString(); // 2025-01-02T03:04:05.678Z
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${iso.slice(20, 23)}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function countTasks(tasks: readonly TaskRecord[]): Record<TaskStatus, number> {
  const c: Record<TaskStatus, number> = { hit: 0, ran: 0, failed: 0, skipped: 0, interrupted: 0 };
  for (const t of tasks) c[t.status]++;
  return c;
}

/** Write runs/<runId>.json, then runs/latest.json (both atomically). Returns the first path. */
export function writeManifest(store: Store, manifest: RunManifest): string {
  store.init();
  const body = JSON.stringify(manifest, null, 2) + '\n';
  const path = join(store.runsDir, `${manifest.runId}.json`);
  writeFileAtomic(path, body);
  writeFileAtomic(join(store.runsDir, 'latest.json'), body);
  return path;
}

export function readManifest(path: string): RunManifest | null {
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as RunManifest;
    return m.schema === 1 && Array.isArray(m.tasks) ? m : null;
  } catch {
    return null;
  }
}

/** The last run's manifest (runs/latest.json), or null. */
export function readLatestManifest(store: Store): RunManifest | null {
  return readManifest(join(store.runsDir, 'latest.json'));
}

/** Run ids with a manifest in runs/, oldest first. */
export function listRunIds(store: Store): string[] {
  if (!existsSync(store.runsDir)) return [];
  return readdirSync(store.runsDir)
    .filter((f) => f.endsWith('.json') && f !== 'latest.json' && !f.includes('.tmp'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** The tasks of a manifest by `stage` / `stage/shard`. */
export function indexTasks(m: RunManifest | null): Map<string, TaskRecord> {
  return new Map((m?.tasks ?? []).map((t) => [taskLabel(t.stage, t.shard), t]));
}
