/** Training curves: one record per epoch. */

export interface EpochLog {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Mean training loss over the epoch's batches (class-weighted when weighting is on). */
  readonly loss: number;
  /** Training accuracy (with dropout active, as Keras reports it). */
  readonly accuracy: number;
  /** Validation loss (unweighted cross-entropy) and accuracy; null without validation data. */
  readonly valLoss: number | null;
  readonly valAccuracy: number | null;
  /** Wall-clock seconds and training samples per second of the epoch. */
  readonly seconds: number;
  readonly samplesPerSecond: number;
  /** The learning rate the epoch trained at, when it drops on plateaus (TrainOptions.lrDrop). */
  readonly learningRate?: number;
}

/** An epoch's record without its timings: what a deterministic output may contain. */
export type EpochCurve = Omit<EpochLog, 'seconds' | 'samplesPerSecond'>;

/**
 * The curves without wall-clock timings, so that the same training gives the same bytes (cached
 * outputs are content-hashed; timings go to progress messages and run manifests instead).
 */
export function curvesOf(history: readonly EpochLog[]): EpochCurve[] {
  return history.map(({ epoch, loss, accuracy, valLoss, valAccuracy }) => ({
    epoch,
    loss,
    accuracy,
    valLoss,
    valAccuracy,
  }));
}

/** The curves as CSV (epoch,loss,accuracy,val_loss,val_accuracy), without timings. */
export function historyCsv(history: readonly EpochCurve[]): string {
  const f = (v: number | null): string => (v == null ? '' : String(v));
  const lines = ['epoch,loss,accuracy,val_loss,val_accuracy'];
  for (const h of history) {
    lines.push([h.epoch, h.loss, h.accuracy, h.valLoss, h.valAccuracy].map(f).join(','));
  }
  return lines.join('\n') + '\n';
}
