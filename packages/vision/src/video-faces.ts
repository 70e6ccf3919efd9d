/**
 * `emo faces --video FILE`: face crops of a user's own video, one row per sampled frame, in a
 * faces shard (the same crops the vision stage makes for the data sets' videos).
 */
import { basename } from 'node:path';
import type { FaceRow } from '@emo/datasets';
import { writeFacesShard } from '@emo/datasets';
import { BoxTracker, bestFace, createFaceDetector, withMargin } from './detect/index.js';
import { faceCrop } from './image/index.js';
import type { EqualizeMethod } from './image/index.js';
import { DETECTOR_NAME, VISION_DEFAULTS } from './subject.js';
import { decodeFrames } from './video/index.js';

export interface VideoFacesOptions {
  readonly video: string;
  readonly out: string;
  /** The crop settings; the defaults are the vision stage's (VISION_DEFAULTS). */
  readonly sampleFps?: number;
  readonly margin?: number;
  readonly lift?: number;
  readonly equalize?: EqualizeMethod;
  readonly size?: number;
  readonly signal?: AbortSignal;
}

export interface VideoFacesResult {
  readonly frames: number;
  readonly facesFound: number;
  readonly rows: number;
  readonly bytes: number;
}

export async function convertVideoFaces(o: VideoFacesOptions): Promise<VideoFacesResult> {
  const d = VISION_DEFAULTS;
  const { size, sampleFps, margin, lift, equalize } = {
    size: o.size ?? d.size,
    sampleFps: o.sampleFps ?? d.sampleFps,
    margin: o.margin ?? d.margin,
    lift: o.lift ?? d.lift,
    equalize: o.equalize ?? d.equalize,
  };
  const detector = await createFaceDetector();
  const tracker = new BoxTracker();
  const rows: FaceRow[] = [];
  const crops: Uint8Array[] = [];
  let found = 0;
  try {
    for await (const frame of decodeFrames(o.video, {
      sampleFps,
      size: { width: d.decodeWidth },
      signal: o.signal,
    })) {
      const best = bestFace(await detector.detect(frame));
      const tracked = tracker.update(best ? best.box : null);
      let region = null;
      if (tracked.box) {
        const [x, y, w, h] = withMargin(tracked.box, margin, frame.width, frame.height, lift);
        region = { x, y, width: w, height: h };
      }
      const img = faceCrop(frame, region ?? undefined, { size, equalize });
      crops.push(img.data);
      if (best) found++;
      rows.push({
        dataset: 'video',
        subject: basename(o.video),
        trial: null,
        stimulusId: null,
        window: frame.index,
        t0: frame.t,
        t1: frame.t,
        facesFound: best ? 1 : 0,
        score: best ? best.score : null,
        label5: null,
        source: o.video,
        flags: best ? null : 'no face (whole frame resized)',
      });
    }
  } finally {
    detector.dispose();
  }
  const faces = new Uint8Array(crops.length * size * size);
  crops.forEach((c, i) => faces.set(c, i * size * size));
  const bytes = writeFacesShard(o.out, rows, faces, {
    dataset: 'video',
    subject: basename(o.video),
    stageVersion: '1.0.0',
    parameters: { sampleFps, margin, equalize },
    size,
    frames: 1,
    equalisation: equalize === 'hist' ? 'global' : equalize,
    detector: DETECTOR_NAME,
    synthetic: false,
    labelMapping: '',
    notes: [],
  });
  return { frames: rows.length, facesFound: found, rows: rows.length, bytes };
}
