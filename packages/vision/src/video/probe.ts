/**
 * Video metadata from ffmpeg itself (`@ffmpeg-installer/ffmpeg` ships no ffprobe): the stream
 * description that `ffmpeg -i FILE` prints on stderr, and optionally a frame count from a stream
 * copy of the video to the null muxer (demuxing only, no decoding).
 */
import { VideoError } from './errors.js';
import { assertVideoFile, runFfmpeg, tail } from './ffmpeg.js';

export interface VideoProbe {
  /** The probed file. */
  file: string;
  /**
   * Width of the decoded frames, pixels. ffmpeg applies the container's rotation
   * (autorotate), so for a 90°/270° rotation this is the stored height.
   */
  width: number;
  /** Height of the decoded frames, pixels (after rotation, as `width`). */
  height: number;
  /** Frame rate of the video stream (ffmpeg's `fps`, else its `tbr` guess), frames/s. */
  fps: number;
  /** Container duration, s (the longest stream; an audio track may outlast the video). */
  durationS: number;
  /** Container start time, s; decode times are relative to it (ffmpeg's `-ss` is). */
  startS: number;
  /** Frames in the video stream, counted by demuxing it; absent when not counted or failed. */
  frames?: number;
  /** Codec as ffmpeg names it ('h264', 'mpeg4', 'mjpeg', …). */
  codec: string;
  /** Pixel format of the stream ('yuv420p', …), as ffmpeg prints it. */
  pixFmt: string;
  /**
   * Sample (pixel) aspect ratio, width / height of one pixel; 1 for square pixels. Decoded
   * frames keep the stored pixel grid: pass `size` to `decodeFrames` to correct for it.
   */
  sar: number;
  /** Clockwise rotation (0, 90, 180, 270) that ffmpeg applies from the container metadata. */
  rotation: 0 | 90 | 180 | 270;
  /** ffmpeg's index of the video stream in the file (for `-map 0:N`). */
  streamIndex: number;
}

export interface ProbeOptions {
  /**
   * Count frames by demuxing the video stream (default true; costs a read of the file, no
   * decoding). Counted anyway when the container states no duration.
   */
  countFrames?: boolean;
  /** Kill ffmpeg and reject when one of its runs takes longer (default 60 000 ms). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_PROBE_TIMEOUT_MS = 60_000;

/** A number with ffmpeg's optional 'k' suffix ("25", "29.97", "90k"). */
function rate(value: string, k: string): number {
  return Number(value) * (k === 'k' ? 1000 : 1);
}

/**
 * Parse the description that `ffmpeg -hide_banner -i FILE` prints. Exported for tests; use
 * {@link probeVideo}.
 */
export function parseFfmpegInfo(file: string, stderr: string): VideoProbe {
  const lines = stderr.split(/\r?\n/);
  // The first video stream that is not an attached picture (cover art in MOV/MP4).
  const at = lines.findIndex(
    (l) => /^\s*Stream #\d+:\d+.*: Video: /.test(l) && !/\(attached pic\)/.test(l),
  );
  if (at < 0) {
    const problem =
      /(Invalid data found when processing input|moov atom not found|[^\n]*: (?:Invalid|Error|No such)[^\n]*)/i.exec(
        stderr,
      );
    const hasInput = /^Input #\d+/m.test(stderr);
    throw new VideoError(
      file,
      hasInput ? 'no-video-stream' : 'unreadable',
      'a file ffmpeg can open, with a video stream',
      hasInput
        ? 'ffmpeg opened the file but found no video stream'
        : `ffmpeg cannot read the file${problem ? `: ${problem[1].trim()}` : ''}`,
      tail(stderr),
    );
  }
  const line = lines[at];
  // The stream's own block: its Metadata and Side data lines, up to the next stream.
  let end = at + 1;
  while (end < lines.length && !/^\s*Stream #/.test(lines[end]) && !/^\S/.test(lines[end])) end++;
  const block = lines.slice(at, end).join('\n');

  const index = /Stream #\d+:(\d+)/.exec(line);
  const codec = /: Video: ([^\s,]+)/.exec(line);
  // After the codec: "yuv420p(tv, bt709), 1920x1080 [SAR 1:1 DAR 16:9], …"; the size is the
  // first ", WxH" not inside a codec tag.
  const size = /, (\d{1,5})x(\d{1,5})(?=[\s,[]|$)/.exec(line);
  const pix = /: Video: [^,]+, ([a-z0-9_]+)/.exec(line);
  const fps = /, ([\d.]+)(k?) fps/.exec(line) ?? /, ([\d.]+)(k?) tbr/.exec(line);
  const sar = /\[SAR (\d+):(\d+)/.exec(line);
  const duration = /Duration: (\d+):(\d+):([\d.]+)/.exec(stderr);
  const start = /Duration: [^\n]*?start: (-?[\d.]+)/.exec(stderr);
  if (!index || !codec || !size || !fps) {
    throw new VideoError(
      file,
      'unreadable',
      'a video stream with a frame size and frame rate',
      `cannot parse ffmpeg's stream description: ${line.trim()}`,
      tail(stderr),
    );
  }
  const rotateTag = /^\s*rotate\s*:\s*(-?[\d.]+)/m.exec(block);
  const matrix = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(block);
  // The 'rotate' tag is clockwise; the display matrix is counter-clockwise.
  const degrees = rotateTag ? Number(rotateTag[1]) : matrix ? -Number(matrix[1]) : 0;
  const rotation = ((((Math.round(degrees / 90) * 90) % 360) + 360) % 360) as 0 | 90 | 180 | 270;
  let width = Number(size[1]);
  let height = Number(size[2]);
  if (rotation === 90 || rotation === 270) [width, height] = [height, width];
  const sarValue =
    sar && Number(sar[1]) > 0 && Number(sar[2]) > 0 ? Number(sar[1]) / Number(sar[2]) : 1;
  return {
    file,
    width,
    height,
    fps: rate(fps[1], fps[2]),
    durationS: duration
      ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])
      : Number.NaN,
    startS: start ? Number(start[1]) : 0,
    codec: codec[1],
    pixFmt: pix ? pix[1] : 'unknown',
    sar: sarValue,
    rotation,
    streamIndex: Number(index[1]),
  };
}

/**
 * Size, frame rate, duration (and by default the frame count) of a video file. Rejects with a
 * {@link VideoError} naming the file when it is missing, unreadable, has no video stream, or
 * ffmpeg does not answer within `timeoutMs`. When the container states no duration, it is
 * taken from the frame count (frames / fps), and the probe fails if that is unknown too.
 */
export async function probeVideo(file: string, opts: ProbeOptions = {}): Promise<VideoProbe> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  await assertVideoFile(file);
  const described = await runFfmpeg(['-hide_banner', '-nostdin', '-i', file], {
    timeoutMs,
    signal: opts.signal,
    file,
    what: 'reading the stream description',
  });
  const info = parseFfmpegInfo(file, described.stderr);
  // Count when asked, and also when the container states no duration (the count gives it).
  if ((opts.countFrames ?? true) || !Number.isFinite(info.durationS)) {
    const counted = await runFfmpeg(
      [
        '-hide_banner',
        '-nostdin',
        '-stats',
        '-i',
        file,
        '-map',
        `0:${info.streamIndex}`,
        '-c',
        'copy',
        '-f',
        'null',
        '-',
      ],
      { timeoutMs, signal: opts.signal, file, what: 'counting frames' },
    );
    const frame = [...counted.stderr.matchAll(/frame=\s*(\d+)/g)].pop();
    if (counted.code === 0 && frame) info.frames = Number(frame[1]);
  }
  if (!Number.isFinite(info.durationS)) {
    if (info.frames === undefined) {
      throw new VideoError(
        file,
        'unreadable',
        'a container duration or a countable video stream',
        'ffmpeg reports no duration (Duration: N/A) and the frames could not be counted',
        tail(described.stderr),
      );
    }
    info.durationS = info.frames / info.fps;
  }
  return info;
}
