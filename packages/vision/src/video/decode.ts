/**
 * Frame decoding with the ffmpeg binary of `@ffmpeg-installer/ffmpeg`, streamed as raw frames
 * through a pipe (no temporary files).
 *
 * Timing. A decode covers the span [startS, endS) of the video (times relative to the
 * container's start, as ffmpeg's `-ss` counts them) and returns the frames at the sample times
 * t = startS + n / sampleFps, n = 0, 1, … while t < endS. The frame returned for t is the one
 * on screen at t: the last source frame whose timestamp is ≤ t (when the span starts before
 * the first frame, the first frame is repeated). This comes from ffmpeg itself:
 *
 * - `-ss` before `-i` seeks fast (to the key frame before) and then decodes accurately
 *   (ffmpeg's default `-accurate_seek`); the seek point is put a little before startS
 *   (up to 1 s, at least two source frames) so that the frame on screen at startS survives it;
 * - the `fps` filter with `start_time` = that lead and `round=up` samples the decoded stream at
 *   exactly the sample times, with the semantics above (`round=near`, ffmpeg's default, would
 *   pick frames up to half a sample interval *after* t);
 * - the `scale` filter (after `fps`, so only sampled frames are converted) converts to RGB24 or
 *   grey and, when `size` is given, resizes with swscale's area filter;
 * - `-frames:v` stops ffmpeg after the frames the span needs.
 *
 * Grey frames are ffmpeg's luma plane expanded to full range (`-pix_fmt gray`); they lie
 * within a level or two of the BT.601 luma that `toGrey` computes from the RGB24 frame.
 *
 * Robustness. A missing file, an unreadable one and a file without video are VideoErrors that
 * name the file. A video that ends before the requested span does (a short or truncated file)
 * gives all the frames it has and then a ShortVideoError saying how many frames were missing,
 * unless `allowMissing` tolerates them, in which case the generator's return value (the
 * DecodeSummary; see `collectFrames`) says so. ffmpeg is killed when the consumer stops early
 * (`break` out of `for await`), when `signal` aborts, and when it produces no output for
 * `stallTimeoutMs`; it is always awaited, so no zombie or orphan process is left.
 */
import { spawn } from 'node:child_process';
import type { RawImage } from '../image/types.js';
import { ShortVideoError, VideoError } from './errors.js';
import { FFMPEG_PATH, assertVideoFile, childEnded, killChild, tail } from './ffmpeg.js';
import { describeSpan, fmt, planDecode, segmentsOf, type Plan } from './decode-plan.js';
import { probeVideo, type VideoProbe } from './probe.js';

/** One decoded frame: a RawImage (1 channel grey or 3 channels RGB24) with its time. */
export interface VideoFrame extends RawImage {
  channels: 1 | 3;
  /** Sample number in this decode, 0-based. */
  index: number;
  /** Time of the frame in the video, s: startS + index / sampleFps. */
  t: number;
}

export interface DecodeOptions {
  /** Start of the span, s from the start of the video (default 0). */
  startS?: number;
  /**
   * End of the span (exclusive), s. Default: the container's duration; then a video that ends
   * earlier than its container says is reported in the summary's warnings, never thrown.
   */
  endS?: number;
  /** Sample rate, frames/s (default: the video's own frame rate, i.e. every frame). */
  sampleFps?: number;
  /**
   * Output size. With one side only, the other follows the frame's aspect ratio (rounded).
   * Resizing is ffmpeg's area filter (swscale `flags=area`). Default: the decoded size.
   */
  size?: { width?: number; height?: number };
  /** One grey channel (ffmpeg's full-range luma) instead of RGB24. */
  grey?: boolean;
  /**
   * An ffmpeg filter chain applied to each sampled frame before it is scaled, e.g.
   * `'eq=brightness=-0.3:gamma=0.6,noise=alls=20:allf=t'` to emulate a dim, noisy camera.
   */
  filter?: string;
  /** Aborting kills ffmpeg; the generator then throws the signal's reason. */
  signal?: AbortSignal;
  /**
   * Longest wait for output from ffmpeg (the probe included), ms; ffmpeg is then killed and a
   * VideoError 'timeout' thrown. Time the consumer spends between frames does not count.
   * Default 30 000.
   */
  stallTimeoutMs?: number;
  /**
   * Frames the span may lack before a ShortVideoError is thrown (default 0). Use Infinity to
   * accept whatever the video has and read `missing` from the summary.
   */
  allowMissing?: number;
  /** A probe of this file (from probeVideo), to save ffmpeg the extra run. */
  probe?: VideoProbe;
  /** ffmpeg decoder threads (default: ffmpeg's choice). 1 suits many parallel decodes. */
  threads?: number;
  /**
   * Only these sample numbers n (ascending, distinct, < the span's frame count): the other
   * samples are neither converted nor returned, and parts of the span far from them are not
   * decoded (ffmpeg seeks, see spans.ts). The frames are the same as those of the whole
   * span's decode, with the same `index` and `t`. Without `filter`, one quick demux of the file
   * lists its key frames first.
   */
  only?: readonly number[];
}

/** What a decode did: the generator's return value. */
export interface DecodeSummary {
  file: string;
  startS: number;
  endS: number;
  sampleFps: number;
  width: number;
  height: number;
  channels: 1 | 3;
  /** Frames the span needs: ceil((endS − startS) · sampleFps). */
  expected: number;
  /** Frames yielded. */
  decoded: number;
  /** expected − decoded (0 for a complete span). */
  missing: number;
  /** ffmpeg's error messages (damaged packets, read errors…) and notes on missing frames. */
  warnings: string[];
}

const DEFAULT_STALL_MS = 30_000;
const MAX_WARNINGS = 20;

/** `p`, or a rejection after `ms` (timeout) or when `signal` aborts. */
function within<T>(
  p: Promise<T>,
  ms: number,
  signal: AbortSignal | undefined,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      p.catch(() => undefined);
      reject(signal.reason);
      return;
    }
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(onTimeout());
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e: unknown) => {
        cleanup();
        reject(e);
      },
    );
  });
}

/**
 * Decode the frames of `file` in [startS, endS) at `sampleFps` (see the module comment for the
 * exact timing). Yields one {@link VideoFrame} per sample time, in order; returns a
 * {@link DecodeSummary}. Throws VideoError (missing/unreadable file, ffmpeg failure, stall),
 * ShortVideoError (more frames missing than `allowMissing`, after yielding those it has),
 * RangeError (bad options) or the abort reason.
 */
export async function* decodeFrames(
  file: string,
  opts: DecodeOptions = {},
): AsyncGenerator<VideoFrame, DecodeSummary, undefined> {
  const { signal } = opts;
  const stallMs = opts.stallTimeoutMs ?? DEFAULT_STALL_MS;
  signal?.throwIfAborted();
  await assertVideoFile(file);
  const info =
    opts.probe ?? (await probeVideo(file, { countFrames: false, timeoutMs: stallMs, signal }));
  const plan = planDecode(file, info, opts);
  const warnings: string[] = [];
  const summary = (decoded: number): DecodeSummary => ({
    file,
    startS: plan.startS,
    endS: plan.endS,
    sampleFps: plan.sampleFps,
    width: plan.width,
    height: plan.height,
    channels: plan.channels,
    expected: plan.expected,
    decoded,
    missing: plan.expected - decoded,
    warnings,
  });
  if (plan.span === 0) {
    warnings.push(
      `nothing to decode: the span starts at ${fmt(plan.startS)} s, the video is ${fmt(info.durationS)} s long`,
    );
    return summary(0);
  }
  let index = 0;
  for (const seg of await segmentsOf(file, info, plan, opts, stallMs)) {
    const slots = seg ? seg.slots : null;
    let k = 0;
    for await (const data of ffmpegFrames(file, plan, plan.args(seg), stallMs, signal, warnings)) {
      const n = slots ? slots[k] : k;
      k++;
      if (n === undefined || (!slots && n >= plan.span)) continue; // never with -frames:v
      signal?.throwIfAborted();
      yield {
        index: n,
        t: plan.startS + n / plan.sampleFps,
        width: plan.width,
        height: plan.height,
        channels: plan.channels,
        data,
      };
      index++;
    }
  }
  const missing = plan.expected - index;
  if (missing > 0) {
    const note = `${missing} of ${plan.expected} frames missing: the video ends before ${fmt(plan.endS)} s (container duration ${fmt(info.durationS)} s)`;
    if (plan.explicitEnd && missing > (opts.allowMissing ?? 0)) {
      throw new ShortVideoError(
        file,
        describeSpan(plan),
        `only ${index} frame${index === 1 ? '' : 's'} decoded; ${note}`,
        plan.expected,
        index,
        tail(warnings.join('\n')),
      );
    }
    warnings.push(note);
  }
  return summary(index);
}

/**
 * One ffmpeg run: its raw frames, in order. Adds ffmpeg's error lines to `warnings`; throws a
 * VideoError when it fails, stalls or stops inside a frame. ffmpeg is always reaped.
 */
async function* ffmpegFrames(
  file: string,
  plan: Plan,
  args: string[],
  stallMs: number,
  signal: AbortSignal | undefined,
  warnings: string[],
): AsyncGenerator<Uint8Array, void, undefined> {
  const frameBytes = plan.width * plan.height * plan.channels;
  signal?.throwIfAborted();
  const child = spawn(FFMPEG_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ended = childEnded(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = stderr.length > 4 * 4096 ? stderr.slice(-4096) + d : stderr + d;
  });
  // Kill at once on abort, even while the consumer holds a frame.
  const onAbort = (): void => void killChild(child, ended);
  signal?.addEventListener('abort', onAbort, { once: true });
  const stalled = (): VideoError =>
    new VideoError(
      file,
      'timeout',
      `output from ffmpeg within ${stallMs} ms while decoding ${describeSpan(plan)}`,
      `ffmpeg produced nothing for ${stallMs} ms and was killed`,
      tail(stderr),
    );

  const reader = child.stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let buffered = 0;
  let count = 0;
  const takeFrame = (): Uint8Array => {
    const out = new Uint8Array(frameBytes);
    let off = 0;
    while (off < frameBytes) {
      const c = chunks[0];
      const need = frameBytes - off;
      if (c.length <= need) {
        out.set(c, off);
        off += c.length;
        chunks.shift();
      } else {
        out.set(c.subarray(0, need), off);
        chunks[0] = c.subarray(need);
        off += need;
      }
    }
    buffered -= frameBytes;
    return out;
  };

  try {
    for (;;) {
      while (buffered >= frameBytes) {
        const data = takeFrame();
        signal?.throwIfAborted();
        yield data;
        count++;
      }
      signal?.throwIfAborted();
      const r = await within(reader.next(), stallMs, signal, stalled);
      if (r.done) break;
      chunks.push(r.value);
      buffered += r.value.length;
    }
    const end = await within(ended, stallMs, signal, stalled);
    signal?.throwIfAborted();
    // Let stderr drain (it closes with the process) before reading it.
    await new Promise<void>((resolve) => {
      if (child.stderr.closed) resolve();
      else child.stderr.once('close', () => resolve());
    });
    for (const line of stderr.split(/\r?\n/)) {
      if (line.trim() && warnings.length < MAX_WARNINGS) warnings.push(line.trim());
    }
    if (end.error) {
      throw new VideoError(
        file,
        'ffmpeg',
        `a runnable ffmpeg at ${FFMPEG_PATH}`,
        `could not start ffmpeg: ${end.error.message}`,
      );
    }
    if (end.code !== 0) {
      throw new VideoError(
        file,
        'ffmpeg',
        describeSpan(plan),
        `ffmpeg failed (${end.code === null ? `signal ${end.signal}` : `exit code ${end.code}`}) after ${count} frame${count === 1 ? '' : 's'}`,
        tail(stderr),
      );
    }
    if (buffered > 0) {
      throw new VideoError(
        file,
        'ffmpeg',
        `whole ${plan.width}×${plan.height}×${plan.channels} frames`,
        `ffmpeg's output ended inside a frame (${buffered} of ${frameBytes} bytes)`,
        tail(stderr),
      );
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await killChild(child, ended);
  }
}

/** All frames of a decode and its summary (for short spans; long ones belong in a loop). */
export async function collectFrames(
  file: string,
  opts: DecodeOptions = {},
): Promise<{ frames: VideoFrame[]; summary: DecodeSummary }> {
  const gen = decodeFrames(file, opts);
  const frames: VideoFrame[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { frames, summary: r.value };
    frames.push(r.value);
  }
}

export type FrameAtOptions = Pick<
  DecodeOptions,
  'size' | 'grey' | 'signal' | 'stallTimeoutMs' | 'probe' | 'threads'
>;

/**
 * The frame on screen at `tS` seconds (the last frame whose timestamp is ≤ tS). Throws a
 * ShortVideoError naming the file when the video has no frame there.
 */
export async function frameAt(
  file: string,
  tS: number,
  opts: FrameAtOptions = {},
): Promise<VideoFrame> {
  const stallMs = opts.stallTimeoutMs ?? DEFAULT_STALL_MS;
  const probe =
    opts.probe ??
    (await probeVideo(file, { countFrames: false, timeoutMs: stallMs, signal: opts.signal }));
  const { frames } = await collectFrames(file, {
    ...opts,
    probe,
    startS: tS,
    endS: tS + 1 / probe.fps,
    sampleFps: probe.fps,
    allowMissing: 1,
  });
  if (frames.length === 0) {
    throw new ShortVideoError(
      file,
      `a frame at ${fmt(tS)} s`,
      `no frame at ${fmt(tS)} s: the video ends before it (container duration ${fmt(probe.durationS)} s)`,
      1,
      0,
    );
  }
  return frames[0];
}
