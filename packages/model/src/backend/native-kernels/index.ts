/**
 * The prebuilt native kernels of this folder's C sources (x86-64 Linux with AVX2 and FMA: the
 * convolutions forward and backward, the matrix product, max pooling and the fused LSTM, faster
 * than the wasm backend's), loaded once from `packages/model/native/`. The wasm kernels of ../wasm-kernels
 * call them where they apply and keep their own code for everything else, so training works the
 * same without them, only slower: on another platform or CPU, when the binary cannot be loaded,
 * or with EMO_NATIVE_KERNELS=0. `nativeKernelsStatus()` says which, and why.
 *
 * The binary is committed (nothing is compiled at install time); `build.sh` rebuilds it after a
 * change to the C sources, whose sha256 the binary carries (a test fails on a stale one).
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConvSizes, PoolSizes } from '../kernel-sizes.js';

/**
 * The URL of `@emo/model/kernels`, the entry point that registers this package's wasm kernels
 * (`registerWasmGradKernels`) without loading the rest of it: what other processes import to run
 * tfjs on the same kernels (the vision stage's face-detection workers).
 */
export function kernelsModuleUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('@emo/model/kernels')).href;
}

/** Set to 0 to train without the native kernels (on the wasm kernels alone). */
export const NATIVE_KERNELS_ENV = 'EMO_NATIVE_KERNELS';

/** The committed binary (the same path from src/ under jest and from dist/). */
export const NATIVE_KERNELS_BINARY = fileURLToPath(
  new URL('../../../native/emo-kernels-linux-x64.node', import.meta.url),
);

/** lstm_forward's arguments (../fused-lstm/lstm.c): sizes, then offsets in its memory. */
export type LstmForwardArgs = [
  T: number,
  B: number,
  I: number,
  U: number,
  x: number,
  W: number,
  bias: number,
  R: number,
  gates: number,
  c: number,
  h: number,
];

/** lstm_backward's arguments (../fused-lstm/lstm.c). */
export type LstmBackwardArgs = [
  T: number,
  B: number,
  I: number,
  U: number,
  x: number,
  W: number,
  R: number,
  gates: number,
  c: number,
  h: number,
  dh: number,
  dz: number,
  dx: number,
  dW: number,
  db: number,
  dR: number,
  scratch: number,
];

/**
 * The addon's functions. `heap` is tfjs-backend-wasm's memory buffer; tensors are byte offsets
 * into it; the rest are sizes (NHWC, filters [kh, kw, Ci, Co]). They write their output in place
 * and throw when their scratch memory cannot be allocated.
 */
export interface NativeKernels {
  /** y = x ⋆ w, then + bias (when hasBias) and ReLU (when relu): Conv2D and FusedConv2D; Co % 8 == 0. */
  conv2dFused(
    heap: ArrayBuffer,
    x: number,
    w: number,
    y: number,
    bias: number,
    hasBias: number,
    relu: number,
    ...sizes: ConvSizes
  ): void;
  /** Depthwise convolution, channel multiplier 1, filter [kh, kw, C, 1]; C % 8 == 0. */
  depthwiseConv2d(heap: ArrayBuffer, x: number, w: number, y: number, ...sizes: PoolSizes): void;
  /** dw of a convolution; Co % 8 == 0. */
  conv2dFilterGrad(heap: ArrayBuffer, x: number, dy: number, dw: number, ...sizes: ConvSizes): void;
  /**
   * c [batch, M, N] = op(a) · op(b); strides in floats between batch entries, 0 for one matrix
   * shared by all; N % 8 == 0.
   */
  matmul(
    heap: ArrayBuffer,
    a: number,
    b: number,
    c: number,
    ...sizes: [
      batch: number,
      M: number,
      K: number,
      N: number,
      transposeA: number,
      transposeB: number,
      strideA: number,
      strideB: number,
    ]
  ): void;
  /** Max pooling, NHWC, the cpu backend's rules (see pooling.c); C % 8 == 0. */
  maxPool(heap: ArrayBuffer, x: number, y: number, ...sizes: PoolSizes): void;
  /** MaxPoolGrad: dy to the first strict maximum of each window; C % 8 == 0. */
  maxPoolGrad(heap: ArrayBuffer, x: number, dy: number, dx: number, ...sizes: PoolSizes): void;
  /**
   * The LSTM layer forward, as ../fused-lstm/lstm.c's lstm_forward (same arguments after the
   * heap, same layouts); U % 8 == 0.
   */
  lstmForward(heap: ArrayBuffer, ...args: LstmForwardArgs): void;
  /** The LSTM layer backward, as lstm.c's lstm_backward; U % 8 == 0. */
  lstmBackward(heap: ArrayBuffer, ...args: LstmBackwardArgs): void;
}

interface Addon extends NativeKernels {
  /** Whether this CPU has AVX2 and FMA. */
  readonly supported: boolean;
  /** sha256 of the C sources the binary was built from (see build.sh). */
  readonly source: string;
}

export interface NativeKernelsStatus {
  readonly loaded: boolean;
  /** Why not, when not loaded; the binary when loaded. */
  readonly reason: string;
  /** sha256 of the C sources the binary was built from, when it could be loaded. */
  readonly source?: string;
}

export interface NativeKernelsLoad {
  readonly kernels: NativeKernels | null;
  readonly status: NativeKernelsStatus;
}

/**
 * Loads the addon where it can run. The defaults are this process's; tests pass others to see
 * each reason for not loading.
 */
export function loadNativeKernels(
  options: { env?: NodeJS.ProcessEnv; platform?: string; arch?: string; binary?: string } = {},
): NativeKernelsLoad {
  const { env = process.env, platform = process.platform, arch = process.arch } = options;
  const binary = options.binary ?? NATIVE_KERNELS_BINARY;
  const off = (reason: string, source?: string): NativeKernelsLoad => ({
    kernels: null,
    status: { loaded: false, reason, ...(source ? { source } : {}) },
  });
  if (env[NATIVE_KERNELS_ENV]?.trim() === '0') return off(`${NATIVE_KERNELS_ENV}=0`);
  if (platform !== 'linux' || arch !== 'x64') {
    return off(`built for linux x64 only, this is ${platform} ${arch}`);
  }
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(binary) as Addon;
  } catch (err) {
    return off(`${binary} could not be loaded: ${(err as Error).message}`);
  }
  if (!addon.supported) return off('this CPU lacks AVX2 or FMA', addon.source);
  return { kernels: addon, status: { loaded: true, reason: binary, source: addon.source } };
}

let loaded: NativeKernelsLoad | undefined;
let disabled = false;

/** The native kernels, or null where they cannot (or must not) run. */
export function nativeKernels(): NativeKernels | null {
  if (disabled) return null;
  loaded ??= loadNativeKernels();
  return loaded.kernels;
}

/** Whether the native kernels are in use, and if not why. */
export function nativeKernelsStatus(): NativeKernelsStatus {
  loaded ??= loadNativeKernels();
  if (disabled && loaded.kernels) return { ...loaded.status, loaded: false, reason: 'turned off' };
  return loaded.status;
}

/**
 * Turns the native kernels off (true) or back on where they can run (false), for this process:
 * what the tests use to check both paths side by side.
 */
export function disableNativeKernels(off: boolean): void {
  disabled = off;
}
