// For tests: run the `emo` command line in-process and collect what it prints, and read what a
// run left in its store.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from './cli.js';
import type { RunManifest, TaskRecord } from './engine/index.js';

export async function runEmo(
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(
    ['node', 'emo', ...args],
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}

/** The `emo` command (bin/emo.js, which runs the built CLI): what users and nx run. */
export const EMO_BIN = fileURLToPath(new URL('../bin/emo.js', import.meta.url));

/**
 * `emo …` as a child process running the built CLI, behind `prefix` (e.g. `ip netns exec NS`);
 * resolves with its exit code and what it printed (stdout and stderr).
 */
export function emoChild(
  args: readonly string[],
  prefix: readonly string[] = [],
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    let out = '';
    const [cmd, ...rest] = [...prefix, process.execPath, EMO_BIN, ...args];
    const c = spawn(cmd, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (out += b.toString()));
    c.on('exit', (code) => resolve({ code, out }));
  });
}

/** The arguments of `emo worker` on `queue`, with a tiny run's config and a store. */
export const workerArgs = (queue: string, config: string, store: string): string[] => [
  'worker',
  '--queue',
  queue,
  '--config',
  config,
  '--store',
  store,
];

/** The train stage's config in tests: tiny models, one epoch (a few seconds a run). */
export const TINY_TRAIN = {
  epochs: 1,
  model: {
    convLayers: 1,
    filters: 4,
    physioConvLayers: 1,
    physioFilters: 4,
    lstmUnits: 8,
    denseUnits: [8],
  },
};

/** A tiny synthetic corpus for pipeline tests: 2 + 2 subjects, few trials, no videos. */
export const SMALL_SYNTH = {
  subjects: 2,
  deapTrials: 5,
  amigosShortTrials: 5,
  amigosLongS: 20,
  video: false,
};

/**
 * A small synthetic corpus for end-to-end tests that train under every protocol: 3 + 3
 * subjects (enough for 3 subject folds and leave-one-subject-out), no videos.
 */
export const STUDY_SYNTH = {
  subjects: 3,
  deapTrials: 6,
  amigosShortTrials: 6,
  amigosLongS: 20,
  video: false,
};

/** Temporary folders made by a test file, removed by `cleanup` (call it in afterAll). */
export { tempDirs } from '@emo/runtime';

/** The store's latest run manifest. */
export function manifestOf(storeDir: string): RunManifest {
  return JSON.parse(readFileSync(join(storeDir, 'runs', 'latest.json'), 'utf8')) as RunManifest;
}

/** `stage` or `stage/shard`, as manifests and plans name a task. */
export const taskLabel = (t: { stage: string; shard: string | null }): string =>
  t.shard === null ? t.stage : `${t.stage}/${t.shard}`;

/** The task of a manifest with this label. */
export function taskOf(m: RunManifest, label: string): TaskRecord {
  const t = m.tasks.find((x) => taskLabel(x) === label);
  if (!t) throw new Error(`no task ${label} in run ${m.runId}`);
  return t;
}

/** Every file under a folder, as paths relative to it, sorted. */
export function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

/**
 * Where the outputs of two runs' tasks differ, as `label: file` lines (empty when every output
 * file of every task of `a` is byte-identical to `b`'s, trained models included).
 */
export function differingOutputs(a: RunManifest, b: RunManifest): string[] {
  const out: string[] = [];
  for (const t of a.tasks) {
    const dir = t.output?.path ?? '';
    const other = b.tasks.find((x) => taskLabel(x) === taskLabel(t))?.output?.path;
    if (!other) {
      out.push(`${taskLabel(t)}: no output in run ${b.runId}`);
      continue;
    }
    const files = filesUnder(dir);
    if (files.join('\n') !== filesUnder(other).join('\n')) out.push(`${taskLabel(t)}: file lists`);
    for (const f of files) {
      const same =
        existsSync(join(other, f)) &&
        Buffer.compare(readFileSync(join(dir, f)), readFileSync(join(other, f))) === 0;
      if (!same) out.push(`${taskLabel(t)}: ${f}`);
    }
  }
  return out;
}

/**
 * `dir`/emo.config.json for a tiny run on the synthetic corpus (store `store`, results `res`,
 * SMALL_SYNTH, the random protocol only, TINY_TRAIN), with `extra` top-level keys; its path.
 */
export function writeTinyConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const cfg = join(dir, 'emo.config.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      store: 'store',
      results: 'res',
      synth: SMALL_SYNTH,
      split: { protocols: ['random'] },
      train: TINY_TRAIN,
      ...extra,
    }),
  );
  return cfg;
}
