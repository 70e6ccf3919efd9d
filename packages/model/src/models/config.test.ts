import { describe, expect, it } from '@jest/globals';
import { EMOTIONS } from '@emo/datasets';
import { CHANNELS, FEATURES } from '@emo/dsp';
import type { ModelConfig } from './config.js';
import {
  DEFAULT_MODEL_CONFIG,
  ModelConfigError,
  faceSideAfterConvs,
  filtersPerLayer,
  physioStepsAfterFrontEnd,
  resolveModelConfig,
} from './config.js';

function errorOf(partial: unknown): ModelConfigError {
  try {
    resolveModelConfig(partial as Partial<ModelConfig>);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelConfigError);
    return err as ModelConfigError;
  }
  throw new Error(`expected ${JSON.stringify(partial)} to be refused`);
}

describe('resolveModelConfig', () => {
  it('defaults follow the data contracts and the seed', () => {
    const cfg = resolveModelConfig();
    expect(cfg).toEqual(DEFAULT_MODEL_CONFIG);
    expect(cfg.imageSize).toBe(48);
    expect(cfg.frames).toBe(1);
    expect([cfg.seqLength, cfg.channels]).toEqual([320, CHANNELS.length]);
    expect(cfg.channels).toBe(4);
    expect(cfg.numFeatures).toBe(FEATURES.length);
    expect(cfg.numFeatures).toBe(11);
    expect(cfg.numClasses).toBe(EMOTIONS.length);
    expect(cfg.learningRate).toBe(0.001);
    expect(cfg.lstmLayers).toBe(1);
    expect(cfg.lstmUnits).toBe(64);
    expect(filtersPerLayer(cfg.filters, cfg.convLayers)).toEqual([32, 64, 128]);
    expect(faceSideAfterConvs(cfg)).toBe(6);
    expect(physioStepsAfterFrontEnd(cfg)).toBe(80);
  });

  it('overlays a partial config and ignores undefined values', () => {
    const cfg = resolveModelConfig({ lstmUnits: 32, dropout: undefined, filters: [8, 16, 8] });
    expect(cfg.lstmUnits).toBe(32);
    expect(cfg.dropout).toBe(DEFAULT_MODEL_CONFIG.dropout);
    expect(filtersPerLayer(cfg.filters, cfg.convLayers)).toEqual([8, 16, 8]);
  });

  it('names unknown keys and suggests the closest', () => {
    const err = errorOf({ lstmUnit: 32 });
    expect(err.key).toBe('lstmUnit');
    expect(err.message).toMatch(/unknown key 'lstmUnit' \(did you mean 'lstmUnits'\?\)/);
    expect(errorOf({ zzzzzzzzzzzz: 1 }).message).not.toMatch(/did you mean/);
  });

  it.each([
    [{ lstmUnits: 0 }, 'lstmUnits', /lstmUnits must be an integer ≥ 1, got 0/],
    [{ convLayers: 2.5 }, 'convLayers', /convLayers must be an integer ≥ 1, got 2.5/],
    [{ frames: '3' }, 'frames', /frames must be an integer ≥ 1, got "3"/],
    [{ numClasses: 1 }, 'numClasses', /numClasses must be an integer ≥ 2/],
    [{ dropout: 1 }, 'dropout', /dropout must be in \[0, 1\), got 1/],
    [{ dropout: -0.1 }, 'dropout', /dropout must be in \[0, 1\)/],
    [{ learningRate: 0 }, 'learningRate', /learningRate must be a positive number/],
    [{ learningRate: NaN }, 'learningRate', /learningRate must be a positive number/],
    [{ seed: -1 }, 'seed', /seed must be an integer in \[0, 2\^32 - 1\], got -1/],
    [{ seed: 1.5 }, 'seed', /seed must be an integer/],
    [{ filters: 0 }, 'filters', /filters must be a positive integer, got 0/],
    [{ filters: [32, 64] }, 'filters', /filters lists 2 filter counts but convLayers is 3/],
    [{ filters: 'many' }, 'filters', /filters must be a positive integer or an array/],
    [{ physioFilters: [8] }, 'physioFilters', /physioFilters lists 1 .* physioConvLayers is 2/],
    [
      { facePooling: 'mean' },
      'facePooling',
      /facePooling must be 'avg', 'max' or 'flatten', got "mean"/,
    ],
    [{ useFeatures: 'yes' }, 'useFeatures', /useFeatures must be true or false/],
    [{ denseUnits: 128 }, 'denseUnits', /denseUnits must be an array of positive integers/],
    [{ denseUnits: [64, 0] }, 'denseUnits', /denseUnits must be an array/],
    [{ convLayers: 6 }, 'convLayers', /6 conv layers .* shrink a 48×48 face to nothing; at most 5/],
    [
      { physioConvLayers: 3, physioPoolSize: 8 },
      'physioConvLayers',
      /shrinks the 320-step sequence to nothing/,
    ],
  ])('refuses %j', (partial, key, message) => {
    const err = errorOf(partial);
    expect(err.key).toBe(key);
    expect(err.message).toMatch(/^model config: /);
    expect(err.message).toMatch(message);
  });

  it('refuses a non-object', () => {
    expect(errorOf(null).message).toMatch(/expected an object, got null/);
    expect(errorOf([1]).key).toBeNull();
  });

  it('accepts a physiological branch without a conv front end', () => {
    const cfg = resolveModelConfig({ physioConvLayers: 0, physioFilters: [] });
    expect(physioStepsAfterFrontEnd(cfg)).toBe(320);
  });

  it('shortens the sequence by stride and pooling', () => {
    const cfg = resolveModelConfig({ physioConvLayers: 2, physioStride: 2, physioPoolSize: 2 });
    expect(physioStepsAfterFrontEnd(cfg)).toBe(20);
  });
});
