// selectBackend with nothing forced: the first backend that loads. Its own file, because the
// choice is made once per process (jest runs each test file in a process of its own).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {
  BACKEND_ENV,
  describeBackend,
  probeNative,
  selectBackend,
  wasmBinaryDir,
  type BackendSelection,
} from './select.js';
import { WASM_KERNELS } from './wasm-kernels/index.js';

const saved = process.env[BACKEND_ENV];
const natives = (['tfjs-node-gpu', 'tfjs-node'] as const).map((name) => ({
  name,
  probe: probeNative(name),
}));
/** No native binding on this machine (the case where this was written): wasm must win. */
const noNative = natives.every(({ probe }) => !probe.ok);
let first: BackendSelection;
let stderr = '';

beforeAll(async () => {
  delete process.env[BACKEND_ENV];
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    first = await selectBackend();
  } finally {
    write.mockRestore();
  }
});

afterAll(() => {
  if (saved === undefined) delete process.env[BACKEND_ENV];
  else process.env[BACKEND_ENV] = saved;
});

describe('selectBackend (default order)', () => {
  it('tries tfjs-node-gpu, tfjs-node, wasm, cpu in that order and stops at the first that loads', () => {
    const order = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
    expect(first.tried.map((t) => t.name)).toEqual(order.slice(0, first.tried.length));
    expect(first.tried.slice(0, -1).every((t) => !t.ok)).toBe(true);
    expect(first.tried.at(-1)).toMatchObject({ name: first.candidate, ok: true });
    expect(tf.getBackend()).toBe(first.name);
    expect(first.tfjs).toBe('4.22.0');
  });

  it('skips native packages without their binding, with the reason; takes the first that has one', () => {
    if (!noNative) {
      // A machine with a native binding: the first package that has one wins.
      const i = natives.findIndex(({ probe }) => probe.ok);
      expect(first).toMatchObject({ name: 'tensorflow', candidate: natives[i].name });
      expect(first.tried).toHaveLength(i + 1);
      return;
    }
    expect(first.name).toBe('wasm');
    expect(first.tried.map((t) => [t.name, t.ok])).toEqual([
      ['tfjs-node-gpu', false],
      ['tfjs-node', false],
      ['wasm', true],
    ]);
    natives.forEach(({ probe }, i) => {
      if (probe.ok) throw new Error('unreachable');
      expect(first.tried[i].reason).toBe(probe.reason);
    });
    // Skipped before being required: nothing registered a 'tensorflow' backend or its kernels.
    expect(tf.findBackendFactory('tensorflow')).toBeFalsy();
    expect(tf.getKernelsForBackend('tensorflow')).toHaveLength(0);
    expect(first.wasm).toMatchObject({ binaries: wasmBinaryDir(), kernels: [...WASM_KERNELS] });
    expect(first.requested).toBeUndefined();
  });

  it('names tfjs-node without its native library precisely (when that is the case)', () => {
    const probe = probeNative('tfjs-node');
    if (probe.ok || probe.binding === undefined) return; // binding present, or not installed
    // the binding's path inside the package: the description must not depend on the install path
    expect(probe.reason).toMatch(/: lib[\\/]napi-v\d+[\\/]tfjs_binding\.node is missing/);
    expect(probe.reason).not.toContain(probe.binding);
    expect(probe.reason).toMatch(/tfjs-node is installed but its native library is not/);
    expect(probe.binding).toMatch(/lib[\\/]napi-v\d+[\\/]tfjs_binding\.node$/);
  });

  it('says on stderr what it chose, in one line', () => {
    expect(stderr).toBe(`@emo/model: ${describeBackend(first)}\n`);
    expect(stderr).toMatch(new RegExp(`^@emo/model: tfjs 4\\.22\\.0 ${first.candidate}`));
  });

  it('is idempotent: later calls return the same selection and re-activate its backend', async () => {
    await tf.setBackend('cpu');
    const again = await selectBackend({ prefer: 'cpu', quiet: true });
    expect(again).toEqual(first);
    expect(tf.getBackend()).toBe(first.name);
    // A copy: callers cannot change what the next caller gets.
    again.tried.length = 0;
    expect((await selectBackend({ quiet: true })).tried).toEqual(first.tried);
  });
});
