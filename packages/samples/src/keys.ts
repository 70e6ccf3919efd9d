/**
 * Sample keys: a training sample is one analysis window (subject, trial, window) of the
 * `windows` and/or `faces` shards, or one image of an image-folder `faces` shard. Its
 * `sampleId` string is what split files list.
 *
 * Images (faces rows whose trial and window are null, e.g. FER2013) are keyed as trial
 * {@link IMAGE_TRIAL} (-1, never a real trial) and window = the row's index in its shard, so
 * ids stay unique and stable as long as the shard is not rewritten.
 */

export interface SampleKey {
  readonly subject: string;
  readonly trial: number;
  readonly window: number;
}

/** The trial number given to single images (faces rows without trial and window). */
export const IMAGE_TRIAL = -1;

/** `${subject}/${trial}/${window}`: the id used in split files. */
export const sampleId = (k: SampleKey): string => `${k.subject}/${k.trial}/${k.window}`;

/** Just the key fields of a larger object (e.g. an index entry). */
export const keyOf = (k: SampleKey): SampleKey => ({
  subject: k.subject,
  trial: k.trial,
  window: k.window,
});
