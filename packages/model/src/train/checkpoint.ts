/**
 * Training checkpoints in a folder, crash-safe:
 *
 *   <dir>/epochs/epoch-<n>/   model after epoch n, with the optimizer state (to resume exactly)
 *   <dir>/best/epoch-<n>/     the best model so far (lowest validation loss), without optimizer
 *   <dir>/state.json          which epoch is complete, the history, early-stopping counters
 *
 * A checkpoint counts only once `state.json` (written last, atomically) names it; folders of
 * other epochs are removed after that. A crash at any point leaves the previous state intact.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '@emo/runtime';
import { loadModel, saveModel } from '../io/index.js';
import type { EpochLog } from './history.js';

export const CHECKPOINT_STATE_VERSION = 1;

export interface CheckpointState {
  readonly version: number;
  /** Hash of what must not change for a resume to be valid (model, data, options). */
  readonly fingerprint: string;
  /** Completed epochs (1-based count). */
  readonly epoch: number;
  readonly history: readonly EpochLog[];
  /** 1-based epoch of the best model so far, 0 if none yet. */
  readonly bestEpoch: number;
  readonly bestValLoss: number | null;
  /** Epochs since the last improvement. */
  readonly wait: number;
  readonly stopped: boolean;
  /** The learning rate of the next epoch, when it drops on plateaus (TrainOptions.lrDrop). */
  readonly learningRate?: number;
}

const STATE = 'state.json';
const epochDir = (dir: string, n: number): string => path.join(dir, 'epochs', `epoch-${n}`);
const bestDir = (dir: string, n: number): string => path.join(dir, 'best', `epoch-${n}`);

export function readCheckpointState(dir: string): CheckpointState | null {
  const file = path.join(dir, STATE);
  if (!existsSync(file)) return null;
  let s: CheckpointState;
  try {
    s = JSON.parse(readFileSync(file, 'utf8')) as CheckpointState;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (s.version !== CHECKPOINT_STATE_VERSION || !Number.isInteger(s.epoch)) {
    throw new Error(`${file}: not a checkpoint state of version ${CHECKPOINT_STATE_VERSION}`);
  }
  return s;
}

/** Save the model after an epoch (and as the best one when it is), then commit `state`. */
export async function writeCheckpoint(
  dir: string,
  model: tf.LayersModel,
  state: CheckpointState,
  improved: boolean,
): Promise<void> {
  await saveModel(model, epochDir(dir, state.epoch), { includeOptimizer: true });
  if (improved) await saveModel(model, bestDir(dir, state.epoch));
  writeFileAtomic(path.join(dir, STATE), new TextEncoder().encode(JSON.stringify(state, null, 1)));
  prune(path.join(dir, 'epochs'), state.epoch);
  prune(path.join(dir, 'best'), state.bestEpoch);
}

function prune(folder: string, keep: number): void {
  if (!existsSync(folder)) return;
  for (const name of readdirSync(folder)) {
    if (name !== `epoch-${keep}`) rmSync(path.join(folder, name), { recursive: true, force: true });
  }
}

/** The model (with optimizer state) after the state's last complete epoch. */
export function loadEpochModel(dir: string, state: CheckpointState): Promise<tf.LayersModel> {
  return loadModel(epochDir(dir, state.epoch));
}

/** The best model of the state, or null when no epoch has been the best yet. */
export async function loadBestModel(
  dir: string,
  state: CheckpointState,
): Promise<tf.LayersModel | null> {
  return state.bestEpoch > 0 ? loadModel(bestDir(dir, state.bestEpoch)) : null;
}

/** Remove every checkpoint in `dir` (a fresh start). */
export function clearCheckpoints(dir: string): void {
  for (const p of [STATE, 'epochs', 'best']) {
    rmSync(path.join(dir, p), { recursive: true, force: true });
  }
}
