import { describe, expect, it } from '@jest/globals';
import type { ModelConfig } from './config.js';
import {
  DEFAULT_MODEL_CONFIG,
  ModelConfigError,
  filtersPerLayer,
  resolveModelConfig,
} from './config.js';
import { checkArchitecture, faceSideAfterConvs, physioStepsAfterFrontEnd } from './shape.js';
import { STUDY_SHAPE } from './testing.js';

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
  it('defaults follow the study', () => {
    const cfg = resolveModelConfig();
    expect(cfg).toEqual(DEFAULT_MODEL_CONFIG);
    expect(cfg.learningRate).toBe(0.001);
    expect(cfg.lstmLayers).toBe(1);
    expect(cfg.lstmUnits).toBe(64);
    expect(filtersPerLayer(cfg.filters, cfg.convLayers)).toEqual([32, 64, 128]);
    expect(faceSideAfterConvs(cfg, STUDY_SHAPE.imageSize)).toBe(6);
    expect(physioStepsAfterFrontEnd(cfg, STUDY_SHAPE.seqLength)).toBe(80);
  });

  it.each(['imageSize', 'frames', 'seqLength', 'channels', 'numFeatures', 'numClasses'])(
    'refuses the size %s: sizes come from the data',
    (key) => {
      const err = errorOf({ [key]: 3 });
      expect(err.key).toBe(key);
      expect(err.message).toMatch(/not a model setting: input and output sizes come from the data/);
    },
  );

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
    [{ kernelSize: '3' }, 'kernelSize', /kernelSize must be an integer ≥ 1, got "3"/],
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
    [{ faceBatchNorm: 1 }, 'faceBatchNorm', /faceBatchNorm must be true or false, got 1/],
    [{ headBatchNorm: 'on' }, 'headBatchNorm', /headBatchNorm must be true or false, got "on"/],
    [{ featureNorm: 'person' }, 'featureNorm', /featureNorm must be 'train' or 'subject'/],
    [{ denseUnits: 128 }, 'denseUnits', /denseUnits must be an array of positive integers/],
    [{ denseUnits: [64, 0] }, 'denseUnits', /denseUnits must be an array/],
  ])('refuses %j', (partial, key, message) => {
    const err = errorOf(partial);
    expect(err.key).toBe(key);
    expect(err.message).toMatch(/^model config: /);
    expect(err.message).toMatch(message);
  });

  it.each([
    [{ convLayers: 6 }, 'convLayers', /6 conv layers .* shrink a 48×48 face to nothing; at most 5/],
    [
      { physioConvLayers: 3, physioPoolSize: 8 },
      'physioConvLayers',
      /shrinks the 320-step sequence to nothing/,
    ],
  ])('refuses %j for the study data', (partial, key, message) => {
    const cfg = resolveModelConfig(partial as Partial<ModelConfig>);
    try {
      checkArchitecture(cfg, STUDY_SHAPE);
    } catch (err) {
      expect((err as ModelConfigError).key).toBe(key);
      expect((err as Error).message).toMatch(message);
      return;
    }
    throw new Error('expected a refusal');
  });

  it('fits the architecture to shorter data: 5-s windows at 16 Hz pass two front-end layers', () => {
    const cfg = resolveModelConfig();
    expect(() => checkArchitecture(cfg, { ...STUDY_SHAPE, seqLength: 80 })).not.toThrow();
    expect(physioStepsAfterFrontEnd(cfg, 80)).toBe(20);
    expect(() => checkArchitecture(cfg, { ...STUDY_SHAPE, seqLength: 3 })).toThrow(
      /shrinks the 3-step sequence to nothing/,
    );
  });

  it('refuses a non-object', () => {
    expect(errorOf(null).message).toMatch(/expected an object, got null/);
    expect(errorOf([1]).key).toBeNull();
  });

  it('accepts a physiological branch without a conv front end', () => {
    const cfg = resolveModelConfig({ physioConvLayers: 0, physioFilters: [] });
    expect(physioStepsAfterFrontEnd(cfg, 320)).toBe(320);
  });

  it('shortens the sequence by stride and pooling', () => {
    const cfg = resolveModelConfig({ physioConvLayers: 2, physioStride: 2, physioPoolSize: 2 });
    expect(physioStepsAfterFrontEnd(cfg, 320)).toBe(20);
  });
});
