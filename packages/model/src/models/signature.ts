/**
 * What a model is, as data: its kind, resolved config, inputs and the data's sizes it was built
 * for ({@link EmoModelMetadata}, kept in model.json), and the checks that a model fits data made
 * by another step. Nothing here loads tfjs: `emo plan` reads a saved model's model.json with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RatingSplit, TaskName } from '@emo/datasets';
import { AT_THRESHOLD, DEFAULT_TASK, EMOTIONS, TASK_NAMES } from '@emo/datasets';
import { parseJson } from '@emo/runtime';
import type { InputName, SampleIndex } from '@emo/samples';
import { z } from 'zod';
import type { ModelConfig, ModelKind } from './config.js';
import {
  FACE_BRANCH_FIELDS,
  MODEL_KINDS,
  filtersPerLayer,
  modelInputs,
  resolveModelConfig,
} from './config.js';
import type { ModelShape } from './shape.js';
import { modelShapeSchema, shapeMismatch, shapeOf } from './shape.js';

/** The file of a saved model folder that describes it (tfjs's layers format). */
export const MODEL_JSON = 'model.json';

/**
 * What a model's outputs mean: the classification task it was trained for, its class names in
 * output order, and (for the rating tasks) where low was split from high.
 */
export interface ModelLabels {
  readonly task: TaskName;
  readonly classes: readonly string[];
  readonly ratingSplit?: RatingSplit;
}

/** The study's five emotions: the labels of a model that does not record its own. */
export const STUDY_LABELS: ModelLabels = Object.freeze({ task: DEFAULT_TASK, classes: EMOTIONS });

/** What {@link buildModel} records in the model's user-defined metadata (saved in model.json). */
export interface EmoModelMetadata {
  readonly kind: ModelKind;
  readonly config: ModelConfig;
  readonly inputs: readonly InputName[];
  /** The data's sizes the model was built for. */
  readonly shape: ModelShape;
  /** What its outputs mean (models saved before tasks existed have none: the study's five). */
  readonly labels?: ModelLabels;
}

/** What a saved or built model takes: its kind, resolved config, inputs in order and sizes. */
export interface ModelSignature {
  readonly kind: ModelKind;
  readonly config: ModelConfig;
  readonly inputs: readonly InputName[];
  readonly shape: ModelShape;
  /**
   * What its outputs mean; null for a model saved before models recorded it whose class count
   * is not the study's five (its classes are unknown).
   */
  readonly labels: ModelLabels | null;
}

/**
 * The signature in a model's emo metadata (what buildModel stored; it survives save → load).
 * Models saved before the shape came from the data kept the sizes in their config: they are
 * read from there.
 */
export function signatureOf(meta: EmoModelMetadata): ModelSignature {
  const { imageSize, frames, seqLength, channels, numFeatures, numClasses, ...config } =
    meta.config as ModelConfig & Partial<Record<keyof ModelShape, number>>;
  const legacy: ModelShape = {
    imageSize: imageSize ?? null,
    frames: frames ?? null,
    seqLength: seqLength ?? null,
    channels: channels ?? null,
    numFeatures: numFeatures ?? null,
    numClasses: numClasses ?? 0,
  };
  const resolved = resolveModelConfig(config);
  const inputs = modelInputs(meta.kind, resolved);
  const shape = meta.shape ?? legacy;
  const labels =
    meta.labels ?? (shape.numClasses === STUDY_LABELS.classes.length ? STUDY_LABELS : null);
  return { kind: meta.kind, config: resolved, inputs, shape, labels };
}

const savedMetadata = z.object({
  userDefinedMetadata: z.object({
    emo: z.object({
      kind: z.enum(MODEL_KINDS),
      config: z.record(z.string(), z.unknown()),
      shape: modelShapeSchema.optional(),
      labels: z
        .object({
          task: z.enum(TASK_NAMES),
          classes: z.array(z.string()).min(2),
          ratingSplit: z
            .object({ threshold: z.number(), atThreshold: z.enum(AT_THRESHOLD) })
            .optional(),
        })
        .optional(),
    }),
  }),
});

/**
 * The signature of a saved model folder, read from its model.json alone (no weights, no
 * tensors): for checking that a model fits the data before any work starts.
 */
export function readModelSignature(dir: string): ModelSignature {
  const file = join(dir, MODEL_JSON);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    const inner = join(dir, 'model', MODEL_JSON);
    const hint = existsSync(inner) ? `; did you mean ${join(dir, 'model')}?` : '';
    throw new Error(`${file}: not found (no model saved in this folder${hint})`);
  }
  const { emo } = parseJson(text, savedMetadata, file, 'emo model').userDefinedMetadata;
  return signatureOf(emo as unknown as EmoModelMetadata);
}

/**
 * Refuse a pretrained face model (a saved model folder, e.g. `emo pretrain-faces --out DIR`'s
 * model/) whose face input is not the size of the data's crops; `what` names where `shape`
 * came from. For `emo plan` (the vision stage's crop size) and a train job (its shards). With
 * `config`, also refuse one whose face branch that config contradicts
 * ({@link withPretrainedFaceBranch}).
 */
export function checkPretrainedFaces(
  dir: string,
  shape: ModelShape,
  what: string,
  config?: Partial<ModelConfig>,
): void {
  const pre = readModelSignature(dir);
  if (!pre.inputs.includes('face')) {
    throw new Error(`${dir}: a ${pre.kind} model has no face branch to start from`);
  }
  const bad = shapeMismatch(pre.shape, shape, ['face'], {
    model: `pretrained face model ${dir}`,
    modelFrom: 'its model.json',
    dataFrom: what,
  });
  if (bad) throw new Error(bad);
  if (config) withPretrainedFaceBranch(config, dir);
}

/**
 * The config of a model whose face branch starts from the pretrained model in `dir`: `config`
 * with the face branch's architecture ({@link FACE_BRANCH_FIELDS}) read from the pretrained
 * model, so that every layer it has finds its twin. A face field that `config` sets to another
 * value is refused, naming both.
 */
export function withPretrainedFaceBranch(
  config: Partial<ModelConfig>,
  dir: string,
): Partial<ModelConfig> {
  const pre = readModelSignature(dir).config;
  const own = resolveModelConfig({ ...config, convLayers: config.convLayers ?? pre.convLayers });
  const same = (k: (typeof FACE_BRANCH_FIELDS)[number]): boolean =>
    k === 'filters'
      ? filtersPerLayer(own.filters, own.convLayers).join() ===
        filtersPerLayer(pre.filters, pre.convLayers).join()
      : own[k] === pre[k];
  const clash = FACE_BRANCH_FIELDS.filter((k) => config[k] !== undefined && !same(k));
  if (clash.length > 0) {
    const show = (c: ModelConfig, k: (typeof FACE_BRANCH_FIELDS)[number]): string =>
      JSON.stringify(k === 'filters' ? filtersPerLayer(c.filters, c.convLayers) : c[k]);
    throw new Error(
      `${dir}: its face branch has ${clash.map((k) => `${k} ${show(pre, k)}`).join(', ')}, the model config ${clash.map((k) => show(own, k)).join(', ')}; leave them out of the model config (the pretrained branch's are used) or pretrain another`,
    );
  }
  return { ...config, ...Object.fromEntries(FACE_BRANCH_FIELDS.map((k) => [k, pre[k]])) };
}

/**
 * Refuse data (a sample index) whose sizes a saved model (in `dir`, with signature `sig`) does
 * not take, before the model is used: one line naming both sizes; `dataFrom(input)` says where
 * the data's sizes of that input come from (a shard's path, 'the shards').
 */
export function checkModelFits(
  dir: string,
  sig: ModelSignature,
  index: SampleIndex,
  dataFrom: (input: InputName | 'classes') => string,
): void {
  const data = shapeOf(index, sig.inputs);
  for (const input of [...sig.inputs, 'classes'] as const) {
    const bad = shapeMismatch(sig.shape, data, [input], {
      model: `model ${dir}`,
      modelFrom: 'its model.json',
      dataFrom: dataFrom(input),
    });
    if (bad) throw new Error(bad);
  }
}
