// The committed native addon: fresh, loadable where it should be, and each reason not to load it.
// Its numbers are checked against the cpu backend in wasm-kernels.test.ts (and whole training
// steps in wasm-train.test.ts).
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import {
  disableNativeKernels,
  loadNativeKernels,
  NATIVE_KERNELS_BINARY,
  NATIVE_KERNELS_ENV,
  nativeKernels,
  nativeKernelsStatus,
} from './native-kernels/index.js';

const SOURCES = new URL('./native-kernels/', import.meta.url);

/** sha256 of the addon's sources as build.sh hashes them: kernels.h and *.c in name order. */
function sourcesSha256(): string {
  const names = readdirSync(SOURCES)
    .filter((f) => f === 'kernels.h' || f.endsWith('.c'))
    .sort();
  const hash = createHash('sha256');
  for (const name of names) hash.update(readFileSync(new URL(name, SOURCES)));
  return hash.digest('hex');
}

/** Whether this machine should run the addon: x86-64 Linux with AVX2 and FMA. */
function machineCanRun(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  const has = new Set(flags.trim().split(/\s+/));
  return has.has('avx2') && has.has('fma');
}

describe('the native kernels addon', () => {
  it('loads on x86-64 Linux with AVX2 and FMA, and only there', () => {
    const status = nativeKernelsStatus();
    if (process.env[NATIVE_KERNELS_ENV]?.trim() === '0') {
      expect(status).toMatchObject({ loaded: false, reason: `${NATIVE_KERNELS_ENV}=0` });
      return;
    }
    expect(status.loaded).toBe(machineCanRun());
    expect(nativeKernels() != null).toBe(machineCanRun());
  });

  it('was built from the committed C sources (run build.sh after changing them)', () => {
    const load = loadNativeKernels({ env: {} });
    if (process.platform !== 'linux' || process.arch !== 'x64') return;
    expect(load.status.source).toBe(sourcesSha256());
  });

  it('says why it is not used', () => {
    expect(loadNativeKernels({ env: { [NATIVE_KERNELS_ENV]: '0' } }).status).toEqual({
      loaded: false,
      reason: 'EMO_NATIVE_KERNELS=0',
    });
    expect(loadNativeKernels({ env: {}, platform: 'darwin', arch: 'arm64' })).toEqual({
      kernels: null,
      status: { loaded: false, reason: 'built for linux x64 only, this is darwin arm64' },
    });
    const missing = `${NATIVE_KERNELS_BINARY}.missing`;
    const gone = loadNativeKernels({ env: {}, platform: 'linux', arch: 'x64', binary: missing });
    expect(gone.kernels).toBeNull();
    expect(gone.status.reason).toContain(`${missing} could not be loaded`);
  });

  it('can be turned off and on again in a process', () => {
    const before = nativeKernelsStatus().loaded;
    disableNativeKernels(true);
    try {
      expect(nativeKernels()).toBeNull();
      expect(nativeKernelsStatus().loaded).toBe(false);
    } finally {
      disableNativeKernels(false);
    }
    expect(nativeKernelsStatus().loaded).toBe(before);
  });

  it('rejects arguments that are not a heap and integers', () => {
    const native = nativeKernels();
    if (!native) return;
    const call = native.matmul as unknown as (...args: unknown[]) => void;
    expect(() => call(new Float32Array(4), 0, 0, 0, 1, 1, 1, 8, 0, 0, 0, 0)).toThrow(
      'the heap must be an ArrayBuffer',
    );
    expect(() => call(new ArrayBuffer(64), 0, 0)).toThrow('wrong number of arguments');
    expect(() => call(new ArrayBuffer(64), 0, 0, 0, 1, 1, 1, 8, 0, 0, 0, 'x')).toThrow(
      'expected non-negative integer arguments',
    );
    // 2×2 · 2×8 → 2×8 floats: a 16, b 16, c 16 floats; 64 floats of heap hold them from 0, 64,
    // 128 bytes, not from 200
    const heap = new ArrayBuffer(256);
    expect(() => call(heap, 0, 64, 128, 1, 2, 2, 8, 0, 0, 0, 0)).not.toThrow();
    expect(() => call(heap, 0, 64, 200, 1, 2, 2, 8, 0, 0, 0, 0)).toThrow('outside the heap');
    expect(() => call(heap, 0, 64, 128, 1, 2, 2, 6, 0, 0, 0, 0)).toThrow('N % 8 == 0');
    const conv = native.conv2dFused as unknown as (...args: unknown[]) => void;
    // 1×2×2×2 input, 1×1×2×8 filter, 1×2×2×8 output, no bias: 8 + 16 + 32 floats, the output from
    // byte 160 past the 256 bytes
    expect(() => conv(heap, 0, 32, 160, 0, 0, 0, 1, 2, 2, 2, 2, 2, 8, 1, 1, 1, 1, 0, 0)).toThrow(
      'outside the heap',
    );
    expect(() => conv(heap, 0, 32, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 8, 1, 1, 0, 1, 0, 0)).toThrow(
      'sh, sw >= 1',
    );
  });
});
