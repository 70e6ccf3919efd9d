import { afterEach, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import type {
  PlannedTask,
  ProgressEvent,
  RunEvent,
  RunManifest,
  TaskRecord,
  TaskStatus,
} from './engine/index.js';
import { createProgress, formatDuration } from './progress.js';
import type { ProgressRenderer } from './progress.js';

/** A Writable that keeps what is written (optionally posing as a 100-column terminal). */
function collector(tty = false): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  if (tty) Object.assign(stream, { isTTY: true, columns: 100 });
  return { stream, text: () => out };
}

/** A clock that only moves when told: `at(6.5)` is 6.5 s after 10:00:00. */
function fakeClock(): { now: () => Date; at: (seconds: number) => void } {
  const t0 = Date.parse('2026-11-24T10:00:00.000Z');
  let t = t0;
  return { now: () => new Date(t), at: (s) => (t = t0 + s * 1000) };
}

function rec(
  stage: string,
  shard: string | null,
  status: TaskStatus,
  extra: Partial<TaskRecord> = {},
): TaskRecord {
  return {
    stage,
    shard,
    key: status === 'skipped' ? null : `key-${stage}-${shard ?? 'all'}`,
    status,
    hit: status === 'hit',
    reason: status === 'hit' ? 'cached' : 'no previous run',
    version: '1',
    params: {},
    inputs: null,
    sources: null,
    output: null,
    started: null,
    ms: 0,
    ...extra,
  };
}

const end = (r: TaskRecord): RunEvent => ({ type: 'task-end', record: r });
const hit = (stage: string, shard: string | null): RunEvent => end(rec(stage, shard, 'hit'));
const start = (stage: string, shard: string | null, reason: string): RunEvent => ({
  type: 'task-start',
  stage,
  shard,
  key: `key-${stage}-${shard ?? 'all'}`,
  reason,
});
const progress = (stage: string, shard: string | null, event: ProgressEvent): RunEvent => ({
  type: 'task-progress',
  stage,
  shard,
  event,
});
const planned = (
  stage: string,
  shard: string | null,
  action: 'run' | 'cached',
  reason = action === 'cached' ? 'cached' : 'no previous run',
): PlannedTask => ({ stage, shard, key: null, action, reason });

function done(
  counts: Partial<Record<TaskStatus, number>>,
  status: RunManifest['status'] = 'ok',
  ms = 8123,
): RunEvent {
  const manifest: RunManifest = {
    schema: 1,
    runId: 'R1',
    status,
    started: '2026-11-24T10:00:00.000Z',
    finished: '2026-11-24T10:00:08.123Z',
    ms,
    store: '/store',
    previousRunId: null,
    options: { jobs: 2, strict: false, targets: null },
    machine: {
      hostname: 'h',
      platform: 'linux',
      release: '6',
      arch: 'x64',
      cpus: 2,
      cpuModel: 'cpu',
      memoryBytes: 1,
      node: 'v20',
    },
    info: {},
    counts: { hit: 0, ran: 0, failed: 0, skipped: 0, interrupted: 0, ...counts },
    tasks: [],
  };
  return { type: 'done', manifest, manifestPath: '/store/runs/R1.json' };
}

const SUBJECTS = ['deap-s01', 'deap-s02', 'deap-s03', 'amigos-P01', 'amigos-P02', 'amigos-P03'];

/** convert: 6 shards (2 to run); features: shards not listable yet; report: global. */
const PLAN: RunEvent = {
  type: 'plan',
  runId: 'R1',
  plan: {
    previousRunId: null,
    tasks: [
      ...SUBJECTS.map((s) =>
        s === 'deap-s01' || s === 'amigos-P02'
          ? planned('convert', s, 'run')
          : planned('convert', s, 'cached'),
      ),
      planned('features', null, 'run', 'upstream convert/deap-s01 will re-run'),
      planned('report', null, 'run', 'upstream features will re-run'),
    ],
  },
};

/** Feed events, moving the clock to each event's time (seconds after 10:00:00) first. */
function feed(
  r: { onEvent(e: RunEvent): void },
  at: (s: number) => void,
  seq: [number, RunEvent][],
) {
  for (const [s, e] of seq) {
    at(s);
    r.onEvent(e);
  }
}

const CACHED = ['deap-s02', 'deap-s03', 'amigos-P01', 'amigos-P03'];

/** A whole run: lock wait, hits, two runs (one fails), a skipped shard and a skipped stage. */
const RUN: [number, RunEvent][] = [
  [0, { type: 'lock-wait', message: 'store /store is locked by run R0 (pid 42); waiting' }],
  [0.5, PLAN],
  ...CACHED.map((s): [number, RunEvent] => [0.6, hit('convert', s)]),
  [0.6, start('convert', 'deap-s01', 'no previous run')],
  [0.6, start('convert', 'amigos-P02', 'source /dl/P02.mat changed')],
  [
    1,
    progress('convert', 'deap-s01', { kind: 'progress', done: 1, total: 10, message: 'reading' }),
  ],
  [2, progress('convert', 'deap-s01', { kind: 'progress', done: 2, total: 10 })],
  [3, progress('convert', 'deap-s01', { kind: 'log', message: 'trial 3 has no video' })],
  [5.9, progress('convert', 'deap-s01', { kind: 'progress', done: 5, total: 10 })],
  [
    6,
    progress('convert', 'deap-s01', { kind: 'progress', done: 6, total: 10, message: 'decoding' }),
  ],
  [6, progress('convert', 'amigos-P02', { kind: 'progress', done: 1 })],
  [
    6.5,
    end(
      rec('convert', 'amigos-P02', 'failed', {
        ms: 5900,
        error: 'bad header in P02.mat\n    at readMat (mat.ts:1:1)',
      }),
    ),
  ],
  [7, end(rec('convert', 'deap-s01', 'ran', { ms: 6400 }))],
  ...CACHED.map((s): [number, RunEvent] => [7.1, hit('features', s)]),
  [7.1, start('features', 'deap-s01', 'input convert/deap-s01 changed')],
  [
    7.2,
    end(rec('features', 'amigos-P02', 'skipped', { reason: 'upstream convert/amigos-P02 failed' })),
  ],
  [7.4, end(rec('features', 'deap-s01', 'ran', { ms: 300 }))],
  [7.5, end(rec('report', null, 'skipped', { reason: 'upstream features failed' }))],
  [8.2, done({ ran: 2, hit: 8, failed: 1, skipped: 2 }, 'failed')],
];

describe('plain progress lines (not a terminal)', () => {
  it('prints timestamped lines, summarises hits per stage and throttles progress', () => {
    const { stream, text } = collector();
    const clock = fakeClock();
    const p = createProgress({ stream, now: clock.now });
    feed(p, clock.at, RUN);
    p.stop();
    expect(text().split('\n')).toEqual([
      '2026-11-24T10:00:00.000Z store /store is locked by run R0 (pid 42); waiting',
      '2026-11-24T10:00:00.500Z plan: 8 tasks, 4 to run, 4 cached',
      '2026-11-24T10:00:00.600Z convert/deap-s01 start (no previous run)',
      '2026-11-24T10:00:00.600Z convert/amigos-P02 start (source /dl/P02.mat changed)',
      '2026-11-24T10:00:01.000Z convert/deap-s01 1/10 reading',
      '2026-11-24T10:00:03.000Z convert/deap-s01: trial 3 has no video',
      '2026-11-24T10:00:06.000Z convert/deap-s01 6/10 decoding',
      '2026-11-24T10:00:06.000Z convert/amigos-P02 1',
      '2026-11-24T10:00:06.500Z convert/amigos-P02 FAILED: bad header in P02.mat',
      '2026-11-24T10:00:07.000Z convert/deap-s01 ran in 6.4 s',
      '2026-11-24T10:00:07.000Z convert: 6/6 done (4 cached, 1 ran, 1 failed)',
      '2026-11-24T10:00:07.100Z features/deap-s01 start (input convert/deap-s01 changed)',
      '2026-11-24T10:00:07.200Z features/amigos-P02 SKIPPED: upstream convert/amigos-P02 failed',
      '2026-11-24T10:00:07.400Z features/deap-s01 ran in 300 ms',
      '2026-11-24T10:00:07.500Z report SKIPPED: upstream features failed',
      '2026-11-24T10:00:07.500Z report: 1/1 done (0 cached, 0 ran, 0 failed, 1 skipped)',
      // features' shard count was unknown at plan time: summarised once the run is done.
      '2026-11-24T10:00:08.200Z features: 6/6 done (4 cached, 1 ran, 0 failed, 1 skipped)',
      '2026-11-24T10:00:08.200Z run R1 failed: 2 ran, 8 cached, 1 failed, 2 skipped in 8.1 s; manifest /store/runs/R1.json',
      '',
    ]);
  });

  it('does not list a no-op run shard by shard', () => {
    const { stream, text } = collector();
    const clock = fakeClock();
    const p = createProgress({ stream, now: clock.now, tty: false });
    const shards = Array.from({ length: 1000 }, (_, i) => `s${String(i).padStart(4, '0')}`);
    p.onEvent({
      type: 'plan',
      runId: 'R1',
      plan: {
        previousRunId: 'R0',
        tasks: [
          ...shards.map((s) => planned('convert', s, 'cached')),
          planned('report', null, 'cached'),
        ],
      },
    });
    for (const s of shards) p.onEvent(hit('convert', s));
    p.onEvent(hit('report', null));
    p.onEvent(done({ hit: 1001 }, 'ok', 950));
    expect(text()).toBe(
      [
        'plan: 1001 tasks, 0 to run, 1001 cached',
        'convert: 1000/1000 done (1000 cached, 0 ran, 0 failed)',
        'report: 1/1 done (1 cached, 0 ran, 0 failed)',
        'run R1 ok: 0 ran, 1001 cached, 0 failed, 0 skipped in 950 ms; manifest /store/runs/R1.json',
      ]
        .map((l) => `2026-11-24T10:00:00.000Z ${l}\n`)
        .join(''),
    );
  });

  it('grows totals for tasks the plan did not know and summarises late ones at the end', () => {
    const { stream, text } = collector();
    const clock = fakeClock();
    const p = createProgress({ stream, now: clock.now });
    feed(p, clock.at, [
      [
        0,
        {
          type: 'plan',
          runId: 'R1',
          plan: { previousRunId: 'R0', tasks: [planned('a', 'x', 'cached')] },
        },
      ],
      [1, hit('a', 'x')],
      [2, hit('a', 'y')],
      [3, hit('b', null)],
      [4, done({ hit: 3 }, 'ok', 4000)],
    ]);
    expect(text().split('\n').slice(1, -2)).toEqual([
      '2026-11-24T10:00:01.000Z a: 1/1 done (1 cached, 0 ran, 0 failed)',
      '2026-11-24T10:00:03.000Z b: 1/1 done (1 cached, 0 ran, 0 failed)',
      '2026-11-24T10:00:04.000Z a: 2/2 done (2 cached, 0 ran, 0 failed)',
    ]);
  });

  it('ignores events after stop()', () => {
    const { stream, text } = collector();
    const p = createProgress({ stream });
    p.stop();
    p.onEvent({ type: 'lock-wait', message: 'waiting' });
    expect(text()).toBe('');
  });

  it('formats durations', () => {
    expect(formatDuration(12.4)).toBe('12 ms');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(59_999)).toBe('59.9 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(7_620_000)).toBe('2 h 07 min');
  });
});

describe('terminal progress bars', () => {
  const timeouts = (): number =>
    process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  // A failed assertion must not leave a redraw timer behind (jest would not exit).
  const open: ProgressRenderer[] = [];
  const track = (p: ProgressRenderer): ProgressRenderer => (open.push(p), p);
  afterEach(() => open.splice(0).forEach((p) => p.stop()));

  it('draws a bar per stage and per running task, logs failures, stops cleanly', async () => {
    const { stream, text } = collector(true);
    const clock = fakeClock();
    const before = timeouts();
    const p = track(createProgress({ stream, now: clock.now }));
    // Up to the failure of amigos-P02; deap-s01 still running at 6/10.
    feed(p, clock.at, RUN.slice(0, 15));
    expect(timeouts()).toBe(before + 1); // cli-progress's redraw timer
    await new Promise((r) => setTimeout(r, 250)); // let it redraw
    const live = stripVTControlCharacters(text());
    expect(live).toContain('store /store is locked by run R0 (pid 42); waiting\n');
    expect(live).toContain('plan: 8 tasks, 4 to run, 4 cached\n');
    expect(live).toContain('convert/amigos-P02 FAILED: bad header in P02.mat\n');
    expect(live).toMatch(
      /convert +[█░]{24} 5\/6 \| 4 cached, 1 failed, 1 running \| 0\.17 tasks\/s \| ETA 5\.9 s/,
    );
    expect(live).toMatch(/features [█░]{24} 0\/1 \| 0 cached \| waiting/);
    expect(live).toMatch(/ {2}convert\/deap-s01 [█░]{16} 6\/10 \| 5\.9 s \| decoding/);

    const liveTimers = timeouts(); // the same as before, plus cli-progress's timer
    feed(p, clock.at, RUN.slice(15));
    const all = stripVTControlCharacters(text());
    expect(all).toMatch(/convert +█{24} 6\/6 \| 4 cached, 1 failed \| took 6\.4 s/);
    expect(all).toMatch(/features █{24} 6\/6 \| 4 cached, 1 skipped \| took 300 ms/);
    expect(all).toMatch(/report +█{24} 1\/1 \| 0 cached, 1 skipped \| done/);
    expect(all).toContain('report SKIPPED: upstream features failed\n');
    expect(all).not.toContain('features/amigos-P02 SKIPPED'); // shard skips only counted
    expect(
      all.endsWith(
        '\nrun R1 failed: 2 ran, 8 cached, 1 failed, 2 skipped in 8.1 s; manifest /store/runs/R1.json\n',
      ),
    ).toBe(true);
    // 'done' stopped the bars: their timer is gone, and stop() again is harmless.
    expect(timeouts()).toBe(liveTimers - 1);
    p.stop();
    p.onEvent(start('convert', 'late', 'x'));
    expect(stripVTControlCharacters(text())).toBe(all);
    expect(timeouts()).toBe(liveTimers - 1);
  });

  it('stop() mid-run draws the bars a last time and leaves no timer', () => {
    const { stream, text } = collector(true);
    const clock = fakeClock();
    const before = timeouts();
    const p = track(createProgress({ stream, now: clock.now }));
    feed(p, clock.at, RUN.slice(0, 9));
    p.stop();
    expect(timeouts()).toBe(before);
    const out = stripVTControlCharacters(text());
    expect(out).toContain('plan: 8 tasks, 4 to run, 4 cached\n');
    expect(out).toMatch(/convert +[█░]{24} 4\/6 \| 4 cached, 2 running \| ETA \?/);
    expect(out).toMatch(/convert\/deap-s01 [█░]{16} 1\/10 \| 400 ms \| reading/);
    expect(out).toMatch(/convert\/amigos-P02 0 \| 400 ms/);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('is chosen by the stream (isTTY) unless tty says otherwise', () => {
    const term = collector(true);
    const plain = track(createProgress({ stream: term.stream, tty: false, now: fakeClock().now }));
    plain.onEvent({ type: 'lock-wait', message: 'waiting' });
    plain.stop();
    expect(term.text()).toBe('2026-11-24T10:00:00.000Z waiting\n');

    const pipe = collector();
    const bars = track(createProgress({ stream: pipe.stream, tty: true, now: fakeClock().now }));
    bars.onEvent(PLAN);
    bars.stop();
    expect(pipe.text()).toContain('\x1b['); // cursor movements
    expect(stripVTControlCharacters(pipe.text())).toMatch(/report +[█░]{24} 0\/1/);
  });
});
