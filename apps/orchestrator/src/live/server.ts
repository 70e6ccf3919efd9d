/**
 * `emo serve`'s server: one live session (one person's stream) behind a local web page and a
 * WebSocket (`/ws`). The stream comes from a replayed recording (live/replay.ts) or from
 * WebSocket clients that send samples and face frames (a browser page reading a chest strap
 * over Web Bluetooth and a webcam, say); every client receives the traces, the face crops and
 * each window's prediction. The message format is in live/README.md.
 *
 * Robustness: a malformed or oversized message (up to 4× `maxMessageBytes`; above that the
 * WebSocket library closes the connection, code 1009) gets an `error` message and the
 * connection stays up; a client that does not read (more than `maxBufferedBytes` waiting to be
 * sent to it) is dropped, never buffered without bound; one client's errors or disconnect never
 * stop the others. It binds to 127.0.0.1 unless told otherwise.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import type { RawImage, StreamCrop } from '@emo/vision';
import { dashboardPage } from './page.js';
import type { ReplayOptions } from './replay.js';
import { replayCsv } from './replay.js';
import type { LivePrediction, LiveSession } from './session.js';

export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8765,
  /** Largest message a client may send (a 640×480 RGBA frame in base64 is about 1.6 MB). */
  maxMessageBytes: 4 * 1024 * 1024,
  /** Bytes waiting to be sent to one client before it is dropped as too slow. */
  maxBufferedBytes: 8 * 1024 * 1024,
  /** Longest gap in a client's samples that is filled with missing values (s). */
  maxGapSec: 300,
  /** Trace samples per second sent to the page. */
  displayRate: 50,
} as const;

export interface ServeOptions {
  readonly host?: string;
  readonly port?: number;
  readonly maxMessageBytes?: number;
  readonly maxBufferedBytes?: number;
  /** A recording replayed into the session; without it, WebSocket clients feed it. */
  readonly replay?: Omit<ReplayOptions, 'onPrediction' | 'onSample' | 'onFrame' | 'signal'>;
  /** Called with one line for each notable event (a client dropped, the replay's end). */
  readonly log?: (line: string) => void;
}

export interface ServeStats {
  /** Connections so far. */
  connections: number;
  droppedClients: number;
  errors: number;
  messages: number;
  gapSamples: number;
  replay: 'none' | 'running' | 'ended' | 'failed';
}

export interface LiveServer {
  readonly url: string;
  readonly stats: ServeStats;
  /** Resolves when the replay has ended (at once without one). */
  readonly replayDone: Promise<void>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const UPLOT_DIR = require.resolve('uplot/dist/uPlot.iife.min.js').replace(/[^/\\]+$/, '');

type ClientMessage =
  | {
      type: 'samples';
      t?: number;
      cardiac: (number | null)[] | null;
      gsr: (number | null)[] | null;
    }
  | { type: 'frame'; t?: number; image: RawImage };

/** A client's message checked and decoded, or an error naming what is wrong. */
export function parseClientMessage(
  text: string,
  session: Pick<LiveSession, 'options'>,
): ClientMessage {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new Error('not JSON: each message is one JSON object (see the message format)');
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) {
    throw new Error('not a JSON object with a "type"');
  }
  const o = m as Record<string, unknown>;
  const t = o.t;
  if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t < 0)) {
    throw new Error(`"t" must be a stream time in seconds ≥ 0, got ${JSON.stringify(t)}`);
  }
  if (o.type === 'samples') {
    const { cardiac, gsr } = session.options;
    const read = (key: string, want: boolean): (number | null)[] | null => {
      const v = o[key];
      if (!want) {
        if (v !== undefined) throw new Error(`this stream has no "${key}" signal`);
        return null;
      }
      if (!Array.isArray(v)) throw new Error(`"${key}" must be an array of numbers`);
      return v.map((x) => (typeof x === 'number' && Number.isFinite(x) ? x : null));
    };
    for (const key of ['ecg', 'ppg']) {
      if (key !== cardiac && o[key] !== undefined) {
        throw new Error(
          `this stream has no "${key}" signal (it has ${cardiac ?? 'no cardiac signal'})`,
        );
      }
    }
    const c = read(cardiac ?? 'ecg', cardiac !== null);
    const g = read('gsr', gsr !== null);
    if (c && g && c.length !== g.length) {
      throw new Error(
        `"${cardiac}" has ${c.length} samples and "gsr" ${g.length}: give both alike`,
      );
    }
    return { type: 'samples', t: t as number | undefined, cardiac: c, gsr: g };
  }
  if (o.type === 'frame') {
    const { width, height, format, data } = o;
    const channels = { grey: 1, rgb: 3, rgba: 4 }[String(format)];
    if (!channels) throw new Error('"format" must be "grey", "rgb" or "rgba"');
    if (
      !Number.isInteger(width) ||
      !Number.isInteger(height) ||
      (width as number) < 1 ||
      (height as number) < 1
    ) {
      throw new Error('"width" and "height" must be positive integers');
    }
    if (typeof data !== 'string') throw new Error('"data" must be the pixels in base64');
    const bytes = Buffer.from(data, 'base64');
    const need = (width as number) * (height as number) * channels;
    if (bytes.length !== need) {
      throw new Error(
        `"data" has ${bytes.length} bytes; a ${width}×${height} ${format} frame has ${need}`,
      );
    }
    return {
      type: 'frame',
      t: t as number | undefined,
      image: {
        width: width as number,
        height: height as number,
        channels,
        data: new Uint8Array(bytes),
      },
    };
  }
  throw new Error(`unknown message type ${JSON.stringify(o.type)} (expected "samples" or "frame")`);
}

/** Start serving `session`; see the file comment. */
export async function serveLive(session: LiveSession, o: ServeOptions = {}): Promise<LiveServer> {
  const maxMessageBytes = o.maxMessageBytes ?? SERVE_DEFAULTS.maxMessageBytes;
  const maxBufferedBytes = o.maxBufferedBytes ?? SERVE_DEFAULTS.maxBufferedBytes;
  const log = o.log ?? (() => undefined);
  const fs = session.options.fs;
  const stats: ServeStats = {
    connections: 0,
    droppedClients: 0,
    errors: 0,
    messages: 0,
    gapSamples: 0,
    replay: o.replay ? 'running' : 'none',
  };
  const { bundle } = session;
  const hello = JSON.stringify({
    type: 'hello',
    model: {
      kind: bundle.kind,
      task: bundle.task,
      classes: bundle.classes,
      inputs: bundle.inputs,
      synthetic: bundle.trainedOn.synthetic,
    },
    fs,
    signals: { cardiac: session.options.cardiac, gsr: session.options.gsr !== null },
    faces: session.faces !== null,
    displayRate: Math.min(fs, SERVE_DEFAULTS.displayRate),
    replay: o.replay ? o.replay.input : null,
    limits: { maxMessageBytes },
  });

  const http = createServer(serveHttp);
  const wss = new WebSocketServer({ server: http, path: '/ws', maxPayload: 4 * maxMessageBytes });
  const clients = new Set<WebSocket>();

  const send = (ws: WebSocket, text: string) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > maxBufferedBytes) {
      // a client that does not read is dropped, not buffered for without bound
      stats.droppedClients++;
      clients.delete(ws);
      log(`dropped a client that does not keep up (${ws.bufferedAmount} bytes waiting)`);
      ws.terminate();
      return;
    }
    ws.send(text);
  };
  const broadcast = (msg: object) => {
    const text = JSON.stringify(msg);
    for (const ws of [...clients]) send(ws, text);
  };

  // the traces, decimated to the display rate and sent about ten times a second of stream time
  const step = Math.max(1, Math.round(fs / SERVE_DEFAULTS.displayRate));
  const flushEvery = Math.max(step, Math.round(fs / 10));
  let trace: { t: number; cardiac: (number | null)[]; gsr: (number | null)[] } | null = null;
  const onSample = (cardiac: number | null, gsr: number | null) => {
    const i = session.samples; // this sample's number (pushed next)
    if (i % step !== 0) return;
    trace ??= { t: i / fs, cardiac: [], gsr: [] };
    trace.cardiac.push(cardiac === null || Number.isNaN(cardiac) ? null : cardiac);
    trace.gsr.push(gsr === null || Number.isNaN(gsr) ? null : gsr);
    if ((i + step) % flushEvery < step) {
      broadcast({ type: 'samples', rate: fs / step, ...trace });
      trace = null;
    }
  };
  const onPrediction = (p: LivePrediction) => broadcast({ type: 'window', ...p });
  const onFrame = (c: StreamCrop) =>
    broadcast({
      type: 'face',
      t: c.t,
      size: Math.sqrt(c.crop.length),
      found: c.found,
      score: c.score,
      data: Buffer.from(c.crop).toString('base64'),
    });

  // client messages are applied one at a time, in order (frames take tens of ms to detect)
  let queue: Promise<void> = Promise.resolve();
  let pendingFrames = 0;
  const apply = async (m: ClientMessage, receivedAt: number) => {
    if (m.type === 'frame') {
      if (!session.faces) throw new Error(`this ${bundle.kind} model takes no face frames`);
      const crop = await session.pushFrame(m.image, m.t ?? session.time);
      onFrame(crop);
      return;
    }
    const n = (m.cardiac ?? m.gsr ?? []).length;
    if (m.t !== undefined) {
      const gap = Math.round((m.t - session.time) * fs);
      if (gap < 0) {
        session.droppedSamples += n;
        throw new Error(
          `samples at t = ${m.t} s are before the stream's clock (${session.time.toFixed(3)} s): ${n} dropped`,
        );
      }
      if (gap > SERVE_DEFAULTS.maxGapSec * fs) {
        session.droppedSamples += n;
        throw new Error(
          `samples at t = ${m.t} s leave a gap of ${(gap / fs).toFixed(1)} s after the stream's clock (at most ${SERVE_DEFAULTS.maxGapSec} s is filled): ${n} dropped`,
        );
      }
      // a gap is filled with missing samples: the windows over it are flagged, not shifted
      stats.gapSamples += gap;
      const c = session.options.cardiac ? NaN : null;
      const g = session.options.gsr ? NaN : null;
      for (let k = 0; k < gap; k++) {
        for (const p of session.pushSample(c, g, receivedAt)) onPrediction(p);
      }
    }
    for (let k = 0; k < n; k++) {
      const c = m.cardiac ? (m.cardiac[k] ?? NaN) : null;
      const g = m.gsr ? (m.gsr[k] ?? NaN) : null;
      onSample(c, g);
      for (const p of session.pushSample(c, g, receivedAt)) onPrediction(p);
    }
  };
  const fail = (ws: WebSocket, message: string) => {
    stats.errors++;
    send(ws, JSON.stringify({ type: 'error', message }));
  };

  wss.on('connection', (ws) => {
    clients.add(ws);
    stats.connections++;
    send(ws, hello);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const receivedAt = performance.now();
      stats.messages++;
      const size = Array.isArray(data)
        ? data.reduce((a, b) => a + b.length, 0)
        : (data as Buffer | ArrayBuffer).byteLength;
      if (isBinary) return fail(ws, 'binary messages are not read: send JSON text');
      if (size > maxMessageBytes) {
        return fail(ws, `message of ${size} bytes is over the limit of ${maxMessageBytes}`);
      }
      if (stats.replay === 'running') {
        return fail(ws, `this server replays ${o.replay?.input}; it takes no samples or frames`);
      }
      let m: ClientMessage;
      try {
        m = parseClientMessage(data.toString(), session);
      } catch (e) {
        return fail(ws, (e as Error).message);
      }
      if (m.type === 'frame' && pendingFrames >= 2) {
        return fail(ws, 'busy: the last frames are still being detected; this frame is dropped');
      }
      if (m.type === 'frame') pendingFrames++;
      queue = queue
        .then(() => apply(m, receivedAt))
        .catch((e: unknown) => fail(ws, (e as Error).message))
        .finally(() => {
          if (m.type === 'frame') pendingFrames--;
        });
    });
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
  });

  await new Promise<void>((res, rej) => {
    http.once('error', rej);
    http.listen(o.port ?? SERVE_DEFAULTS.port, o.host ?? SERVE_DEFAULTS.host, () => res());
  });
  const addr = http.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}/`;

  const abort = new AbortController();
  const replayDone = o.replay
    ? replayCsv(session, { ...o.replay, signal: abort.signal, onPrediction, onSample, onFrame })
        .then(() => {
          stats.replay = 'ended';
          broadcast({ type: 'end', summary: session.summary() });
          log(`replay of ${o.replay?.input} ended`);
        })
        .catch((e: unknown) => {
          stats.replay = 'failed';
          broadcast({ type: 'error', message: `replay: ${(e as Error).message}` });
          log(`replay failed: ${(e as Error).message}`);
        })
    : Promise.resolve();

  return {
    url,
    stats,
    replayDone,
    async close() {
      abort.abort();
      await replayDone;
      for (const ws of clients) ws.terminate();
      await new Promise<void>((res) => wss.close(() => res()));
      await new Promise<void>((res) => http.close(() => res()));
    },
  };

  function serveHttp(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end('only GET\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const files: Record<string, [string, () => string | Buffer]> = {
      '/': ['text/html; charset=utf-8', () => dashboardPage()],
      '/uplot.js': ['text/javascript', () => readFileSync(UPLOT_DIR + 'uPlot.iife.min.js')],
      '/uplot.css': ['text/css', () => readFileSync(UPLOT_DIR + 'uPlot.min.css')],
      '/status': [
        'application/json',
        () => JSON.stringify({ stats, clients: clients.size, summary: session.summary() }),
      ],
    };
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const f = files[path];
    if (!f) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no ${path}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': f[0], 'cache-control': 'no-store' }).end(f[1]());
  }
}
