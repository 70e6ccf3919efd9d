// The synthetic-corpus simulators: subject/emotion effect model, physiological signals, face
// renderer and video encoder.
export * from './design.js';
export * from './physio.js';
export * from './face.js';
export * from './video.js';
export * from './presets.js';
