/**
 * Inference on a user's own shards (`emo predict`): a saved model's class probabilities for
 * every row of a faces and/or windows shard, labelled or not, optionally written as a
 * `predictions` shard.
 */
import type { PredictionRow, TaskName } from '@emo/datasets';
import { readFacesShard, readWindowsShard, writePredictionsShard } from '@emo/datasets';
import type { SampleKey, SubjectShards } from '@emo/samples';
import { indexSamples, readsFaces, readsWindows, sampleId, windowKeysOf } from '@emo/samples';
import { describeBackend, selectBackend } from '../backend/index.js';
import { loadModel } from '../io/index.js';
import type { ModelKind } from '../models/index.js';
import { checkModelFits, readModelSignature } from '../models/index.js';
import { predictSamples } from '../train/index.js';

export interface ShardPredictionRow {
  readonly key: SampleKey;
  /** The row's true class in the model's task, null where the shard has none. */
  readonly label: string | null;
  readonly predicted: string;
  /** One per class, in `classes` order. */
  readonly probs: number[];
}

export interface ShardPredictions {
  readonly kind: ModelKind;
  readonly backend: string;
  /** The model's task and its class names, in the order of every row's `probs`. */
  readonly task: TaskName;
  readonly classes: readonly string[];
  readonly rows: readonly ShardPredictionRow[];
}

export interface PredictShardInput {
  readonly faces?: string;
  readonly windows?: string;
  /** Also write a predictions shard here. */
  readonly out?: string;
}

/** The subject the input shards name, and the one index entry of them. */
function inputShards(input: PredictShardInput): SubjectShards {
  const file = input.windows ?? input.faces;
  if (!file) throw new Error('give a faces and/or a windows shard');
  const subject = input.windows
    ? readWindowsShard(input.windows).metadata.subject
    : readFacesShard(file).metadata.subject;
  return {
    subject,
    ...(input.faces ? { faces: input.faces } : {}),
    ...(input.windows ? { windows: input.windows } : {}),
  };
}

/**
 * Class probabilities of the saved model in `modelDir` for every row of the input shards. The
 * model's inputs and sizes (its model.json) are checked against the shards' before the model is
 * loaded: a shard that does not fit fails in one line naming both.
 */
export async function predictShardRows(
  modelDir: string,
  input: PredictShardInput,
): Promise<ShardPredictions> {
  const sig = readModelSignature(modelDir);
  const labels = sig.labels;
  if (!labels) {
    throw new Error(
      `${modelDir}: the model has ${sig.shape.numClasses} classes and does not name them (saved before models recorded their task); retrain it to predict with it`,
    );
  }
  const missing = sig.inputs.filter(
    (i) => (readsFaces(i) && !input.faces) || (readsWindows(i) && !input.windows),
  );
  if (missing.length) {
    throw new Error(
      `${modelDir}: a ${sig.kind} model needs ${missing.some(readsFaces) ? '--faces' : '--windows'} (its inputs: ${sig.inputs.join(', ')})`,
    );
  }
  const shards = [inputShards(input)];
  const index = indexSamples(shards, {
    needs: sig.inputs,
    keepUnlabelled: true,
    task: labels.task,
    ratingSplit: labels.ratingSplit,
  });
  checkModelFits(modelDir, sig, index, (i) =>
    String((i !== 'classes' && readsFaces(i)) || !input.windows ? input.faces : input.windows),
  );
  const backend = describeBackend(await selectBackend({ quiet: true }));
  const model = await loadModel(modelDir);
  try {
    const p = await predictSamples(model, index);
    const k = p.numClasses;
    const rows = p.keys.map((key, i): ShardPredictionRow => {
      const probs = Array.from(p.probs.subarray(i * k, (i + 1) * k));
      let best = 0;
      for (let c = 1; c < k; c++) if (probs[c] > probs[best]) best = c;
      return {
        key,
        label: p.labels[i] >= 0 ? labels.classes[p.labels[i]] : null,
        predicted: labels.classes[best],
        probs,
      };
    });
    if (input.out) {
      const { keys, synthetic } = windowKeysOf(shards, p.keys.map(sampleId));
      const out: PredictionRow[] = rows.map((r, i) => ({
        ...keys[i],
        protocol: 'none',
        fold: 0,
        model: sig.kind,
        yTrue: r.label,
      }));
      writePredictionsShard(input.out, out, p.probs, {
        stage: 'predict',
        stageVersion: '1',
        synthetic,
        backend,
        classes: labels.classes,
        parameters: { model: modelDir, task: labels.task, ...input },
        notes: [`emo predict with the ${sig.kind} model in ${modelDir}`],
      });
    }
    return { kind: sig.kind, backend, task: labels.task, classes: labels.classes, rows };
  } finally {
    model.dispose();
  }
}
