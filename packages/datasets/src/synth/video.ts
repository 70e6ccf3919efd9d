/**
 * Video encoding for the synthetic corpus through the npm static ffmpeg
 * (`@ffmpeg-installer/ffmpeg`): raw RGB24 frames are piped to ffmpeg's stdin (with
 * backpressure: one frame is rendered at a time and none is kept, so memory does not grow with
 * the video's size or length) and written to `path + '.part'`, renamed to `path` only when
 * ffmpeg exits 0. Codecs: H.264 (libx264, `-preset ultrafast -crf 23`), MPEG-4 part 2
 * (`-q:v 4`) and MJPEG, all 4:2:0.
 * `probeVideo` reads size, frame rate, duration and frame count from `ffmpeg -i` (the package
 * ships no ffprobe).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';

/** Path of the static ffmpeg binary used by this module. */
export const FFMPEG_PATH: string = ffmpegInstaller.path;

export type VideoCodec = 'h264' | 'mpeg4' | 'mjpeg';

export interface EncodeVideoOptions {
  /** Output file; the container follows the extension: .avi, .mov, .mp4 or .mkv. */
  path: string;
  width: number;
  height: number;
  /** Frame rate of the output video. */
  fps: number;
  /** Number of frames of the output video (its duration is frames / fps). */
  frames: number;
  /**
   * Fill `out` (width × height × 3 bytes, RGB24, row-major) with input frame `i`. Input frame
   * i is shown at time i / (inputFps ?? fps). `out` is a fresh buffer on every call.
   */
  render: (i: number, out: Uint8Array) => void;
  codec: VideoCodec;
  /**
   * Rate at which frames are rendered, ≤ fps (default fps). With a lower rate only about
   * frames × inputFps / fps frames are rendered and ffmpeg repeats them to reach `fps`.
   */
  inputFps?: number;
  /**
   * ffmpeg video filters applied to every output frame (e.g. `['noise=alls=3:allf=t']`). When
   * given, frames rendered at a lower `inputFps` are repeated to `fps` by an `fps` filter before
   * these run, so every output frame is a picture of its own (with temporal noise, a distinct
   * one) that the encoder codes in full — the cost and size of a real camera's video, rather
   * than the near-free repeats described at `inputFps`.
   */
  outputFilters?: readonly string[];
  /** Extra ffmpeg output options, placed just before the output file (e.g. ['-crf', '28']). */
  extraArgs?: readonly string[];
}

export interface EncodeVideoResult {
  /** Size of the written file in bytes. */
  bytes: number;
  /** Frames in the written video (the requested `frames`). */
  frames: number;
}

const CONTAINERS: Readonly<Record<string, string>> = {
  '.avi': 'avi',
  '.mov': 'mov',
  '.mp4': 'mp4',
  '.mkv': 'matroska',
};

const STDERR_TAIL = 4000;

/** The pixel format each codec is written in (see `codecArgs`). */
function codecPixFmt(codec: VideoCodec): string {
  return codec === 'mjpeg' ? 'yuvj420p' : 'yuv420p';
}

function codecArgs(codec: VideoCodec): string[] {
  switch (codec) {
    case 'h264':
      return [
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-crf',
        '23',
        '-pix_fmt',
        codecPixFmt(codec),
      ];
    case 'mpeg4':
      return ['-c:v', 'mpeg4', '-q:v', '4', '-pix_fmt', codecPixFmt(codec)];
    case 'mjpeg':
      // The MJPEG encoder wants full-range 4:2:0 (yuvj420p, which is yuv420p with JPEG range).
      return ['-c:v', 'mjpeg', '-q:v', '4', '-pix_fmt', codecPixFmt(codec)];
  }
}

/** ffmpeg input options for raw RGB24 frames of width × height on stdin. */
function rawRgbInput(width: number, height: number, fps?: number): string[] {
  return [
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${width}x${height}`,
    ...(fps === undefined ? [] : ['-framerate', String(fps)]),
    '-i',
    'pipe:0',
  ];
}

function tail(s: string, n = STDERR_TAIL): string {
  return s.length > n ? `…${s.slice(s.length - n)}` : s;
}

/**
 * How many frames `encodeVideo` asks `render` for, for a video of `frames` frames at `fps` from
 * frames rendered at `inputFps`. Frames rendered at inputFps cover the output; when the last of
 * them would leave the final output frames without a source, one more input frame is retimed
 * (setpts) to the last output frame, so every container ends at exactly `frames` frames.
 */
export function renderedFrameCount(frames: number, fps: number, inputFps: number = fps): number {
  if (inputFps === fps) return frames;
  const regular = Math.ceil((frames * inputFps) / fps);
  const lastT = (frames - 1) / fps;
  return (regular - 1) / inputFps < lastT - 1e-9 ? regular + 1 : regular;
}

/**
 * Encode a video of `frames` frames at `fps` from frames produced by `render`, with the npm
 * ffmpeg. Resolves with the file size once the file is complete at `path`; on failure rejects
 * with an Error carrying the tail of ffmpeg's stderr and leaves neither `path` nor the partial
 * `path.part` behind.
 */
export async function encodeVideo(opts: EncodeVideoOptions): Promise<EncodeVideoResult> {
  const { width, height, fps, frames, codec } = opts;
  const inputFps = opts.inputFps ?? fps;
  const ext = path.extname(opts.path).toLowerCase();
  const format = CONTAINERS[ext];
  if (!format) {
    throw new Error(
      `encodeVideo: ${opts.path}: unsupported extension '${ext}' (expected ${Object.keys(CONTAINERS).join(', ')})`,
    );
  }
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`encodeVideo: ${opts.path}: bad frame size ${width}x${height}`);
  }
  if (codec !== 'mjpeg' && (width % 2 !== 0 || height % 2 !== 0)) {
    throw new Error(
      `encodeVideo: ${opts.path}: ${codec} with yuv420p needs an even frame size, got ${width}x${height}`,
    );
  }
  if (!(fps > 0) || !(inputFps > 0) || inputFps > fps) {
    throw new Error(`encodeVideo: ${opts.path}: need 0 < inputFps (${inputFps}) <= fps (${fps})`);
  }
  if (!(Number.isInteger(frames) && frames > 0)) {
    throw new Error(`encodeVideo: ${opts.path}: frames must be a positive integer, got ${frames}`);
  }
  const regular = inputFps === fps ? frames : Math.ceil((frames * inputFps) / fps);
  const lastT = (frames - 1) / fps;
  const nInput = renderedFrameCount(frames, fps, inputFps);
  const closing = nInput > regular;
  const part = `${opts.path}.part`;
  const filters = [
    ...(closing ? [`setpts=if(gte(N\\,${regular})\\,${lastT}/TB\\,PTS)`] : []),
    // converted to the codec's pixel format once per rendered frame, before the repeats
    ...(opts.outputFilters?.length
      ? [`format=${codecPixFmt(codec)}`, `fps=${fps}`, ...opts.outputFilters]
      : []),
  ];
  const args = [
    '-hide_banner',
    '-nostats',
    '-loglevel',
    'error',
    '-y',
    ...rawRgbInput(width, height, inputFps),
    // With inputFps < fps, '-r fps' makes ffmpeg repeat frames to a constant output rate:
    // MOV/MP4 get coded duplicates (nearly free to encode), AVI gets empty "repeat the last
    // frame" chunks (decoders show `frames` frames; AVI's header duration may under-report by
    // less than 1 / inputFps). Either way the file is a true `fps` video, encoded at a fraction
    // of the cost of an fps filter that would hand the encoder every duplicate as a picture —
    // which is what `outputFilters` asks for, to make each output frame a picture of its own.
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    '-r',
    String(fps),
    '-frames:v',
    String(frames),
    ...codecArgs(codec),
    ...(opts.extraArgs ?? []),
    '-f',
    format,
    part,
  ];

  const child = spawn(FFMPEG_PATH, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = tail(stderr + d, 2 * STDERR_TAIL);
  });
  // Resolves (never rejects) when ffmpeg is gone: with its exit status or a spawn error.
  const exited = new Promise<{ code: number | null; signal: string | null; error?: Error }>(
    (resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    },
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  // EPIPE when ffmpeg exits early is reported through the exit status instead.
  child.stdin.on('error', () => {
    gone = true;
  });
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      if (gone) return resolve();
      const done = (): void => {
        child.stdin.off('drain', done);
        child.stdin.off('close', done);
        resolve();
      };
      child.stdin.once('drain', done);
      child.stdin.once('close', done);
      void exited.then(done);
    });

  const fail = async (why: string): Promise<never> => {
    await rm(part, { force: true });
    const err = stderr.trim();
    throw new Error(
      `encodeVideo: ${opts.path}: ${why}${err ? `\nffmpeg stderr (tail):\n${tail(err)}` : ''}`,
    );
  };

  try {
    const frameBytes = width * height * 3;
    for (let i = 0; i < nInput && !gone; i++) {
      const buf = new Uint8Array(frameBytes);
      opts.render(i, buf);
      if (!child.stdin.write(buf)) await drained();
    }
    child.stdin.end();
  } catch (e) {
    child.stdin.destroy();
    child.kill('SIGKILL');
    await exited;
    return fail(`rendering failed: ${e instanceof Error ? e.message : String(e)}`);
  }

  const result = await exited;
  if (result.error) {
    return fail(`could not run ffmpeg (${FFMPEG_PATH}): ${result.error.message}`);
  }
  if (result.code !== 0) {
    return fail(
      `ffmpeg exited with ${result.code === null ? `signal ${result.signal}` : `code ${result.code}`}`,
    );
  }
  try {
    await rename(part, opts.path);
  } catch (e) {
    return fail(`could not rename ${part}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { size } = await stat(opts.path);
  return { bytes: size, frames };
}

export interface VideoInfo {
  width: number;
  height: number;
  /** Frame rate of the first video stream. */
  fps: number;
  /** Container duration, s. */
  durationS: number;
  /** Frames in the first video stream, counted by remuxing it (absent if that failed). */
  frames?: number;
  /** Codec name as ffmpeg reports it (e.g. 'h264', 'mpeg4', 'mjpeg'). */
  codec: string;
}

/** Run ffmpeg with `args`, resolving with its exit code and stderr (never rejects on exit). */
function runFfmpeg(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG_PATH, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

/**
 * Size, frame rate, duration and frame count of a video file, from `ffmpeg -i` (and a stream
 * copy to the null muxer to count frames). Rejects when ffmpeg cannot read a video stream.
 */
export async function probeVideo(file: string): Promise<VideoInfo> {
  const { stderr } = await runFfmpeg(['-hide_banner', '-i', file]);
  const stream = /Stream #\d+:\d+[^:]*: Video: ([^\s,]+)[^\n]*/.exec(stderr);
  if (!stream) {
    throw new Error(
      `probeVideo: ${file}: no video stream found\nffmpeg stderr (tail):\n${tail(stderr.trim())}`,
    );
  }
  const line = stream[0];
  const size = /, (\d+)x(\d+)[\s,[]/.exec(line);
  const fpsM = /, ([\d.]+)(k?) fps/.exec(line) ?? /, ([\d.]+)(k?) tbr/.exec(line);
  const dur = /Duration: (\d+):(\d+):([\d.]+)/.exec(stderr);
  if (!size || !fpsM || !dur) {
    throw new Error(`probeVideo: ${file}: could not parse ffmpeg's description: ${line.trim()}`);
  }
  const info: VideoInfo = {
    width: Number(size[1]),
    height: Number(size[2]),
    fps: Number(fpsM[1]) * (fpsM[2] === 'k' ? 1000 : 1),
    durationS: Number(dur[1]) * 3600 + Number(dur[2]) * 60 + Number(dur[3]),
    codec: stream[1],
  };
  const counted = await runFfmpeg([
    '-hide_banner',
    '-i',
    file,
    '-map',
    '0:v:0',
    '-c',
    'copy',
    '-f',
    'null',
    '-',
  ]);
  const frameM = [...counted.stderr.matchAll(/frame=\s*(\d+)/g)].pop();
  if (counted.code === 0 && frameM) info.frames = Number(frameM[1]);
  return info;
}

/**
 * Decode a video to raw frames with ffmpeg: `gray` gives width × height bytes per frame,
 * `rgb24` three times that. Frames are concatenated in one buffer.
 */
export async function decodeVideo(
  file: string,
  pixFmt: 'gray' | 'rgb24' = 'gray',
): Promise<{ data: Buffer; frames: number; width: number; height: number }> {
  const info = await probeVideo(file);
  const child = spawn(
    FFMPEG_PATH,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      file,
      '-f',
      'rawvideo',
      '-pix_fmt',
      pixFmt,
      'pipe:1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = tail(stderr + d);
  });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) {
    throw new Error(`decodeVideo: ${file}: ffmpeg exited with code ${code}\n${stderr.trim()}`);
  }
  const data = Buffer.concat(chunks);
  const frameBytes = info.width * info.height * (pixFmt === 'gray' ? 1 : 3);
  return {
    data,
    frames: Math.floor(data.length / frameBytes),
    width: info.width,
    height: info.height,
  };
}

/** Write one RGB24 frame as a PNG with ffmpeg (for looking at rendered frames). */
export async function writePng(
  file: string,
  rgb: Uint8Array,
  width: number,
  height: number,
): Promise<void> {
  const child = spawn(
    FFMPEG_PATH,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      ...rawRgbInput(width, height),
      '-frames:v',
      '1',
      file,
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = tail(stderr + d);
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(rgb.subarray(0, width * height * 3));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0)
    throw new Error(`writePng: ${file}: ffmpeg exited with code ${code}\n${stderr.trim()}`);
}
