/**
 * The one list of the kernels in this folder, and their registration on tfjs's wasm backend
 * (the shape of tfjs-backend-wasm's register_all_kernels.ts). A kernel that replaces a shipped
 * one keeps the shipped kernel's setup and gets its kernelFunc as `original`, to fall back to.
 */
import * as tf from '@tensorflow/tfjs-core';
// Registers the wasm backend and its shipped kernels, which ours replace and fall back to.
import '@tensorflow/tfjs-backend-wasm';
import { avgPoolGradKernel } from './avg-pool-grad.js';
import { batchMatMulKernel } from './batch-mat-mul.js';
import { depthwiseConv2dKernel } from './depthwise-conv2d.js';
import { conv2DKernel, fusedConv2DKernel } from './conv2d.js';
import { conv2DBackpropFilterKernel } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputKernel } from './conv2d-backprop-input.js';
import { identityKernel } from './identity.js';
import { maxPoolKernel } from './max-pool.js';
import { maxPoolGradKernel } from './max-pool-grad.js';
import { BACKEND, type Impl, type KernelArgs, type WasmKernel } from './shared.js';
import { sliceKernel } from './slice.js';
import { meanKernel, sumKernel } from './sum.js';
import { tileKernel } from './tile.js';
import { unpackKernel } from './unpack.js';

const MARK = Symbol.for('@emo/model:wasm-kernel');

/** Every kernel of this folder, in the order they are registered. */
const KERNELS = [
  conv2DKernel,
  fusedConv2DKernel,
  depthwiseConv2dKernel,
  conv2DBackpropFilterKernel,
  conv2DBackpropInputKernel,
  maxPoolKernel,
  maxPoolGradKernel,
  avgPoolGradKernel,
  batchMatMulKernel,
  sumKernel,
  meanKernel,
  tileKernel,
  sliceKernel,
  unpackKernel,
  identityKernel,
] as const;

/** The kernel names of a tuple of kernels, as a tuple of literal names. */
type KernelNames<T extends readonly WasmKernel[]> = {
  readonly [K in keyof T]: T[K] extends WasmKernel<infer Name> ? Name : never;
};

/**
 * Kernels this module registers on the wasm backend: their names in KERNELS' order, typed as a
 * tuple of literals (which `map` cannot infer).
 */
export const WASM_KERNELS = KERNELS.map((kernel) => kernel.name) as unknown as KernelNames<
  typeof KERNELS
>;
export type WasmKernelName = (typeof WASM_KERNELS)[number];

function isOurs(config: tf.KernelConfig | undefined): boolean {
  return config != null && (config.kernelFunc as unknown as Record<symbol, unknown>)[MARK] === true;
}

function install(name: WasmKernelName, impl: Impl): void {
  const existing = tf.getKernel(name, BACKEND);
  if (isOurs(existing)) return;
  const original: tf.KernelFunc =
    existing?.kernelFunc ??
    (() => {
      throw new Error(`wasm kernel ${name}: no shipped kernel to fall back to`);
    });
  const kernelFunc = ((args: KernelArgs) => impl(args, original)) as tf.KernelFunc;
  (kernelFunc as unknown as Record<symbol, unknown>)[MARK] = true;
  if (existing) tf.unregisterKernel(name, BACKEND);
  tf.registerKernel({
    kernelName: name,
    backendName: BACKEND,
    kernelFunc,
    // The shipped kernel's setup (cwrap of its C++ function) still has to run at backend init.
    setupFunc: existing?.setupFunc,
    disposeFunc: existing?.disposeFunc,
  });
}

/**
 * Registers the gradient kernels on tfjs's wasm backend (idempotent; before or after the
 * backend initialises). Returns the names of the kernels that are ours now.
 */
export function registerWasmGradKernels(): WasmKernelName[] {
  for (const { name, impl } of KERNELS) install(name, impl);
  return WASM_KERNELS.filter((name) => isOurs(tf.getKernel(name, BACKEND)));
}

/** Whether our kernels are the ones registered on the wasm backend now. */
export function wasmGradKernelsRegistered(): boolean {
  return WASM_KERNELS.every((name) => isOurs(tf.getKernel(name, BACKEND)));
}
