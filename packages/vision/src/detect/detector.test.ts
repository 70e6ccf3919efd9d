import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaceDetector } from './detector.js';
import { createFaceDetector } from './detector.js';
import { FaceModelError, checkModelFiles, defaultModelLocation } from './human.js';

const W = 400;
const H = 300;

/** Deterministic pseudo-random bytes (LCG). */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

// Runs before any model is loaded in this file (jest runs describe blocks in order): once a
// model is loaded, the process keeps it and other folders are refused instead.
describe('missing model files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emo-detect-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('an empty model folder: the error names the missing model.json', async () => {
    const { wasmDir } = defaultModelLocation();
    await expect(createFaceDetector({ modelDir: dir, wasmDir })).rejects.toThrow(FaceModelError);
    await expect(createFaceDetector({ modelDir: dir, wasmDir })).rejects.toThrow(
      join(dir, 'blazeface.json'),
    );
  });

  test('model.json without its weights: the error names the weight file', () => {
    const { modelDir, wasmDir } = defaultModelLocation();
    copyFileSync(join(modelDir, 'blazeface.json'), join(dir, 'blazeface.json'));
    expect(() => checkModelFiles({ modelDir: dir, wasmDir })).toThrow(
      /BlazeFace weights not found: expected .*blazeface\.bin/,
    );
  });

  test('a missing wasm folder is named too', () => {
    const { modelDir } = defaultModelLocation();
    expect(() => checkModelFiles({ modelDir, wasmDir: dir })).toThrow(
      /tfjs wasm binary not found: expected .*tfjs-backend-wasm\.wasm/,
    );
  });
});

describe('createFaceDetector', () => {
  let detector: FaceDetector;
  const logs: unknown[][] = [];

  beforeAll(async () => {
    // Loading and the first detection must be quiet: watch the console meanwhile.
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation((...args: unknown[]) => {
        logs.push([m, ...args]);
      }),
    );
    try {
      detector = await createFaceDetector();
      await detector.detect({ width: W, height: H, data: new Uint8Array(W * H * 3).fill(128) });
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  test('loads quietly, on the wasm backend, from the files shipped in the package', () => {
    expect(logs).toEqual([]);
    expect(detector.backend).toBe('wasm');
    expect(detector.location.modelDir).toMatch(/@vladmandic[/\\]human[/\\]models$/);
    expect(detector.options).toEqual({
      input: 'luma',
      minScore: 0.5,
      maxFaces: 5,
      iouThreshold: 0.3,
      border: 0,
    });
  });

  test('a second detector shares the loaded model; other model folders are refused', async () => {
    const again = await createFaceDetector({ minScore: 0.7 });
    expect(again.location).toBe(detector.location);
    again.dispose();
    await expect(createFaceDetector({ modelDir: tmpdir() })).rejects.toThrow(/already loaded from/);
  });

  test.each([
    ['uniform grey', new Uint8Array(W * H * 3).fill(128)],
    ['black', new Uint8Array(W * H * 3)],
    ['white', new Uint8Array(W * H * 3).fill(255)],
    ['noise', noise(W * H * 3, 7)],
  ])('no face in a %s frame', async (_name, data) => {
    expect(await detector.detect({ width: W, height: H, data })).toEqual([]);
  });

  test('no face in a gradient, a grey noise frame, nor tiny frames', async () => {
    const gradient = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++)
        gradient.fill(Math.round((255 * (x + y)) / (W + H)), (y * W + x) * 3, (y * W + x + 1) * 3);
    }
    expect(await detector.detect({ width: W, height: H, data: gradient })).toEqual([]);
    expect(await detector.detect({ width: 64, height: 48, data: noise(64 * 48, 3) })).toEqual([]);
    expect(await detector.detect({ width: 1, height: 1, data: new Uint8Array(3) })).toEqual([]);
    expect(
      await detector.detect({ width: 3, height: 1, data: new Uint8Array(3), channels: 1 }),
    ).toEqual([]);
  });

  test('concurrent calls are fine (they run one at a time)', async () => {
    const frames = [1, 2, 3, 4].map((s) => ({
      width: 160,
      height: 120,
      data: noise(160 * 120 * 3, s),
    }));
    const results = await Promise.all(frames.map((f) => detector.detect(f)));
    expect(results).toEqual([[], [], [], []]);
  });

  test('bad frames and options are refused with clear errors', async () => {
    await expect(
      detector.detect({ width: W, height: H, data: new Uint8Array(10) }),
    ).rejects.toThrow(/has 10 bytes; a 400×300 RGB24 frame has 360000/);
    await expect(detector.detect({ width: 0, height: H, data: new Uint8Array(0) })).rejects.toThrow(
      /positive integers/,
    );
    await expect(
      detector.detect({ width: 2, height: 2, data: new Uint8Array(12), channels: 2 }),
    ).rejects.toThrow(/channels must be 1, 3 or 4/);
    await expect(createFaceDetector({ minScore: 2 })).rejects.toThrow(/minScore/);
    await expect(createFaceDetector({ maxFaces: 0 })).rejects.toThrow(/maxFaces/);
    await expect(createFaceDetector({ border: -1 })).rejects.toThrow(/border/);
    await expect(createFaceDetector({ input: 'hsv' as 'rgb' })).rejects.toThrow(
      /input must be 'luma' or 'rgb', got hsv/,
    );
  });

  test('a disposed detector refuses to detect', async () => {
    const d = await createFaceDetector();
    d.dispose();
    await expect(d.detect({ width: 2, height: 2, data: new Uint8Array(12) })).rejects.toThrow(
      /disposed/,
    );
  });
});
