// Shared jest configuration: ESM mode, TypeScript through @swc/jest, cross-package imports
// resolved to sources so tests never depend on a stale build.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(fileURLToPath(import.meta.url));

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: {
    '^@emo/(runtime|samples|datasets|dsp|vision|model|eval)$': path.join(root, 'packages/$1/src/index.ts'),
    '^@emo/model/spec$': path.join(root, 'packages/model/src/spec.ts'),
    '^@emo/orchestrator$': path.join(root, 'apps/orchestrator/src/index.ts'),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
};
