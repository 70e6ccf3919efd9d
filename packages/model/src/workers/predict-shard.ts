/**
 * Inference on a user's own shards (`emo predict`): a saved model's class probabilities for
 * every row of a faces and/or windows shard, labelled or not, optionally written as a
 * `predictions` shard.
 */
import type { Emotion, PredictionRow } from '@emo/datasets';
import { EMOTIONS, readFacesShard, readWindowsShard, writePredictionsShard } from '@emo/datasets';
import type { SampleKey, SubjectShards } from '@emo/samples';
import { indexSamples, sampleId, windowKeysOf } from '@emo/samples';
import { describeBackend, selectBackend } from '../backend/index.js';
import { loadModel } from '../io/index.js';
import type { ModelKind } from '../models/index.js';
import { checkModelFits, readModelSignature } from '../models/index.js';
import { predictSamples } from '../train/index.js';

export interface ShardPredictionRow {
  readonly key: SampleKey;
  /** The row's true label, null where the shard has none. */
  readonly label: Emotion | null;
  readonly predicted: Emotion;
  readonly probs: number[];
}

export interface ShardPredictions {
  readonly kind: ModelKind;
  readonly backend: string;
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
  if (sig.shape.numClasses !== EMOTIONS.length) {
    // the saved model does not name its classes: only the study's five are known here
    throw new Error(
      `${modelDir}: the model has ${sig.shape.numClasses} classes; emo predict names the study's ${EMOTIONS.length} (${EMOTIONS.join(', ')}) and cannot label another task's model`,
    );
  }
  const missing = sig.inputs.filter(
    (i) => (i === 'face' && !input.faces) || (i !== 'face' && !input.windows),
  );
  if (missing.length) {
    throw new Error(
      `${modelDir}: a ${sig.kind} model needs ${missing.includes('face') ? '--faces' : '--windows'} (its inputs: ${sig.inputs.join(', ')})`,
    );
  }
  const shards = [inputShards(input)];
  const index = indexSamples(shards, { needs: sig.inputs, keepUnlabelled: true });
  checkModelFits(modelDir, sig, index, (i) =>
    String(i === 'face' || !input.windows ? input.faces : input.windows),
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
        label: p.labels[i] >= 0 ? EMOTIONS[p.labels[i]] : null,
        predicted: EMOTIONS[best],
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
        parameters: { model: modelDir, ...input },
        notes: [`emo predict with the ${sig.kind} model in ${modelDir}`],
      });
    }
    return { kind: sig.kind, backend, rows };
  } finally {
    model.dispose();
  }
}
