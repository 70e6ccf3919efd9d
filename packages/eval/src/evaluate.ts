/**
 * The evaluation of a run: every model under every protocol, its folds' test predictions pooled
 * (each test window is predicted once per protocol, by the fold that held it out), with
 *
 * - the study's metrics (accuracy, per-class precision/recall/F1, macro and weighted F1, Cohen's
 *   kappa, confusion counts and row-normalised, one-vs-rest ROC curves and AUC);
 * - percentile bootstrap intervals for accuracy, macro F1 and kappa, resampling whole subjects
 *   when the protocol is subject-independent (the unit that varies between folds) and windows
 *   otherwise;
 * - McNemar's paired test of the hybrid against each baseline on the same test windows;
 * - the share of errors per true class (the study's fifth figure).
 */
import type { PredictionRow } from '@emo/datasets';
import { EMOTIONS } from '@emo/datasets';
import { DEFAULT_SEED } from '@emo/runtime';
import { orderModels } from './model-order.js';
import { bootstrapIntervals, classificationMetrics, mcnemar, ovrRoc } from './metrics/index.js';
import type {
  Evaluation,
  ModelComparison,
  ModelEvaluation,
  ProtocolSummary,
  TrainingCurve,
} from './types.js';

/** One trained model's test predictions (a predictions shard) and its curves. */
export interface PredictionSet {
  readonly protocol: string;
  readonly model: string;
  readonly fold: number;
  readonly rows: readonly PredictionRow[];
  /** rows × 5 probabilities, row-major, EMOTIONS order. */
  readonly probs: Float32Array;
  readonly curves: readonly TrainingCurve[];
}

/**
 * The bootstrap settings `evaluate` uses where its options leave them out (the random seed
 * defaults to 0); the pipeline's config takes its defaults from here.
 */
export const BOOTSTRAP_DEFAULTS: { readonly iterations: number; readonly level: number } =
  Object.freeze({ iterations: 1000, level: 0.95 });

export interface EvaluateOptions {
  /** Resamples, random seed and confidence level; see {@link BOOTSTRAP_DEFAULTS}. */
  readonly bootstrap?: {
    readonly iterations?: number;
    readonly seed?: number;
    readonly level?: number;
  };
  /** The model compared with every other one by McNemar's test (default 'hybrid'). */
  readonly reference?: string;
}

const K = EMOTIONS.length;

/** Pooled labelled predictions of one model under one protocol. */
interface Pooled {
  readonly ids: string[];
  readonly subjects: string[];
  readonly yTrue: number[];
  readonly yPred: number[];
  readonly probs: number[][];
  readonly folds: number[];
}

function pool(sets: readonly PredictionSet[]): Pooled {
  const out: Pooled = { ids: [], subjects: [], yTrue: [], yPred: [], probs: [], folds: [] };
  const seen = new Set<string>();
  for (const s of [...sets].sort((a, b) => a.fold - b.fold)) {
    s.rows.forEach((r, i) => {
      if (r.yTrue === null) return;
      const id = `${r.subject}/${r.trial}/${r.window}`;
      if (seen.has(id)) {
        throw new Error(
          `${s.protocol} ${s.model}: window ${id} is tested by two folds (folds must not overlap)`,
        );
      }
      seen.add(id);
      const p = Array.from(s.probs.subarray(i * K, (i + 1) * K));
      out.ids.push(id);
      out.subjects.push(r.subject);
      out.yTrue.push(EMOTIONS.indexOf(r.yTrue));
      out.yPred.push(argmax(p));
      out.probs.push(p);
      out.folds.push(s.fold);
    });
  }
  return out;
}

function argmax(p: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

function errorShare(yTrue: readonly number[], yPred: readonly number[]): number[] {
  const errors = new Array<number>(K).fill(0);
  yTrue.forEach((t, i) => {
    if (t !== yPred[i]) errors[t]++;
  });
  const total = errors.reduce((a, b) => a + b, 0);
  return errors.map((e) => (total ? e / total : 0));
}

/** Evaluate every (protocol, model) of the prediction sets; see the file comment. */
export function evaluate(
  protocols: readonly ProtocolSummary[],
  sets: readonly PredictionSet[],
  synthetic: boolean,
  opts: EvaluateOptions = {},
): Evaluation {
  const iterations = opts.bootstrap?.iterations ?? BOOTSTRAP_DEFAULTS.iterations;
  const seed = opts.bootstrap?.seed ?? DEFAULT_SEED;
  const level = opts.bootstrap?.level ?? BOOTSTRAP_DEFAULTS.level;
  const reference = opts.reference ?? 'hybrid';
  const models: ModelEvaluation[] = [];
  const comparisons: ModelComparison[] = [];
  for (const protocol of protocols) {
    const mine = sets.filter((s) => s.protocol === protocol.protocol);
    const names = orderModels(mine.map((s) => s.model));
    const pooled = new Map<string, Pooled>();
    for (const model of names) {
      const ofModel = mine.filter((s) => s.model === model);
      const p = pool(ofModel);
      if (p.yTrue.length === 0) continue;
      pooled.set(model, p);
      const unit = protocol.kind === 'subject-independent' ? 'subject' : 'window';
      const intervals = bootstrapIntervals({
        yTrue: p.yTrue,
        yPred: p.yPred,
        numClasses: K,
        groups: unit === 'subject' ? p.subjects : null,
        iterations,
        seed,
        level,
      });
      models.push({
        protocol: protocol.protocol,
        kind: protocol.kind,
        model,
        folds: new Set(p.folds).size,
        subjects: new Set(p.subjects).size,
        metrics: classificationMetrics(p.yTrue, p.yPred, K),
        roc: ovrRoc(p.yTrue, p.probs, K),
        intervals,
        bootstrap: { unit, iterations, seed, level },
        errorShare: errorShare(p.yTrue, p.yPred),
        curves: [...ofModel]
          .sort((a, b) => a.fold - b.fold)
          .map((s) => ({ fold: s.fold, epochs: s.curves })),
      });
    }
    const ref = pooled.get(reference);
    if (!ref) continue;
    for (const model of names) {
      const other = pooled.get(model);
      if (model === reference || !other) continue;
      comparisons.push(compare(protocol.protocol, reference, ref, model, other));
    }
  }
  return { synthetic, classes: [...EMOTIONS], protocols, models, comparisons };
}

/** McNemar on the windows both models predicted (all of them when trained on one split). */
function compare(protocol: string, a: string, pa: Pooled, b: string, pb: Pooled): ModelComparison {
  const rowB = new Map(pb.ids.map((id, i) => [id, i]));
  const correctA: boolean[] = [];
  const correctB: boolean[] = [];
  pa.ids.forEach((id, i) => {
    const j = rowB.get(id);
    if (j === undefined) return;
    correctA.push(pa.yPred[i] === pa.yTrue[i]);
    correctB.push(pb.yPred[j] === pb.yTrue[j]);
  });
  const acc = (c: readonly boolean[]) => c.filter(Boolean).length / (c.length || 1);
  return {
    protocol,
    a,
    b,
    accuracyA: acc(correctA),
    accuracyB: acc(correctB),
    mcnemar: mcnemar(correctA, correctB),
  };
}
