/**
 * The data model of an evaluation: what the metrics compute, what the figures draw and what
 * the report shows. Plain JSON-serialisable data (metrics.json holds it as is). What one
 * pipeline stage hands to another (`Evaluation`, `ProtocolSummary` and their parts) is inferred
 * from the zod schemas of schemas.ts, which the reading stage checks the JSON against; the
 * report's own inputs stay interfaces.
 *
 * Class indices follow the evaluation's `classes` (the task's, @emo/datasets tasks.ts).
 */

import type { z } from 'zod';
import type {
  averagedMetricsSchema,
  binaryMetricsSchema,
  classificationMetricsSchema,
  classMetricsSchema,
  evaluationSchema,
  intervalSchema,
  leakageFoldSchema,
  leakageReportSchema,
  mcNemarResultSchema,
  modelComparisonSchema,
  modelEvaluationSchema,
  protocolKindSchema,
  protocolSummarySchema,
  rocCurveSchema,
  rocResultSchema,
  trainingCurveSchema,
} from './schemas.js';

/** How a split keeps test data apart from training data. */
export type ProtocolKind = z.infer<typeof protocolKindSchema>;

/** A point estimate with a confidence interval (percentile bootstrap). */
export type Interval = z.infer<typeof intervalSchema>;

export type ClassMetrics = z.infer<typeof classMetricsSchema>;

export type AveragedMetrics = z.infer<typeof averagedMetricsSchema>;

/**
 * scikit-learn's conventions: precision/recall/F1 of a class with no predicted (or no true)
 * sample are 0 (zero_division=0); macro averages every class, weighted by support.
 */
export type ClassificationMetrics = z.infer<typeof classificationMetricsSchema>;

/** One-vs-rest ROC curve of one class (sklearn.metrics.roc_curve, drop_intermediate=True). */
export type RocCurve = z.infer<typeof rocCurveSchema>;

export type RocResult = z.infer<typeof rocResultSchema>;

/** McNemar's paired test of two models on the same test samples. */
export type McNemarResult = z.infer<typeof mcNemarResultSchema>;

/** A protocol's split, as checked by the leakage guard. */
export type LeakageFold = z.infer<typeof leakageFoldSchema>;

export type LeakageReport = z.infer<typeof leakageReportSchema>;

/** Per-epoch curves of one trained model (history.csv without timings). */
export type TrainingCurve = z.infer<typeof trainingCurveSchema>;

/** F1/precision/recall of the positive class, macro F1, balanced accuracy, AUC (two classes). */
export type BinaryMetrics = z.infer<typeof binaryMetricsSchema>;

/** One model under one protocol, predictions of all folds pooled. */
export type ModelEvaluation = z.infer<typeof modelEvaluationSchema>;

export type ModelComparison = z.infer<typeof modelComparisonSchema>;

/** What a split protocol produced: its id, kind, random seed, folds and sample counts. */
export type ProtocolSummary = z.infer<typeof protocolSummarySchema>;

/** The whole evaluation (evaluation.json; metrics.json embeds it). */
export type Evaluation = z.infer<typeof evaluationSchema>;

/** A figure as inline SVG, with what the report says of it. */
export interface Figure {
  /** Stable id, also the file name (`<id>.svg`), e.g. 'confusion-random-70-15-15-hybrid'. */
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly svg: string;
}

/** A dataset's part of the data used. */
export interface DataSummary {
  readonly dataset: string;
  readonly synthetic: boolean;
  readonly subjects: readonly string[];
  readonly trials: number;
  readonly labelledTrials: number;
  readonly windows: number;
  /** Labelled windows per class. */
  readonly perClass: Readonly<Record<string, number>>;
}

/** One data set's samples of a task: per class, and those left without a label, why. */
export interface TaskLabels {
  readonly dataset: string;
  readonly perClass: Readonly<Record<string, number>>;
  readonly leftOut: readonly { readonly reason: string; readonly count: number }[];
}

/** One classification task of the run: what it is, its labels and its whole evaluation. */
export interface TaskReport {
  /** 'emotion5', 'valence2', 'arousal2', 'quadrant4' (@emo/datasets tasks.ts). */
  readonly task: string;
  /** The task in words (classes, threshold). */
  readonly description: string;
  readonly evaluation: Evaluation;
  readonly labels: readonly TaskLabels[];
  /**
   * Figures shown with the task in the tasks section: the pipeline puts there the per-subject
   * distribution of each task but the leading one (whose figures are under its protocols). Ids
   * are unique across the whole report.
   */
  readonly figures?: readonly Figure[];
}

/** A subject (or trial) that was left out of the evaluation, and why. */
export interface SkippedItem {
  readonly what: string;
  readonly reason: string;
}

/**
 * A number published by the study or by others, shown beside ours. With `task`, `protocolKind`,
 * `modality` and `dataset` it is put beside our result of the same setting (report/compare.ts);
 * without them it is context only.
 */
export interface PublishedAnchor {
  /** The paper and its table. */
  readonly source: string;
  readonly setting: string;
  /** The published numbers as the paper gives them. */
  readonly value: string;
  /** 'valence2', 'arousal2', … (@emo/datasets tasks.ts). */
  readonly task?: string;
  readonly protocolKind?: ProtocolKind;
  /** 'physiological', 'face', 'face+physiological', 'EEG', … (MODEL_MODALITY). */
  readonly modality?: string;
  /** 'deap' or 'amigos': the data set the number is on. */
  readonly dataset?: string;
  /** The number to put beside ours: our mean over subjects of the same metric. */
  readonly metric?: { readonly name: 'accuracy' | 'macroF1'; readonly value: number };
}

/** Everything the HTML report and the Markdown summary show. */
export interface ReportInput {
  readonly title: string;
  readonly runId: string;
  /**
   * When the report was made. Left out where the report must be the same bytes on every run
   * (the pipeline's report is a cached artefact; the run's id and date follow in the results).
   */
  readonly created?: string;
  readonly synthetic: boolean;
  readonly data: readonly DataSummary[];
  readonly labelMapping: string;
  /** tfjs backend that trained the models, and why others were not used. */
  readonly backend: string;
  readonly training: Readonly<Record<string, unknown>>;
  /** The leading task's evaluation (the first configured task; figures and details are of it). */
  readonly evaluation: Evaluation;
  /**
   * Every task of the run, the leading one first, shown side by side with their floors; empty or
   * absent when the run has only the leading task's evaluation.
   */
  readonly tasks?: readonly TaskReport[];
  readonly figures: readonly Figure[];
  readonly published: readonly PublishedAnchor[];
  readonly skipped: readonly SkippedItem[];
  /** Commands that reproduce this run. */
  readonly reproduce: readonly string[];
  /** Free sentences (why subject-independent accuracy is lower, caveats). */
  readonly notes: readonly string[];
}
