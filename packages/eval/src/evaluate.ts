/**
 * The evaluation of one task of a run: every model under every protocol, its folds' test
 * predictions pooled (each test window is predicted once per protocol, by the fold that held it
 * out), with
 *
 * - the study's metrics (accuracy, balanced accuracy, per-class precision/recall/F1, macro and
 *   weighted F1, Cohen's kappa, confusion counts and row-normalised, one-vs-rest ROC curves and
 *   AUC), and for a two-class task what the literature reports (F1 of the positive class, AUC);
 * - percentile bootstrap intervals for accuracy, macro F1, kappa and balanced accuracy,
 *   resampling whole subjects when the protocol is subject-independent (the unit that varies
 *   between folds) and whole trials otherwise (windows of one trial are not independent; a
 *   window bootstrap would make the intervals too narrow);
 * - the floors on the same test windows: the majority class and a stratified random guess, each
 *   from its fold's training class counts (scikit-learn's DummyClassifier), with intervals;
 * - McNemar's paired test of the hybrid against each baseline on the same test windows;
 * - the share of errors per true class (the study's fifth figure).
 */
import type { PredictionRow } from '@emo/datasets';
import { DEFAULT_TASK, TASK_CLASSES } from '@emo/datasets';
import { DEFAULT_SEED, Rng } from '@emo/runtime';
import { orderModels } from './models.js';
import {
  binaryMetrics,
  bootstrapIntervals,
  classificationMetrics,
  mcnemar,
  ovrRoc,
} from './metrics/index.js';
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
  /** The classes of `probs` and of the rows' `yTrue`, in order (the shard's metadata). */
  readonly classes: readonly string[];
  /** rows × classes probabilities, row-major. */
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
  /** The task evaluated (default 'emotion5'); its classes are those of the prediction sets. */
  readonly task?: string;
}

/** The floors every results table shows beside the models. */
export const FLOORS = ['majority', 'stratified'] as const;
export type Floor = (typeof FLOORS)[number];

/** Pooled labelled predictions of one model under one protocol. */
interface Pooled {
  readonly ids: string[];
  readonly subjects: string[];
  /** `subject/trial`, or the window's id where the row has no trial (single images). */
  readonly trials: string[];
  readonly yTrue: number[];
  readonly yPred: number[];
  readonly probs: number[][];
  readonly folds: number[];
}

function pool(sets: readonly PredictionSet[], classes: readonly string[]): Pooled {
  const K = classes.length;
  const out: Pooled = {
    ids: [],
    subjects: [],
    trials: [],
    yTrue: [],
    yPred: [],
    probs: [],
    folds: [],
  };
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
      out.trials.push(r.trial === null ? id : `${r.subject}/${r.trial}`);
      out.yTrue.push(classes.indexOf(r.yTrue));
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

function errorShare(yTrue: readonly number[], yPred: readonly number[], K: number): number[] {
  const errors = new Array<number>(K).fill(0);
  yTrue.forEach((t, i) => {
    if (t !== yPred[i]) errors[t]++;
  });
  const total = errors.reduce((a, b) => a + b, 0);
  return errors.map((e) => (total ? e / total : 0));
}

/** The classes of the prediction sets, checked to agree (the task's when there is none). */
function classesOf(sets: readonly PredictionSet[], task: string): readonly string[] {
  const known = (TASK_CLASSES as Readonly<Record<string, readonly string[]>>)[task];
  const first = sets[0]?.classes ?? known;
  if (!first)
    throw new Error(`evaluate: unknown task '${task}' and no predictions to read classes from`);
  for (const s of sets) {
    if (JSON.stringify(s.classes) !== JSON.stringify(first)) {
      throw new Error(
        `evaluate: ${s.protocol} ${s.model} fold ${s.fold} has classes ${s.classes.join(', ')}, others ${first.join(', ')}`,
      );
    }
  }
  return first;
}

interface Scored {
  readonly yTrue: readonly number[];
  readonly yPred: readonly number[];
  readonly probs: readonly (readonly number[])[];
}

/** Mean and sample standard deviation (null for fewer than two values). */
function meanSd(xs: readonly number[]): { mean: number; sd: number | null } {
  const mean = xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
  if (xs.length < 2) return { mean, sd: null };
  const v = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, sd: Math.sqrt(v) };
}

/** Accuracy and macro F1 of each subject's test windows, and their mean ± SD over subjects. */
function perSubjectScores(
  subjects: readonly string[],
  s: Scored,
  k: number,
): Pick<ModelEvaluation, 'perSubject' | 'subjectMean'> {
  const rows = new Map<string, number[]>();
  subjects.forEach((subject, i) => {
    const list = rows.get(subject) ?? [];
    list.push(i);
    rows.set(subject, list);
  });
  const perSubject = [...rows].map(([subject, idx]) => {
    const m = classificationMetrics(
      idx.map((i) => s.yTrue[i]),
      idx.map((i) => s.yPred[i]),
      k,
    );
    return { subject, n: idx.length, accuracy: m.accuracy, macroF1: m.macro.f1 };
  });
  return {
    perSubject,
    subjectMean: {
      accuracy: meanSd(perSubject.map((x) => x.accuracy)),
      macroF1: meanSd(perSubject.map((x) => x.macroF1)),
    },
  };
}

/** Metrics, ROC, binary metrics and intervals of one set of pooled predictions. */
function score(
  p: Pooled,
  s: Scored,
  protocol: ProtocolSummary,
  model: string,
  k: number,
  bootstrap: { iterations: number; seed: number; level: number },
): Omit<ModelEvaluation, 'curves'> {
  const unit = protocol.kind === 'subject-independent' ? 'subject' : 'trial';
  const intervals = bootstrapIntervals({
    yTrue: s.yTrue,
    yPred: s.yPred,
    numClasses: k,
    groups: unit === 'subject' ? p.subjects : p.trials,
    ...bootstrap,
  });
  return {
    protocol: protocol.protocol,
    kind: protocol.kind,
    model,
    folds: new Set(p.folds).size,
    subjects: new Set(p.subjects).size,
    metrics: classificationMetrics(s.yTrue, s.yPred, k),
    ...perSubjectScores(p.subjects, s, k),
    roc: ovrRoc(s.yTrue, s.probs, k),
    binary:
      k === 2
        ? binaryMetrics(
            s.yTrue,
            s.yPred,
            s.probs.map((q) => q[1]),
          )
        : null,
    intervals,
    bootstrap: { unit, ...bootstrap },
    errorShare: errorShare(s.yTrue, s.yPred, k),
  };
}

/**
 * The floors' predictions for pooled test windows: 'majority' predicts its fold's most frequent
 * training class (the first on ties, as numpy's argmax), 'stratified' draws each window's class
 * from its fold's training class shares (seeded by protocol and fold). Probabilities: the
 * majority class one-hot, the training shares for the stratified guess (their AUC is 0.5).
 */
function floorPredictions(
  p: Pooled,
  protocol: ProtocolSummary,
  floor: Floor,
  seed: number,
): Scored {
  const shares = new Map<number, number[]>();
  for (const f of protocol.folds) {
    const n = f.trainPerClass.reduce((a, b) => a + b, 0);
    if (n === 0)
      throw new Error(`evaluate: ${protocol.protocol} fold ${f.fold} has no training sample`);
    shares.set(
      f.fold,
      f.trainPerClass.map((c) => c / n),
    );
  }
  const rngs = new Map<number, Rng>();
  const yPred: number[] = [];
  const probs: number[][] = [];
  p.folds.forEach((fold) => {
    const q = shares.get(fold);
    if (!q)
      throw new Error(`evaluate: ${protocol.protocol} has no fold ${fold} in its split summary`);
    if (floor === 'majority') {
      const m = argmax(q);
      yPred.push(m);
      probs.push(q.map((_, c) => (c === m ? 1 : 0)));
      return;
    }
    let rng = rngs.get(fold);
    if (!rng) {
      rng = new Rng(seed).fork(`floor-stratified/${protocol.protocol}/${fold}`);
      rngs.set(fold, rng);
    }
    const u = rng.next();
    let c = 0;
    for (let acc = q[0]; c < q.length - 1 && u >= acc; acc += q[++c]);
    yPred.push(c);
    probs.push([...q]);
  });
  return { yTrue: p.yTrue, yPred, probs };
}

/** Evaluate every (protocol, model) of the prediction sets; see the file comment. */
export function evaluate(
  protocols: readonly ProtocolSummary[],
  sets: readonly PredictionSet[],
  synthetic: boolean,
  opts: EvaluateOptions = {},
): Evaluation {
  const bootstrap = {
    iterations: opts.bootstrap?.iterations ?? BOOTSTRAP_DEFAULTS.iterations,
    seed: opts.bootstrap?.seed ?? DEFAULT_SEED,
    level: opts.bootstrap?.level ?? BOOTSTRAP_DEFAULTS.level,
  };
  const reference = opts.reference ?? 'hybrid';
  const task = opts.task ?? DEFAULT_TASK;
  const classes = classesOf(sets, task);
  const k = classes.length;
  const models: ModelEvaluation[] = [];
  const floors: ModelEvaluation[] = [];
  const comparisons: ModelComparison[] = [];
  for (const protocol of protocols) {
    const mine = sets.filter((s) => s.protocol === protocol.protocol);
    const names = orderModels(mine.map((s) => s.model));
    const pooled = new Map<string, Pooled>();
    for (const model of names) {
      const ofModel = mine.filter((s) => s.model === model);
      const p = pool(ofModel, classes);
      if (p.yTrue.length === 0) continue;
      pooled.set(model, p);
      models.push({
        ...score(p, p, protocol, model, k, bootstrap),
        curves: [...ofModel]
          .sort((a, b) => a.fold - b.fold)
          .map((s) => ({ fold: s.fold, epochs: s.curves })),
      });
    }
    // Every model of a protocol tests the same windows: the floors predict those of the first.
    const first = pooled.values().next().value;
    if (first) {
      for (const floor of FLOORS) {
        const s = floorPredictions(first, protocol, floor, bootstrap.seed);
        floors.push({ ...score(first, s, protocol, floor, k, bootstrap), curves: [] });
      }
    }
    const ref = pooled.get(reference);
    if (!ref) continue;
    for (const model of names) {
      const other = pooled.get(model);
      if (model === reference || !other) continue;
      comparisons.push(compare(protocol.protocol, reference, ref, model, other));
    }
  }
  return { synthetic, task, classes: [...classes], protocols, models, floors, comparisons };
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
