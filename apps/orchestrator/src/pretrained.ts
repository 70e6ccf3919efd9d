/**
 * Models that ship with emo (`apps/orchestrator/pretrained/<name>/`): each folder holds the saved
 * model (`model/`: model.json, weights.bin) and `manifest.json` saying what data, command, seed
 * and commit made it and how it scored on crops it never saw. A model option takes one as
 * `builtin:<name>` (`emo predict --model builtin:faces-fer2013`, `train.pretrainedFaces`);
 * `emo pretrained` lists them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readJsonFile } from '@emo/runtime';

/** The folder of the shipped models (beside src/ and dist/). */
export const PRETRAINED_DIR = fileURLToPath(new URL('../pretrained/', import.meta.url));

export const BUILTIN_PREFIX = 'builtin:';

export const pretrainedManifestSchema = z.object({
  name: z.string(),
  kind: z.string(),
  task: z.string(),
  classes: z.array(z.string()),
  description: z.string(),
  /** What it was trained, validated (early stopping) and scored on. */
  data: z.object({ train: z.string(), validation: z.string(), heldOut: z.string() }),
  /** The commands that reproduce it, in order, from a fresh clone with the data at hand. */
  reproduce: z.array(z.string()),
  seed: z.number().int(),
  commit: z.string(),
  /** The crops it takes. */
  crops: z.object({ size: z.number().int(), frames: z.number().int(), equalisation: z.string() }),
  heldOut: z.object({
    n: z.number().int(),
    accuracy: z.number(),
    balancedAccuracy: z.number(),
    recall: z.record(z.string(), z.number()),
    confusion: z.array(z.array(z.number().int())),
  }),
  training: z.object({
    epochs: z.number().int(),
    bestEpoch: z.number().int(),
    seconds: z.number(),
    machine: z.string(),
    backend: z.string(),
  }),
  /**
   * A few FER2013 PublicTest crops (paths under ../shared/realdata/faces/fer2013_public) and the
   * probabilities the model gave them when it was shipped: a test predicts them again.
   */
  check: z.array(z.object({ file: z.string(), probs: z.array(z.number()) })),
});

export type PretrainedManifest = z.infer<typeof pretrainedManifestSchema>;

/** The shipped models' manifests, by name. */
export function listPretrained(dir = PRETRAINED_DIR): PretrainedManifest[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'manifest.json')))
    .map((d) =>
      readJsonFile(
        join(dir, d.name, 'manifest.json'),
        pretrainedManifestSchema,
        'pretrained model manifest',
      ),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * A model option's value as a saved model's folder: `builtin:<name>` is the shipped model's
 * `model/`; anything else is returned as it is. An unknown name is an error listing the known.
 */
export function resolveModelRef(ref: string, dir = PRETRAINED_DIR): string {
  if (!ref.startsWith(BUILTIN_PREFIX)) return ref;
  const name = ref.slice(BUILTIN_PREFIX.length);
  const known = listPretrained(dir).map((m) => m.name);
  if (!known.includes(name)) {
    throw new Error(
      `${ref}: no such shipped model (${known.length ? `shipped: ${known.map((k) => BUILTIN_PREFIX + k).join(', ')}` : 'none is shipped'})`,
    );
  }
  return join(dir, name, 'model');
}
