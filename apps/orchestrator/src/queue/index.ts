// Scale-out on BullMQ and Redis: the queue executor (`emo full --queue`), `emo worker` and the
// queue's status.
export { parseQueueUrl, redactQueueUrl } from './connection.js';
export type { QueueAddress } from './connection.js';
export { QUEUE_DEFAULTS, queueExecutor } from './coordinator.js';
export type { QueueExecutor, QueueExecutorOptions } from './coordinator.js';
export { QUEUE_NAME, taskJobSchema } from './job.js';
export type { TaskJob, TaskJobResult } from './job.js';
export { startWorker } from './worker.js';
export type { RunningWorker, WorkerOptions } from './worker.js';
export { queueStatus, queueStatusText } from './status.js';
export type { QueueStatus } from './status.js';
