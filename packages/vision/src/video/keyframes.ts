/**
 * Key frame times and the exact time base of a video's stream, by demuxing only (no decoding):
 * ffmpeg copies the video stream's packets to its `framecrc` muxer, which prints the stream's
 * time base (`#tb 0: 1/12800`) and one line per packet (`0, dts, pts, duration, size, crc`),
 * with `, F=0x0` appended to packets that are not key frames. A 20-min 720p H.264 file takes
 * about 0.3 s (its full decode about 13 s).
 */
import { VideoError } from './errors.js';
import { runFfmpegStdout, tail } from './ffmpeg.js';

export interface KeyframeIndex {
  /** The stream's time base as num/den (a pts of 1 is num/den seconds). */
  readonly timeBase: readonly [num: number, den: number];
  /** Key frame presentation times, s from the container's start, ascending. */
  readonly keyframesS: readonly number[];
}

/**
 * Parse framecrc output. `startS` is the container's start time (seek times are relative to
 * it). Returns null when the time base line is missing or no key frame is listed.
 */
export function parseFramecrc(text: string, startS = 0): KeyframeIndex | null {
  const tb = /^#tb 0: (\d+)\/(\d+)\s*$/m.exec(text);
  if (!tb) return null;
  const num = Number(tb[1]);
  const den = Number(tb[2]);
  if (!(num > 0 && den > 0)) return null;
  const keys: number[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const parts = line.split(',').map((s) => s.trim());
    if (parts.length < 6 || parts[0] !== '0') continue;
    if (parts.slice(6).some((p) => p.startsWith('F=') && (parseInt(p.slice(2), 16) & 1) === 0)) {
      continue;
    }
    const pts = Number(parts[2]);
    if (Number.isFinite(pts)) keys.push((pts * num) / den - startS);
  }
  if (keys.length === 0) return null;
  keys.sort((a, b) => a - b);
  return { timeBase: [num, den], keyframesS: keys };
}

/**
 * The key frames of `file`'s video stream `streamIndex` (ffmpeg's index, as `probeVideo` gives
 * it). Throws a VideoError naming the file when ffmpeg fails or lists no key frame.
 */
export async function probeKeyframes(
  file: string,
  streamIndex: number,
  opts: { startS?: number; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<KeyframeIndex> {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', file];
  args.push('-map', `0:${streamIndex}`, '-c', 'copy', '-f', 'framecrc', 'pipe:1');
  const r = await runFfmpegStdout(args, {
    file,
    what: 'listing key frames',
    timeoutMs: opts.timeoutMs ?? 60_000,
    signal: opts.signal,
  });
  const index = r.code === 0 ? parseFramecrc(r.stdout, opts.startS ?? 0) : null;
  if (!index) {
    throw new VideoError(
      file,
      'unreadable',
      'a video stream whose packets ffmpeg can list with their key frame flags',
      r.code === 0 ? 'no key frame listed' : `ffmpeg failed (exit code ${r.code})`,
      tail(r.stderr),
    );
  }
  return index;
}
