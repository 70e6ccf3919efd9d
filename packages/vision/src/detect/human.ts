/**
 * Loading @vladmandic/human's BlazeFace detector on tfjs's wasm backend, lazily and once per
 * process, with the weights shipped inside the npm package (nothing is downloaded).
 *
 * How (and why):
 * - Human's `dist/human.node-wasm.js` is loaded by file path: the package's `exports` map has no
 *   `./` entry, so `require('@vladmandic/human/dist/...')` and `require.resolve` of its
 *   package.json fail. We resolve the package's main file and walk up to the folder whose
 *   package.json is named `@vladmandic/human`.
 * - That build `require`s @tensorflow/tfjs-core, -converter and -backend-wasm itself (from its
 *   own folder); the `.wasm` binaries are taken from the tfjs-backend-wasm that *it* resolves
 *   (`wasmPath`, a folder path with a trailing slash; Node reads it from disk).
 * - Node's `fetch` cannot read `file://` URLs, and Human loads models with `fetch`. Instead of
 *   patching the global `fetch`, we register a tfjs IO router for a private URL scheme
 *   (`emo-vision-model://<absolute folder>/`) that reads model.json and its weight files from
 *   disk, and give Human that as `modelBasePath`. A private scheme also never collides with the
 *   `file://` handler that @tensorflow/tfjs-node registers when it is loaded in the same process.
 * - Only the face detector is enabled (mesh, iris, emotion, description, antispoof, liveness,
 *   body, hand, object, gesture, segmentation off); input filters and result caching are off,
 *   so every call runs the detector on exactly the pixels given.
 * - Before Human is asked to load anything, the model files (model.json and every weight file
 *   it lists) and the wasm binaries are checked, so a missing file fails with an error naming it
 *   instead of Human's console message and an unloaded model.
 *
 * Caveat: tfjs keeps one active backend per process. Loading sets it to `wasm`; code in the same
 * process that relies on another tfjs backend (tfjs-node for training) must set its own backend
 * again, and should not run tfjs work concurrently with `detect`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** The model file inside Human's `models/` folder. */
export const BLAZEFACE_MODEL_FILE = 'blazeface.json';
const MODEL_SCHEME = 'emo-vision-model://';
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

// ---- the parts of Human and tfjs that we use (typed here; Human's own types need the DOM) ----

/** A tfjs tensor, as far as we touch it. */
export interface TfTensor {
  readonly shape: number[];
  dispose(): void;
}

interface ModelArtifacts {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: unknown;
  userDefinedMetadata?: unknown;
  modelInitializer?: unknown;
  weightSpecs: unknown[];
  weightData: ArrayBuffer;
}

interface IoHandler {
  load(): Promise<ModelArtifacts>;
}

/** The tfjs functions used by the detector. */
export interface TfApi {
  tensor3d(
    values: Uint8Array | Float32Array,
    shape: [number, number, number],
    dtype: 'int32' | 'float32',
  ): TfTensor;
  pad(x: TfTensor, paddings: Array<[number, number]>, constantValue?: number): TfTensor;
  tile(x: TfTensor, reps: number[]): TfTensor;
  slice(x: TfTensor, begin: number[], size: number[]): TfTensor;
  tidy<T extends TfTensor>(fn: () => T): T;
  getBackend(): string;
  memory(): { numTensors: number };
  io: { registerLoadRouter(router: (url: string | string[]) => IoHandler | null): void };
}

/** One face of Human's result (detector-only configuration). */
export interface HumanFace {
  score: number;
  /** Squared box, normalised to the input's width and height, not clamped. */
  boxRaw: [number, number, number, number];
  /** The detector's own box size [w, h] in input pixels (before Human squares it). */
  size: [number, number];
  /** BlazeFace's six keypoints in input pixels. */
  mesh: number[][];
}

interface HumanResult {
  face: HumanFace[];
  error?: string | null;
}

/** Per-call detector settings passed to Human. */
export interface HumanDetectorConfig {
  minConfidence: number;
  maxDetected: number;
  iouThreshold: number;
}

interface HumanInstance {
  tf: TfApi;
  load(): Promise<void>;
  detect(
    input: TfTensor,
    config: { face: { detector: HumanDetectorConfig } },
  ): Promise<HumanResult>;
  models: { models: Record<string, unknown> };
}

interface HumanModule {
  Human: new (config: Record<string, unknown>) => HumanInstance;
}

/** Where the model and the wasm binaries are read from. */
export interface ModelLocation {
  /** Folder holding `blazeface.json` and its weights. Default: Human's `models/`. */
  modelDir: string;
  /** Folder holding tfjs-backend-wasm's `.wasm` files. Default: that of Human's tfjs. */
  wasmDir: string;
}

/** The loaded detector runtime, shared by every `FaceDetector` in the process. */
export interface FaceRuntime {
  readonly location: ModelLocation;
  readonly tf: TfApi;
  /** Run Human's detector on a [h, w, 3] int32 tensor; calls are serialised. */
  detect(input: TfTensor, config: HumanDetectorConfig): Promise<HumanFace[]>;
}

/** The model files are missing or unreadable. */
export class FaceModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaceModelError';
  }
}

const requireHere = createRequire(import.meta.url);

/** Human's package folder, or a FaceModelError. */
export function humanPackageDir(): string {
  let main: string;
  try {
    main = requireHere.resolve('@vladmandic/human');
  } catch (err) {
    throw new FaceModelError(
      `@vladmandic/human is not installed (needed for face detection): ${(err as Error).message}`,
    );
  }
  for (let dir = dirname(main); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name;
      if (name === '@vladmandic/human') return dir;
    }
    if (dirname(dir) === dir) {
      throw new FaceModelError(`cannot find @vladmandic/human's package folder above ${main}`);
    }
  }
}

function humanDistFile(): string {
  const file = join(humanPackageDir(), 'dist', 'human.node-wasm.js');
  if (!existsSync(file)) {
    throw new FaceModelError(`@vladmandic/human's wasm build is missing: expected ${file}`);
  }
  return file;
}

/** Default model and wasm folders (the files shipped with Human and its tfjs). */
export function defaultModelLocation(): ModelLocation {
  const dist = humanDistFile();
  const modelDir = join(dirname(dirname(dist)), 'models');
  let wasmEntry: string;
  try {
    wasmEntry = createRequire(dist).resolve('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    throw new FaceModelError(
      `@tensorflow/tfjs-backend-wasm cannot be resolved from ${dist}: ${(err as Error).message}`,
    );
  }
  return { modelDir, wasmDir: dirname(wasmEntry) };
}

/**
 * Check that the model (model.json and every weight file it lists) and the wasm binaries are
 * there; throws a FaceModelError naming the first missing or malformed file.
 */
export function checkModelFiles(location: ModelLocation): void {
  const json = join(location.modelDir, BLAZEFACE_MODEL_FILE);
  if (!isFile(json)) {
    throw new FaceModelError(
      `BlazeFace model not found: expected ${json} (shipped in @vladmandic/human's models/ folder)`,
    );
  }
  for (const file of weightFiles(json)) {
    if (!isFile(file)) {
      throw new FaceModelError(`BlazeFace weights not found: expected ${file} (listed in ${json})`);
    }
  }
  for (const name of WASM_FILES) {
    const file = join(location.wasmDir, name);
    if (!isFile(file)) {
      throw new FaceModelError(
        `tfjs wasm binary not found: expected ${file} (@tensorflow/tfjs-backend-wasm dist/)`,
      );
    }
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

interface ModelJson {
  modelTopology?: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: unknown;
  userDefinedMetadata?: unknown;
  modelInitializer?: unknown;
  weightsManifest?: Array<{ paths: string[]; weights: unknown[] }>;
}

function readModelJson(path: string): ModelJson {
  let parsed: ModelJson;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as ModelJson;
  } catch (err) {
    throw new FaceModelError(`cannot read model ${path}: ${(err as Error).message}`);
  }
  if (!parsed.modelTopology || !Array.isArray(parsed.weightsManifest)) {
    throw new FaceModelError(
      `${path} is not a tfjs graph model (expected modelTopology and weightsManifest)`,
    );
  }
  return parsed;
}

function weightFiles(jsonPath: string): string[] {
  const manifest = readModelJson(jsonPath).weightsManifest ?? [];
  return manifest.flatMap((group) => group.paths.map((p) => join(dirname(jsonPath), p)));
}

/** tfjs model artifacts read from a model.json and its weight files. */
function loadArtifacts(jsonPath: string): ModelArtifacts {
  const json = readModelJson(jsonPath);
  const specs: unknown[] = [];
  const chunks: Buffer[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const p of group.paths) chunks.push(readFileSync(join(dirname(jsonPath), p)));
  }
  const all = Buffer.concat(chunks);
  const weightData = new ArrayBuffer(all.byteLength);
  new Uint8Array(weightData).set(all);
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    modelInitializer: json.modelInitializer,
    weightSpecs: specs,
    weightData,
  };
}

let runtime: Promise<FaceRuntime> | null = null;
let runtimeLocation: ModelLocation | null = null;
const routedTfs = new WeakSet<object>();

/**
 * The process-wide detector runtime, loaded on first use. Later calls return the same one;
 * asking for other model or wasm folders than the loaded ones is an error. A failed load is not
 * cached (the next call tries again).
 */
export function loadFaceRuntime(location: Partial<ModelLocation> = {}): Promise<FaceRuntime> {
  let wanted: ModelLocation;
  try {
    const defaults =
      location.modelDir && location.wasmDir
        ? { modelDir: location.modelDir, wasmDir: location.wasmDir }
        : defaultModelLocation();
    wanted = {
      modelDir: resolve(location.modelDir ?? defaults.modelDir),
      wasmDir: resolve(location.wasmDir ?? defaults.wasmDir),
    };
  } catch (err) {
    return Promise.reject(err);
  }
  if (runtime && runtimeLocation) {
    if (
      runtimeLocation.modelDir !== wanted.modelDir ||
      runtimeLocation.wasmDir !== wanted.wasmDir
    ) {
      return Promise.reject(
        new FaceModelError(
          `the face model is already loaded from ${runtimeLocation.modelDir} (wasm ` +
            `${runtimeLocation.wasmDir}); one process uses one model, cannot load ${wanted.modelDir}`,
        ),
      );
    }
    return runtime;
  }
  runtimeLocation = wanted;
  runtime = createRuntime(wanted).catch((err: unknown) => {
    runtime = null;
    runtimeLocation = null;
    throw err;
  });
  return runtime;
}

async function createRuntime(location: ModelLocation): Promise<FaceRuntime> {
  checkModelFiles(location);
  const dist = humanDistFile();
  const mod = requireHere(dist) as HumanModule;
  const human = new mod.Human({
    backend: 'wasm',
    wasmPath: location.wasmDir.endsWith('/') ? location.wasmDir : `${location.wasmDir}/`,
    wasmPlatformFetch: false,
    modelBasePath: `${MODEL_SCHEME}${location.modelDir}/`,
    debug: false,
    async: true,
    warmup: 'none',
    cacheModels: false,
    validateModels: false,
    cacheSensitivity: 0,
    skipAllowed: false,
    deallocate: false,
    filter: { enabled: false },
    gesture: { enabled: false },
    face: {
      enabled: true,
      detector: {
        enabled: true,
        modelPath: BLAZEFACE_MODEL_FILE,
        rotation: false,
        square: false,
        scale: 1,
        minSize: 0,
        skipFrames: 0,
        skipTime: 0,
        mask: false,
        return: false,
        maxDetected: 5,
        minConfidence: 0.5,
        iouThreshold: 0.3,
      },
      mesh: { enabled: false },
      attention: { enabled: false },
      iris: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
  });
  const tf = human.tf;
  if (!routedTfs.has(tf)) {
    routedTfs.add(tf);
    tf.io.registerLoadRouter((url) => {
      const u = Array.isArray(url) ? url[0] : url;
      if (typeof u !== 'string' || !u.startsWith(MODEL_SCHEME)) return null;
      const path = u.slice(MODEL_SCHEME.length);
      return { load: async () => loadArtifacts(path) };
    });
  }
  await human.load();
  if (!human.models.models.blazeface) {
    throw new FaceModelError(`BlazeFace did not load from ${location.modelDir}`);
  }
  if (tf.getBackend() !== 'wasm') {
    throw new FaceModelError(`tfjs wasm backend did not start (active: ${tf.getBackend()})`);
  }

  let queue: Promise<unknown> = Promise.resolve();
  const detect = (input: TfTensor, config: HumanDetectorConfig): Promise<HumanFace[]> => {
    const run = queue.then(async () => {
      const result = await human.detect(input, { face: { detector: config } });
      if (result.error) throw new Error(`face detection failed: ${result.error}`);
      return result.face;
    });
    queue = run.catch(() => undefined);
    return run;
  };
  return { location, tf, detect };
}
