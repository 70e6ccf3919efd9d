/**
 * The inputs a model can take, by name: `face` (K face crops of a window, or one image),
 * `physio` (the window's T×C physiological sequence) and `features` (its F window features).
 * The sample index reads the sizes of each from the shards (see sample-index.ts).
 */
export type InputName = 'face' | 'physio' | 'features';

export const INPUT_NAMES: readonly InputName[] = ['face', 'physio', 'features'];
