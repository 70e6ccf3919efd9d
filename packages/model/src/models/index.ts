export * from './config.js';
export * from './shape.js';
export * from './signature.js';
export * from './grid.js';
export * from './build.js';
export * from './layers.js';
export * from './summary.js';
export { SeededOrthogonal, orthogonalMatrix } from './initializers.js';
