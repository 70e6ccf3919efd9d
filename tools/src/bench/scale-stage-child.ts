/**
 * One per-subject stage of `pnpm bench scale` in a process of its own, so that its peak memory
 * is its own: `convert <deap|amigos> <root> <outDir>`, `dsp <recordings> <out>` or
 * `vision <recordings> <windows> <out>`, each with the pipeline's defaults. Prints one JSON line:
 * the stage's wall seconds, this process's peak resident memory (MB; ffmpeg's decoder runs in a
 * process of its own and is not counted) and what the stage made.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { convertDataset } from '@emo/datasets';
import { processRecordingsShard } from '@emo/dsp';
import { processSubjectFaces } from '@emo/vision';

export interface StageRun {
  readonly stage: string;
  readonly seconds: number;
  readonly peakMb: number;
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
      const r = await processSubjectFaces(recordings, windows, out);
      return { shard: out, rows: r.rows, framesDecoded: r.framesDecoded, faceShare: r.faceShare };
    }
    default:
      throw new Error(`scale-stage-child: unknown stage '${stage}'`);
  }
}

const [stage, ...args] = process.argv.slice(2);
const t0 = performance.now();
const out = await run(stage, args);
const result: StageRun = {
  stage,
  seconds: (performance.now() - t0) / 1000,
  peakMb: process.resourceUsage().maxRSS / 1024,
  out,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
