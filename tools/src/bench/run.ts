/**
 * Benchmarks (tools/bench): `pnpm bench [name…]`. They print figures; nothing here is a test.
 */
import { runCropBench } from './crop-bench.js';
import { runDatasetsBench } from './datasets-bench.js';
import { runDspBench } from './dsp-bench.js';
import { runModelBench } from './model-bench.js';
import { runPipelineBench } from './pipeline-bench.js';
import { runQueueBench } from './queue-bench.js';
import { runScaleBench } from './scale-bench.js';
import { runStreamBench } from './stream-bench.js';
import { runVisionBench } from './vision-bench.js';

const benches: Record<string, () => Promise<void>> = {
  crops: runCropBench,
  datasets: runDatasetsBench,
  dsp: runDspBench,
  model: runModelBench,
  pipeline: runPipelineBench,
  queue: runQueueBench,
  scale: runScaleBench,
  stream: runStreamBench,
  vision: runVisionBench,
};

// flags (--json, --margin 0.1,0.2) are read by the benches themselves: neither they nor a
// value after one (other than --json) is a benchmark's name
const args = process.argv.slice(2);
const names = args.filter(
  (a, i) =>
    !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--') && args[i - 1] !== '--json'),
);
// `scale` makes full-size subjects (long): it runs only when named
for (const n of names.length ? names : Object.keys(benches).filter((b) => b !== 'scale')) {
  const b = benches[n];
  if (!b) {
    console.error(`unknown benchmark '${n}' (have: ${Object.keys(benches).join(', ')})`);
    process.exit(2);
  }
  if (!process.argv.includes('--json')) console.log(`== ${n}`);
  await b();
}
