// Public API of @emo/orchestrator (used by its own bin and by tools).
export { main, buildProgram } from './cli.js';
export { loadConfig, parseConfig, configSchema, ConfigError } from './config.js';
export type { EmoConfig } from './config.js';
export { runFull, planFull, exitCodeOf } from './full.js';
export { buildPipeline, STAGE_IDS } from './pipeline.js';
