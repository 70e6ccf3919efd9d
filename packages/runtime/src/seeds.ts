/**
 * Seeds derived from one seed. A run has one top-level seed; every random step derives its own
 * from it and a fixed label (a stage, a model layer's name, "name/kernel"), so that two steps
 * never draw the same stream while one seed still fixes them all. The model package seeds each
 * initialiser and dropout layer this way.
 */

/**
 * The seed of a run when none is given (`seed` in emo.config.json, and every command's
 * `--seed`): every random step of a run derives its own stream from this one number.
 */
export const DEFAULT_SEED = 0;

/** A 32-bit finaliser (good avalanche) of an unsigned 32-bit integer. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of `s`, then {@link mix32}. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** The seed of the part `name` (a layer name, "name/kernel", a stage, …) of something seeded with `seed`. */
export function deriveSeed(seed: number, name: string): number {
  return hashString(`${seed >>> 0}/${name}`);
}

/** The seed of the `step`-th draw of a stream seeded with `seed`. */
export function streamSeed(seed: number, step: number): number {
  return mix32((mix32(seed) ^ mix32(step + 0x9e3779b9)) + step);
}
