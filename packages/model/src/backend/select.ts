/**
 * Choosing the tfjs backend for training and inference: tfjs-node-gpu → tfjs-node → wasm → cpu,
 * the first that loads; `EMO_TF_BACKEND` forces one.
 *
 * - The native packages are optional dependencies whose install may have failed (no prebuilt
 *   libtensorflow for the platform, no network at install time). Requiring such a package
 *   registers its ~200 kernels before it notices, then throws, and a second attempt floods the
 *   console with "already registered" warnings. So a native package is only required when its
 *   `tfjs_binding.node` exists where node-pre-gyp puts it (`lib/napi-v<N>/`, N the highest N-API
 *   version it was built for that this Node supports); otherwise it is skipped, with the path in
 *   the reason.
 * - wasm loads its `.wasm` binaries from the installed @tensorflow/tfjs-backend-wasm's `dist/`
 *   (set with `setWasmPaths` before the backend initialises), and gets the gradient kernels of
 *   ./wasm-kernels/.
 * - The first call decides for the process; later calls return the same selection (and make its
 *   backend the active one again, should other code have switched tfjs to another backend).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernelsStatus, type NativeKernelsStatus } from './native-kernels/index.js';
import { registerWasmGradKernels } from './wasm-kernels/index.js';

/** tfjs backend names: both native packages register 'tensorflow'. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
/** What can be tried, in the default order. */
export type BackendCandidate = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendCandidate[] = [
  'tfjs-node-gpu',
  'tfjs-node',
  'wasm',
  'cpu',
];
/** The environment variable that forces a backend. */
export const BACKEND_ENV = 'EMO_TF_BACKEND';

export interface BackendAttempt {
  name: BackendCandidate;
  ok: boolean;
  /** Why it was skipped or failed, or what was loaded. */
  reason: string;
}

export interface BackendSelection {
  /** The active tfjs backend. */
  name: BackendName;
  /** The package (or built-in backend) that provides it. */
  candidate: BackendCandidate;
  /** Every candidate tried, in order, the chosen one last. */
  tried: BackendAttempt[];
  /** Set when EMO_TF_BACKEND or `prefer` asked for a backend. */
  requested?: { by: 'EMO_TF_BACKEND' | 'prefer'; value: string };
  /** tfjs version (pinned). */
  tfjs: string;
  /** wasm only. */
  wasm?: {
    simd: boolean;
    threads: number;
    binaries: string;
    kernels: string[];
    /** Whether our kernels call the native ones of ./native-kernels, and if not why. */
    native: NativeKernelsStatus;
  };
}

export interface SelectBackendOptions {
  /**
   * A backend to try first (names as for EMO_TF_BACKEND); the others follow in the default
   * order if it does not load. EMO_TF_BACKEND, when set, wins.
   */
  prefer?: string;
  /** No line on stderr about the choice. */
  quiet?: boolean;
}

/** A name for EMO_TF_BACKEND / `prefer` that is not a backend. */
export class BackendNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendNameError';
  }
}

/** EMO_TF_BACKEND named a backend that cannot load here. */
export class BackendUnavailableError extends Error {
  constructor(
    message: string,
    readonly tried: BackendAttempt[],
  ) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

const ALIASES: Record<string, BackendCandidate[]> = {
  'tfjs-node-gpu': ['tfjs-node-gpu'],
  'node-gpu': ['tfjs-node-gpu'],
  gpu: ['tfjs-node-gpu'],
  'tfjs-node': ['tfjs-node'],
  node: ['tfjs-node'],
  tensorflow: ['tfjs-node-gpu', 'tfjs-node'],
  native: ['tfjs-node-gpu', 'tfjs-node'],
  wasm: ['wasm'],
  cpu: ['cpu'],
};

/**
 * The candidates a backend name stands for ('tensorflow' = either native package; '' and 'auto'
 * = all, in the default order). Throws BackendNameError for anything else.
 */
export function parseBackendName(value: string, source: string = BACKEND_ENV): BackendCandidate[] {
  const key = value.trim().toLowerCase();
  if (key === '' || key === 'auto') return [...BACKEND_ORDER];
  const found = ALIASES[key];
  if (!found) {
    throw new BackendNameError(
      `${source}=${JSON.stringify(value)} is not a tfjs backend; use one of: auto, ` +
        `${Object.keys(ALIASES).join(', ')}`,
    );
  }
  return [...found];
}

const requireHere = createRequire(import.meta.url);

/** The installed package's folder, or undefined when it is not installed. */
function packageDir(pkg: string): string | undefined {
  try {
    return dirname(requireHere.resolve(`${pkg}/package.json`));
  } catch {
    return undefined;
  }
}

export type NativeProbe =
  { ok: true; dir: string; binding: string } | { ok: false; reason: string; binding?: string };

/**
 * Where node-pre-gyp puts a native package's `tfjs_binding.node` for this Node, and whether it
 * is there. Nothing is required.
 */
export function probeNative(pkg: 'tfjs-node-gpu' | 'tfjs-node'): NativeProbe {
  const name = `@tensorflow/${pkg}`;
  const dir = packageDir(name);
  if (!dir) return { ok: false, reason: `${name} is not installed (an optional dependency)` };
  let binary: { module_name?: string; module_path?: string; napi_versions?: number[] };
  try {
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      binary?: typeof binary;
    };
    binary = json.binary ?? {};
  } catch (err) {
    return { ok: false, reason: `cannot read ${name}'s package.json: ${(err as Error).message}` };
  }
  const napi = Number(process.versions.napi ?? 0);
  const versions = (binary.napi_versions ?? []).filter((v) => v <= napi);
  if (!binary.module_path || versions.length === 0) {
    return {
      ok: false,
      reason: `${name}: no native binding for N-API ${napi} (package.json binary: ${JSON.stringify(binary)})`,
    };
  }
  const modulePath = binary.module_path.replace(
    '{napi_build_version}',
    String(Math.max(...versions)),
  );
  if (/\{[a-z_]+\}/.test(modulePath)) {
    return { ok: false, reason: `${name}: unsupported binding path template ${modulePath}` };
  }
  const binding = join(dir, modulePath, `${binary.module_name ?? 'tfjs_binding'}.node`);
  if (!existsSync(binding)) {
    return {
      ok: false,
      binding,
      reason:
        // the path inside the package: a description that goes into outputs must not depend
        // on where the project is installed
        `${name} is installed but its native library is not: ${relative(dir, binding)} is missing ` +
        `(its install could not download or build libtensorflow); not loaded`,
    };
  }
  return { ok: true, dir, binding };
}

/** The installed tfjs-backend-wasm's dist folder (where its .wasm binaries are). */
export function wasmBinaryDir(): string {
  return dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm'));
}

const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].slice(0, 300);
}

/** Runs `f` with console.warn collected (tfjs reports kernel registration and init trouble there). */
async function collectingWarnings<T>(
  f: () => Promise<T>,
): Promise<{ value?: T; error?: unknown; warnings: string[] }> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  };
  try {
    return { value: await f(), warnings };
  } catch (error) {
    return { error, warnings };
  } finally {
    console.warn = warn;
  }
}

/** 1 + 2 on the active backend. */
function smokeTest(): void {
  const three = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
  if (three !== 3) throw new Error(`1 + 2 gave ${three}`);
}

/** tfjs's advice to install tfjs-node, printed by the cpu backend on its first tensor. */
const CPU_BANNER = /looks like you are running TensorFlow\.js in Node\.js/;

/** setBackend + ready + 1 + 2; undefined when it works, else why not. */
async function activate(name: BackendName, quiet: boolean): Promise<string | undefined> {
  const { value, error, warnings } = await collectingWarnings(async () => {
    if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    smokeTest();
    return true;
  });
  if (error) return errorText(error);
  if (!value) {
    const why = warnings.find((w) => !/^\s*Initialization of backend/.test(w)) ?? warnings[0];
    return `tf.setBackend('${name}') failed${why ? `: ${why.split('\n')[0]}` : ''}`;
  }
  if (!quiet) for (const w of warnings.filter((w) => !CPU_BANNER.test(w))) console.warn(w);
  return undefined;
}

async function tryNative(
  pkg: 'tfjs-node-gpu' | 'tfjs-node',
  quiet: boolean,
): Promise<BackendAttempt> {
  const probe = probeNative(pkg);
  if (!probe.ok) return { name: pkg, ok: false, reason: probe.reason };
  const spec = `@tensorflow/${pkg}`;
  const { error, warnings } = await collectingWarnings(() => import(spec) as Promise<unknown>);
  if (error) {
    const dup = warnings.filter((w) => /already registered/.test(w)).length;
    return {
      name: pkg,
      ok: false,
      reason:
        `${spec} failed to load: ${errorText(error)}` +
        (dup ? ` (${dup} duplicate kernel registrations)` : ''),
    };
  }
  if (!quiet)
    for (const w of warnings.filter((w) => !/already registered/.test(w))) console.warn(w);
  if (!tf.findBackendFactory('tensorflow')) {
    return {
      name: pkg,
      ok: false,
      reason: `${spec} loaded but registered no 'tensorflow' backend with this tfjs (another copy of tfjs?)`,
    };
  }
  try {
    const failed = await activate('tensorflow', quiet);
    if (failed) return { name: pkg, ok: false, reason: failed };
  } catch (err) {
    return { name: pkg, ok: false, reason: `${spec}: ${errorText(err)}` };
  }
  return { name: pkg, ok: true, reason: `${spec} (libtensorflow via ${probe.binding})` };
}

let wasmInfo: BackendSelection['wasm'];

async function tryWasm(quiet: boolean): Promise<BackendAttempt> {
  let dir: string;
  try {
    dir = wasmBinaryDir();
  } catch (err) {
    return { name: 'wasm', ok: false, reason: `@tensorflow/tfjs-backend-wasm: ${errorText(err)}` };
  }
  const missing = WASM_BINARIES.map((f) => join(dir, f)).filter((f) => !existsSync(f));
  if (missing.length > 0) {
    return { name: 'wasm', ok: false, reason: `wasm binaries missing: ${missing.join(', ')}` };
  }
  try {
    setWasmPaths(`${dir}/`);
  } catch {
    // Already initialised (by us or by other code in this process): its paths stay.
  }
  const kernels = registerWasmGradKernels();
  try {
    const failed = await activate('wasm', quiet);
    if (failed) return { name: 'wasm', ok: false, reason: failed };
  } catch (err) {
    return { name: 'wasm', ok: false, reason: `wasm: ${errorText(err)}` };
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = getThreadsCount();
  const native = nativeKernelsStatus();
  wasmInfo = { simd, threads, binaries: dir, kernels, native };
  return {
    name: 'wasm',
    ok: true,
    reason:
      `@tensorflow/tfjs-backend-wasm ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread(s), ` +
      `binaries from ${dir}; own kernels: ${kernels.join(', ')}; ` +
      (native.loaded
        ? `native kernels from ${native.reason}`
        : `no native kernels: ${native.reason}`),
  };
}

async function tryCpu(quiet: boolean): Promise<BackendAttempt> {
  try {
    const failed = await activate('cpu', quiet);
    if (failed) return { name: 'cpu', ok: false, reason: failed };
  } catch (err) {
    return { name: 'cpu', ok: false, reason: `cpu: ${errorText(err)}` };
  }
  return { name: 'cpu', ok: true, reason: 'tfjs cpu backend (plain JavaScript)' };
}

function backendOf(candidate: BackendCandidate): BackendName {
  return candidate === 'wasm' || candidate === 'cpu' ? candidate : 'tensorflow';
}

async function attempt(candidate: BackendCandidate, quiet: boolean): Promise<BackendAttempt> {
  switch (candidate) {
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return tryNative(candidate, quiet);
    case 'wasm':
      return tryWasm(quiet);
    case 'cpu':
      return tryCpu(quiet);
  }
}

/** One line for logs and reports: "wasm (SIMD, 1 thread) — tfjs-node skipped: …". */
export function describeBackend(selection: BackendSelection): string {
  const chosen = selection.tried[selection.tried.length - 1];
  const extra =
    selection.wasm != null
      ? ` (${selection.wasm.simd ? 'SIMD' : 'no SIMD'}, ${selection.wasm.threads} thread${selection.wasm.threads === 1 ? '' : 's'}, ` +
        `${selection.wasm.native.loaded ? 'native AVX2 kernels' : `no native kernels: ${selection.wasm.native.reason}`})`
      : '';
  const skipped = selection.tried
    .filter((t) => !t.ok)
    .map((t) => `${t.name}: ${t.reason}`)
    .join('; ');
  const forced = selection.requested
    ? `, ${selection.requested.by}=${selection.requested.value}`
    : '';
  return (
    `tfjs ${selection.tfjs} ${selection.name === 'tensorflow' ? chosen.name : selection.name}` +
    `${extra}${forced}${skipped ? ` — not used: ${skipped}` : ''}`
  );
}

let chosen: BackendSelection | undefined;
let pending: Promise<BackendSelection> | undefined;

async function select(options: SelectBackendOptions): Promise<BackendSelection> {
  const quiet = options.quiet ?? false;
  const env = process.env[BACKEND_ENV]?.trim();
  let order: BackendCandidate[];
  let requested: BackendSelection['requested'];
  let forced = false;
  if (env) {
    order = parseBackendName(env, BACKEND_ENV);
    requested = { by: 'EMO_TF_BACKEND', value: env };
    forced = env.toLowerCase() !== 'auto';
  } else if (options.prefer?.trim()) {
    const first = parseBackendName(options.prefer, 'prefer');
    order = [...first, ...BACKEND_ORDER.filter((c) => !first.includes(c))];
    requested = { by: 'prefer', value: options.prefer.trim() };
  } else {
    order = [...BACKEND_ORDER];
  }
  const tried: BackendAttempt[] = [];
  for (const candidate of order) {
    const result = await attempt(candidate, quiet);
    tried.push(result);
    if (!result.ok) continue;
    const selection: BackendSelection = {
      name: backendOf(candidate),
      candidate,
      tried,
      ...(requested ? { requested } : {}),
      tfjs: tf.version.tfjs,
      ...(candidate === 'wasm' && wasmInfo ? { wasm: wasmInfo } : {}),
    };
    if (!quiet) process.stderr.write(`@emo/model: ${describeBackend(selection)}\n`);
    return selection;
  }
  const reasons = tried.map((t) => `${t.name}: ${t.reason}`).join('; ');
  throw new BackendUnavailableError(
    forced
      ? `${BACKEND_ENV}=${env} cannot be used here (${reasons}); unset ${BACKEND_ENV} to take ` +
          `the first backend that loads (${BACKEND_ORDER.join(' → ')})`
      : `no tfjs backend could be loaded (${reasons})`,
    tried,
  );
}

/**
 * Selects and activates the tfjs backend: tfjs-node-gpu → tfjs-node → wasm → cpu, the first that
 * loads, unless EMO_TF_BACKEND forces one (an error if it cannot load; 'auto' or empty = the
 * default order) or `prefer` puts one first. Idempotent: the first successful call decides;
 * later calls return a copy of its result and re-activate its backend.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  if (chosen) {
    if (tf.getBackend() !== chosen.name) await tf.setBackend(chosen.name);
    return structuredClone(chosen);
  }
  pending ??= select(options).then(
    (selection) => {
      chosen = selection;
      pending = undefined;
      return selection;
    },
    (err: unknown) => {
      pending = undefined;
      throw err;
    },
  );
  return structuredClone(await pending);
}
