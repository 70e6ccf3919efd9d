// Training jobs (in this process or in worker processes) and grid search over them.
export * from './job.js';
export { WorkerPool, WorkerJobError, sharedPool, workerScript } from './pool.js';
export type { RunJobOptions, WorkerMessage } from './pool.js';
export * from './grid.js';
export * from './pretrain.js';
export * from './predict-shard.js';
