/**
 * One worker of `pnpm bench model` (see model-bench.ts), started with child_process.fork so that
 * it has its own tfjs backend and core: selects the backend (EMO_TF_BACKEND, set by the parent),
 * builds one model with the default config and trains or runs it on random data.
 *
 * Arguments: `probe`, or `train|infer <kind> <batch> <warmup> <minBatches> <minSeconds>
 * [barrier]`. With `barrier` the worker reports `ready` after its warm-up and waits for `go`,
 * so that two workers time the same stretch. Replies are IPC messages ({@link ChildMessage}).
 *
 * tools does not depend on tfjs itself: the few ops needed for random inputs come from the copy
 * @emo/model loads (resolved from its folder, so it is the same instance, backend included).
 */
import { createRequire } from 'node:module';
import type { BackendAttempt, ModelConfig, ModelKind } from '@emo/model';
import { BackendUnavailableError, buildModel, describeBackend, selectBackend } from '@emo/model';
import { STUDY_SHAPE } from './study-shape.js';

type LayersModel = ReturnType<typeof buildModel>;
type Tensor = Exclude<ReturnType<LayersModel['predict']>, unknown[]>;

/** The part of tfjs used here. */
interface Tf {
  randomUniform(shape: number[], min: number, max: number, dtype: string, seed: number): Tensor;
  randomNormal(shape: number[], mean: number, std: number, dtype: string, seed: number): Tensor;
  oneHot(indices: Tensor, depth: number): Tensor;
  dispose(x: Tensor[]): void;
  getBackend(): string;
}

const requireHere = createRequire(import.meta.url);
const tf = createRequire(requireHere.resolve('@emo/model'))('@tensorflow/tfjs') as Tf;

export interface ChildResult {
  type: 'result';
  backend: string;
  description: string;
  tried: BackendAttempt[];
  params: number;
  batches: number;
  batchSize: number;
  seconds: number;
  /** performance.timeOrigin-based wall clock of the timed stretch, ms. */
  start: number;
  end: number;
  samplesPerS: number;
}

export type ChildMessage =
  | { type: 'probe'; backend: string; description: string; tried: BackendAttempt[] }
  | { type: 'ready' }
  | ChildResult
  | { type: 'error'; message: string; tried?: BackendAttempt[] };

function send(msg: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      process.stdout.write(`${JSON.stringify(msg)}\n`);
      resolve();
      return;
    }
    process.send(msg, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (m === 'go') {
        process.off('message', onMessage);
        resolve();
      }
    };
    process.on('message', onMessage);
  });
}

/** Random inputs in the model's input order, and one-hot labels. */
function randomBatch(model: LayersModel, batch: number): { xs: Tensor[]; ys: Tensor } {
  const xs = model.inputs.map((input, i) => {
    const shape = [batch, ...input.shape.slice(1).map((d) => d ?? 1)];
    return input.name.startsWith('face')
      ? tf.randomUniform(shape, 0, 255, 'float32', 11 + i)
      : tf.randomNormal(shape, 0, 1, 'float32', 11 + i);
  });
  const classes = (model.outputs[0].shape[1] ?? 2) as number;
  const labels = tf.randomUniform([batch], 0, classes, 'int32', 7);
  const ys = tf.oneHot(labels, classes).toFloat();
  labels.dispose();
  return { xs, ys };
}

async function main(): Promise<void> {
  const [mode, kind, batchArg, warmupArg, minBatchesArg, minSecondsArg, barrier] =
    process.argv.slice(2);
  const selection = await selectBackend({ quiet: true });
  const description = describeBackend(selection);
  if (mode === 'probe') {
    await send({ type: 'probe', backend: selection.name, description, tried: selection.tried });
    return;
  }
  const batch = Number(batchArg);
  const warmup = Number(warmupArg);
  const minBatches = Number(minBatchesArg);
  const minSeconds = Number(minSecondsArg);
  if (tf.getBackend() !== selection.name) {
    throw new Error(`tfjs here is on '${tf.getBackend()}', @emo/model's on '${selection.name}'`);
  }
  // EMO_BENCH_MODEL_CONFIG (see model-bench.ts): overrides of the default config, as JSON.
  const model = buildModel(
    kind as ModelKind,
    JSON.parse(process.env.EMO_BENCH_MODEL_CONFIG ?? '{}') as Partial<ModelConfig>,
    STUDY_SHAPE,
  );
  const { xs, ys } = randomBatch(model, batch);
  const step =
    mode === 'train'
      ? async () => {
          await model.trainOnBatch(xs, ys);
        }
      : async () => {
          const out = model.predict(xs) as Tensor;
          await out.data();
          out.dispose();
        };
  for (let i = 0; i < warmup; i++) await step();
  if (barrier === 'barrier') {
    const go = waitForGo();
    await send({ type: 'ready' });
    await go;
  }
  const start = performance.timeOrigin + performance.now();
  let n = 0;
  let seconds: number;
  do {
    await step();
    n++;
    seconds = (performance.timeOrigin + performance.now() - start) / 1000;
  } while (n < minBatches || seconds < minSeconds);
  const end = start + seconds * 1000;
  await send({
    type: 'result',
    backend: selection.name,
    description,
    tried: selection.tried,
    params: model.countParams(),
    batches: n,
    batchSize: batch,
    seconds,
    start,
    end,
    samplesPerS: (n * batch) / seconds,
  });
  tf.dispose([...xs, ys]);
  model.dispose();
}

try {
  await main();
} catch (err) {
  await send({
    type: 'error',
    message: err instanceof Error ? err.message : String(err),
    ...(err instanceof BackendUnavailableError ? { tried: err.tried } : {}),
  });
  process.exitCode = 1;
}
process.disconnect?.();
