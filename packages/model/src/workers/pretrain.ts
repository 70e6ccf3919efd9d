/**
 * Pretraining the face CNN on labelled face crops (an image-folder data set such as FER2013,
 * made into a faces shard by `emo faces --images`): the CNN-only model trained on the given
 * split's training crops with early stopping on its validation crops, and its accuracy on the
 * held-out crops. Its face branch can then start the hybrid (`TrainJob.initFrom`). The split
 * itself is made by the caller (`emo pretrain-faces` uses @emo/eval's random protocol with
 * {@link PRETRAIN_DEFAULTS}' fractions), as every split is.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { faceShardsAsSubjects } from '@emo/samples';
import type { ModelConfig } from '../models/index.js';
import type { JobEvent, TrainJobResult, TrainSettings } from './job.js';
import { runTrainJob } from './job.js';
import { PRETRAIN_DEFAULTS } from '../train/schedule.js';

export interface PretrainOptions {
  /** Faces shards with labels (label5). */
  readonly faces: readonly string[];
  /** Sample ids (of `faceShardsAsSubjects(faces)`) to train on, validate on and hold out. */
  readonly split: {
    readonly train: readonly string[];
    readonly val: readonly string[];
    readonly test: readonly string[];
  };
  readonly outDir: string;
  readonly seed: number;
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
  const { epochs, patience, batchSize } = PRETRAIN_DEFAULTS;
  const result = await runTrainJob(
    {
      kind: 'cnnOnly',
      config: { seed: opts.seed, ...opts.config },
      shards: faceShardsAsSubjects(opts.faces),
      trainIds: opts.split.train,
      valIds: opts.split.val,
      testIds: opts.split.test,
      train: { epochs, patience, batchSize, shuffleSeed: opts.seed, ...opts.train },
      outDir: opts.outDir,
      label: 'face CNN pretraining',
    },
    opts.onEvent,
    opts.signal,
  );
  const { train, val, test } = opts.split;
  const out: PretrainResult = {
    ...result,
    heldOutAccuracy: result.test?.accuracy ?? null,
    split: { train: train.length, val: val.length, test: test.length },
  };
  // Checkpoints served a crashed run's resume; a finished one keeps model/ and its curves.
  rmSync(path.join(opts.outDir, 'checkpoints'), { recursive: true, force: true });
  const { predictions: _p, ...summary } = out;
  writeFileSync(path.join(opts.outDir, 'pretrain.json'), JSON.stringify(summary, null, 1));
  return out;
}
