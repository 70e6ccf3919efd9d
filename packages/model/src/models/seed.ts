/**
 * Per-layer seeds from one model seed. Every initialiser and dropout layer gets its own seed,
 * derived from the model's seed and the layer's (fixed) name, so that two layers of the same
 * shape never start from the same weights while one seed still fixes them all.
 */

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

/** The seed of the part `name` (a layer name, "name/kernel", …) of a model seeded with `seed`. */
export function subSeed(seed: number, name: string): number {
  return hashString(`${seed >>> 0}/${name}`);
}

/** The seed of the `step`-th draw of a stream seeded with `seed`. */
export function streamSeed(seed: number, step: number): number {
  return mix32((mix32(seed) ^ mix32(step + 0x9e3779b9)) + step);
}
