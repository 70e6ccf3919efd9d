import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '@emo/runtime';
import { makeSubject } from './design.js';
import { animateFrames, expressionFor, renderFace } from './face.js';
import {
  decodeVideo,
  encodeVideo,
  probeVideo,
  renderedFrameCount,
  type VideoCodec,
} from './video.js';

const W = 128;
const H = 96;
const FPS = 25;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'emo-synth-video-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A renderer of a moving, blinking face whose brightness also ramps, and its frames' grey means. */
function makeRenderer(seed: number): {
  render: (i: number, out: Uint8Array) => void;
  grey: number[];
} {
  const rng = new Rng(seed);
  const s = makeSubject(rng, 0);
  const expr = expressionFor(rng, s, 'happy', 1);
  const frames = animateFrames(rng, s, 200, FPS);
  const grey: number[] = [];
  const render = (i: number, out: Uint8Array): void => {
    renderFace(s, expr, { ...frames[i], brightness: 0.6 + 0.02 * i }, W, H, out);
    let sum = 0;
    for (let k = 0; k < W * H * 3; k += 3)
      sum += 0.299 * out[k] + 0.587 * out[k + 1] + 0.114 * out[k + 2];
    grey[i] = sum / (W * H);
  };
  return { render, grey };
}

function frameMeans(data: Buffer, frames: number): number[] {
  const n = W * H;
  return Array.from({ length: frames }, (_, f) => {
    let s = 0;
    for (let i = f * n; i < (f + 1) * n; i++) s += data[i];
    return s / n;
  });
}

const cases: [string, VideoCodec][] = [
  ['clip.avi', 'h264'],
  ['clip.mov', 'mpeg4'],
  ['clip.mp4', 'h264'],
  ['clip-mjpeg.avi', 'mjpeg'],
];

describe('video: encode, probe, decode', () => {
  it.each(cases)(
    'writes %s with %s that probes and decodes to the rendered frames',
    async (name, codec) => {
      const file = path.join(dir, name);
      const { render, grey } = makeRenderer(1);
      const res = await encodeVideo({
        path: file,
        width: W,
        height: H,
        fps: FPS,
        frames: 2 * FPS,
        render,
        codec,
      });
      expect(res.frames).toBe(50);
      expect(res.bytes).toBeGreaterThan(1000);
      const info = await probeVideo(file);
      expect(info).toMatchObject({ width: W, height: H, fps: FPS, frames: 50 });
      expect(info.durationS).toBeGreaterThan(1.9);
      expect(info.durationS).toBeLessThan(2.15);
      expect(info.codec).toBe(codec);
      const dec = await decodeVideo(file, 'gray');
      expect(dec.frames).toBe(50);
      const means = frameMeans(dec.data, dec.frames);
      for (let i = 0; i < 50; i++) expect(Math.abs(means[i] - grey[i])).toBeLessThan(3);
      expect((await readdir(dir)).filter((f) => f.endsWith('.part'))).toEqual([]);
    },
  );

  it('repeats frames rendered at a lower input rate', async () => {
    const file = path.join(dir, 'slow.avi');
    const { render, grey } = makeRenderer(2);
    const calls: number[] = [];
    const res = await encodeVideo({
      path: file,
      width: W,
      height: H,
      fps: FPS,
      frames: 2 * FPS,
      inputFps: 5,
      codec: 'mpeg4',
      render: (i, out) => {
        calls.push(i);
        render(i, out);
      },
    });
    expect(res.frames).toBe(50);
    expect(calls.length).toBe(11);
    const info = await probeVideo(file);
    // AVI stores the repeats as empty chunks: 11 coded frames (10 at 5 fps and one closing
    // frame) that decode to exactly 50 frames of a true 25 fps video
    expect(info).toMatchObject({ width: W, height: H, fps: FPS, frames: 11 });
    const dec = await decodeVideo(file, 'gray');
    expect(dec.frames).toBe(50);
    const means = frameMeans(dec.data, dec.frames);
    // Output frame j shows input frame floor(j * 5 / 25).
    for (let j = 0; j < 50; j++)
      expect(Math.abs(means[j] - grey[Math.floor(j / 5)])).toBeLessThan(3);
  });

  it.each(['grain.avi', 'grain.mov'])(
    'with outputFilters every output frame of %s is a coded picture of its own',
    async (name) => {
      const file = path.join(dir, name);
      const { render, grey } = makeRenderer(4);
      const calls: number[] = [];
      await encodeVideo({
        path: file,
        width: W,
        height: H,
        fps: FPS,
        frames: 2 * FPS,
        inputFps: 5,
        codec: 'h264',
        outputFilters: ['noise=alls=3:allf=t'],
        render: (i, out) => {
          calls.push(i);
          render(i, out);
        },
      });
      expect(calls.length).toBe(renderedFrameCount(2 * FPS, FPS, 5));
      expect(calls.length).toBe(11);
      const info = await probeVideo(file);
      // 50 coded frames, not 11 and empty repeat chunks (as the AVI of the test above)
      expect(info).toMatchObject({ width: W, height: H, fps: FPS, frames: 50, codec: 'h264' });
      expect(info.durationS).toBeCloseTo(2, 1);
      const dec = await decodeVideo(file, 'gray');
      expect(dec.frames).toBe(50);
      const n = W * H;
      let identical = 0;
      for (let j = 1; j < 50; j++) {
        const a = dec.data.subarray((j - 1) * n, j * n);
        const b = dec.data.subarray(j * n, (j + 1) * n);
        if (a.equals(b)) identical++;
      }
      // the encoder may still code a frame whose noise it quantizes away as a skip (here the
      // first one after the key frame), but repeats no longer decode to copies of their pose
      expect(identical).toBeLessThanOrEqual(2);
      // still the rendered pose: output frame j shows input frame floor(j * 5 / 25)
      const means = frameMeans(dec.data, dec.frames);
      for (let j = 0; j < 50; j++)
        expect(Math.abs(means[j] - grey[Math.floor(j / 5)])).toBeLessThan(3);
    },
  );
});

describe('video: failures', () => {
  const base = { width: W, height: H, fps: FPS, frames: 10, render: makeRenderer(3).render };

  it('rejects with ffmpeg stderr on a bad codec option and leaves no file', async () => {
    const file = path.join(dir, 'bad.mp4');
    const p = encodeVideo({
      ...base,
      path: file,
      codec: 'h264',
      extraArgs: ['-preset', 'no-such-preset'],
    });
    await expect(p).rejects.toThrow(/ffmpeg exited with code \d+[\s\S]*stderr/);
    await expect(p).rejects.toThrow(/preset/i);
    const left = await readdir(dir);
    expect(left.filter((f) => f.startsWith('bad.mp4'))).toEqual([]);
  });

  it('rejects on an unwritable path', async () => {
    const file = path.join(dir, 'no-such-dir', 'x.avi');
    await expect(encodeVideo({ ...base, path: file, codec: 'mpeg4' })).rejects.toThrow(
      /x\.avi\.part/,
    );
    expect(await readdir(dir)).not.toContain('no-such-dir');
  });

  it('rejects when rendering throws and removes the partial file', async () => {
    const file = path.join(dir, 'throws.avi');
    const render = (i: number): void => {
      if (i === 5) throw new Error('boom');
    };
    await expect(encodeVideo({ ...base, path: file, codec: 'mjpeg', render })).rejects.toThrow(
      /rendering failed: boom/,
    );
    expect((await readdir(dir)).filter((f) => f.startsWith('throws'))).toEqual([]);
  });

  it('refuses unknown containers, odd sizes for 4:2:0 codecs and bad rates', async () => {
    await expect(
      encodeVideo({ ...base, path: path.join(dir, 'x.gif'), codec: 'h264' }),
    ).rejects.toThrow(/extension/);
    await expect(
      encodeVideo({ ...base, width: 127, path: path.join(dir, 'x.avi'), codec: 'h264' }),
    ).rejects.toThrow(/even/);
    await expect(
      encodeVideo({ ...base, inputFps: 50, path: path.join(dir, 'x.avi'), codec: 'h264' }),
    ).rejects.toThrow(/inputFps/);
  });

  it('probeVideo rejects a file that is not a video', async () => {
    const file = path.join(dir, 'not-a-video.avi');
    await writeFile(file, 'hello');
    await expect(probeVideo(file)).rejects.toThrow(/no video stream/);
  });
});
