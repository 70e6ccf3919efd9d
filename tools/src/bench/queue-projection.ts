/**
 * The full-size leave-one-subject-out study on N machines (issue 16): a simulation of the whole
 * DAG — convert, dsp and vision per subject, split, one training task per held-out subject and
 * model, then evaluation — over N machines like this one (2 cores each), every task paying the
 * queue's overhead. Per-task costs come from `pnpm bench scale` (tools/bench/results/scale.json);
 * what the file does not give is an assumption, listed with the table.
 *
 * Scheduling is greedy list scheduling, as BullMQ workers pull: a task starts as soon as its
 * inputs exist and a machine has the cores it needs, longest task first among those ready.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SimTask {
  readonly id: string;
  readonly seconds: number;
  /** Cores it occupies on one machine. */
  readonly cores: number;
  readonly deps: readonly string[];
}

export interface SimResult {
  readonly seconds: number;
  /** Busy core-seconds over available core-seconds until the end. */
  readonly utilisation: number;
}

/** Makespan of `tasks` on `machines` machines of `cores` cores, `overheadS` added per task. */
export function simulate(
  tasks: readonly SimTask[],
  machines: number,
  cores: number,
  overheadS: number,
): SimResult {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  for (const t of tasks) {
    if (t.cores > cores)
      throw new Error(`task ${t.id} needs ${t.cores} cores, machines have ${cores}`);
    for (const d of t.deps) if (!byId.has(d)) throw new Error(`task ${t.id}: unknown input ${d}`);
  }
  const free = Array.from({ length: machines }, () => cores);
  const waiting = new Map(tasks.map((t) => [t.id, t.deps.length]));
  const dependents = new Map<string, string[]>();
  for (const t of tasks)
    for (const d of t.deps) dependents.set(d, [...(dependents.get(d) ?? []), t.id]);
  let ready = tasks.filter((t) => t.deps.length === 0);
  const running: { end: number; task: SimTask; machine: number }[] = [];
  let now = 0;
  let busy = 0;
  let done = 0;
  while (done < tasks.length) {
    ready.sort((a, b) => b.seconds - a.seconds);
    const still: SimTask[] = [];
    for (const t of ready) {
      const m = free.findIndex((f) => f >= t.cores);
      if (m < 0) {
        still.push(t);
        continue;
      }
      free[m] -= t.cores;
      const seconds = t.seconds + overheadS;
      busy += seconds * t.cores;
      running.push({ end: now + seconds, task: t, machine: m });
    }
    ready = still;
    if (running.length === 0) throw new Error('simulation: a cycle, or a task that never fits');
    running.sort((a, b) => a.end - b.end);
    const next = running.shift() as (typeof running)[number];
    now = next.end;
    free[next.machine] += next.task.cores;
    done++;
    for (const d of dependents.get(next.task.id) ?? []) {
      const left = (waiting.get(d) ?? 0) - 1;
      waiting.set(d, left);
      if (left === 0) ready.push(byId.get(d) as SimTask);
    }
  }
  return { seconds: now, utilisation: busy / (now * machines * cores) };
}

interface ScaleJson {
  readonly machine: { readonly cpus: number };
  readonly perSubject: readonly {
    readonly dataset: string;
    readonly stages: Readonly<
      Record<string, { readonly seconds: number; readonly processes: number }>
    >;
  }[];
  readonly rates: Readonly<Record<string, Readonly<Record<string, { readonly train: number }>>>>;
  readonly projection: {
    readonly scenarios: readonly {
      readonly scenario: string;
      readonly tasks: number;
      readonly trainSeconds: number;
    }[];
  };
}

/** The study's numbers that scale.json does not hold (see the printed assumptions). */
const STUDY = { deap: 32, deapVideo: 22, amigos: 40, models: ['hybrid', 'cnnOnly', 'rnnOnly'] };
const SPLIT_S = 5;
const EVALUATE_S = 120;

/** The leave-one-subject-out study's DAG with per-task costs from scale.json. */
export function losoTasks(scale: ScaleJson): { tasks: SimTask[]; assumptions: string[] } {
  const cost = (dataset: string, stage: string) => {
    const s = scale.perSubject.find((x) => x.dataset === dataset)?.stages[stage];
    if (!s) throw new Error(`scale.json has no ${stage} cost for ${dataset}`);
    return s.seconds;
  };
  const loso = scale.projection.scenarios.find((s) =>
    s.scenario.startsWith('leave-one-subject-out'),
  );
  if (!loso) throw new Error('scale.json has no leave-one-subject-out scenario');
  // training process-seconds over every task (scale.json: on this machine's 2 processes)
  const processSeconds = loso.trainSeconds * scale.machine.cpus;
  const rates = scale.rates['64'];
  const inv = STUDY.models.map((m) => 1 / rates[m].train);
  const sumInv = inv.reduce((a, b) => a + b, 0);
  const folds = loso.tasks / STUDY.models.length;
  const tasks: SimTask[] = [];
  const subjects = [
    ...Array.from({ length: STUDY.deap }, (_, i) => ({
      ds: 'deap',
      id: `deap-${i}`,
      video: i < STUDY.deapVideo,
    })),
    ...Array.from({ length: STUDY.amigos }, (_, i) => ({
      ds: 'amigos',
      id: `amigos-${i}`,
      video: true,
    })),
  ];
  for (const s of subjects) {
    tasks.push({ id: `convert/${s.id}`, seconds: cost(s.ds, 'convert'), cores: 1, deps: [] });
    tasks.push({
      id: `dsp/${s.id}`,
      seconds: cost(s.ds, 'dsp'),
      cores: 1,
      deps: [`convert/${s.id}`],
    });
    if (s.video) {
      tasks.push({
        id: `vision/${s.id}`,
        seconds: cost(s.ds, 'vision'),
        cores: 2,
        deps: [`convert/${s.id}`, `dsp/${s.id}`],
      });
    }
  }
  tasks.push({ id: 'split', seconds: SPLIT_S, cores: 1, deps: tasks.map((t) => t.id) });
  STUDY.models.forEach((m, k) => {
    const each = (processSeconds * inv[k]) / sumInv / folds;
    for (let f = 0; f < folds; f++) {
      tasks.push({ id: `train/${m}.f${f}`, seconds: each, cores: 1, deps: ['split'] });
    }
  });
  tasks.push({
    id: 'evaluate',
    seconds: EVALUATE_S,
    cores: 1,
    deps: tasks.filter((t) => t.id.startsWith('train/')).map((t) => t.id),
  });
  const assumptions = [
    `per-subject convert/dsp/vision costs and the training total of scale.json (${loso.tasks} training tasks, ${(loso.trainSeconds / 3600).toFixed(1)} h on one machine)`,
    `machines like this one (${scale.machine.cpus} cores); a vision task takes 2 cores, every other task 1`,
    "a model's training tasks are equal (every held-out subject alike); the models' shares follow their measured training rates at batch 64",
    `split ${SPLIT_S} s and evaluation ${EVALUATE_S} s (not measured at full size)`,
    'the shared store (NFS) is never the bottleneck, and every machine has the downloads',
  ];
  return { tasks, assumptions };
}

const hours = (s: number) => (s / 3600).toFixed(2);

/** The projection table, from tools/bench/results/scale.json. */
export function printProjection(
  overheadS = Number(process.env.EMO_BENCH_QUEUE_OVERHEAD_S ?? 0.05),
): void {
  const file = fileURLToPath(new URL('../../bench/results/scale.json', import.meta.url));
  const scale = JSON.parse(readFileSync(file, 'utf8')) as ScaleJson;
  const { tasks, assumptions } = losoTasks(scale);
  const cores = scale.machine.cpus;
  const one = simulate(tasks, 1, cores, 0);
  console.log(
    `leave-one-subject-out, full size, ${tasks.length} tasks, ${(overheadS * 1000).toFixed(1)} ms queue overhead a task (projection):`,
  );
  for (const n of [1, 4, 16, 64]) {
    const r = simulate(tasks, n, cores, overheadS);
    console.log(
      `  ${String(n).padStart(2)} machine(s): ${hours(r.seconds)} h, speed-up ${(one.seconds / r.seconds).toFixed(1)}×, cores busy ${(r.utilisation * 100).toFixed(0)} %`,
    );
  }
  const longest = Math.max(...tasks.filter((t) => t.id.startsWith('train/')).map((t) => t.seconds));
  const before = simulate(
    tasks.filter((t) => !t.id.startsWith('train/') && t.id !== 'evaluate'),
    1000,
    cores,
    overheadS,
  ).seconds;
  console.log(
    `  floor with unlimited machines: ${hours(before + longest + EVALUATE_S)} h (the longest subject's vision, then the longest training task, then evaluation)`,
  );
  for (const a of assumptions) console.log(`  assumes: ${a}`);
}
