/**
 * Face videos written on worker threads (face-video-thread.ts), one video per thread at a time,
 * so that rendering (JavaScript, one core per video) and ffmpeg's encoding keep every core
 * busy. A thread that dies fails the video it had and is replaced by a fresh one for the next.
 */
import { Worker } from 'node:worker_threads';
import { builtScript } from '@emo/runtime';
import type { FaceVideoJob } from './face-video.js';
import type { FaceVideoReply, FaceVideoRequest } from './face-video-thread.js';

interface Pending {
  readonly resolve: (bytes: number) => void;
  readonly reject: (e: Error) => void;
  readonly path: string;
}

interface Thread {
  readonly worker: Worker;
  /** The job it runs, if any. */
  busy: number | null;
}

export class RenderThreads {
  private readonly threads: Thread[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly queue: { id: number; job: FaceVideoJob }[] = [];
  private nextId = 0;
  private closed = false;
  private readonly script = builtScript(import.meta.url, './face-video-thread.js', 'render thread');

  /** At most `size` threads, started when first needed. */
  constructor(private readonly size: number) {
    if (!(Number.isInteger(size) && size >= 1))
      throw new RangeError(`RenderThreads: size must be an integer ≥ 1, got ${size}`);
  }

  /** Write `job` on a thread; resolves with the file's size in bytes. */
  run(job: FaceVideoJob): Promise<number> {
    if (this.closed) return Promise.reject(new Error('RenderThreads: closed'));
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, path: job.path });
      this.queue.push({ id, job });
      this.dispatch();
    });
  }

  /** Stop every thread (a video still being written fails). */
  async close(): Promise<void> {
    this.closed = true;
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((t) => t.worker.terminate()));
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new Error(`${p.path}: the render threads were closed before it was written`));
    }
    this.queue.length = 0;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const thread =
        this.threads.find((t) => t.busy === null) ??
        (this.threads.length < this.size ? this.start() : undefined);
      if (!thread) return;
      const next = this.queue.shift();
      if (!next) return;
      thread.busy = next.id;
      thread.worker.postMessage(next satisfies FaceVideoRequest);
    }
  }

  private start(): Thread {
    const thread: Thread = { worker: new Worker(this.script), busy: null };
    thread.worker.on('message', (reply: FaceVideoReply) => {
      thread.busy = null;
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (p) {
        if ('error' in reply) p.reject(new Error(reply.error));
        else p.resolve(reply.bytes);
      }
      this.dispatch();
    });
    const lost = (why: string): void => {
      const i = this.threads.indexOf(thread);
      if (i < 0) return; // closed, or already handled
      this.threads.splice(i, 1);
      if (thread.busy !== null) {
        const p = this.pending.get(thread.busy);
        this.pending.delete(thread.busy);
        p?.reject(new Error(`${p.path}: its render thread ${why}`));
      }
      if (!this.closed) this.dispatch();
    };
    thread.worker.on('error', (e) => lost(`failed: ${e.message}`));
    thread.worker.on('exit', (code) => lost(`exited with code ${code}`));
    this.threads.push(thread);
    return thread;
  }
}
