/** readImage / writeImage (sharp) and toGrey. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeRealdata, realdataPath } from '../testing/realdata.js';
import { toGrey } from './grey.js';
import { readImage, writeImage } from './io.js';
import type { RawImage } from './types.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'emo-vision-io-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('toGrey', () => {
  it("is BT.601 luma in OpenCV's fixed point", () => {
    const rgb: RawImage = {
      width: 6,
      height: 1,
      channels: 3,
      data: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 10, 200, 30]),
    };
    // OpenCV cvtColor RGB2GRAY: red 76, green 150, blue 29, white 255, black 0;
    // (4899·10 + 9617·200 + 1868·30 + 8192) >> 14 = 124.
    expect(Array.from(toGrey(rgb).data)).toEqual([76, 150, 29, 255, 0, 124]);
  });

  it('ignores alpha and keeps R = G = B exact', () => {
    const rgba: RawImage = {
      width: 2,
      height: 1,
      channels: 4,
      data: Uint8Array.from([9, 9, 9, 0, 200, 200, 200, 255]),
    };
    expect(toGrey(rgba)).toEqual({
      width: 2,
      height: 1,
      channels: 1,
      data: Uint8Array.from([9, 200]),
    });
  });
});

describe('readImage / writeImage', () => {
  it('round-trips pixels through PNG, grey and RGB', async () => {
    const rgb: RawImage = {
      width: 3,
      height: 2,
      channels: 3,
      data: Uint8Array.from({ length: 18 }, (_, i) => (i * 37) % 256),
    };
    const file = path.join(dir, 'rgb.png');
    await writeImage(file, rgb);
    expect(await readImage(file)).toEqual(rgb);
    expect(await readImage(file, { grey: true })).toEqual(toGrey(rgb));
    expect(await readImage(await readFile(file))).toEqual(rgb);

    const grey: RawImage = {
      width: 2,
      height: 2,
      channels: 1,
      data: Uint8Array.from([0, 50, 100, 255]),
    };
    const greyFile = path.join(dir, 'grey.png');
    await writeImage(greyFile, grey);
    expect(await readImage(greyFile, { grey: true })).toEqual(grey);
  });

  it('drops alpha', async () => {
    const rgba: RawImage = {
      width: 1,
      height: 1,
      channels: 4,
      data: Uint8Array.from([10, 20, 30, 128]),
    };
    const file = path.join(dir, 'rgba.png');
    await writeImage(file, rgba);
    const back = await readImage(file);
    expect(back.channels).toBe(3);
  });

  it('names the file when it cannot decode it', async () => {
    const bad = path.join(dir, 'broken.jpg');
    await writeFile(bad, 'not a jpeg');
    await expect(readImage(bad)).rejects.toThrow(`${bad}: cannot decode the image`);
    const missing = path.join(dir, 'missing.png');
    await expect(readImage(missing)).rejects.toThrow(missing);
  });
});

describeRealdata('readImage on FER2013 files', (root) => {
  it('decodes a 48 × 48 grey JPEG exactly as stored (R = G = B)', async () => {
    const file = realdataPath(root, 'faces', 'fer2013_public', 'happy', 'PublicTest_10130075.jpg');
    const rgb = await readImage(file);
    expect([rgb.width, rgb.height, rgb.channels]).toEqual([48, 48, 3]);
    for (let i = 0; i < 48 * 48; i++) {
      expect(rgb.data[3 * i]).toBe(rgb.data[3 * i + 1]);
      expect(rgb.data[3 * i]).toBe(rgb.data[3 * i + 2]);
    }
    const grey = await readImage(file, { grey: true });
    expect(Array.from(grey.data)).toEqual(
      Array.from({ length: 48 * 48 }, (_, i) => rgb.data[3 * i]),
    );
  });
});
