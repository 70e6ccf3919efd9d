/**
 * Progress display of the pipeline runner (`emo full`): turns the runner's `RunEvent`s into
 * either live bars on a terminal or plain timestamped lines for CI, logs and pipes.
 *
 * - Terminal: one `cli-progress` MultiBar with a bar per stage (tasks settled / tasks of the
 *   stage, hits, failures, rate and ETA) and a bar per running task (its own progress and
 *   message), removed when the task ends. The plan, failures, whole-stage skips and stage logs
 *   are printed above the bars. cli-progress redraws on its own timer (10 fps) and only the
 *   lines that changed; `stop()` (or 'done') clears that timer, so call it in a `finally`.
 * - Plain: one line per start, run, failure, skip and stage log; progress at most once per task
 *   every 5 s; cache hits are not listed but summarised once per stage when it completes.
 *
 * Stage totals come from the plan, which may only guess a per-subject stage's shards (one
 * task with shard null when they cannot be listed yet): tasks that settle outside the plan grow
 * the totals, and a stage whose count is unknown is summarised when the run is done.
 */
import cliProgress from 'cli-progress';
import type { GenericFormatter, MultiBar, SingleBar } from 'cli-progress';
import { taskLabel } from './engine/index.js';
import type {
  ProgressEvent,
  RunEvent,
  RunManifest,
  TaskRecord,
  TaskStatus,
} from './engine/index.js';

export interface ProgressRenderer {
  onEvent(e: RunEvent): void;
  /** End the display (stops the bars' timer; later events are ignored). Safe to call twice. */
  stop(): void;
}

export interface ProgressOptions {
  readonly stream: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Live bars (true) or plain lines (false); default: whether `stream` is a terminal. */
  readonly tty?: boolean;
  /** Clock for timestamps, throttling, rates and ETAs (default: the real one). */
  readonly now?: () => Date;
}

/** Plain mode: at most one progress line per task in this many milliseconds. */
export const PROGRESS_LINE_INTERVAL_MS = 5000;

const FPS = 10;
const STAGE_BAR_WIDTH = 24;
const TASK_BAR_WIDTH = 16;

// ---------------------------------------------------------------------------------------------
// Formatting

/** `850 ms`, `1.2 s`, `3 min 05 s`, `2 h 07 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor(s / 60) % 60).padStart(2, '0')} min`;
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.trim();
}

function formatRate(perSecond: number): string {
  if (perSecond >= 10) return String(Math.round(perSecond));
  if (perSecond >= 1) return perSecond.toFixed(1);
  return perSecond.toFixed(2);
}

function bar(progress: number, width: number): string {
  const p = Math.min(1, Math.max(0, Number.isFinite(progress) ? progress : 0));
  const full = Math.round(p * width);
  return '\u2588'.repeat(full) + '\u2591'.repeat(width - full);
}

function planLine(tasks: readonly { action: 'run' | 'cached' }[]): string {
  const run = tasks.filter((t) => t.action === 'run').length;
  return `plan: ${tasks.length} tasks, ${run} to run, ${tasks.length - run} cached`;
}

function doneLine(manifest: RunManifest, manifestPath: string): string {
  const c = manifest.counts;
  const interrupted = c.interrupted > 0 ? `, ${c.interrupted} interrupted` : '';
  return (
    `run ${manifest.runId} ${manifest.status}: ${c.ran} ran, ${c.hit} cached, ` +
    `${c.failed} failed, ${c.skipped} skipped${interrupted} in ${formatDuration(manifest.ms)}; ` +
    `manifest ${manifestPath}`
  );
}

function progressText(event: Extract<ProgressEvent, { kind: 'progress' }>): string {
  const count = event.total === undefined ? `${event.done}` : `${event.done}/${event.total}`;
  return event.message ? `${count} ${event.message}` : count;
}

// ---------------------------------------------------------------------------------------------
// What is known about each stage

const NULL_SHARD = '\u0000';
const slot = (shard: string | null): string => shard ?? NULL_SHARD;

class StageState {
  /** Shards the plan announced (NULL_SHARD for a global task or an unlisted stage). */
  readonly planned = new Set<string>();
  readonly settled = new Map<string, TaskStatus>();
  readonly counts: Record<TaskStatus, number> = {
    hit: 0,
    ran: 0,
    failed: 0,
    skipped: 0,
    interrupted: 0,
  };
  running = 0;
  /** First task-start (ms), for the rate of executed tasks. */
  firstStart: number | null = null;
  lastEnd: number | null = null;
  /** A task with shard null settled: the stage has no other task (global, or skipped whole). */
  closed = false;
  /** Set when the run is done: what the stage came to. */
  finalTotal: number | null = null;
  /** Settled tasks the plan did not list. */
  private unplanned = 0;
  /** Some task with a shard settled. */
  private sharded = false;
  /** Settled count when last summarised (plain mode); -1 when never. */
  summarised = -1;
  bar: SingleBar | null = null;

  constructor(readonly id: string) {}

  /** The plan's one null task stood for shards it could not list yet; they are arriving. */
  get unknownCount(): boolean {
    return this.finalTotal === null && !this.closed && this.sharded && this.planned.has(NULL_SHARD);
  }

  /** Tasks expected: the plan's, grown by tasks the plan did not know. */
  get total(): number {
    if (this.finalTotal !== null) return this.finalTotal;
    if (this.closed) return this.settled.size;
    return this.planned.size + this.unplanned - (this.unknownCount ? 1 : 0);
  }

  /** Every task the plan announced (and every one that came on top) settled. */
  get complete(): boolean {
    if (this.finalTotal !== null || this.closed) return true;
    if (this.unknownCount || this.running > 0) return false;
    return this.settled.size >= this.total;
  }

  settle(rec: TaskRecord): void {
    const k = slot(rec.shard);
    const before = this.settled.get(k);
    if (before !== undefined) this.counts[before]--;
    else if (!this.planned.has(k)) this.unplanned++;
    this.settled.set(k, rec.status);
    this.counts[rec.status]++;
    if (rec.shard === null) this.closed = true;
    else this.sharded = true;
  }

  summary(): string {
    const c = this.counts;
    const extra =
      (c.skipped ? `, ${c.skipped} skipped` : '') +
      (c.interrupted ? `, ${c.interrupted} interrupted` : '');
    return (
      `${this.id}: ${this.settled.size}/${this.total} done ` +
      `(${c.hit} cached, ${c.ran} ran, ${c.failed} failed${extra})`
    );
  }
}

/** Stages in the order first seen (the plan lists them in pipeline order). */
class Stages {
  readonly byId = new Map<string, StageState>();

  get(id: string): StageState {
    let s = this.byId.get(id);
    if (!s) this.byId.set(id, (s = new StageState(id)));
    return s;
  }

  values(): IterableIterator<StageState> {
    return this.byId.values();
  }

  /**
   * The run is done: every task settled, except after a --strict stop (the rest was never
   * reached, so the plan's totals stay).
   */
  finalize(manifest: RunManifest): void {
    const cut = manifest.status === 'failed' && manifest.options.strict;
    for (const st of this.byId.values()) st.finalTotal = cut ? st.total : st.settled.size;
  }

  /** Take the plan's tasks as the expected totals. */
  plan(tasks: readonly { stage: string; shard: string | null }[]): void {
    for (const t of tasks) this.get(t.stage).planned.add(slot(t.shard));
  }
}

function streamIsTTY(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: unknown }).isTTY === true;
}

// ---------------------------------------------------------------------------------------------
// Plain lines

class PlainProgress implements ProgressRenderer {
  private readonly stages = new Stages();
  /** Last printed progress line per running task (ms). */
  private readonly lastProgress = new Map<string, number>();
  /** Tasks started and not yet settled. */
  private readonly running = new Set<string>();
  private stopped = false;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly now: () => Date,
  ) {}

  private line(text: string): void {
    this.stream.write(`${this.now().toISOString()} ${text}\n`);
  }

  onEvent(e: RunEvent): void {
    if (this.stopped) return;
    switch (e.type) {
      case 'lock-wait':
        this.line(e.message);
        return;
      case 'plan':
        this.stages.plan(e.plan.tasks);
        this.line(planLine(e.plan.tasks));
        return;
      case 'task-start': {
        const name = taskLabel(e.stage, e.shard);
        if (!this.running.has(name)) this.stages.get(e.stage).running++;
        this.running.add(name);
        this.line(`${name} start (${e.reason})`);
        return;
      }
      case 'task-progress': {
        const name = taskLabel(e.stage, e.shard);
        if (e.event.kind === 'log') {
          this.line(`${name}: ${e.event.message}`);
          return;
        }
        const t = this.now().getTime();
        const last = this.lastProgress.get(name);
        if (last !== undefined && t - last < PROGRESS_LINE_INTERVAL_MS) return;
        this.lastProgress.set(name, t);
        this.line(`${name} ${progressText(e.event)}`);
        return;
      }
      case 'task-end':
        this.taskEnd(e.record);
        return;
      case 'done':
        this.done(e.manifest, e.manifestPath);
        return;
    }
  }

  private taskEnd(rec: TaskRecord): void {
    const name = taskLabel(rec.stage, rec.shard);
    const st = this.stages.get(rec.stage);
    this.lastProgress.delete(name);
    if (this.running.delete(name)) st.running--;
    st.settle(rec);
    switch (rec.status) {
      case 'ran':
        this.line(`${name} ran in ${formatDuration(rec.ms)}`);
        break;
      case 'failed':
        this.line(`${name} FAILED: ${firstLine(rec.error ?? '') || rec.reason}`);
        break;
      case 'skipped':
        this.line(`${name} SKIPPED: ${rec.reason}`);
        break;
      case 'interrupted':
        this.line(`${name} interrupted`);
        break;
      case 'hit':
        break;
    }
    if (st.summarised < 0 && st.complete) this.summarise(st);
  }

  private summarise(st: StageState): void {
    st.summarised = st.settled.size;
    this.line(st.summary());
  }

  private done(manifest: RunManifest, manifestPath: string): void {
    this.stages.finalize(manifest);
    for (const st of this.stages.values()) {
      if (st.summarised !== st.settled.size) this.summarise(st);
    }
    this.line(doneLine(manifest, manifestPath));
  }

  stop(): void {
    this.stopped = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Terminal bars

interface TaskState {
  readonly name: string;
  readonly started: number;
  done: number;
  total: number | undefined;
  message: string;
  bar: SingleBar | null;
}

/**
 * What cli-progress writes to: always "a terminal" (it moves the cursor only on streams whose
 * isTTY is true, and bars were asked for), with the real stream's width when it has one.
 */
function terminalOf(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  const out = {
    isTTY: true,
    get columns(): number {
      const c = (stream as { columns?: unknown }).columns;
      return typeof c === 'number' && c > 0 ? c : 80;
    },
    write(chunk: string | Uint8Array): boolean {
      return stream.write(chunk);
    },
  };
  return out as unknown as NodeJS.WritableStream;
}

class TerminalProgress implements ProgressRenderer {
  private readonly stages = new Stages();
  private readonly tasks = new Map<string, TaskState>();
  private readonly term: NodeJS.WritableStream;
  private multibar: MultiBar | null = null;
  private nameWidth = 0;
  private stopped = false;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly now: () => Date,
  ) {
    this.term = terminalOf(stream);
  }

  private bars(): MultiBar {
    if (!this.multibar) {
      this.multibar = new cliProgress.MultiBar({
        stream: this.term,
        fps: FPS,
        // Trim each bar line to the terminal width (a wrapped line would break the redraw).
        linewrap: true,
        hideCursor: false,
        gracefulExit: false,
        clearOnComplete: false,
      });
    }
    return this.multibar;
  }

  /** A line above the bars (or straight to the stream while no bar is shown). */
  private print(text: string): void {
    if (this.multibar?.isActive) this.multibar.log(`${text}\n`);
    else this.stream.write(`${text}\n`);
  }

  /** Bar options drawing the line `render` returns, cut to the terminal's width. */
  private format(render: () => string): { format: GenericFormatter } {
    return {
      format: (_options, params) => render().slice(0, Math.max(20, params.maxWidth - 1)),
    };
  }

  private stageBar(st: StageState): void {
    if (st.bar) return;
    this.nameWidth = Math.max(this.nameWidth, st.id.length);
    st.bar = this.bars().create(
      1,
      0,
      {},
      this.format(() => this.stageLine(st)),
    );
  }

  private stageLine(st: StageState): string {
    const now = this.now().getTime();
    const settled = st.settled.size;
    const unknown = st.unknownCount;
    const total = st.total;
    const c = st.counts;
    const parts = [`${c.hit} cached`];
    if (c.failed) parts.push(`${c.failed} failed`);
    if (c.skipped) parts.push(`${c.skipped} skipped`);
    if (st.running) parts.push(`${st.running} running`);
    const executed = c.ran + c.failed;
    const elapsed = st.firstStart === null ? 0 : now - st.firstStart;
    const rate = executed > 0 && elapsed > 0 ? (executed * 1000) / elapsed : 0;
    let timing: string;
    if (st.complete) {
      const took = st.firstStart !== null && st.lastEnd !== null ? st.lastEnd - st.firstStart : 0;
      timing = executed > 0 && st.firstStart !== null ? `took ${formatDuration(took)}` : 'done';
    } else if (rate > 0) {
      const eta = unknown ? '?' : formatDuration(((total - settled) / rate) * 1000);
      timing = `${formatRate(rate)} tasks/s | ETA ${eta}`;
    } else {
      timing = st.running ? 'ETA ?' : 'waiting';
    }
    const progress = unknown ? 0 : total === 0 ? 1 : settled / total;
    const count = `${settled}/${unknown ? '?' : total}`;
    return (
      `${st.id.padEnd(this.nameWidth)} ${bar(progress, STAGE_BAR_WIDTH)} ${count} | ` +
      `${parts.join(', ')} | ${timing}`
    );
  }

  private taskLine(t: TaskState): string {
    const took = formatDuration(this.now().getTime() - t.started);
    const count =
      t.total === undefined
        ? `${t.done}`
        : `${bar(t.total > 0 ? t.done / t.total : 0, TASK_BAR_WIDTH)} ${t.done}/${t.total}`;
    const msg = t.message ? ` | ${t.message}` : '';
    return `  ${t.name} ${count} | ${took}${msg}`;
  }

  onEvent(e: RunEvent): void {
    if (this.stopped) return;
    switch (e.type) {
      case 'lock-wait':
        this.print(e.message);
        return;
      case 'plan':
        this.stages.plan(e.plan.tasks);
        for (const st of this.stages.values()) this.stageBar(st);
        this.print(planLine(e.plan.tasks));
        return;
      case 'task-start':
        this.taskStart(e.stage, e.shard);
        return;
      case 'task-progress': {
        const name = taskLabel(e.stage, e.shard);
        if (e.event.kind === 'log') {
          this.print(`${name}: ${e.event.message}`);
          return;
        }
        const t = this.tasks.get(name);
        if (!t) return;
        t.done = e.event.done;
        t.total = e.event.total;
        if (e.event.message !== undefined) t.message = e.event.message;
        return;
      }
      case 'task-end':
        this.taskEnd(e.record);
        return;
      case 'done':
        this.stages.finalize(e.manifest);
        this.finish();
        this.stream.write(`${doneLine(e.manifest, e.manifestPath)}\n`);
        return;
    }
  }

  private taskStart(stage: string, shard: string | null): void {
    const st = this.stages.get(stage);
    this.stageBar(st);
    const now = this.now().getTime();
    st.firstStart ??= now;
    const name = taskLabel(stage, shard);
    const old = this.tasks.get(name);
    if (old?.bar) this.bars().remove(old.bar);
    else st.running++;
    const t: TaskState = { name, started: now, done: 0, total: undefined, message: '', bar: null };
    t.bar = this.bars().create(
      1,
      0,
      {},
      this.format(() => this.taskLine(t)),
    );
    this.tasks.set(name, t);
  }

  private taskEnd(rec: TaskRecord): void {
    const st = this.stages.get(rec.stage);
    this.stageBar(st);
    const name = taskLabel(rec.stage, rec.shard);
    const t = this.tasks.get(name);
    if (t) {
      this.tasks.delete(name);
      st.running--;
      if (t.bar) this.bars().remove(t.bar);
    }
    st.settle(rec);
    st.lastEnd = this.now().getTime();
    if (rec.status === 'failed') {
      this.print(`${name} FAILED: ${firstLine(rec.error ?? '') || rec.reason}`);
    } else if (rec.status === 'skipped' && rec.shard === null) {
      this.print(`${name} SKIPPED: ${rec.reason}`);
    }
  }

  /** Draw the bars a last time (with pending lines above them) and stop their timer. */
  private finish(): void {
    this.stopped = true;
    const mb = this.multibar;
    if (!mb?.isActive) return;
    mb.update(); // flushes the lines logged since the last redraw
    mb.stop();
  }

  stop(): void {
    this.finish();
  }
}

/** The runner's progress display: live bars on a terminal, plain timestamped lines otherwise. */
export function createProgress(opts: ProgressOptions): ProgressRenderer {
  const now = opts.now ?? ((): Date => new Date());
  const tty = opts.tty ?? streamIsTTY(opts.stream);
  return tty ? new TerminalProgress(opts.stream, now) : new PlainProgress(opts.stream, now);
}
