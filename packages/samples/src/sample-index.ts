/**
 * The sample index: which windows (or images) of which subject can be trained on, where their
 * rows are, and their labels, built by reading the subjects' shards one at a time and keeping
 * none of their big arrays.
 *
 * A subject's `windows` and `faces` rows are joined on (trial, window). The label is the
 * sample's class in the index's task (@emo/datasets tasks.ts; default the study's `emotion5`):
 * for `emotion5` the windows row's `label5` where there is one, else the faces row's; for the
 * rating tasks the windows row's ratings (a faces row alone has none). Unlabelled samples are
 * skipped and counted, with the reason, per data set. A sample that needs 'face' (or 'faceStats') needs a faces row (rows whose face was not
 * found are kept: the vision stage wrote a fallback crop and a flag); one that needs 'physio'
 * or 'features' needs a windows row. A windows file is read even when only 'face' is needed,
 * so that the labels and the set of samples do not depend on the model's inputs.
 *
 * Faces rows without trial and window (single images, e.g. FER2013) are keyed as trial
 * {@link IMAGE_TRIAL} and window = row index (see keys.ts).
 */
import type { FacesShard, RatingSplit, TaskName, WindowsShard } from '@emo/datasets';
import {
  DEFAULT_TASK,
  EMOTIONS,
  RATING_SPLIT_DEFAULTS,
  TASK_CLASSES,
  readFacesShard,
  taskLabel,
} from '@emo/datasets';
import type { InputName } from './inputs.js';
import { readsFaces, readsWindows } from './inputs.js';
import { IMAGE_TRIAL, sampleId } from './keys.js';
import type { SampleKey } from './keys.js';
import type { ShardReader } from './reader.js';
import { defaultShardReader } from './reader.js';

/** One subject's shard files: windows and/or faces. */
export interface SubjectShards {
  /** The subject's id in sample ids (unique across the index, e.g. the pipeline's 'amigos-P01'). */
  readonly subject: string;
  /** The subject as the shards name it, when it differs from `subject` (e.g. 'P01'). */
  readonly shardSubject?: string;
  readonly windows?: string;
  readonly faces?: string;
}

export interface SampleIndexEntry extends SampleKey {
  /** Index of the label in the index's classes ({@link UNLABELLED} when kept without one). */
  readonly label: number;
  /** Index into {@link SampleIndex.shards}. */
  readonly shard: number;
  readonly windowsRow: number | null;
  readonly facesRow: number | null;
  /** A row this sample needs carries flags (doubtful features, face not found, …). */
  readonly flagged: boolean;
  /**
   * The stimulus watched, `dataset/stimulus_id` (stimulus ids are per data set), from the
   * windows row (else the faces row); null for images without one.
   */
  readonly stimulus: string | null;
}

/**
 * Faces shards (e.g. image folders made by `emo faces --images`), each as a subject of its own
 * under the name its metadata gives ('PublicTest'): what face pretraining indexes.
 */
export function faceShardsAsSubjects(faces: readonly string[]): SubjectShards[] {
  return faces.map((f) => ({ subject: readFacesShard(f).metadata.subject, faces: f }));
}

/** The label of a sample kept without one (IndexOptions.keepUnlabelled). */
export const UNLABELLED = -1;

/** Samples left without a label, by data set and reason. */
export interface UnlabelledCount {
  /** 'deap', 'amigos', or the faces shard's data set. */
  readonly dataset: string;
  readonly reason: string;
  readonly count: number;
}

export interface SkippedCounts {
  readonly unlabelled: number;
  readonly noFace: number;
  readonly noWindow: number;
  /** Left out by `excludeFlagged`. */
  readonly flagged: number;
}

export interface SampleIndex {
  readonly shards: readonly SubjectShards[];
  readonly entries: readonly SampleIndexEntry[];
  readonly skipped: SkippedCounts;
  /**
   * Sizes of the inputs, from the shards' metadata (never from a setting: a model is sized by
   * them); null where no such shard was read.
   */
  readonly frames: number | null;
  readonly imageSize: number | null;
  readonly seqLength: number | null;
  readonly channels: number | null;
  readonly numFeatures: number | null;
  /** The task the labels are of. */
  readonly task: TaskName;
  /** The classes a label indexes, in the task's order (EMOTIONS for `emotion5`). */
  readonly classes: readonly string[];
  /** Why samples were left unlabelled, by data set (sums to `skipped.unlabelled`). */
  readonly unlabelledReasons: readonly UnlabelledCount[];
}

export interface IndexOptions {
  readonly needs: readonly InputName[];
  /** Leave out samples whose needed rows carry flags (default false). */
  readonly excludeFlagged?: boolean;
  /**
   * Keep unlabelled samples too, with label {@link UNLABELLED} (for inference on a user's own
   * shards; never for training). Default false: they are skipped and counted.
   */
  readonly keepUnlabelled?: boolean;
  /** The task whose classes label the samples (default `emotion5`, the study's). */
  readonly task?: TaskName;
  /** Where the rating tasks split low from high (default RATING_SPLIT_DEFAULTS). */
  readonly ratingSplit?: RatingSplit;
  readonly reader?: ShardReader;
}

type Dims = Pick<SampleIndex, 'frames' | 'imageSize' | 'seqLength' | 'channels' | 'numFeatures'>;

/**
 * Input sizes seen so far and the file that set each, refusing a shard that disagrees. Seeded
 * with an index's sizes, it refuses a shard that changed since indexing.
 */
export class DimsRecorder {
  readonly dims: { -readonly [K in keyof Dims]: number | null };
  private readonly from = new Map<keyof Dims, string>();

  constructor(initial?: Dims) {
    this.dims = {
      frames: initial?.frames ?? null,
      imageSize: initial?.imageSize ?? null,
      seqLength: initial?.seqLength ?? null,
      channels: initial?.channels ?? null,
      numFeatures: initial?.numFeatures ?? null,
    };
    for (const k of Object.keys(this.dims) as (keyof Dims)[]) {
      if (this.dims[k] !== null) this.from.set(k, 'the sample index');
    }
  }

  set(name: keyof Dims, value: number, path: string): void {
    const seen = this.dims[name];
    if (seen === null) {
      this.dims[name] = value;
      this.from.set(name, path);
    } else if (seen !== value) {
      throw new Error(`${path}: ${name} ${value} differs from ${seen} in ${this.from.get(name)}`);
    }
  }
}

function checkSubject(
  path: string,
  what: string,
  expected: string,
  metaSubject: string,
  rows: readonly { subject: string }[],
): void {
  if (metaSubject !== expected) {
    throw new Error(`${path}: ${what} shard of subject '${metaSubject}', expected '${expected}'`);
  }
  rows.forEach((r, i) => {
    if (r.subject !== expected) {
      throw new Error(`${path} row ${i}: subject '${r.subject}', expected '${expected}'`);
    }
  });
}

/** Read and check a subject's windows shard; records T, C and F. */
export function checkedWindows(
  path: string,
  subject: string,
  reader: ShardReader,
  dims: DimsRecorder,
): WindowsShard {
  const w = reader.windows(path);
  checkSubject(path, 'windows', subject, w.metadata.subject, w.rows);
  const [t, c, f] = [
    w.metadata.seqLength,
    w.metadata.channels.length,
    w.metadata.featureNames.length,
  ];
  const n = w.rows.length;
  if (w.physio.length !== n * t * c || w.features.length !== n * f) {
    throw new Error(
      `${path}: ${n} rows need ${n * t * c} physio and ${n * f} feature values (T ${t}, C ${c}, F ${f}), got ${w.physio.length} and ${w.features.length}`,
    );
  }
  dims.set('seqLength', t, path);
  dims.set('channels', c, path);
  dims.set('numFeatures', f, path);
  return w;
}

/** Read and check a subject's faces shard; records K and the crop size. */
export function checkedFaces(
  path: string,
  subject: string,
  reader: ShardReader,
  dims: DimsRecorder,
): FacesShard {
  const fs = reader.faces(path);
  checkSubject(path, 'faces', subject, fs.metadata.subject, fs.rows);
  const { size, frames } = fs.metadata;
  const n = fs.rows.length;
  if (fs.faces.length !== n * frames * size * size) {
    throw new Error(
      `${path}: ${n} rows of ${frames}×${size}×${size} need ${n * frames * size * size} bytes, got ${fs.faces.length}`,
    );
  }
  dims.set('frames', frames, path);
  dims.set('imageSize', size, path);
  return fs;
}

/** The (trial, window) key of a faces row: images get trial -1 and their row index. */
export function facesRowKey(
  row: { trial: number | null; window: number | null },
  i: number,
): [number, number] {
  return row.trial === null || row.window === null ? [IMAGE_TRIAL, i] : [row.trial, row.window];
}

interface Candidate {
  readonly trial: number;
  readonly window: number;
  readonly windowsRow: number | null;
  readonly facesRow: number | null;
}

/** Join windows and faces rows on (trial, window): windows order, then unmatched faces rows. */
function joinRows(
  windows: { path: string; shard: WindowsShard } | null,
  faces: { path: string; shard: FacesShard } | null,
): Candidate[] {
  const facesByKey = new Map<string, number>();
  faces?.shard.rows.forEach((r, i) => {
    const key = facesRowKey(r, i).join('/');
    const seen = facesByKey.get(key);
    if (seen !== undefined) {
      throw new Error(`${faces.path} row ${i}: trial/window ${key} repeats row ${seen}`);
    }
    facesByKey.set(key, i);
  });
  const out: Candidate[] = [];
  const used = new Set<number>();
  const windowsKeys = new Map<string, number>();
  windows?.shard.rows.forEach((r, i) => {
    const key = `${r.trial}/${r.window}`;
    const seen = windowsKeys.get(key);
    if (seen !== undefined) {
      throw new Error(`${windows.path} row ${i}: trial/window ${key} repeats row ${seen}`);
    }
    windowsKeys.set(key, i);
    const f = facesByKey.get(key) ?? null;
    if (f !== null) used.add(f);
    out.push({ trial: r.trial, window: r.window, windowsRow: i, facesRow: f });
  });
  faces?.shard.rows.forEach((r, i) => {
    if (used.has(i)) return;
    const [trial, window] = facesRowKey(r, i);
    out.push({ trial, window, windowsRow: null, facesRow: i });
  });
  return out;
}

/**
 * The label of a joined sample in `task`, or why it has none. For `emotion5` the windows row's
 * `label5` (checked against the faces row's), else the faces row's; for the rating tasks the
 * windows row's ratings.
 */
function labelOf(
  c: Candidate,
  windows: { path: string; shard: WindowsShard } | null,
  faces: { path: string; shard: FacesShard } | null,
  task: TaskName,
  split: RatingSplit,
): { label: number | null; reason: string } {
  const wRow = c.windowsRow !== null && windows ? windows.shard.rows[c.windowsRow] : null;
  const fRow = c.facesRow !== null && faces ? faces.shard.rows[c.facesRow] : null;
  if (wRow && fRow && wRow.label5 !== null && fRow.label5 !== null && wRow.label5 !== fRow.label5) {
    throw new Error(
      `${windows?.path} row ${c.windowsRow} is labelled '${wRow.label5}' but ${faces?.path} row ${c.facesRow} '${fRow.label5}'`,
    );
  }
  const row = wRow ?? (task === 'emotion5' ? fRow : null);
  if (row === null) return { label: null, reason: 'no ratings (a face crop without a window)' };
  if (row.label5 !== null && !(EMOTIONS as readonly string[]).includes(row.label5)) {
    const [path, i] = wRow ? [windows?.path, c.windowsRow] : [faces?.path, c.facesRow];
    throw new Error(
      `${path} row ${i}: label5 '${row.label5}' is not one of ${EMOTIONS.join(', ')}`,
    );
  }
  // a faces row (emotion5 only) has no ratings
  const t = taskLabel(task, wRow ?? { label5: row.label5, valence: null, arousal: null }, split);
  return t.label === null ? { label: null, reason: t.reason } : { label: t.label, reason: '' };
}

/** `dataset/stimulus_id` of a joined sample (windows row first), or null. */
function stimulusOf(
  c: Candidate,
  windows: { shard: WindowsShard } | null,
  faces: { shard: FacesShard } | null,
): string | null {
  const r =
    c.windowsRow !== null && windows
      ? windows.shard.rows[c.windowsRow]
      : c.facesRow !== null && faces
        ? faces.shard.rows[c.facesRow]
        : null;
  return r && r.stimulusId ? `${r.dataset}/${r.stimulusId}` : null;
}

/** Index the samples of the given subjects (see the file comment). */
export function indexSamples(shards: readonly SubjectShards[], opts: IndexOptions): SampleIndex {
  const reader = opts.reader ?? defaultShardReader;
  const needsFace = opts.needs.some(readsFaces);
  const needsWindow = opts.needs.some(readsWindows);
  const dims = new DimsRecorder();
  const task = opts.task ?? DEFAULT_TASK;
  const split = opts.ratingSplit ?? RATING_SPLIT_DEFAULTS;
  const skipped = { unlabelled: 0, noFace: 0, noWindow: 0, flagged: 0 };
  const why = new Map<string, UnlabelledCount>();
  const entries: SampleIndexEntry[] = [];
  const subjects = new Map<string, number>();
  const ids = new Set<string>();
  shards.forEach((s, shard) => {
    const other = subjects.get(s.subject);
    if (other !== undefined) {
      throw new Error(`shards ${other} and ${shard} are both of subject '${s.subject}'`);
    }
    subjects.set(s.subject, shard);
    if (!s.windows && !s.faces) throw new Error(`subject '${s.subject}': no windows or faces file`);
    // One subject at a time: these shards are dropped at the end of this callback.
    const windows = s.windows
      ? {
          path: s.windows,
          shard: checkedWindows(s.windows, s.shardSubject ?? s.subject, reader, dims),
        }
      : null;
    const faces = s.faces
      ? { path: s.faces, shard: checkedFaces(s.faces, s.shardSubject ?? s.subject, reader, dims) }
      : null;
    for (const c of joinRows(windows, faces)) {
      const found = labelOf(c, windows, faces, task, split);
      const label = found.label ?? (opts.keepUnlabelled ? UNLABELLED : null);
      if (label === null) {
        skipped.unlabelled++;
        const row =
          c.windowsRow !== null
            ? windows?.shard.rows[c.windowsRow]
            : faces?.shard.rows[c.facesRow ?? 0];
        const dataset = row?.dataset ?? 'unknown';
        const k = `${dataset}\0${found.reason}`;
        const seen = why.get(k);
        why.set(k, { dataset, reason: found.reason, count: (seen?.count ?? 0) + 1 });
      } else if (needsFace && c.facesRow === null) skipped.noFace++;
      else if (needsWindow && c.windowsRow === null) skipped.noWindow++;
      else {
        const flagged =
          (needsFace && faces !== null && faces.shard.rows[c.facesRow as number].flags !== null) ||
          (needsWindow &&
            windows !== null &&
            windows.shard.rows[c.windowsRow as number].flags !== null);
        if (flagged && opts.excludeFlagged) {
          skipped.flagged++;
          continue;
        }
        const entry = {
          subject: s.subject,
          ...c,
          label,
          shard,
          flagged,
          stimulus: stimulusOf(c, windows, faces),
        };
        const id = sampleId(entry);
        if (ids.has(id)) throw new Error(`subject '${s.subject}': sample id '${id}' repeats`);
        ids.add(id);
        entries.push(entry);
      }
    }
  });
  return {
    shards: [...shards],
    entries,
    skipped,
    ...dims.dims,
    task,
    classes: TASK_CLASSES[task],
    unlabelledReasons: [...why.values()],
  };
}
