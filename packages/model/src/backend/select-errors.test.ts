// Names that are not backends, and forced backends that cannot load.
import { afterAll, describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {
  BACKEND_ENV,
  BackendNameError,
  BackendUnavailableError,
  parseBackendName,
  probeNative,
  selectBackend,
} from './select.js';

const saved = process.env[BACKEND_ENV];
afterAll(() => {
  if (saved === undefined) delete process.env[BACKEND_ENV];
  else process.env[BACKEND_ENV] = saved;
});

describe('parseBackendName', () => {
  it('knows the backends, aliases and auto', () => {
    expect(parseBackendName('auto')).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
    expect(parseBackendName('')).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
    expect(parseBackendName('tensorflow')).toEqual(['tfjs-node-gpu', 'tfjs-node']);
    expect(parseBackendName(' WASM ')).toEqual(['wasm']);
    expect(parseBackendName('node')).toEqual(['tfjs-node']);
    expect(parseBackendName('gpu')).toEqual(['tfjs-node-gpu']);
    expect(parseBackendName('cpu')).toEqual(['cpu']);
  });

  it('rejects anything else, listing what it accepts', () => {
    expect(() => parseBackendName('tpu')).toThrow(BackendNameError);
    expect(() => parseBackendName('tpu')).toThrow(
      'EMO_TF_BACKEND="tpu" is not a tfjs backend; use one of: auto, tfjs-node-gpu, node-gpu, gpu, ' +
        'tfjs-node, node, tensorflow, native, wasm, cpu',
    );
  });
});

describe('selectBackend errors', () => {
  it('an unknown EMO_TF_BACKEND is an error, not a silent fallback', async () => {
    process.env[BACKEND_ENV] = 'webgpu';
    await expect(selectBackend({ quiet: true })).rejects.toThrow(
      /^EMO_TF_BACKEND="webgpu" is not a tfjs backend; use one of: auto, /,
    );
  });

  it('an unknown `prefer` is an error too', async () => {
    delete process.env[BACKEND_ENV];
    await expect(selectBackend({ prefer: 'tpu', quiet: true })).rejects.toThrow(
      /^prefer="tpu" is not a tfjs backend/,
    );
  });

  const probe = probeNative('tfjs-node');
  it('EMO_TF_BACKEND=tfjs-node without its binding fails clearly (with it, loads it)', async () => {
    process.env[BACKEND_ENV] = 'tfjs-node';
    if (probe.ok) {
      await expect(selectBackend({ quiet: true })).resolves.toMatchObject({
        name: 'tensorflow',
        candidate: 'tfjs-node',
      });
      return;
    }
    const err = await selectBackend({ quiet: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    const { message, tried } = err as BackendUnavailableError;
    expect(message).toMatch(/^EMO_TF_BACKEND=tfjs-node cannot be used here \(tfjs-node: /);
    expect(message).toContain(probe.ok ? '' : probe.reason);
    expect(message).toContain('unset EMO_TF_BACKEND to take the first backend that loads');
    expect(tried).toEqual([{ name: 'tfjs-node', ok: false, reason: probe.ok ? '' : probe.reason }]);
    expect(tf.getKernelsForBackend('tensorflow')).toHaveLength(0);
  });

  it('after failures nothing is cached: `prefer` puts cpu first', async () => {
    delete process.env[BACKEND_ENV];
    const selection = await selectBackend({ prefer: 'cpu', quiet: true });
    expect(selection).toMatchObject({ name: 'cpu', requested: { by: 'prefer', value: 'cpu' } });
    expect(selection.tried.map((t) => t.name)).toEqual(['cpu']);
  });
});
