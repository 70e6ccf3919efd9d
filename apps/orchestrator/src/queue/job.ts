/**
 * A queue job's data: one task as plain data ({@link TaskSpec}) and which pipeline it belongs
 * to. Validated by a worker before anything runs: a job can only name one of our stages, keys
 * of its store and shard ids, never a path — a worker reads its inputs from its own store by key
 * and its dataset files under its own configured roots.
 */
import { z } from 'zod';
import type { TaskSpec } from '../engine/index.js';

/** The BullMQ queue every coordinator and worker of a store uses. */
export const QUEUE_NAME = 'emo-tasks';

const key = z.string().regex(/^[0-9a-f]{64}$/, 'a cache key (64 hex digits)');
const shard = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
  .max(200)
  .nullable();
const json: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number(),
    z.string(),
    z.array(json),
    z.record(z.string(), json),
  ]),
);

export const taskJobSchema = z
  .object({
    /** The coordinator runs on the synthetic corpus (the pipeline has the synth stage). */
    synthetic: z.boolean(),
    spec: z
      .object({
        key,
        stage: z
          .string()
          .regex(/^[a-z][a-z0-9_-]*$/)
          .max(100),
        shard,
        version: z.string().max(200),
        params: json,
        inputs: z.record(
          z.string(),
          z.array(z.object({ stage: z.string(), shard, key, hash: key }).strict()).max(100_000),
        ),
        sources: z
          .array(z.object({ path: z.string().max(4096), hash: z.string().max(200) }).strict())
          .max(100_000),
      })
      .strict(),
  })
  .strict();

export interface TaskJob {
  readonly synthetic: boolean;
  readonly spec: TaskSpec;
}

/** What a worker returns for a job. */
export interface TaskJobResult {
  readonly key: string;
  readonly outputHash: string;
  /** The worker had the output already (another worker finished it): nothing ran. */
  readonly cached: boolean;
  readonly worker: string;
}
