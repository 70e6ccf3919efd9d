// tfjs backend selection, the wasm backend's gradient kernels and the native kernels they call.
export {
  BACKEND_ENV,
  BACKEND_ORDER,
  BackendNameError,
  BackendUnavailableError,
  describeBackend,
  parseBackendName,
  probeNative,
  selectBackend,
  wasmBinaryDir,
} from './select.js';
export type {
  BackendAttempt,
  BackendCandidate,
  BackendName,
  BackendSelection,
  NativeProbe,
  SelectBackendOptions,
} from './select.js';
export {
  registerWasmGradKernels,
  WASM_KERNELS,
  wasmGradKernelsRegistered,
} from './wasm-kernels/index.js';
export type { WasmKernelName } from './wasm-kernels/index.js';
export {
  kernelsModuleUrl,
  NATIVE_KERNELS_ENV,
  nativeKernelsStatus,
} from './native-kernels/index.js';
export type { NativeKernelsStatus } from './native-kernels/index.js';
