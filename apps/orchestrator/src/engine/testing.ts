/**
 * Tiny fake stages for the engine's tests (and a compact example of the stage interface):
 *
 *   source (global, param gain) → convert (per subject, one raw file each, params root/offset)
 *     → features (per subject, param window) → join (global)
 *
 * Raw subjects are text files `<root>/<id>.txt` with one number per line.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineStage, inputOf, stageTask } from './stage.js';
import type { Stage } from './stage.js';

export interface FakeHooks {
  /** `stage/shard` that writes half its output, reports 'half written', then hangs until cancelled. */
  readonly hangAt?: string;
  /** `convert/<id>` that throws at once, or `features/<id>` that throws after writing half. */
  readonly throwAt?: string;
  /** Each features task waits this long (ms) before writing (to make runs overlap). */
  readonly delayMs?: number;
  /** Code version of the features stage (default '1'). */
  readonly featuresVersion?: string;
  /** Incremented per stage each time a stage's run starts. */
  readonly calls?: Map<string, number>;
}

/** Write `n` raw subjects S01…S0n into `dir`. */
export function writeRawSubjects(dir: string, n: number): string[] {
  mkdirSync(dir, { recursive: true });
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) {
    const id = `S${String(i).padStart(2, '0')}`;
    const values = Array.from({ length: 8 }, (_, k) => i * 10 + k);
    writeFileSync(join(dir, `${id}.txt`), values.join('\n') + '\n');
    ids.push(id);
  }
  return ids;
}

function hang(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(new Error('cancelled'));
    const keepAlive = setInterval(() => undefined, 1000);
    signal.addEventListener('abort', () => {
      clearInterval(keepAlive);
      reject(new Error('cancelled'));
    });
  });
}

export function fakeStages(hooks: FakeHooks = {}): Stage<unknown>[] {
  const count = (id: string): void => {
    hooks.calls?.set(id, (hooks.calls.get(id) ?? 0) + 1);
  };

  const source = defineStage({
    id: 'source',
    version: '1',
    deps: [],
    scope: 'global',
    description: 'calibration constants',
    params: z.object({ gain: z.number().default(1) }).strict(),
    run: (ctx) =>
      stageTask(async (emit) => {
        count('source');
        await writeFile(join(ctx.outDir, 'calibration.json'), JSON.stringify(ctx.params) + '\n');
        emit({ kind: 'progress', done: 1, total: 1 });
      }),
  });

  const convert = defineStage({
    id: 'convert',
    version: '1',
    deps: ['source'],
    scope: 'subject',
    description: 'raw text → calibrated values, one subject per shard',
    params: z.object({ root: z.string(), offset: z.number().default(0) }).strict(),
    shards: ({ params }) =>
      readdirSync(params.root)
        .filter((f) => f.endsWith('.txt'))
        .map((f) => f.slice(0, -4))
        .sort(),
    sources: ({ params, shard }) => [join(params.root, `${shard}.txt`)],
    run: (ctx) =>
      stageTask(async (emit) => {
        count('convert');
        const cal = JSON.parse(
          readFileSync(join(inputOf(ctx.inputs, 'source').path, 'calibration.json'), 'utf8'),
        ) as { gain: number };
        if (hooks.throwAt === `convert/${ctx.shard}`) {
          throw new Error(`cannot convert ${ctx.shard}: bad recording`);
        }
        const raw = readFileSync(ctx.sources[0].path, 'utf8').trim().split('\n').map(Number);
        const values = raw.map((x) => x * cal.gain + ctx.params.offset);
        await writeFile(join(ctx.outDir, 'values.json'), JSON.stringify(values) + '\n');
        emit({ kind: 'log', message: `${ctx.shard}: ${values.length} values` });
      }),
  });

  const features = defineStage({
    id: 'features',
    version: hooks.featuresVersion ?? '1',
    deps: ['convert'],
    scope: 'subject',
    description: 'moving sums per subject',
    params: z.object({ window: z.number().int().min(1).default(2) }).strict(),
    run: (ctx) =>
      stageTask(async (emit, signal) => {
        count('features');
        const label = `features/${ctx.shard}`;
        if (hooks.delayMs) await sleep(hooks.delayMs, undefined, { signal });
        const values = JSON.parse(
          readFileSync(join(inputOf(ctx.inputs, 'convert').path, 'values.json'), 'utf8'),
        ) as number[];
        const w = ctx.params.window;
        const sums = values
          .slice(w - 1)
          .map((_, i) => values.slice(i, i + w).reduce((a, b) => a + b));
        const lines = sums.map((s) => `${s}\n`);
        const half = Math.floor(lines.length / 2);
        const out = join(ctx.outDir, 'features.txt');
        await writeFile(out, lines.slice(0, half).join(''));
        emit({ kind: 'progress', done: 1, total: 2, message: 'half written' });
        if (hooks.throwAt === label) throw new Error(`${label}: disk on fire`);
        if (hooks.hangAt === label) await hang(signal);
        await appendFile(out, lines.slice(half).join(''));
        emit({ kind: 'progress', done: 2, total: 2 });
      }),
  });

  const joinStage = defineStage({
    id: 'join',
    version: '1',
    deps: ['features'],
    scope: 'global',
    description: 'all subjects in one file',
    params: z.object({}).strict(),
    run: (ctx) =>
      stageTask(async () => {
        count('join');
        const parts = ctx.inputs.features.map(
          (a) => `# ${a.shard}\n${readFileSync(join(a.path, 'features.txt'), 'utf8')}`,
        );
        await writeFile(join(ctx.outDir, 'all.txt'), parts.join(''));
      }),
  });

  return [source, convert, features, joinStage];
}
