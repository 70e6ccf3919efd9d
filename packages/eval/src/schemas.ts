/**
 * zod schemas of the data one pipeline stage hands to another: the split stage's protocol
 * summaries (`split-summary.json`) and the result of `evaluate()` (`evaluation.json`; metrics.json
 * embeds it). The types of types.ts are inferred from them, so the schema a reader checks a file
 * against and the type the writer produced are one definition. Read such a file with
 * `readJsonFile(path, evaluationSchema, 'evaluation')` of @emo/runtime: a file that is not what
 * the reader expects fails with one line naming the file and the key.
 *
 * JSON writes NaN and ±Infinity as null. Every number that is finite by construction (the
 * metrics, counts, p-values; an undefined AUC or bound is null already in memory) must be a
 * number; the training curves, which come from training and may be NaN (a diverging loss),
 * accept null and read it back as NaN (or as null where null is a value of the field).
 *
 * Objects and arrays are `.readonly()`: the inferred types are read-only as the data model is,
 * and a parsed value is frozen.
 */
import { z } from 'zod';

/** A non-negative integer (a count, a fold or epoch number). */
const count = z.number().int().min(0);

/** Any number, NaN and ±Infinity included, or null. */
const numberOrNull = z.custom<number | null>((v) => v === null || typeof v === 'number', {
  error: 'expected a number or null',
});

/** A number that may be NaN or ±Infinity in memory: JSON writes null, read back as NaN. */
const maybeNaN = numberOrNull.transform((v): number => v ?? NaN);

const strings = z.array(z.string()).readonly();

/** How a split keeps test data apart from training data. */
export const protocolKindSchema = z.enum(['random', 'subject-independent', 'within-subject']);

/** A point estimate with a confidence interval (percentile bootstrap). */
export const intervalSchema = z
  .object({
    estimate: z.number(),
    /** Lower and upper bounds; null when the interval cannot be computed (e.g. one group). */
    lower: z.number().nullable(),
    upper: z.number().nullable(),
  })
  .readonly();

export const classMetricsSchema = z
  .object({
    precision: z.number(),
    recall: z.number(),
    f1: z.number(),
    /** True samples of the class. */
    support: count,
  })
  .readonly();

export const averagedMetricsSchema = z
  .object({ precision: z.number(), recall: z.number(), f1: z.number() })
  .readonly();

const matrix = z.array(z.array(z.number()).readonly()).readonly();

/**
 * scikit-learn's conventions: precision/recall/F1 of a class with no predicted (or no true)
 * sample are 0 (zero_division=0); macro averages every class, weighted by support.
 */
export const classificationMetricsSchema = z
  .object({
    n: count,
    accuracy: z.number(),
    /** Mean recall over the classes with true samples (sklearn's balanced_accuracy_score). */
    balancedAccuracy: z.number(),
    /** One entry per class, in class order. */
    perClass: z.array(classMetricsSchema).readonly(),
    macro: averagedMetricsSchema,
    weighted: averagedMetricsSchema,
    /** Cohen's kappa (sklearn.metrics.cohen_kappa_score, unweighted). */
    kappa: z.number(),
    /** confusion[true][predicted] counts. */
    confusion: matrix,
    /** Each row divided by its sum (a row of zeros stays zeros). */
    confusionNormalised: matrix,
  })
  .readonly();

/** One-vs-rest ROC curve of one class (sklearn.metrics.roc_curve, drop_intermediate=True). */
export const rocCurveSchema = z
  .object({
    fpr: z.array(z.number()).readonly(),
    tpr: z.array(z.number()).readonly(),
    /** Area under the curve; null when the class has no positive or no negative sample. */
    auc: z.number().nullable(),
  })
  .readonly();

export const rocResultSchema = z
  .object({
    /** One curve per class, in class order. */
    perClass: z.array(rocCurveSchema).readonly(),
    /** Mean of the defined per-class AUCs (sklearn roc_auc_score multi_class='ovr', macro). */
    macroAuc: z.number().nullable(),
  })
  .readonly();

/** McNemar's paired test of two models on the same test samples. */
export const mcNemarResultSchema = z
  .object({
    n: count,
    /** Samples model A got right and B wrong. */
    aOnly: count,
    /** Samples model B got right and A wrong. */
    bOnly: count,
    /** Exact two-sided binomial p-value on the discordant pairs (used when aOnly + bOnly < 25). */
    pExact: z.number(),
    /** Chi-square statistic with continuity correction, (|b−c|−1)²/(b+c); 0 when b + c = 0. */
    chi2: z.number(),
    /** Its p-value (1 degree of freedom). */
    pChi2: z.number(),
    /** The p-value reported: exact below 25 discordant pairs, else the corrected chi-square. */
    p: z.number(),
    method: z.enum(['exact', 'chi2-corrected']),
  })
  .readonly();

/** A protocol's split, as checked by the leakage guard. */
export const leakageFoldSchema = z
  .object({
    fold: count,
    /** Shared between training (train + validation) and test samples. */
    sharedSubjects: strings,
    /** `subject/trial` pairs. */
    sharedTrials: strings,
    sharedStimuli: strings,
  })
  .readonly();

export const leakageReportSchema = z
  .object({
    protocol: z.string(),
    kind: protocolKindSchema,
    /** 'clean': no subject, trial or stimulus is on both sides; else what is shared. */
    verdict: z.enum(['clean', 'shares-subjects', 'shares-trials', 'shares-stimuli']),
    shares: z
      .object({ subjects: z.boolean(), trials: z.boolean(), stimuli: z.boolean() })
      .readonly(),
    folds: z.array(leakageFoldSchema).readonly(),
    /** One sentence for reports, e.g. "test windows share subject and trial with training". */
    summary: z.string(),
  })
  .readonly();

/**
 * Per-epoch curves of one trained model (history.csv without timings). A loss or accuracy
 * that was NaN (a diverging run) is null in JSON and NaN again when read back.
 */
export const trainingCurveSchema = z
  .object({
    epoch: count,
    loss: maybeNaN,
    accuracy: maybeNaN,
    /** null without validation data (or when it was NaN and went through JSON). */
    valLoss: numberOrNull,
    valAccuracy: numberOrNull,
  })
  .readonly();

/** What the literature reports for a two-class task (metrics/binary.ts). */
export const binaryMetricsSchema = z
  .object({
    /** Index of the positive class (1: 'high' of valence2/arousal2). */
    positive: z.number().int().min(0).max(1),
    f1: z.number(),
    precision: z.number(),
    recall: z.number(),
    macroF1: z.number(),
    balancedAccuracy: z.number(),
    /** ROC AUC of the positive class's probability; null without both classes in the truth. */
    auc: z.number().nullable(),
  })
  .readonly();

/** One model under one protocol, predictions of all folds pooled. */
export const modelEvaluationSchema = z
  .object({
    /** Protocol id, e.g. 'random-70-15-15', 'subject-kfold-3', 'within-subject-trials'. */
    protocol: z.string(),
    kind: protocolKindSchema,
    /** 'hybrid' | 'cnnOnly' | 'rnnOnly'. */
    model: z.string(),
    folds: count,
    subjects: count,
    metrics: classificationMetricsSchema,
    roc: rocResultSchema,
    /**
     * Scores per subject of its test windows (how the literature reports leave-one-subject-out
     * and per-participant results), and their mean and sample standard deviation over subjects.
     */
    perSubject: z
      .array(
        z
          .object({ subject: z.string(), n: count, accuracy: z.number(), macroF1: z.number() })
          .readonly(),
      )
      .readonly(),
    subjectMean: z
      .object({
        accuracy: z.object({ mean: z.number(), sd: z.number().nullable() }).readonly(),
        macroF1: z.object({ mean: z.number(), sd: z.number().nullable() }).readonly(),
      })
      .readonly(),
    /** The two-class metrics, for a task with two classes; null otherwise. */
    binary: binaryMetricsSchema.nullable(),
    intervals: z
      .object({
        accuracy: intervalSchema,
        macroF1: intervalSchema,
        kappa: intervalSchema,
        balancedAccuracy: intervalSchema,
      })
      .readonly(),
    /**
     * Bootstrap settings: what was resampled whole — 'subject' for subject-independent protocols,
     * 'trial' for window-level ones (a cluster bootstrap: windows of one trial are not
     * independent), 'window' only where no trial is known.
     */
    bootstrap: z
      .object({
        unit: z.enum(['subject', 'trial', 'window']),
        iterations: count,
        seed: z.number(),
        level: z.number(),
      })
      .readonly(),
    /** Share of all errors whose true class is each class (sums to 1; zeros when no error). */
    errorShare: z.array(z.number()).readonly(),
    /** Training curves per fold (fold number → epochs). */
    curves: z
      .array(z.object({ fold: count, epochs: z.array(trainingCurveSchema).readonly() }).readonly())
      .readonly(),
  })
  .readonly();

export const modelComparisonSchema = z
  .object({
    protocol: z.string(),
    /** Model A (the hybrid) against model B (a baseline). */
    a: z.string(),
    b: z.string(),
    accuracyA: z.number(),
    accuracyB: z.number(),
    mcnemar: mcNemarResultSchema,
  })
  .readonly();

/** What a split protocol produced: its id, kind, random seed, folds and sample counts. */
export const protocolSummarySchema = z
  .object({
    protocol: z.string().min(1),
    kind: protocolKindSchema,
    seed: count,
    /** One line a reader understands, e.g. "3-fold by subject, stimuli held out too". */
    description: z.string(),
    folds: z
      .array(
        z
          .object({
            fold: count,
            train: count,
            val: count,
            test: count,
            /** Training samples per class (the floors predict from them). */
            trainPerClass: z.array(count).readonly(),
          })
          .readonly(),
      )
      .readonly(),
    leakage: leakageReportSchema,
    notes: strings,
  })
  .readonly();

/** The whole evaluation (evaluation.json; metrics.json embeds it). */
export const evaluationSchema = z
  .object({
    synthetic: z.boolean(),
    /** The task (@emo/datasets tasks.ts: 'emotion5', 'valence2', …) and its classes, in order. */
    task: z.string(),
    classes: strings,
    protocols: z.array(protocolSummarySchema).readonly(),
    models: z.array(modelEvaluationSchema).readonly(),
    /**
     * The floors of every protocol, on the same test samples: 'majority' (each fold's most
     * frequent training class, scikit-learn's DummyClassifier 'most_frequent') and 'stratified'
     * (a seeded random guess with each fold's training class shares, DummyClassifier
     * 'stratified'), with the same intervals as the models.
     */
    floors: z.array(modelEvaluationSchema).readonly(),
    comparisons: z.array(modelComparisonSchema).readonly(),
  })
  .readonly();
