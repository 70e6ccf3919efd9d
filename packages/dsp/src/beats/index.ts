// Beats from a cardiac signal: detection, signal-quality gating, NN correction per usable run.
export { cardiacBeats } from './beats.js';
export type { Beats, BeatsOptions } from './beats.js';
