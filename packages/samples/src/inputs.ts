/**
 * The inputs a model can take, by name: `face` (K face crops of a window, or one image),
 * `faceStats` (simple statistics of those crops, below), `physio` (the window's T×C
 * physiological sequence) and `features` (its F window features). The sample index reads the
 * sizes of each from the shards (see sample-index.ts).
 */
export type InputName = 'face' | 'faceStats' | 'physio' | 'features';

export const INPUT_NAMES: readonly InputName[] = ['face', 'faceStats', 'physio', 'features'];

/** Inputs read from a faces shard. */
export const readsFaces = (input: InputName): boolean => input === 'face' || input === 'faceStats';

/** Inputs read from a windows shard. */
export const readsWindows = (input: InputName): boolean =>
  input === 'physio' || input === 'features';

/**
 * A row's K face crops (frame-major K × side² bytes, as a faces shard holds them, from
 * `from`) written as the model's `face` input: channels-last side × side × K floats (0–255)
 * into `out` at `to`.
 */
export function writeFaceInput(
  src: Uint8Array,
  from: number,
  side: number,
  frames: number,
  out: Float32Array,
  to: number,
): void {
  const hw = side * side;
  for (let f = 0; f < frames; f++) {
    const base = from + f * hw;
    for (let p = 0; p < hw; p++) out[to + p * frames + f] = src[base + p];
  }
}

/**
 * `faceStats`: each crop cut into a FACE_STATS_GRID × FACE_STATS_GRID grid of equal cells
 * (48×48 → 12×12-pixel cells) and the mean grey level of each cell, cell by cell in row-major
 * order, crop after crop: the brow, eye, cheek and mouth regions' brightness, which an
 * expression changes.
 */
export const FACE_STATS_GRID = 4;

/** Values of `faceStats` per sample, for crops of `imageSize`² pixels, `frames` crops each. */
export const faceStatsSize = (frames: number): number => FACE_STATS_GRID ** 2 * frames;

/**
 * The `faceStats` of every row of a faces shard's crops (`rows` × `frames` crops of
 * `imageSize`² bytes, frame-major): rows × faceStatsSize(frames) values. The cells split the
 * side as evenly as whole pixels allow (cell c spans ⌊c·side/G⌋ to ⌊(c+1)·side/G⌋).
 */
export function faceRegionMeans(
  faces: Uint8Array,
  imageSize: number,
  frames: number,
): Float32Array {
  const g = FACE_STATS_GRID;
  if (imageSize < g) {
    throw new RangeError(`faceStats: crops of ${imageSize} px are smaller than the ${g}×${g} grid`);
  }
  const hw = imageSize * imageSize;
  const crops = faces.length / hw;
  if (!Number.isInteger(crops) || crops % frames !== 0) {
    throw new RangeError(
      `faceStats: ${faces.length} bytes are not whole rows of ${frames} crops of ${imageSize}×${imageSize}`,
    );
  }
  const edge = Array.from({ length: g + 1 }, (_, c) => Math.floor((c * imageSize) / g));
  const cellOf = new Int32Array(imageSize);
  for (let c = 0; c < g; c++) for (let p = edge[c]; p < edge[c + 1]; p++) cellOf[p] = c;
  const count = new Float64Array(g * g);
  for (let cy = 0; cy < g; cy++) {
    for (let cx = 0; cx < g; cx++) {
      count[cy * g + cx] = (edge[cy + 1] - edge[cy]) * (edge[cx + 1] - edge[cx]);
    }
  }
  const out = new Float32Array(crops * g * g);
  const sum = new Float64Array(g * g);
  for (let k = 0; k < crops; k++) {
    sum.fill(0);
    const base = k * hw;
    for (let y = 0; y < imageSize; y++) {
      const row = cellOf[y] * g;
      for (let x = 0, i = base + y * imageSize; x < imageSize; x++, i++) {
        sum[row + cellOf[x]] += faces[i];
      }
    }
    for (let c = 0; c < g * g; c++) out[k * g * g + c] = sum[c] / count[c];
  }
  return out;
}
