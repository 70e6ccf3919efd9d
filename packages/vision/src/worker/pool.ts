/**
 * A process-wide cap on the vision worker processes running at once (default: one per core,
 * `os.availableParallelism()`). Every subject asks for its workers through it, so a pipeline
 * that runs several subjects at once (`emo run --jobs N`) still keeps about one busy process
 * per core: a subject's later workers wait for a free slot.
 */
import { availableParallelism } from 'node:os';

let limit = availableParallelism();
let running = 0;
const waiting: (() => void)[] = [];

/** The cap (workers at once in this process). */
export function workerLimit(): number {
  return limit;
}

/** Change the cap (tests, or a machine shared with other work); at least 1. */
export function setWorkerLimit(n: number): void {
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new RangeError(`setWorkerLimit: the cap must be an integer ≥ 1, got ${n}`);
  }
  limit = n;
  while (running < limit && waiting.length > 0) {
    running++;
    waiting.shift()?.();
  }
}

/** Run `fn` once a slot is free; the slot is freed when it settles. */
export async function withWorkerSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running < limit) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await fn();
  } finally {
    const next = running <= limit ? waiting.shift() : undefined;
    if (next) next();
    else running--;
  }
}
