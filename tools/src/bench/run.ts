/**
 * Benchmarks (tools/bench): `pnpm bench [name…]`. They print figures; nothing here is a test.
 */
import { runDatasetsBench } from './datasets-bench.js';
import { runDspBench } from './dsp-bench.js';
import { runModelBench } from './model-bench.js';
import { runPipelineBench } from './pipeline-bench.js';
import { runQueueBench } from './queue-bench.js';
import { runScaleBench } from './scale-bench.js';
import { runStreamBench } from './stream-bench.js';
import { runVisionBench } from './vision-bench.js';

const benches: Record<string, () => Promise<void>> = {
  datasets: runDatasetsBench,
  dsp: runDspBench,
  model: runModelBench,
  pipeline: runPipelineBench,
  queue: runQueueBench,
  scale: runScaleBench,
  stream: runStreamBench,
  vision: runVisionBench,
};

// flags (--json) are read by the benches themselves
const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
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
