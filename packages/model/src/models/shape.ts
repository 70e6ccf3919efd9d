/**
 * The sizes of a model's inputs and output — face crops (side, frames), physiological sequence
 * (steps, channels), window features, classes — come from the data, never from a setting: the
 * sample index reads them from the windows and faces shards' metadata, {@link shapeOf} takes the
 * ones a model needs, the builders size the input layers with them, and a saved model carries
 * them (model.json). Wherever a model meets data that another step made — a pretrained face
 * CNN starting the hybrid, a saved model given new shards — {@link shapeMismatch} compares the
 * two and names both values and where each came from, before any work is done.
 */
import type { InputName, SampleIndex } from '@emo/samples';
import { z } from 'zod';
import type { ModelConfig } from './config.js';
import { ModelConfigError } from './config.js';

const size = z.number().int().min(1);

/** The sizes as a model.json or a train.json records them (read back through this schema). */
export const modelShapeSchema = z
  .object({
    /** Side of the square face crops, pixels (null: the model takes no faces). */
    imageSize: size.nullable(),
    /** K: face frames per window, stacked as channels. */
    frames: size.nullable(),
    /** T: steps of the physiological sequence (null: the model takes no sequence). */
    seqLength: size.nullable(),
    /** C: physiological channels. */
    channels: size.nullable(),
    /** F: window features (null: the model takes none). */
    numFeatures: size.nullable(),
    numClasses: size,
  })
  .readonly();

export type ModelShape = z.infer<typeof modelShapeSchema>;

/** The sizes of `inputs` in the index (its shards' metadata); an input without shards fails. */
export function shapeOf(index: SampleIndex, inputs: readonly InputName[]): ModelShape {
  const need = (v: number | null, input: InputName, shards: string): number => {
    if (v === null) {
      throw new Error(`the model's '${input}' input needs ${shards} shards; none was indexed`);
    }
    return v;
  };
  const face = inputs.includes('face') || inputs.includes('faceStats');
  const physio = inputs.includes('physio');
  const features = inputs.includes('features');
  return {
    imageSize: face
      ? need(index.imageSize, inputs.includes('face') ? 'face' : 'faceStats', 'faces')
      : null,
    frames: face
      ? need(index.frames, inputs.includes('face') ? 'face' : 'faceStats', 'faces')
      : null,
    seqLength: physio ? need(index.seqLength, 'physio', 'windows') : null,
    channels: physio ? need(index.channels, 'physio', 'windows') : null,
    numFeatures: features ? need(index.numFeatures, 'features', 'windows') : null,
    numClasses: index.classes.length,
  };
}

/** A size the model needs, or an error naming it. */
export function dim(shape: ModelShape, key: keyof ModelShape): number {
  const v = shape[key];
  if (v === null) throw new Error(`model shape: no ${key} (the data gave none for this input)`);
  return v;
}

/** `faces 48×48×1`, `sequences 320×4`, `11 features`, `5 classes`: one input's sizes in words. */
export function describeInput(shape: ModelShape, input: InputName | 'classes'): string {
  switch (input) {
    case 'face':
      return `faces of ${shape.imageSize}×${shape.imageSize}×${shape.frames}`;
    case 'faceStats':
      return `statistics of faces of ${shape.imageSize}×${shape.imageSize}×${shape.frames}`;
    case 'physio':
      return `sequences of ${shape.seqLength}×${shape.channels}`;
    case 'features':
      return `${shape.numFeatures} features`;
    default:
      return `${shape.numClasses} classes`;
  }
}

/** What a mismatch message names: the model, where its sizes come from, where the data's do. */
export interface ShapeOrigins {
  /** e.g. 'pretrained face model /x/model'. */
  readonly model: string;
  /** e.g. 'its model.json'. */
  readonly modelFrom: string;
  /** e.g. 'vision.size=64, vision.frames=1' or a shard's path. */
  readonly dataFrom: string;
}

/**
 * Where the data (`actual`) differ from what a model was built for (`expected`) on the given
 * inputs (and 'classes'): one line naming both values and where each came from, e.g.
 * `pretrained face model /x/model takes faces of 48×48×1 (its model.json) but the data are
 * faces of 64×64×1 (vision.size=64, vision.frames=1)`; null when they fit.
 */
export function shapeMismatch(
  expected: ModelShape,
  actual: ModelShape,
  inputs: readonly (InputName | 'classes')[],
  origins: ShapeOrigins,
): string | null {
  const keys: Record<InputName | 'classes', (keyof ModelShape)[]> = {
    face: ['imageSize', 'frames'],
    faceStats: ['imageSize', 'frames'],
    physio: ['seqLength', 'channels'],
    features: ['numFeatures'],
    classes: ['numClasses'],
  };
  for (const input of inputs) {
    if (keys[input].some((k) => expected[k] !== actual[k])) {
      return `${origins.model} takes ${describeInput(expected, input)} (${origins.modelFrom}) but the data are ${describeInput(actual, input)} (${origins.dataFrom})`;
    }
  }
  return null;
}

/** Side of the face feature map after the conv stack ('same' convs, 2×2 pools). */
export function faceSideAfterConvs(cfg: ModelConfig, imageSize: number): number {
  let side = imageSize;
  for (let i = 0; i < cfg.convLayers; i++) side = Math.floor(side / 2);
  return side;
}

/** Sequence length after the Conv1D front end (each layer: 'same' conv with stride, then pool). */
export function physioStepsAfterFrontEnd(cfg: ModelConfig, seqLength: number): number {
  let len = seqLength;
  for (let i = 0; i < cfg.physioConvLayers; i++) {
    len = Math.ceil(len / cfg.physioStride);
    len = Math.floor(len / cfg.physioPoolSize);
  }
  return len;
}

/**
 * Refuse an architecture whose pooling shrinks the data's faces or sequences to nothing, with a
 * {@link ModelConfigError} naming the field and the size.
 */
export function checkArchitecture(cfg: ModelConfig, shape: ModelShape): void {
  if (shape.imageSize !== null && faceSideAfterConvs(cfg, shape.imageSize) < 1) {
    throw new ModelConfigError(
      'convLayers',
      `${cfg.convLayers} conv layers with 2×2 pooling shrink a ${shape.imageSize}×${shape.imageSize} ` +
        `face to nothing; at most ${Math.floor(Math.log2(shape.imageSize))} fit`,
    );
  }
  if (shape.seqLength !== null && physioStepsAfterFrontEnd(cfg, shape.seqLength) < 1) {
    throw new ModelConfigError(
      'physioConvLayers',
      `the Conv1D front end (${cfg.physioConvLayers} layers, stride ${cfg.physioStride}, ` +
        `pool ${cfg.physioPoolSize}) shrinks the ${shape.seqLength}-step sequence to nothing`,
    );
  }
}
