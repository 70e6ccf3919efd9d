// For tests: run the `emo` command line in-process and collect what it prints.
import { main } from './cli.js';

export async function runEmo(
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(
    ['node', 'emo', ...args],
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}

/** The train stage's config in tests: tiny models, one epoch (a few seconds a run). */
export const TINY_TRAIN = {
  epochs: 1,
  model: {
    convLayers: 1,
    filters: 4,
    physioConvLayers: 1,
    physioFilters: 4,
    lstmUnits: 8,
    denseUnits: [8],
  },
};
