// Public API of @emo/runtime: child-process jobs, atomic file writes, seeded random numbers and
// derived seeds, and JSON checked against a schema on read (see README.md).
export * from './child-job.js';
export * from './files.js';
export * from './json.js';
export { tempDirs } from './temp-dirs.js';
export { Rng } from './rng.js';
export { DEFAULT_SEED, deriveSeed, mix32, streamSeed } from './seeds.js';
