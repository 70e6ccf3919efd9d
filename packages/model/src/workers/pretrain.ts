/**
 * Pretraining the face CNN on labelled face crops (an image-folder data set such as FER2013,
 * made into a faces shard by `emo faces --images`): a seeded, stratified split into training,
 * validation (early stopping) and a held-out test part, the CNN-only model trained on it, and
 * its held-out accuracy. Its face branch can then start the hybrid (`TrainJob.initFrom`).
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readFacesShard } from '@emo/datasets';
import type { SubjectShards } from '../data/index.js';
import { indexSamples, randomSplit } from '../data/index.js';
import type { ModelConfig } from '../models/index.js';
import type { JobEvent, TrainJobResult, TrainSettings } from './job.js';
import { runTrainJob } from './job.js';

export interface PretrainOptions {
  /** Faces shards with labels (label5). */
  readonly faces: readonly string[];
  readonly outDir: string;
  readonly seed?: number;
  /** Fractions for training, validation and the held-out test part (default 0.7, 0.1, 0.2). */
  readonly fractions?: readonly [number, number, number];
  readonly config?: Partial<ModelConfig>;
  readonly train?: TrainSettings;
  readonly onEvent?: (e: JobEvent) => void;
  readonly signal?: AbortSignal;
}

export interface PretrainResult extends TrainJobResult {
  /** Accuracy on the held-out part (never used for training or model selection). */
  readonly heldOutAccuracy: number | null;
  readonly split: { readonly train: number; readonly val: number; readonly test: number };
}

export async function pretrainFaces(opts: PretrainOptions): Promise<PretrainResult> {
  const seed = opts.seed ?? 0;
  // Each shard under the subject its metadata names (an image folder's name, e.g. 'PublicTest').
  const shards: SubjectShards[] = opts.faces.map((f) => ({
    subject: readFacesShard(f).metadata.subject,
    faces: f,
  }));
  const index = indexSamples(shards, { needs: ['face'] });
  const split = randomSplit(index, {
    seed,
    fractions: [...(opts.fractions ?? [0.7, 0.1, 0.2])] as [number, number, number],
  });
  const fold = split.folds[0];
  const result = await runTrainJob(
    {
      kind: 'cnnOnly',
      config: { seed, ...opts.config },
      shards,
      trainIds: fold.train,
      valIds: fold.val,
      testIds: fold.test,
      train: { shuffleSeed: seed, ...opts.train },
      outDir: opts.outDir,
      label: 'face CNN pretraining',
    },
    opts.onEvent,
    opts.signal,
  );
  const out: PretrainResult = {
    ...result,
    heldOutAccuracy: result.test?.accuracy ?? null,
    split: { train: fold.train.length, val: fold.val.length, test: fold.test.length },
  };
  // Checkpoints served a crashed run's resume; a finished one keeps model/ and its curves.
  rmSync(path.join(opts.outDir, 'checkpoints'), { recursive: true, force: true });
  const { predictions: _p, ...summary } = out;
  writeFileSync(path.join(opts.outDir, 'pretrain.json'), JSON.stringify(summary, null, 1));
  return out;
}
