/**
 * Entry of a render thread (render-threads.ts): writes each {@link FaceVideoJob} it is sent and
 * answers with the file's size or the error's message.
 */
import { parentPort } from 'node:worker_threads';
import type { FaceVideoJob } from './face-video.js';
import { writeFaceVideo } from './face-video.js';

export interface FaceVideoRequest {
  readonly id: number;
  readonly job: FaceVideoJob;
}

export type FaceVideoReply =
  { readonly id: number; readonly bytes: number } | { readonly id: number; readonly error: string };

const port = parentPort;
if (!port) throw new Error('face-video-thread: not started as a worker thread');
port.on('message', ({ id, job }: FaceVideoRequest) => {
  writeFaceVideo(job).then(
    (bytes) => port.postMessage({ id, bytes } satisfies FaceVideoReply),
    (e: unknown) =>
      port.postMessage({
        id,
        error: e instanceof Error ? e.message : String(e),
      } satisfies FaceVideoReply),
  );
});
