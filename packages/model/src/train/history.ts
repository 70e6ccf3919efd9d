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
}

/** The history as CSV (epoch,loss,accuracy,val_loss,val_accuracy,seconds,samples_per_second). */
export function historyCsv(history: readonly EpochLog[]): string {
  const f = (v: number | null): string => (v == null ? '' : String(v));
  const lines = ['epoch,loss,accuracy,val_loss,val_accuracy,seconds,samples_per_second'];
  for (const h of history) {
    lines.push(
      [h.epoch, h.loss, h.accuracy, h.valLoss, h.valAccuracy, h.seconds, h.samplesPerSecond]
        .map(f)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}
