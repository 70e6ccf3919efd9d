/**
 * Learnable toy shards for the training tests: `windows` and `faces` shards of a few subjects at
 * the given sizes, where a window's class shows as face brightness, as the
 * level of the first physiological channel and as the first feature, with seeded noise; its
 * valence and arousal ratings follow the class too (for the rating tasks).
 */
import { join } from 'node:path';
import type { Emotion, FaceRow, WindowRow } from '@emo/datasets';
import { EMOTIONS, writeFacesShard, writeWindowsShard } from '@emo/datasets';
import { Rng } from '@emo/runtime';
import type { SampleIndex, SubjectShards } from '@emo/samples';
import { sampleId } from '@emo/samples';
import type { Shape } from '../models/testing.js';

export interface ToyShardsOptions {
  readonly subjects: number;
  readonly trials: number;
  readonly windowsPerTrial: number;
  readonly seed?: number;
  /** How strongly the face shows the class (0: not at all; default 1). */
  readonly faceSignal?: number;
  /** How strongly the physiology shows the class (default 1). */
  readonly physioSignal?: number;
}

export function writeToyShards(dir: string, shape: Shape, o: ToyShardsOptions): SubjectShards[] {
  const rng = new Rng(o.seed ?? 1);
  const k = EMOTIONS.length;
  const hw = shape.imageSize * shape.imageSize;
  const out: SubjectShards[] = [];
  for (let s = 0; s < o.subjects; s++) {
    const subject = `toy-s${s + 1}`;
    const wRows: WindowRow[] = [];
    const fRows: FaceRow[] = [];
    const physio: number[] = [];
    const features: number[] = [];
    const faces: number[] = [];
    for (let trial = 0; trial < o.trials; trial++) {
      const label = (trial + s) % k;
      const label5: Emotion = EMOTIONS[label];
      for (let w = 0; w < o.windowsPerTrial; w++) {
        const key = {
          dataset: 'deap' as const,
          subject,
          trial,
          stimulusId: String(trial),
          window: w,
          t0: w,
          t1: w + 1,
        };
        wRows.push({
          ...key,
          label5,
          labelSource: null,
          // ratings that follow the class: valence 1, 3, 5, 7, 9; arousal the other way round
          valence: 1 + 2 * label,
          arousal: 9 - 2 * label,
          dominance: null,
          liking: null,
          flags: null,
        });
        fRows.push({ ...key, facesFound: 1, score: 0.9, label5, source: 'toy', flags: null });
        const level = (o.physioSignal ?? 1) * (label - (k - 1) / 2);
        for (let t = 0; t < shape.seqLength; t++) {
          for (let c = 0; c < shape.channels; c++) {
            physio.push((c === 0 ? level : 0) + 0.5 * (rng.next() - 0.5));
          }
        }
        for (let f = 0; f < shape.numFeatures; f++) {
          features.push((f === 0 ? level : 0) + 0.5 * (rng.next() - 0.5));
        }
        const bright = 100 + (o.faceSignal ?? 1) * ((100 * label) / (k - 1) - 50);
        for (let p = 0; p < hw * shape.frames; p++) {
          faces.push(Math.max(0, Math.min(255, Math.round(bright + 40 * (rng.next() - 0.5)))));
        }
      }
    }
    const windows = join(dir, `${subject}.windows.arrow`);
    const facesFile = join(dir, `${subject}.faces.arrow`);
    writeWindowsShard(windows, wRows, Float32Array.from(physio), Float32Array.from(features), {
      dataset: 'deap',
      subject,
      stageVersion: 'test',
      sourceFile: 'toy',
      sourceSha256: '0'.repeat(64),
      parameters: {},
      channels: Array.from({ length: shape.channels }, (_, c) => `c${c}`),
      seqLength: shape.seqLength,
      seqRate: 32,
      featureNames: Array.from({ length: shape.numFeatures }, (_, f) => `f${f}`),
      units: {},
      cardiacSource: 'ppg',
      synthetic: true,
      labelMapping: 'toy',
      notes: [],
    });
    writeFacesShard(facesFile, fRows, Uint8Array.from(faces), {
      dataset: 'deap',
      subject,
      stageVersion: 'test',
      parameters: {},
      size: shape.imageSize,
      frames: shape.frames,
      equalisation: 'none',
      detector: 'toy',
      synthetic: true,
      labelMapping: 'toy',
      notes: [],
    });
    out.push({ subject, windows, faces: facesFile });
  }
  return out;
}

/**
 * A seeded 70/15/15 split of an index's samples for the tests (the pipeline's splits are
 * @emo/eval's protocols, which this package does not depend on).
 */
export function testSplit(
  index: SampleIndex,
  seed: number,
): { train: string[]; val: string[]; test: string[] } {
  const ids = new Rng(seed).shuffle(index.entries.map((e) => sampleId(e)));
  const a = Math.round(ids.length * 0.7);
  const b = Math.round(ids.length * 0.85);
  return { train: ids.slice(0, a), val: ids.slice(a, b), test: ids.slice(b) };
}
