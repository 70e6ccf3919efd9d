// EMO_TF_BACKEND=cpu forces the cpu backend (own file: the choice is made once per process).
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_ENV, selectBackend } from './select.js';
import { wasmGradKernelsRegistered } from './wasm-kernels/index.js';

const saved = process.env[BACKEND_ENV];
beforeAll(() => {
  process.env[BACKEND_ENV] = 'cpu';
});
afterAll(() => {
  if (saved === undefined) delete process.env[BACKEND_ENV];
  else process.env[BACKEND_ENV] = saved;
});

it('EMO_TF_BACKEND=cpu selects cpu without trying anything else', async () => {
  const warn = jest.spyOn(console, 'warn');
  const selection = await selectBackend({ quiet: true });
  expect(selection).toMatchObject({
    name: 'cpu',
    candidate: 'cpu',
    requested: { by: 'EMO_TF_BACKEND', value: 'cpu' },
  });
  expect(selection.tried).toEqual([{ name: 'cpu', ok: true, reason: expect.any(String) }]);
  expect(selection.wasm).toBeUndefined();
  expect(tf.getBackend()).toBe('cpu');
  expect(wasmGradKernelsRegistered()).toBe(false);
  // tfjs's "install tfjs-node" banner of the cpu backend is not printed: we said why already.
  tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync());
  expect(warn).not.toHaveBeenCalled();
  warn.mockRestore();
});
