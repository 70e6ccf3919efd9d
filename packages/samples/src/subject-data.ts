/**
 * One subject's input arrays, loaded for streaming: its shards are read again, checked against
 * the sample index (same sizes, same keys at the indexed rows), and only the arrays the model
 * needs are kept. {@link copySample} writes one sample into a batch in the model's layout:
 * faces go from the shard's frame-major K×H×W bytes to channels-last H×W×K floats (0–255);
 * physio ([T, C], time-major) and features ([F], NaN kept) are copied as they are.
 */
import type { InputName } from './inputs.js';
import {
  faceRegionMeans,
  faceStatsSize,
  readsFaces,
  readsWindows,
  writeFaceInput,
} from './inputs.js';
import { facesRowKey, checkedFaces, checkedWindows, DimsRecorder } from './sample-index.js';
import type { SampleIndex, SampleIndexEntry } from './sample-index.js';
import type { ShardReader } from './reader.js';

export interface SubjectData {
  readonly shard: number;
  readonly faces: Uint8Array | null;
  /** `faceStats` of every faces row (z-scored over the subject's rows with featureNorm 'subject'). */
  readonly faceStats: Float32Array | null;
  readonly physio: Float32Array | null;
  readonly features: Float32Array | null;
}

/** Values per sample of an input, from the index's sizes. */
export function inputSize(index: SampleIndex, input: InputName): number {
  const need = (v: number | null, what: string): number => {
    if (v === null) throw new Error(`input '${input}': the sample index has no ${what} shards`);
    return v;
  };
  switch (input) {
    case 'face':
      return need(index.imageSize, 'faces') ** 2 * need(index.frames, 'faces');
    case 'faceStats':
      return faceStatsSize(need(index.frames, 'faces'));
    case 'physio':
      return need(index.seqLength, 'windows') * need(index.channels, 'windows');
    case 'features':
      return need(index.numFeatures, 'windows');
  }
}

/**
 * Each feature z-scored over all rows (F values per row): finite values only, NaN kept; a
 * feature with an SD of 0 (or fewer than two finite values) is only centred.
 */
export function zscoreFeatures(features: Float32Array, f: number): Float32Array {
  const n = f > 0 ? features.length / f : 0;
  const out = new Float32Array(features.length);
  for (let j = 0; j < f; j++) {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const v = features[i * f + j];
      if (Number.isFinite(v)) {
        sum += v;
        count++;
      }
    }
    const mean = count ? sum / count : 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const v = features[i * f + j];
      if (Number.isFinite(v)) ss += (v - mean) ** 2;
    }
    const sd = count > 1 ? Math.sqrt(ss / (count - 1)) : 0;
    const scale = sd > 0 ? sd : 1;
    for (let i = 0; i < n; i++) out[i * f + j] = (features[i * f + j] - mean) / scale;
  }
  return out;
}

/**
 * Read a subject's shards for `entries` (all of this shard) and keep the needed arrays;
 * `featureNorm` 'subject' z-scores `features` and `faceStats` over the subject's rows.
 */
export function loadSubject(
  index: SampleIndex,
  shard: number,
  entries: readonly SampleIndexEntry[],
  inputs: readonly InputName[],
  reader: ShardReader,
  featureNorm: 'none' | 'subject' = 'none',
): SubjectData {
  const s = index.shards[shard];
  const dims = new DimsRecorder(index);
  const needFace = inputs.some(readsFaces);
  const needWindows = inputs.some(readsWindows);
  let faces: Uint8Array | null = null;
  let faceStats: Float32Array | null = null;
  let physio: Float32Array | null = null;
  let features: Float32Array | null = null;
  if (needWindows) {
    if (!s.windows) throw new Error(`subject '${s.subject}': no windows file`);
    const w = checkedWindows(s.windows, s.shardSubject ?? s.subject, reader, dims);
    for (const e of entries) {
      const r = e.windowsRow === null ? undefined : w.rows[e.windowsRow];
      if (!r || r.trial !== e.trial || r.window !== e.window) {
        throw new Error(
          `${s.windows} row ${e.windowsRow}: expected trial ${e.trial} window ${e.window} (the shard changed since indexing?)`,
        );
      }
    }
    if (inputs.includes('physio')) physio = w.physio;
    if (inputs.includes('features')) {
      const f = w.metadata.featureNames.length;
      features = featureNorm === 'subject' ? zscoreFeatures(w.features, f) : w.features;
    }
  }
  if (needFace) {
    if (!s.faces) throw new Error(`subject '${s.subject}': no faces file`);
    const f = checkedFaces(s.faces, s.shardSubject ?? s.subject, reader, dims);
    for (const e of entries) {
      const r = e.facesRow === null ? undefined : f.rows[e.facesRow];
      const key = r && facesRowKey(r, e.facesRow as number);
      if (!key || key[0] !== e.trial || key[1] !== e.window) {
        throw new Error(
          `${s.faces} row ${e.facesRow}: expected trial ${e.trial} window ${e.window} (the shard changed since indexing?)`,
        );
      }
    }
    if (inputs.includes('face')) faces = f.faces;
    if (inputs.includes('faceStats')) {
      const stats = faceRegionMeans(f.faces, f.metadata.size, f.metadata.frames);
      const n = faceStatsSize(f.metadata.frames);
      faceStats = featureNorm === 'subject' ? zscoreFeatures(stats, n) : stats;
    }
  }
  return { shard, faces, faceStats, physio, features };
}

/** Write one sample's `input` at position `slot` of a batch array `out`. */
export function copySample(
  index: SampleIndex,
  input: InputName,
  data: SubjectData,
  entry: SampleIndexEntry,
  out: Float32Array,
  slot: number,
): void {
  const per = inputSize(index, input);
  if (input === 'face') {
    const from = (entry.facesRow as number) * per;
    writeFaceInput(
      data.faces as Uint8Array,
      from,
      index.imageSize as number,
      index.frames as number,
      out,
      slot * per,
    );
  } else if (input === 'faceStats') {
    const row = entry.facesRow as number;
    out.set((data.faceStats as Float32Array).subarray(row * per, (row + 1) * per), slot * per);
  } else {
    const src = (input === 'physio' ? data.physio : data.features) as Float32Array;
    const row = entry.windowsRow as number;
    out.set(src.subarray(row * per, (row + 1) * per), slot * per);
  }
}
