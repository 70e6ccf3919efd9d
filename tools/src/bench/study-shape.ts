/**
 * The sizes of the study's data under the pipeline's defaults (10-s windows at 32 Hz, 4
 * channels, 11 features; 48×48 crops, one frame; five classes), read from the packages that make
 * the data: what the benchmarked models are sized by, as the pipeline's are by its shards.
 */
import { EMOTIONS } from '@emo/datasets';
import { windowsShape } from '@emo/dsp';
import type { ModelShape } from '@emo/model';
import { facesShape } from '@emo/vision';

export const STUDY_SHAPE: ModelShape = Object.freeze({
  ...windowsShape(),
  ...facesShape(),
  numClasses: EMOTIONS.length,
});
