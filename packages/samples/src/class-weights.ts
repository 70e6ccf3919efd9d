/**
 * Class counts and balanced class weights for the loss: weight_c = n / (k · count_c), where n
 * is the number of samples and k the number of classes present, so that the weights average 1
 * over the samples (scikit-learn's 'balanced'). A class with no samples gets weight 0.
 */
import { sampleId } from './keys.js';
import type { SampleIndex } from './sample-index.js';

/** Samples per class (the index's class order), of the whole index or of the given ids. */
export function countByLabel(index: SampleIndex, ids?: ReadonlySet<string>): number[] {
  const counts: number[] = index.classes.map(() => 0);
  for (const e of index.entries) {
    if (e.label >= 0 && (!ids || ids.has(sampleId(e)))) counts[e.label]++;
  }
  return counts;
}

/** Balanced weights from class counts (see the file comment). */
export function classWeights(counts: readonly number[]): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? n / (present * c) : 0));
}
