/**
 * Inference on a user's own shards (`emo predict`): a saved model's class probabilities for
 * every row of a faces and/or windows shard, labelled or not, optionally written as a
 * `predictions` shard.
 */
import type { Emotion, PredictionRow, WindowKey } from '@emo/datasets';
import { EMOTIONS, readFacesShard, readWindowsShard, writePredictionsShard } from '@emo/datasets';
import { describeBackend, selectBackend } from '../backend/index.js';
import type { SampleKey } from '../data/index.js';
import { IMAGE_TRIAL, indexSamples, sampleId } from '../data/index.js';
import { loadModel } from '../io/index.js';
import type { ModelKind } from '../models/index.js';
import { modelSignature, predictSamples } from '../train/index.js';

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

/** What the input shards say of themselves: subject, synthetic, and row keys by sample id. */
function readInput(input: PredictShardInput) {
  const keys = new Map<string, WindowKey>();
  const add = (subject: string, rows: readonly WindowKey[]): void => {
    rows.forEach((r, i) => {
      const trial = r.trial ?? IMAGE_TRIAL;
      const window = r.trial == null ? i : (r.window ?? i);
      keys.set(sampleId({ subject, trial, window }), r);
    });
  };
  const w = input.windows ? readWindowsShard(input.windows) : null;
  const f = input.faces ? readFacesShard(input.faces) : null;
  if (w) add(w.metadata.subject, w.rows);
  if (f) add(f.metadata.subject, f.rows);
  const m = (w ?? f)?.metadata;
  return { subject: m?.subject ?? '', synthetic: m?.synthetic ?? false, keys };
}

export async function predictShardRows(
  modelDir: string,
  input: PredictShardInput,
): Promise<ShardPredictions> {
  const backend = describeBackend(await selectBackend({ quiet: true }));
  const model = await loadModel(modelDir);
  try {
    const sig = modelSignature(model);
    const missing = sig.inputs.filter(
      (i) => (i === 'face' && !input.faces) || (i !== 'face' && !input.windows),
    );
    if (missing.length) {
      throw new Error(
        `${modelDir}: a ${sig.kind} model needs ${missing.includes('face') ? '--faces' : '--windows'} (its inputs: ${sig.inputs.join(', ')})`,
      );
    }
    const info = readInput(input);
    const index = indexSamples(
      [
        {
          subject: info.subject,
          ...(input.faces ? { faces: input.faces } : {}),
          ...(input.windows ? { windows: input.windows } : {}),
        },
      ],
      { needs: sig.inputs, keepUnlabelled: true },
    );
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
      const out: PredictionRow[] = rows.map((r) => {
        const w = info.keys.get(sampleId(r.key));
        return {
          dataset: w?.dataset ?? '',
          subject: r.key.subject,
          trial: w?.trial ?? null,
          stimulusId: w?.stimulusId ?? null,
          window: w?.window ?? null,
          t0: w?.t0 ?? null,
          t1: w?.t1 ?? null,
          protocol: 'none',
          fold: 0,
          model: sig.kind,
          yTrue: r.label,
        };
      });
      writePredictionsShard(input.out, out, p.probs, {
        stage: 'predict',
        stageVersion: '1',
        synthetic: info.synthetic,
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
