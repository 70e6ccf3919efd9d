/**
 * Streaming training batches with bounded memory: at most `maxOpenShards` subjects' arrays are
 * held at a time; a subject is read when its turn comes and dropped once all its selected
 * samples have gone into batches.
 *
 * Without `shuffle` the samples come in index order, one subject open at a time. With `shuffle`
 * ({seed, epoch}) the subject order is shuffled per epoch, the samples of the open subjects
 * form a shuffle buffer from which each next sample is drawn uniformly (so a batch mixes
 * subjects), and a drained subject is replaced by the next one. The same seed and epoch give
 * the same order; every selected sample comes exactly once per epoch. The last batch may be
 * smaller.
 */
import { Rng } from '@emo/runtime';
import type { InputName } from './inputs.js';
import { readsFaces, readsWindows } from './inputs.js';
import type { SampleKey } from './keys.js';
import { keyOf, sampleId } from './keys.js';
import type { ShardReader } from './reader.js';
import { defaultShardReader } from './reader.js';
import type { SampleIndex, SampleIndexEntry } from './sample-index.js';
import type { SubjectData } from './subject-data.js';
import { copySample, inputSize, loadSubject } from './subject-data.js';

export interface Batch {
  readonly size: number;
  /** Per input: size × (its shape) values, in the model's layout. */
  readonly inputs: Partial<Record<InputName, Float32Array>>;
  /** Indices into the index's classes. */
  readonly labels: Int32Array;
  readonly keys: readonly SampleKey[];
}

/** Counters of subjects loaded by one stream (for tests and logs). */
export interface StreamStats {
  /** Subjects read so far. */
  loads: number;
  /** Subjects held now, and the most held at once. */
  open: number;
  peakOpen: number;
}

export interface BatchOptions {
  /** Restrict to these sample ids (all must be in the index). */
  readonly ids?: ReadonlySet<string>;
  readonly inputs: readonly InputName[];
  readonly batchSize: number;
  readonly shuffle?: { readonly seed: number; readonly epoch: number };
  /**
   * 'subject': z-score each window feature (and each `faceStats` value) within its subject,
   * over all of the subject's rows (finite values; an SD of 0 counts as 1), before batching.
   * Default 'none'.
   */
  readonly featureNorm?: 'none' | 'subject';
  /** Subjects held at a time (default 2). */
  readonly maxOpenShards?: number;
  readonly reader?: ShardReader;
  /** Updated as the stream opens and drops subjects. */
  readonly stats?: StreamStats;
}

interface Sample {
  readonly data: SubjectData;
  readonly entry: SampleIndexEntry;
}

/** The selected entries, grouped by shard in order of first appearance in the index. */
function selectEntries(
  index: SampleIndex,
  ids: ReadonlySet<string> | undefined,
  inputs: readonly InputName[],
): Map<number, SampleIndexEntry[]> {
  if (ids) {
    const known = new Set(index.entries.map(sampleId));
    const unknown = [...ids].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new Error(
        `${unknown.length} sample ids are not in the index (e.g. ${unknown.slice(0, 3).join(', ')}): a split of another index?`,
      );
    }
  }
  const groups = new Map<number, SampleIndexEntry[]>();
  for (const e of index.entries) {
    if (ids && !ids.has(sampleId(e))) continue;
    if (inputs.some(readsFaces) && e.facesRow === null) {
      throw new Error(
        `sample ${sampleId(e)} has no faces row (build the index with 'face' or 'faceStats' in needs)`,
      );
    }
    if (inputs.some(readsWindows) && e.windowsRow === null) {
      throw new Error(
        `sample ${sampleId(e)} has no windows row (build the index with 'physio' or 'features' in needs)`,
      );
    }
    const g = groups.get(e.shard);
    if (g) g.push(e);
    else groups.set(e.shard, [e]);
  }
  return groups;
}

/** Fills batch arrays sample by sample. */
class BatchBuilder {
  private inputs!: Partial<Record<InputName, Float32Array>>;
  private labels!: Int32Array;
  private keys!: SampleKey[];
  private readonly sizes: [InputName, number][];
  size = 0;

  constructor(
    private readonly index: SampleIndex,
    inputs: readonly InputName[],
    private readonly batchSize: number,
  ) {
    this.sizes = inputs.map((i) => [i, inputSize(index, i)]);
    this.reset();
  }

  private reset(): void {
    this.inputs = Object.fromEntries(
      this.sizes.map(([name, per]) => [name, new Float32Array(this.batchSize * per)]),
    );
    this.labels = new Int32Array(this.batchSize);
    this.keys = [];
    this.size = 0;
  }

  add(s: Sample): void {
    for (const [name] of this.sizes) {
      copySample(this.index, name, s.data, s.entry, this.inputs[name] as Float32Array, this.size);
    }
    this.labels[this.size] = s.entry.label;
    this.keys.push(keyOf(s.entry));
    this.size++;
  }

  get full(): boolean {
    return this.size === this.batchSize;
  }

  take(): Batch {
    const n = this.size;
    const trim = <T extends Float32Array | Int32Array>(a: T, per: number): T =>
      n === this.batchSize ? a : (a.slice(0, n * per) as T);
    const batch: Batch = {
      size: n,
      inputs: Object.fromEntries(
        this.sizes.map(([name, per]) => [name, trim(this.inputs[name] as Float32Array, per)]),
      ),
      labels: trim(this.labels, 1),
      keys: this.keys,
    };
    this.reset();
    return batch;
  }
}

/** The samples of one epoch, holding at most `maxOpen` subjects' arrays at a time. */
function* samples(
  groups: Map<number, SampleIndexEntry[]>,
  load: (shard: number, entries: readonly SampleIndexEntry[]) => SubjectData,
  stats: StreamStats,
  maxOpen: number,
  rng: Rng | null,
): Generator<Sample> {
  let held = 0; // subjects whose arrays this stream holds now
  const open = (shard: number, entries: readonly SampleIndexEntry[]): SubjectData => {
    const data = load(shard, entries);
    held++;
    stats.loads++;
    stats.open++;
    stats.peakOpen = Math.max(stats.peakOpen, stats.open);
    return data;
  };
  const drop = () => {
    held--;
    stats.open--;
  };
  const order = [...groups.keys()];
  if (!rng) {
    for (const shard of order) {
      const entries = groups.get(shard) as SampleIndexEntry[];
      const data = open(shard, entries);
      for (const entry of entries) yield { data, entry };
      drop();
    }
    return;
  }
  rng.shuffle(order);
  const buffer: Sample[] = [];
  const remaining = new Map<number, number>();
  let next = 0;
  const refill = () => {
    while (held < maxOpen && next < order.length) {
      const shard = order[next++];
      const entries = groups.get(shard) as SampleIndexEntry[];
      const data = open(shard, entries);
      for (const entry of entries) buffer.push({ data, entry });
      remaining.set(shard, entries.length);
    }
  };
  refill();
  while (buffer.length > 0) {
    const j = rng.int(0, buffer.length - 1);
    [buffer[j], buffer[buffer.length - 1]] = [buffer[buffer.length - 1], buffer[j]];
    const s = buffer.pop() as Sample;
    yield s; // the consumer copies it into a batch before asking for the next one
    const left = (remaining.get(s.entry.shard) as number) - 1;
    remaining.set(s.entry.shard, left);
    if (left === 0) {
      drop();
      refill();
    }
  }
}

/** Stream the index's (selected) samples as batches; see the file comment. */
export async function* batches(index: SampleIndex, opts: BatchOptions): AsyncGenerator<Batch> {
  const maxOpen = opts.maxOpenShards ?? 2;
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${opts.batchSize}`);
  }
  if (!Number.isInteger(maxOpen) || maxOpen < 1) {
    throw new RangeError(`maxOpenShards must be a positive integer, got ${maxOpen}`);
  }
  if (opts.inputs.length === 0) throw new RangeError('batches: no inputs asked for');
  const reader = opts.reader ?? defaultShardReader;
  const stats = opts.stats ?? { loads: 0, open: 0, peakOpen: 0 };
  const groups = selectEntries(index, opts.ids, opts.inputs);
  const rng = opts.shuffle
    ? new Rng(opts.shuffle.seed).fork(`batches epoch ${opts.shuffle.epoch}`)
    : null;
  const builder = new BatchBuilder(index, opts.inputs, opts.batchSize);
  const load = (shard: number, entries: readonly SampleIndexEntry[]) =>
    loadSubject(index, shard, entries, opts.inputs, reader, opts.featureNorm ?? 'none');
  for (const s of samples(groups, load, stats, maxOpen, rng)) {
    builder.add(s);
    if (builder.full) yield builder.take();
  }
  if (builder.size > 0) yield builder.take();
}
