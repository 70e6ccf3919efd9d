/**
 * Benchmark of the three models of @emo/model (issue 6): training and inference samples/s of the
 * default hybrid, CNN-only and RNN-only on random data, for every tfjs backend that loads here,
 * in one process and in two processes training side by side (how grid search and folds use the
 * two cores: independent trials in worker processes; the figure is the sum of both), beside the
 * same architectures in PyTorch on the CPU with 1 and 2 threads (tools/bench/model_torch.py).
 *
 * Every measurement runs in fresh worker processes (model-bench-child.ts), each selecting its
 * backend with EMO_TF_BACKEND; a worker warms up, then times at least a few batches. The pure-JS
 * cpu backend is 100–300× slower than wasm, so there it trains the conv models on one batch of 4
 * and the RNN on one batch of 16, without warm-up (the figures are indicative only).
 *
 * The PyTorch models are built from the same resolved config (passed as JSON), and the parameter
 * counts of both are printed side by side: equal counts mean the same architecture.
 *
 * Run: pnpm bench model   (about 4 minutes on two idle cores; it says how much of the CPUs other
 * processes used meanwhile). The wasm backend runs twice: with the native kernels of @emo/model
 * where they load, and as `wasm-no-native` (EMO_NATIVE_KERNELS=0), side by side in one run.
 * EMO_BENCH_BACKENDS=wasm,wasm-no-native limits the backends;
 * EMO_BENCH_MODEL_CONFIG='{"facePooling":"avg"}' overrides the default config; EMO_PYTHON names
 * the Python with torch (default: python3, then /usr/bin/python3).
 */
import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BackendAttempt, ModelKind } from '@emo/model';
import { BACKEND_ENV, MODEL_KINDS, NATIVE_KERNELS_ENV, resolveModelConfig } from '@emo/model';
import { STUDY_SHAPE } from './study-shape.js';
import type { ChildMessage, ChildResult } from './model-bench-child.js';

const CHILD = fileURLToPath(new URL('./model-bench-child.js', import.meta.url));
const TORCH_SCRIPT = fileURLToPath(new URL('../../bench/model_torch.py', import.meta.url));
/** What "ours with 2 processes / PyTorch with 2 threads" should reach (issue 15: PyTorch's speed). */
const TARGET_RATIO = 1;
/** Overrides of the default model config (JSON), for tfjs workers and PyTorch alike. */
export const CONFIG_ENV = 'EMO_BENCH_MODEL_CONFIG';

export interface Plan {
  batch: number;
  warmup: number;
  minBatches: number;
  minSeconds: number;
}

const FULL_TRAIN: Plan = { batch: 64, warmup: 2, minBatches: 5, minSeconds: 3 };
const FULL_INFER: Plan = { batch: 64, warmup: 2, minBatches: 5, minSeconds: 2 };

/** How much each backend measures: the cpu backend gets token runs. */
function plans(backend: string, kind: ModelKind): { train: Plan; infer: Plan } {
  if (backend !== 'cpu') return { train: FULL_TRAIN, infer: FULL_INFER };
  return {
    train:
      kind === 'rnnOnly'
        ? { batch: 16, warmup: 0, minBatches: 1, minSeconds: 0 }
        : { batch: 4, warmup: 0, minBatches: 1, minSeconds: 0 },
    infer: { batch: 16, warmup: 1, minBatches: 1, minSeconds: 0 },
  };
}

class ChildError extends Error {
  constructor(
    message: string,
    readonly tried?: BackendAttempt[],
  ) {
    super(message);
  }
}

interface Worker {
  ready: Promise<void>;
  done: Promise<ChildMessage>;
  go(): void;
}

/** wasm with the native kernels turned off: the same run as before they existed. */
const WASM_ALONE = 'wasm-no-native';

/**
 * Starts one worker process on `backend` ('auto' leaves EMO_TF_BACKEND unset; WASM_ALONE is
 * wasm with EMO_NATIVE_KERNELS=0).
 */
export function startWorker(backend: string, args: string[]): Worker {
  const env = { ...process.env };
  if (backend === 'auto') delete env[BACKEND_ENV];
  else if (backend === WASM_ALONE) {
    env[BACKEND_ENV] = 'wasm';
    env[NATIVE_KERNELS_ENV] = '0';
  } else env[BACKEND_ENV] = backend;
  const child = fork(CHILD, args, { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const done = new Promise<ChildMessage>((resolve, reject) => {
    let last: ChildMessage | undefined;
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') onReady();
      else last = m;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (last?.type === 'error') reject(new ChildError(last.message, last.tried));
      else if (last) resolve(last);
      else reject(new ChildError(`worker exited with ${code}: ${stderr.trim().slice(-500)}`));
    });
  });
  // A worker that fails before its barrier must not leave the others waiting.
  done.catch(() => onReady());
  return { ready, done, go: () => child.connected && child.send('go') };
}

export function planArgs(mode: 'train' | 'infer', kind: ModelKind, p: Plan): string[] {
  return [mode, kind, p.batch, p.warmup, p.minBatches, p.minSeconds].map(String);
}

export async function runOne(backend: string, args: string[]): Promise<ChildResult> {
  const m = await startWorker(backend, args).done;
  if (m.type !== 'result') throw new ChildError(`unexpected reply ${m.type}`);
  return m;
}

export interface Concurrent {
  /** Sum of the workers' samples/s. */
  sum: number;
  /** All samples over the span from the first start to the last end. */
  span: number;
  results: ChildResult[];
}

/** `n` workers warm up, then time together (released at once after all are warm). */
export async function runConcurrent(
  backend: string,
  args: string[],
  n: number,
): Promise<Concurrent> {
  const workers = Array.from({ length: n }, () => startWorker(backend, [...args, 'barrier']));
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.go();
  // allSettled: a failing worker must not leave the other running into the next measurement.
  const results = (await Promise.allSettled(workers.map((w) => w.done))).map((s) => {
    if (s.status === 'rejected') throw s.reason;
    if (s.value.type !== 'result') throw new ChildError(`unexpected reply ${s.value.type}`);
    return s.value;
  });
  const start = Math.min(...results.map((r) => r.start));
  const end = Math.max(...results.map((r) => r.end));
  const samples = results.reduce((s, r) => s + r.batches * r.batchSize, 0);
  return {
    sum: results.reduce((s, r) => s + r.samplesPerS, 0),
    span: samples / ((end - start) / 1000),
    results,
  };
}

interface TorchModel {
  params: number;
  train: { samplesPerS: number };
  infer: { samplesPerS: number };
}

interface TorchReport {
  available: boolean;
  /** torch imports, but the script failed. */
  failed?: boolean;
  reason?: string;
  torch?: string;
  python?: string;
  executable?: string;
  runs?: { threads: number; models: Record<string, TorchModel> }[];
}

/** The first Python that imports torch, or why there is none. */
function findTorchPython(): { python?: string; tried: string[] } {
  const candidates = [process.env.EMO_PYTHON, 'python3', '/usr/bin/python3'].filter(
    (p): p is string => Boolean(p),
  );
  const tried: string[] = [];
  for (const python of [...new Set(candidates)]) {
    try {
      execFileSync(python, ['-c', 'import torch; torch.zeros(1)'], { stdio: 'ignore' });
      return { python, tried };
    } catch {
      tried.push(python);
    }
  }
  return { tried };
}

function runTorch(config: object): TorchReport {
  const { python, tried } = findTorchPython();
  if (!python) return { available: false, reason: `no torch in ${tried.join(', ')}` };
  const args = [TORCH_SCRIPT, '--threads', '1,2', '--config', JSON.stringify(config)];
  const out = execFileSync(python, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  return JSON.parse(out) as TorchReport;
}

interface Row {
  kind: ModelKind;
  backend: string;
  params: number;
  train1: number;
  train2: Concurrent;
  infer1: number;
  trainBatch: number;
}

/**
 * CPU ticks from /proc (Linux): the machine's busy and total ticks (all cores) and this process's
 * own, its finished children included (every worker and Python run is waited for).
 */
export function cpuTicks(): { busy: number; total: number; own: number } | undefined {
  try {
    const n = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
    const ticks = n.map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const self = readFileSync('/proc/self/stat', 'utf8');
    const f = self
      .slice(self.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // utime, stime, cutime, cstime (fields 14–17 of proc(5), counted from the state field here)
    const own = f[11] + f[12] + f[13] + f[14];
    return { busy: total - ticks[3] - (ticks[4] ?? 0), total, own };
  } catch {
    return undefined;
  }
}

export type Ticks = NonNullable<ReturnType<typeof cpuTicks>>;

/** The share of all CPUs that other processes kept busy between two readings. */
export function othersShare(a: Ticks | undefined, b: Ticks | undefined): number | undefined {
  if (!a || !b || b.total === a.total) return undefined;
  return Math.max(0, b.busy - a.busy - (b.own - a.own)) / (b.total - a.total);
}

const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;

const fmt = (x: number | undefined): string =>
  x === undefined
    ? '—'
    : x >= 100
      ? x.toFixed(0)
      : x >= 10
        ? x.toFixed(1)
        : x >= 0.1
          ? x.toFixed(2)
          : x.toPrecision(2);

function printTable(rows: Row[], torch: TorchReport): void {
  const torchOf = (kind: ModelKind, threads: number): TorchModel | undefined =>
    torch.runs?.find((r) => r.threads === threads)?.models[kind];
  const header = [
    'model',
    'backend',
    'train 1 proc',
    'train 2 procs',
    'infer 1 proc',
    'torch train 1 thr',
    'torch train 2 thr',
    'torch infer 1 thr',
    'torch infer 2 thr',
    '2 procs / torch 2 thr',
  ];
  const lines = rows.map((r) => {
    const t1 = torchOf(r.kind, 1);
    const t2 = torchOf(r.kind, 2);
    const ratio = t2 ? r.train2.sum / t2.train.samplesPerS : undefined;
    const verdict =
      ratio === undefined
        ? '—'
        : `${ratio >= 0.1 ? ratio.toFixed(3) : fmt(ratio)} ${ratio >= TARGET_RATIO ? 'ok' : 'BELOW'}`;
    return [
      r.kind,
      r.backend + (r.trainBatch !== 64 ? ` (b${r.trainBatch})` : ''),
      fmt(r.train1),
      fmt(r.train2.sum),
      fmt(r.infer1),
      fmt(t1?.train.samplesPerS),
      fmt(t2?.train.samplesPerS),
      fmt(t1?.infer.samplesPerS),
      fmt(t2?.infer.samplesPerS),
      verdict,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log('samples/s (batch 64 unless marked):');
  console.log(row(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(row(l));
}

export async function runModelBench(): Promise<void> {
  const t0 = performance.now();
  const before = cpuTicks();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const start = cpuTicks();
  const busy = othersShare(before, start);
  console.log(
    `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})` +
      (busy === undefined ? '' : `; used by other processes before the bench: ${pct(busy)}`),
  );
  if (busy !== undefined && busy > 0.05) {
    console.log('  WARNING: other processes are using the CPUs; the figures below will be low.');
  }
  const overrides = JSON.parse(process.env[CONFIG_ENV] ?? '{}') as object;
  const config = resolveModelConfig(overrides);
  console.log(
    `model config: the defaults${process.env[CONFIG_ENV] ? ` with ${CONFIG_ENV}=${process.env[CONFIG_ENV]}` : ''} ` +
      `(facePooling ${config.facePooling}, faceBatchNorm ${config.faceBatchNorm}, ` +
      `${config.lstmLayers} LSTM layer(s) of ${config.lstmUnits}, head ${config.denseUnits.join('/')})`,
  );
  // PyTorch first, alone on the machine.
  let torch: TorchReport;
  const torchStart = cpuTicks();
  try {
    torch = runTorch({ ...STUDY_SHAPE, ...config });
  } catch (err) {
    // execFileSync's error carries the script's stderr: its last line says what went wrong.
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    const reason = stderr ? stderr.split('\n').slice(-1)[0] : (err as Error).message;
    torch = { available: false, failed: true, reason: `${TORCH_SCRIPT}: ${reason.slice(0, 300)}` };
  }
  const torchOthers = othersShare(torchStart, cpuTicks());
  if (torch.available) {
    console.log(
      `PyTorch ${torch.torch} (Python ${torch.python}, ${torch.executable}), CPU, ` +
        'OMP_NUM_THREADS = threads, OPENBLAS_NUM_THREADS=1' +
        (torchOthers === undefined ? '' : `; other processes meanwhile ${pct(torchOthers)}`),
    );
  } else {
    console.log(
      torch.failed
        ? `PyTorch reference failed: ${torch.reason}`
        : `PyTorch not available (apt-get install python3-torch): ${torch.reason ?? ''}`,
    );
  }

  // Which backends load: the default order, unforced, records why the others were skipped.
  const probe = await startWorker('auto', ['probe']).done;
  if (probe.type !== 'probe') throw new Error(`backend probe failed: ${JSON.stringify(probe)}`);
  console.log(`tfjs backends (selectBackend, default order):`);
  for (const t of probe.tried) {
    console.log(`  ${t.name}: ${t.ok ? 'loads' : 'skipped'} — ${t.reason}`);
  }
  const wanted = process.env.EMO_BENCH_BACKENDS?.split(',').map((s) => s.trim());
  const native = probe.tried.find((t) => t.ok && t.name.startsWith('tfjs-node'));
  const backends = [...(native ? [native.name] : []), 'wasm', WASM_ALONE, 'cpu'].filter(
    (b) => !wanted || wanted.includes(b),
  );

  const rows: Row[] = [];
  for (const backend of backends) {
    for (const kind of MODEL_KINDS) {
      const p = plans(backend, kind);
      try {
        const rowStart = cpuTicks();
        const train1 = await runOne(backend, planArgs('train', kind, p.train));
        const train2 = await runConcurrent(backend, planArgs('train', kind, p.train), 2);
        const infer1 = await runOne(backend, planArgs('infer', kind, p.infer));
        const others = othersShare(rowStart, cpuTicks());
        rows.push({
          kind,
          backend:
            train1.backend === 'tensorflow' || backend === WASM_ALONE ? backend : train1.backend,
          params: train1.params,
          train1: train1.samplesPerS,
          train2,
          infer1: infer1.samplesPerS,
          trainBatch: p.train.batch,
        });
        console.log(
          `  ${backend} ${kind}: ${train1.params.toLocaleString('en')} parameters; train ` +
            `${fmt(train1.samplesPerS)}/s (${train1.batches}×${train1.batchSize}), 2 procs ` +
            `${train2.results.map((r) => fmt(r.samplesPerS)).join(' + ')} = ${fmt(train2.sum)}/s ` +
            `(over the joint span ${fmt(train2.span)}/s); infer ${fmt(infer1.samplesPerS)}/s` +
            (others === undefined ? '' : `; other processes meanwhile ${pct(others)}`),
        );
      } catch (err) {
        const tried = err instanceof ChildError && err.tried ? err.tried : [];
        console.log(
          `  ${backend} ${kind}: skipped — ${(err as Error).message}` +
            tried.map((t) => `; ${t.name}: ${t.reason}`).join(''),
        );
        break;
      }
    }
  }

  console.log();
  for (const kind of MODEL_KINDS) {
    const ours = rows.find((r) => r.kind === kind)?.params;
    const theirs = torch.runs?.[0]?.models[kind]?.params;
    if (ours === undefined && theirs === undefined) continue;
    const n = (x: number | undefined) => (x === undefined ? '—' : x.toLocaleString('en'));
    const same = ours !== undefined && ours === theirs;
    console.log(
      `${kind} parameters: tfjs ${n(ours)}, PyTorch ${n(theirs)}` +
        (ours !== undefined && theirs !== undefined
          ? same
            ? ' (equal)'
            : ' — DIFFERENT: the PyTorch mirror does not match this config'
          : ''),
    );
  }
  console.log();
  printTable(rows, torch);
  console.log();
  console.log(
    `Workers are separate Node processes (one core each); "2 procs" is the sum of two workers ` +
      `training at once. Target: ours with 2 processes ≥ ${TARGET_RATIO.toFixed(2)} × PyTorch ` +
      `with 2 threads.`,
  );
  if (rows.some((r) => r.backend === 'cpu')) {
    console.log(
      'cpu backend (pure JavaScript): token runs only — one timed training batch of 4 (conv ' +
        'models) or 16 (RNN), no warm-up; inference one batch of 16 after one warm-up.',
    );
  }
  const others = othersShare(start, cpuTicks());
  console.log(
    `bench time ${((performance.now() - t0) / 1000).toFixed(0)} s` +
      (others === undefined ? '' : `; other processes used ${pct(others)} of the CPUs meanwhile`),
  );
  if (others !== undefined && others > 0.05) {
    console.log('WARNING: the machine was not idle; rerun on an idle machine for fair figures.');
  }
}
