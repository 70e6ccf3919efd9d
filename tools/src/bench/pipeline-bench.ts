/**
 * Benchmark of the pipeline engine (issue 3): how long a no-op `emo full` and an `emo plan`
 * take over 10, 100 and 1000 per-subject shards, and how much of it is Node start-up.
 *
 * The download is AMIGOS-format: N participant files, each a copy of the small AMIGOS-shaped
 * MAT fixture of packages/datasets (so the first, cold run converts them quickly). Its trials
 * are shorter than one analysis window, so the commands run the DAG up to `convert` (`--until
 * convert`): what is measured is the engine's cost per shard, not the stages' work. Each command
 * runs as a real child process (`node apps/orchestrator/bin/emo.js …`), as a user runs it.
 * Run: pnpm bench pipeline   (EMO_BENCH_SHARDS=10,100 to choose the sizes)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const emo = join(root, 'apps', 'orchestrator', 'bin', 'emo.js');
const fixture = join(root, 'packages', 'datasets', 'fixtures', 'mat', 'amigos_v5z.mat');

/** Wall seconds of one child process run. */
function timed(args: readonly string[]): number {
  const t0 = performance.now();
  execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return (performance.now() - t0) / 1000;
}

function stats(xs: readonly number[]): { min: number; median: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
}

function repeat(args: readonly string[], n: number): { min: number; median: number } {
  return stats(Array.from({ length: n }, () => timed(args)));
}

const f = (x: number) => x.toFixed(3);

export function runPipelineBench(): Promise<void> {
  const sizes = (process.env.EMO_BENCH_SHARDS ?? '10,100,1000')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
  const reps = 7;
  const node = repeat(['-e', '0'], reps);
  const help = repeat([emo, '--help'], reps);
  console.log(
    `node start-up (node -e 0): min ${f(node.min)} s, median ${f(node.median)} s; ` +
      `emo --help (start-up + loading the CLI and its packages): min ${f(help.min)} s, median ${f(help.median)} s`,
  );
  console.log(
    '| shards | tasks | cold run s | no-op full s (min / median) | plan s (min / median) | start-up share of no-op | ms per shard (no-op, above start-up) |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), `emo-bench-pipe-${n}-`));
    try {
      const dl = join(dir, 'AMIGOS');
      mkdirSync(dl);
      for (let i = 1; i <= n; i++) copyFileSync(fixture, join(dl, `Data_Preprocessed_P${i}.mat`));
      const common = [
        ...['--amigos', dl, '--store', join(dir, 'store'), '--results', join(dir, 'res')],
        ...['--until', 'convert'],
      ];
      const cold = timed([emo, 'full', ...common]);
      const full = repeat([emo, 'full', ...common], reps);
      const plan = repeat([emo, 'plan', ...common], reps);
      const tasks = n; // one convert task per participant
      console.log(
        `| ${n} | ${tasks} | ${cold.toFixed(1)} | ${f(full.min)} / ${f(full.median)} | ${f(plan.min)} / ${f(plan.median)} | ${((100 * help.median) / full.median).toFixed(0)} % | ${((1000 * (full.median - help.median)) / n).toFixed(2)} |`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return Promise.resolve();
}
