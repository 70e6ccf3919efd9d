/**
 * Tiny `windows` and `faces` shards for the data tests, with values that tell where they came
 * from: physio value j of a window is subjectNo·100000 + trial·1000 + window·10 + j, its
 * features the negatives of the first F of those, and face byte (frame k, pixel p) of faces row
 * r is (r·7 + k·100 + p) mod 256.
 */
import { join } from 'node:path';
import type { Emotion, FaceRow, FacesMetadata, WindowRow, WindowsMetadata } from '@emo/datasets';
import { EMOTIONS, writeFacesShard, writeWindowsShard } from '@emo/datasets';
import type { SubjectShards } from './sample-index.js';

export const TINY = { T: 3, C: 2, F: 2, size: 2, frames: 2 } as const;

export const physioValue = (subjectNo: number, trial: number, window: number, j: number) =>
  subjectNo * 100000 + trial * 1000 + window * 10 + j;

export const faceByte = (facesRow: number, k: number, p: number) =>
  (facesRow * 7 + k * 100 + p) % 256;

export interface TinySubjectOptions {
  readonly subject: string;
  readonly subjectNo: number;
  readonly trials: number;
  readonly windowsPerTrial: number;
  /** Label of a window (default: cycles through EMOTIONS). */
  readonly label?: (trial: number, window: number) => Emotion | null;
  /** Windows (trial/window keys) that have no faces row; no faces file at all when 'all'. */
  readonly noFace?: ReadonlySet<string> | 'all';
  /** Write no windows file. */
  readonly noWindows?: boolean;
  /** Valence and arousal ratings of a trial (default none). */
  readonly ratings?: (trial: number) => { valence: number | null; arousal: number | null };
  /** Flags of a window's windows row. */
  readonly flags?: (trial: number, window: number) => string | null;
  /** Override sizes (to test mismatches). */
  readonly T?: number;
  /** Side of the face crops (default TINY.size). */
  readonly faceSize?: number;
  /** Subject name written in the faces shard's metadata (default `subject`). */
  readonly facesSubject?: string;
}

const defaultLabel = (t: number, w: number): Emotion => EMOTIONS[(t * 3 + w) % EMOTIONS.length];

function windowsMeta(subject: string, t: number): WindowsMetadata {
  return {
    dataset: 'deap',
    subject,
    stageVersion: 'test',
    sourceFile: 'x',
    sourceSha256: '0'.repeat(64),
    parameters: {},
    channels: ['a', 'b'].slice(0, TINY.C),
    seqLength: t,
    seqRate: 1,
    featureNames: ['f1', 'f2'],
    units: {},
    cardiacSource: 'ppg',
    synthetic: true,
    labelMapping: 'test',
    notes: [],
  };
}

export function facesMeta(
  subject: string,
  dataset = 'deap',
  size: number = TINY.size,
): FacesMetadata {
  return {
    dataset,
    subject,
    stageVersion: 'test',
    parameters: {},
    size,
    frames: TINY.frames,
    equalisation: 'none',
    detector: 'none',
    synthetic: true,
    labelMapping: 'test',
    notes: [],
  };
}

/** Fill `n` faces rows' bytes (crops of `size`² pixels) by {@link faceByte}. */
export function faceBytes(n: number, size: number = TINY.size): Uint8Array {
  const hw = size * size;
  const facePer = hw * TINY.frames;
  const out = new Uint8Array(n * facePer);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < TINY.frames; k++) {
      for (let p = 0; p < hw; p++) out[r * facePer + k * hw + p] = faceByte(r, k, p);
    }
  }
  return out;
}

/** Write one subject's shards under `dir`; returns their paths. */
export function writeTinySubject(dir: string, o: TinySubjectOptions): SubjectShards {
  const label = o.label ?? defaultLabel;
  const t = o.T ?? TINY.T;
  const tc = t * TINY.C;
  const wRows: WindowRow[] = [];
  const fRows: FaceRow[] = [];
  const physio: number[] = [];
  const features: number[] = [];
  for (let trial = 0; trial < o.trials; trial++) {
    for (let w = 0; w < o.windowsPerTrial; w++) {
      const key = {
        dataset: 'deap' as const,
        subject: o.subject,
        trial,
        stimulusId: String(trial),
        window: w,
        t0: w,
        t1: w + 1,
      };
      const label5 = label(trial, w);
      const flags = o.flags?.(trial, w) ?? null;
      wRows.push({
        ...key,
        label5,
        labelSource: null,
        valence: o.ratings?.(trial).valence ?? null,
        arousal: o.ratings?.(trial).arousal ?? null,
        dominance: null,
        liking: null,
        flags,
      });
      for (let j = 0; j < tc; j++) physio.push(physioValue(o.subjectNo, trial, w, j));
      for (let j = 0; j < TINY.F; j++) features.push(-physioValue(o.subjectNo, trial, w, j));
      if (o.noFace !== 'all' && !o.noFace?.has(`${trial}/${w}`)) {
        fRows.push({ ...key, facesFound: 1, score: 0.9, label5, source: 'v.avi', flags: null });
      }
    }
  }
  const out: { subject: string; windows?: string; faces?: string } = { subject: o.subject };
  if (!o.noWindows) {
    out.windows = join(dir, `${o.subject}.windows.arrow`);
    writeWindowsShard(
      out.windows,
      wRows,
      Float32Array.from(physio),
      Float32Array.from(features),
      windowsMeta(o.subject, t),
    );
  }
  if (o.noFace !== 'all') {
    out.faces = join(dir, `${o.subject}.faces.arrow`);
    writeFacesShard(
      out.faces,
      fRows,
      faceBytes(fRows.length, o.faceSize),
      facesMeta(o.facesSubject ?? o.subject, 'deap', o.faceSize),
    );
  }
  return out;
}

/** An image-folder faces shard (trial and window null), like FER2013's. */
export function writeImageFolder(
  dir: string,
  subject: string,
  labels: readonly (Emotion | null)[],
): SubjectShards {
  const faces = join(dir, `${subject}.faces.arrow`);
  const rows: FaceRow[] = labels.map((label5, i) => ({
    dataset: 'fer2013',
    subject,
    trial: null,
    stimulusId: null,
    window: null,
    t0: null,
    t1: null,
    facesFound: i % 2,
    score: null,
    label5,
    source: `${label5}/${i}.png`,
    flags: i % 2 ? null : 'no face found',
  }));
  writeFacesShard(faces, rows, faceBytes(rows.length), facesMeta(subject, 'fer2013'));
  return { subject, faces };
}
