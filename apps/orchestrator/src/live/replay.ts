/**
 * A recording replayed into a live session as a stream: a CSV of samples (a header row, one row
 * per sample; `.gz` unpacked; stdin for a live feed) at real time, N× or as fast as possible,
 * and a face video beside it (its time 0 = the first sample), decoded at the crops' sampling
 * rate, each frame pushed once the stream's clock reaches its time. `emo stream` and `emo serve`
 * replay through here.
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { StreamCrop, VideoFrame } from '@emo/vision';
import { decodeFrames } from '@emo/vision';
import type { LivePrediction, LiveSession } from './session.js';

/** The CSV columns of the signals: names, or numbers from 1. */
export interface ReplayColumns {
  readonly cardiac?: string;
  readonly gsr?: string;
}

export interface ReplayOptions {
  /** A CSV file (.csv or .csv.gz), or '-' for standard input. */
  readonly input: string;
  readonly columns: ReplayColumns;
  /** 1 = real time, N = N× real time, Infinity = as fast as possible. */
  readonly speed: number;
  /** A face video replayed beside the samples (the session must take faces). */
  readonly video?: string;
  readonly signal?: AbortSignal;
  readonly onPrediction: (p: LivePrediction) => void;
  /** Every sample as pushed (NaN for a missing value, null for a signal the stream lacks). */
  readonly onSample?: (cardiac: number | null, gsr: number | null) => void;
  readonly onFrame?: (crop: StreamCrop) => void;
}

/** The CSV's column indices of the named (or numbered, from 1) columns. */
function columnsOf(
  header: string[],
  c: ReplayColumns,
  source: string,
): { cardiac: number | null; gsr: number | null } {
  const find = (name: string | undefined): number | null => {
    if (name === undefined) return null;
    const i = header.indexOf(name);
    if (i >= 0) return i;
    const k = Number(name);
    if (Number.isInteger(k) && k >= 1 && k <= header.length) return k - 1;
    throw new Error(`${source}: no column '${name}' (columns: ${header.join(', ')})`);
  };
  return { cardiac: find(c.cardiac), gsr: find(c.gsr) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Replay `o.input` (and `o.video`) into `session`; resolves when the input ends or is aborted. */
export async function replayCsv(session: LiveSession, o: ReplayOptions): Promise<void> {
  const source = o.input === '-' ? 'stdin' : resolve(o.input);
  let input: Readable = o.input === '-' ? process.stdin : createReadStream(source);
  if (o.input.endsWith('.gz')) input = input.pipe(createGunzip());
  const lines = createInterface({ input, crlfDelay: Infinity });
  const video = o.video && session.faces ? videoFrames(o.video, session, o.onFrame) : null;
  const fs = session.options.fs;
  let header: string[] | null = null;
  let cols: ReturnType<typeof columnsOf> | null = null;
  const start = performance.now();
  const value = (cells: string[], i: number | null): number | null => {
    if (i === null) return null;
    return cells[i] === undefined || cells[i].trim() === '' ? NaN : Number(cells[i]);
  };
  try {
    for await (const line of lines) {
      if (o.signal?.aborted) break;
      if (line.trim() === '' || line.startsWith('#')) continue;
      const cells = line.split(',');
      if (!header) {
        header = cells.map((h) => h.trim());
        cols = columnsOf(header, o.columns, source);
        continue;
      }
      const c = cols as NonNullable<typeof cols>;
      const due = start + (1000 * session.samples) / (fs * o.speed);
      if (Number.isFinite(o.speed)) {
        const ahead = due - performance.now();
        if (ahead > 1) await sleep(ahead);
      }
      // the face frames up to this sample's time are in before it
      if (video) await video.until(session.time);
      const receivedAt = Number.isFinite(o.speed) ? due : performance.now();
      const cardiac = value(cells, c.cardiac);
      const gsr = value(cells, c.gsr);
      o.onSample?.(cardiac, gsr);
      for (const w of session.pushSample(cardiac, gsr, receivedAt)) o.onPrediction(w);
    }
  } finally {
    lines.close();
    await video?.close();
  }
  if (!header) throw new Error(`${source}: empty (no header row)`);
}

/**
 * A face video replayed beside the signals: decoded at the crops' sampling rate and scaled to
 * their width, each frame pushed into the session once the stream's clock reaches its time.
 */
function videoFrames(
  file: string,
  session: LiveSession,
  onFrame: ((crop: StreamCrop) => void) | undefined,
) {
  const p = (session.faces as NonNullable<LiveSession['faces']>).params;
  const ac = new AbortController();
  const frames = decodeFrames(file, {
    sampleFps: p.sampleFps,
    size: { width: p.decodeWidth },
    signal: ac.signal,
  })[Symbol.asyncIterator]();
  let next: Promise<IteratorResult<VideoFrame, unknown>> | null = frames.next();
  return {
    async until(t: number): Promise<void> {
      while (next) {
        const r = await next;
        if (r.done) {
          next = null;
          return;
        }
        if (r.value.t > t) return;
        const crop = await session.pushFrame(r.value, r.value.t);
        onFrame?.(crop);
        next = frames.next();
      }
    },
    async close(): Promise<void> {
      // aborting kills ffmpeg; a frame still being read then fails, which is what was asked
      ac.abort();
      await next?.catch(() => undefined);
      next = null;
    },
  };
}
