/**
 * The data model of an evaluation: what the metrics compute, what the figures draw and what
 * the report shows. Plain JSON-serialisable data (metrics.json holds it as is).
 *
 * Class indices follow EMOTIONS of @emo/datasets (happy, sad, angry, neutral, fear).
 */

/** How a split keeps test data apart from training data. */
export type ProtocolKind = 'random' | 'subject-independent' | 'within-subject';

/** A point estimate with a confidence interval (percentile bootstrap). */
export interface Interval {
  readonly estimate: number;
  /** Lower and upper bounds; null when the interval cannot be computed (e.g. one group). */
  readonly lower: number | null;
  readonly upper: number | null;
}

export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** True samples of the class. */
  readonly support: number;
}

export interface AveragedMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/**
 * scikit-learn's conventions: precision/recall/F1 of a class with no predicted (or no true)
 * sample are 0 (zero_division=0); macro averages every class, weighted by support.
 */
export interface ClassificationMetrics {
  readonly n: number;
  readonly accuracy: number;
  /** One entry per class, in class order. */
  readonly perClass: readonly ClassMetrics[];
  readonly macro: AveragedMetrics;
  readonly weighted: AveragedMetrics;
  /** Cohen's kappa (sklearn.metrics.cohen_kappa_score, unweighted). */
  readonly kappa: number;
  /** confusion[true][predicted] counts. */
  readonly confusion: readonly (readonly number[])[];
  /** Each row divided by its sum (a row of zeros stays zeros). */
  readonly confusionNormalised: readonly (readonly number[])[];
}

/** One-vs-rest ROC curve of one class (sklearn.metrics.roc_curve, drop_intermediate=True). */
export interface RocCurve {
  readonly fpr: readonly number[];
  readonly tpr: readonly number[];
  /** Area under the curve; null when the class has no positive or no negative sample. */
  readonly auc: number | null;
}

export interface RocResult {
  /** One curve per class, in class order. */
  readonly perClass: readonly RocCurve[];
  /** Mean of the defined per-class AUCs (sklearn roc_auc_score multi_class='ovr', macro). */
  readonly macroAuc: number | null;
}

/** McNemar's paired test of two models on the same test samples. */
export interface McNemarResult {
  readonly n: number;
  /** Samples model A got right and B wrong. */
  readonly aOnly: number;
  /** Samples model B got right and A wrong. */
  readonly bOnly: number;
  /** Exact two-sided binomial p-value on the discordant pairs (used when aOnly + bOnly < 25). */
  readonly pExact: number;
  /** Chi-square statistic with continuity correction, (|b−c|−1)²/(b+c); 0 when b + c = 0. */
  readonly chi2: number;
  /** Its p-value (1 degree of freedom). */
  readonly pChi2: number;
  /** The p-value reported: exact below 25 discordant pairs, else the corrected chi-square. */
  readonly p: number;
  readonly method: 'exact' | 'chi2-corrected';
}

/** A protocol's split, as checked by the leakage guard. */
export interface LeakageFold {
  readonly fold: number;
  /** Shared between training (train + validation) and test samples. */
  readonly sharedSubjects: readonly string[];
  /** `subject/trial` pairs. */
  readonly sharedTrials: readonly string[];
  readonly sharedStimuli: readonly string[];
}

export interface LeakageReport {
  readonly protocol: string;
  readonly kind: ProtocolKind;
  /** 'clean': no subject, trial or stimulus is on both sides; else what is shared. */
  readonly verdict: 'clean' | 'shares-subjects' | 'shares-trials' | 'shares-stimuli';
  readonly shares: {
    readonly subjects: boolean;
    readonly trials: boolean;
    readonly stimuli: boolean;
  };
  readonly folds: readonly LeakageFold[];
  /** One sentence for reports, e.g. "test windows share subject and trial with training". */
  readonly summary: string;
}

/** Per-epoch curves of one trained model (history.csv without timings). */
export interface TrainingCurve {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly valLoss: number | null;
  readonly valAccuracy: number | null;
}

/** One model under one protocol, predictions of all folds pooled. */
export interface ModelEvaluation {
  /** Protocol id, e.g. 'random-70-15-15', 'subject-kfold-3', 'within-subject-trials'. */
  readonly protocol: string;
  readonly kind: ProtocolKind;
  /** 'hybrid' | 'cnnOnly' | 'rnnOnly'. */
  readonly model: string;
  readonly folds: number;
  readonly subjects: number;
  readonly metrics: ClassificationMetrics;
  readonly roc: RocResult;
  readonly intervals: {
    readonly accuracy: Interval;
    readonly macroF1: Interval;
    readonly kappa: Interval;
  };
  /** Bootstrap settings: what was resampled ('subject' for subject-independent protocols). */
  readonly bootstrap: {
    readonly unit: 'subject' | 'window';
    readonly iterations: number;
    readonly seed: number;
    readonly level: number;
  };
  /** Share of all errors whose true class is each class (sums to 1; zeros when no error). */
  readonly errorShare: readonly number[];
  /** Training curves per fold (fold number → epochs). */
  readonly curves: readonly { readonly fold: number; readonly epochs: readonly TrainingCurve[] }[];
}

export interface ModelComparison {
  readonly protocol: string;
  /** Model A (the hybrid) against model B (a baseline). */
  readonly a: string;
  readonly b: string;
  readonly accuracyA: number;
  readonly accuracyB: number;
  readonly mcnemar: McNemarResult;
}

/** What a split protocol produced: its id, kind, seed, folds and sample counts. */
export interface ProtocolSummary {
  readonly protocol: string;
  readonly kind: ProtocolKind;
  readonly seed: number;
  /** One line a reader understands, e.g. "3-fold by subject, stimuli held out too". */
  readonly description: string;
  readonly folds: readonly {
    readonly fold: number;
    readonly train: number;
    readonly val: number;
    readonly test: number;
  }[];
  readonly leakage: LeakageReport;
  readonly notes: readonly string[];
}

/** The whole evaluation (evaluation.json; metrics.json embeds it). */
export interface Evaluation {
  readonly synthetic: boolean;
  readonly classes: readonly string[];
  readonly protocols: readonly ProtocolSummary[];
  readonly models: readonly ModelEvaluation[];
  readonly comparisons: readonly ModelComparison[];
}

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

/** A subject (or trial) that was left out of the evaluation, and why. */
export interface SkippedItem {
  readonly what: string;
  readonly reason: string;
}

/** A number published by the seed study or by others, shown beside ours. */
export interface PublishedAnchor {
  readonly source: string;
  readonly setting: string;
  readonly value: string;
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
  readonly evaluation: Evaluation;
  readonly figures: readonly Figure[];
  readonly published: readonly PublishedAnchor[];
  readonly skipped: readonly SkippedItem[];
  /** Commands that reproduce this run. */
  readonly reproduce: readonly string[];
  /** Free sentences (why subject-independent accuracy is lower, caveats). */
  readonly notes: readonly string[];
}
