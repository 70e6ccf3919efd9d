/**
 * One per-subject stage of `pnpm bench scale` in a process of its own, so that its peak memory
 * is its own: `convert <deap|amigos> <root> <outDir>`, `dsp <recordings> <out>` or
 * `vision <recordings> <windows> <out>`, each with the pipeline's defaults (vision: one worker
 * process per core, as the stage runs it). Prints one JSON line: the stage's wall seconds, its
 * peak resident memory (MB) and what the stage made. The peak counts the processes the stage
 * starts too (vision's workers and their ffmpeg decoders): the resident memory of this process
 * and all its descendants, summed, is sampled every 100 ms from /proc (Linux; elsewhere only
 * this process's own peak is known), and the larger of that and this process's own peak is
 * reported.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { convertDataset } from '@emo/datasets';
import { processRecordingsShard } from '@emo/dsp';
import { kernelsModuleUrl } from '@emo/model/spec';
import { processSubjectFaces } from '@emo/vision';

export interface StageRun {
  readonly stage: string;
  readonly seconds: number;
  /** Peak resident memory of the stage's processes together, MB (see the file comment). */
  readonly peakMb: number;
  /** This process's own peak, MB. */
  readonly selfPeakMb: number;
  /** Processes that were running at once, at most (this one included; 1 when not sampled). */
  readonly processes: number;
  /** What came out: shard path and counts. */
  readonly out: Record<string, string | number>;
}

async function run(stage: string, args: string[]): Promise<StageRun['out']> {
  switch (stage) {
    case 'convert': {
      const [dataset, root, outDir] = args;
      const r = await convertDataset({ dataset: dataset as 'deap' | 'amigos', root, outDir });
      const shard = readdirSync(outDir).find((f) => f.endsWith('.arrow'));
      if (!shard) throw new Error(`convert wrote no shard into ${outDir}`);
      return { shard: join(outDir, shard), subjects: r.subjects.length };
    }
    case 'dsp': {
      const [input, out] = args;
      const r = await processRecordingsShard(input, out);
      return { shard: out, trials: r.trials, windows: r.windows, flagged: r.flagged };
    }
    case 'vision': {
      const [recordings, windows, out] = args;
      const r = await processSubjectFaces(
        recordings,
        windows,
        out,
        {},
        {
          workers: availableParallelism(),
          kernels: kernelsModuleUrl(), // as the vision stage runs it
        },
      );
      return { shard: out, rows: r.rows, framesDecoded: r.framesDecoded, faceShare: r.faceShare };
    }
    default:
      throw new Error(`scale-stage-child: unknown stage '${stage}'`);
  }
}

/** Resident memory of `pid` and its descendants (MB) and how many they are; null without /proc. */
function treeRss(pid: number): { mb: number; processes: number } | null {
  let kb = 0;
  let processes = 0;
  const todo = [pid];
  try {
    readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  while (todo.length > 0) {
    const p = todo.pop() as number;
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      kb += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      processes++;
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8');
        todo.push(...kids.split(/\s+/).filter(Boolean).map(Number));
      }
    } catch {
      // exited meanwhile
    }
  }
  return { mb: kb / 1024, processes };
}

const [stage, ...args] = process.argv.slice(2);
let peak = { mb: 0, processes: 1 };
const sample = (): void => {
  const r = treeRss(process.pid);
  if (r && r.mb > peak.mb) peak = { mb: r.mb, processes: Math.max(peak.processes, r.processes) };
  else if (r) peak.processes = Math.max(peak.processes, r.processes);
};
const timer = setInterval(sample, 100);
const t0 = performance.now();
const out = await run(stage, args);
const seconds = (performance.now() - t0) / 1000;
clearInterval(timer);
const selfPeakMb = process.resourceUsage().maxRSS / 1024;
const result: StageRun = {
  stage,
  seconds,
  peakMb: Math.max(selfPeakMb, peak.mb),
  selfPeakMb,
  processes: peak.processes,
  out,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
