// Public API of @emo/orchestrator (used by its own bin and by tools).
export { main, buildProgram } from './cli.js';
export { loadConfig, parseConfig, configSchema, ConfigError } from './config.js';
export type { EmoConfig } from './config.js';
export { runFull, planFull, exitCodeOf } from './full.js';
export { buildPipeline, STAGE_IDS } from './pipeline.js';
// The engine and the queue, for benchmarks (tools/bench queue).
export {
  definePipeline,
  defineStage,
  openStore,
  runPipelineToEnd,
  stageTask,
} from './engine/index.js';
export type { RunManifest, Stage } from './engine/index.js';
export { QUEUE_DEFAULTS, queueExecutor, startWorker } from './queue/index.js';
export { startTestRedis } from './queue/testing.js';
export type { TestRedis } from './queue/testing.js';
