/** Human-readable text of a plan (`emo plan`) and of a run manifest (`emo status`). */
import type { Plan, RunManifest, TaskRecord } from './engine/index.js';

function label(stage: string, shard: string | null): string {
  return shard === null ? stage : `${stage}/${shard}`;
}

/** Stage ids in the order they first appear. */
function stagesOf(tasks: readonly { stage: string }[]): string[] {
  return [...new Set(tasks.map((t) => t.stage))];
}

export function planText(plan: Plan & { synthetic?: boolean }, all: boolean): string {
  const run = plan.tasks.filter((t) => t.action === 'run');
  const lines = [
    `plan: ${plan.tasks.length} task(s), ${run.length} to run, ${plan.tasks.length - run.length} cached` +
      (plan.previousRunId ? ` (against run ${plan.previousRunId})` : ' (no previous run)') +
      (plan.synthetic ? '; data: SYNTHETIC corpus (no dataset configured)' : ''),
  ];
  const width = Math.max(0, ...plan.tasks.map((t) => label(t.stage, t.shard).length));
  for (const stage of stagesOf(plan.tasks)) {
    const tasks = plan.tasks.filter((t) => t.stage === stage);
    const cached = tasks.filter((t) => t.action === 'cached');
    for (const t of tasks) {
      if (t.action === 'run' || all) {
        lines.push(
          `  ${t.action.padEnd(6)}  ${label(t.stage, t.shard).padEnd(width)}  ${t.reason}`,
        );
      }
    }
    if (!all && cached.length > 0) {
      lines.push(`  cached  ${`${stage}: ${cached.length} task(s)`.padEnd(width)}  unchanged`);
    }
  }
  return lines.join('\n') + '\n';
}

const ORDER: readonly TaskRecord['status'][] = ['ran', 'hit', 'failed', 'skipped', 'interrupted'];

export function statusText(m: RunManifest): string {
  const lines = [
    `run ${m.runId}: ${m.status}, started ${m.started}, ${(m.ms / 1000).toFixed(1)} s, jobs ${m.options.jobs}${m.options.strict ? ', strict' : ''}${m.options.targets ? `, up to ${m.options.targets.join(', ')}` : ''}`,
    `store ${m.store}; machine ${m.machine.hostname} (${m.machine.cpus} cores, Node ${m.machine.node})`,
  ];
  for (const [k, v] of Object.entries(m.info)) lines.push(`${k}: ${String(v)}`);
  for (const stage of stagesOf(m.tasks)) {
    const tasks = m.tasks.filter((t) => t.stage === stage);
    const counts = ORDER.map((s) => [s, tasks.filter((t) => t.status === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s === 'hit' ? 'cached' : s}`);
    const ms = tasks.reduce((a, t) => a + (t.hit ? 0 : t.ms), 0);
    lines.push(
      `  ${stage}: ${tasks.length} task(s): ${counts.join(', ')}; ${(ms / 1000).toFixed(1)} s of work`,
    );
    for (const t of tasks.filter((x) => x.status === 'failed' || x.status === 'skipped')) {
      lines.push(
        `    ${t.status.toUpperCase()} ${label(t.stage, t.shard)}: ${(t.error ?? t.reason).split('\n')[0]}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
