/**
 * One synthetic face video: the rendered frames of a subject showing an expression, encoded by
 * ffmpeg (video.ts). A {@link FaceVideoJob} is plain data (the subject, the expression, every
 * rendered frame's pose), so the same job gives the same bytes whether it runs here or on a
 * render thread (render-threads.ts).
 */
import type { ExpressionParams, SubjectProfile } from './design.js';
import type { FrameParams } from './face.js';
import { renderFace } from './face.js';
import type { SynthVideoSpec } from './presets.js';
import { encodeVideo } from './video.js';

export interface FaceVideoJob {
  readonly subject: SubjectProfile;
  readonly expression: ExpressionParams;
  /** The pose of every rendered frame (at `spec.inputFps`); the last one repeats if short. */
  readonly poses: readonly FrameParams[];
  readonly spec: SynthVideoSpec;
  /** Output frames (at `spec.fps`). */
  readonly frames: number;
  /** The pre-trial baseline, s: a neutral face until the stimulus starts. */
  readonly baselineS: number;
  readonly path: string;
}

/** Render and encode `job`; resolves with the file's size in bytes. */
export async function writeFaceVideo(job: FaceVideoJob): Promise<number> {
  const { subject, expression, poses, spec, baselineS } = job;
  const r = await encodeVideo({
    path: job.path,
    width: spec.width,
    height: spec.height,
    fps: spec.fps,
    inputFps: spec.inputFps,
    frames: job.frames,
    codec: spec.codec,
    ...(spec.grain > 0 ? { outputFilters: [`noise=alls=${spec.grain}:allf=t`] } : {}),
    render: (i, out) => {
      const p = poses[Math.min(i, poses.length - 1)];
      // The pre-trial baseline shows a neutral face: the expression starts with the stimulus.
      const frame = i / spec.inputFps < baselineS ? { ...p, expressionGain: 0 } : p;
      renderFace(subject, expression, frame, spec.width, spec.height, out);
    },
  });
  return r.bytes;
}
