/**
 * A tfjs IOHandler for a folder on disk in the tfjs layers format (`model.json` + `weights.bin`,
 * what `tf.loadLayersModel('file://…')` of tfjs-node reads), with node:fs only: no native
 * package.
 *
 * Saving is crash-safe: each file is written to a temporary name in the folder, flushed and
 * renamed over its final name, `weights.bin` first and `model.json` last. `model.json` records
 * the size and SHA-256 of the weights it goes with, so that if a crash falls between the two
 * renames (new weights, old model.json) loading says so instead of using mismatched weights.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { sha256, writeFileAtomic } from '@emo/runtime';
// The custom layers and initialiser must be registered before a saved model is deserialised.
import '../models/initializers.js';
import '../models/layers.js';
import { compileModel, modelMetadata } from '../models/build.js';
import { MODEL_JSON } from '../models/signature.js';

export const WEIGHTS_BIN = 'weights.bin';

/** A model folder that cannot be read or written; the message names the file. */
export class ModelIoError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ModelIoError';
  }
}

/** model.json as written here: tfjs's ModelJSON plus the weights' integrity record. */
interface SavedModelJson extends tf.io.ModelJSON {
  weightsBytes?: number;
  weightsSha256?: string;
}

async function syncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    // Directories cannot be opened or flushed everywhere (Windows); the renames still hold.
  } finally {
    await fh?.close();
  }
}

/** Write `data` to `file` durably and atomically (flushed temporary file, then rename). */
function writeDurably(file: string, data: Uint8Array | string): void {
  try {
    writeFileAtomic(file, data, { durable: true });
  } catch (err) {
    throw new ModelIoError(file, `cannot write: ${(err as Error).message}`);
  }
}

function toBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data == null) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/** The folder's handler: `model.save(fileSystemHandler(dir))`, `tf.loadLayersModel(…)`. */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  const modelFile = path.join(dir, MODEL_JSON);
  const weightsFile = path.join(dir, WEIGHTS_BIN);

  const save = async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
    const topology = artifacts.modelTopology;
    if (topology == null || topology instanceof ArrayBuffer) {
      throw new ModelIoError(modelFile, 'only layers models with a JSON topology can be saved');
    }
    const weights = toBytes(artifacts.weightData);
    const json: SavedModelJson = {
      modelTopology: topology,
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      weightsBytes: weights.byteLength,
      weightsSha256: sha256(weights),
    };
    if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
    if (artifacts.signature != null) json.signature = artifacts.signature;
    if (artifacts.userDefinedMetadata != null) {
      json.userDefinedMetadata = artifacts.userDefinedMetadata;
    }
    if (artifacts.modelInitializer != null) json.modelInitializer = artifacts.modelInitializer;
    if (artifacts.initializerSignature != null) {
      json.initializerSignature = artifacts.initializerSignature;
    }
    try {
      await fsp.mkdir(dir, { recursive: true });
    } catch (err) {
      throw new ModelIoError(dir, `cannot create the folder: ${(err as Error).message}`);
    }
    writeDurably(weightsFile, weights);
    writeDurably(modelFile, JSON.stringify(json));
    await syncDir(dir);
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  };

  const load = async (): Promise<tf.io.ModelArtifacts> => {
    let text: string;
    try {
      text = await fsp.readFile(modelFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ModelIoError(
        modelFile,
        code === 'ENOENT' ? 'not found (no model saved in this folder)' : (err as Error).message,
      );
    }
    let json: SavedModelJson;
    try {
      json = JSON.parse(text) as SavedModelJson;
    } catch (err) {
      throw new ModelIoError(modelFile, `not JSON: ${(err as Error).message}`);
    }
    if (json === null || typeof json !== 'object' || json.modelTopology == null) {
      throw new ModelIoError(modelFile, 'expected a tfjs layers model.json with a modelTopology');
    }
    return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of manifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          if (path.basename(p) !== p || p === '.' || p === '..') {
            throw new ModelIoError(modelFile, `weights path '${p}' is not a file in the folder`);
          }
          const file = path.join(dir, p);
          try {
            buffers.push(await fsp.readFile(file));
          } catch (err) {
            throw new ModelIoError(file, `cannot read: ${(err as Error).message}`);
          }
        }
      }
      const total = buffers.reduce((a, b) => a + b.byteLength, 0);
      const data = new Uint8Array(total);
      let at = 0;
      for (const b of buffers) {
        data.set(b, at);
        at += b.byteLength;
      }
      if (json.weightsBytes != null && json.weightsBytes !== total) {
        throw new ModelIoError(
          weightsFile,
          `${total} bytes but model.json expects ${json.weightsBytes} (an interrupted save?)`,
        );
      }
      if (json.weightsSha256 != null && json.weightsSha256 !== sha256(data)) {
        throw new ModelIoError(
          weightsFile,
          'SHA-256 differs from the one model.json records (an interrupted save?)',
        );
      }
      return [specs, data.buffer];
    });
  };

  return { save, load };
}

export interface SaveModelOptions {
  /** Also save the optimizer's state (Adam's moments), to resume training exactly. */
  readonly includeOptimizer?: boolean;
}

/** Save a layers model into `dir` (created if needed) as model.json + weights.bin. */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  options: SaveModelOptions = {},
): Promise<tf.io.SaveResult> {
  return model.save(fileSystemHandler(dir), { includeOptimizer: options.includeOptimizer });
}

/**
 * tfjs's Adam restores its bias-correction powers as beta^(t+1) computed with `pow`, whereas
 * training accumulates them as repeated float32 products; the two can differ in the last bit,
 * enough for a resumed run to drift from an uninterrupted one. Recompute them as training does.
 */
function alignAdamState(model: tf.LayersModel): void {
  const opt = model.optimizer as unknown as
    | {
        getClassName(): string;
        iterations: number;
        beta1: number;
        beta2: number;
        accBeta1?: unknown;
        accBeta2?: unknown;
      }
    | undefined;
  if (opt == null || opt.getClassName() !== 'Adam') return;
  const { accBeta1, accBeta2, iterations } = opt;
  if (!(accBeta1 instanceof tf.Variable) || !(accBeta2 instanceof tf.Variable)) return;
  if (!Number.isInteger(iterations) || iterations <= 0) return;
  const accumulated = (beta: number): number => {
    const b = Math.fround(beta);
    let acc = b;
    for (let i = 0; i < iterations; i++) acc = Math.fround(acc * b);
    return acc;
  };
  tf.tidy(() => {
    accBeta1.assign(tf.scalar(accumulated(opt.beta1)));
    accBeta2.assign(tf.scalar(accumulated(opt.beta2)));
  });
}

/**
 * Load a layers model saved in `dir`. It comes back compiled: with the saved optimizer and its
 * state where the model was saved with `includeOptimizer` (training then resumes exactly as if
 * it had not stopped), otherwise, for a model of {@link buildModel}, compiled afresh as built.
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const model = await tf.loadLayersModel(fileSystemHandler(dir));
  if (model.optimizer == null) {
    const meta = modelMetadata(model);
    if (meta) compileModel(model, meta.config.learningRate);
  } else {
    alignAdamState(model);
  }
  return model;
}
