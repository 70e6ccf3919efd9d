export * from './fs-handler.js';
