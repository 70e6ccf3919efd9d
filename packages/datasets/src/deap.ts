/**
 * DEAP reader (docs/DATASETS.md, "DEAP"): preprocessed sXX.dat (Python 2 pickle) or sXX.mat
 * (MAT level 5), participant_ratings.csv for presentation order, and the face-video index.
 * Trials are in video order: labels[i] and data[i] belong to Experiment_id i+1.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DatasetError, FormatError } from './errors.js';
import { findFiles, isDir, isFile, sha256 } from '@emo/runtime';
import { missingNumbers } from './numbers.js';
import type { NdArray } from './ndarray.js';
import { ndarray, isNdArray } from './ndarray.js';
import { readPickle } from './pickle/index.js';
import { readMat } from './mat/index.js';
import type { MatValue } from './mat/types.js';

export const DEAP_FS = 128;
export const DEAP_CHANNELS = 40;
export const DEAP_SAMPLES = 8064;
export const DEAP_BASELINE_SAMPLES = 384;
/** 1-based channel numbers of the signals we keep. */
export const DEAP_GSR_CHANNEL = 37;
export const DEAP_PPG_CHANNEL = 39;
export const DEAP_VIDEO_FPS = 50;

export interface DeapSubjectFiles {
  /** 's01' … 's32'. */
  readonly subject: string;
  readonly number: number;
  readonly dataFile: string;
  readonly format: 'dat' | 'mat';
  /** face_video/sXX, when the download has it. */
  readonly videoDir: string | null;
}

export interface DeapDownload {
  readonly root: string;
  readonly subjects: readonly DeapSubjectFiles[];
  readonly ratingsCsv: string | null;
  /** Things a user should know (e.g. no ratings CSV, so videos cannot be linked). */
  readonly notes: readonly string[];
}

const SUBJECT_RE = /^s(\d{2})\.(dat|mat)$/i;

/** Find the subject files of a DEAP download (the standard layout, or files directly in root). */
export function discoverDeap(root: string): DeapDownload {
  if (!isDir(root)) {
    throw new DatasetError(
      root,
      'download folder',
      'a folder with data_preprocessed_python/ or data_preprocessed_matlab/',
      'not a folder',
    );
  }
  const candidates = [
    ...findFiles(join(root, 'data_preprocessed_python'), SUBJECT_RE, 0),
    ...findFiles(join(root, 'data_preprocessed_matlab'), SUBJECT_RE, 0),
    ...findFiles(root, SUBJECT_RE, 0),
  ];
  const bySubject = new Map<number, DeapSubjectFiles>();
  const notes: string[] = [];
  for (const file of candidates) {
    const m = SUBJECT_RE.exec(basename(file));
    if (!m) continue;
    const n = Number(m[1]);
    const format = m[2].toLowerCase() as 'dat' | 'mat';
    const prev = bySubject.get(n);
    if (prev && prev.format === 'dat') continue; // .dat preferred when both exist
    const subject = `s${m[1]}`;
    const videoDir = join(root, 'face_video', subject);
    bySubject.set(n, {
      subject,
      number: n,
      dataFile: file,
      format,
      videoDir: isDir(videoDir) ? videoDir : null,
    });
  }
  if (bySubject.size === 0) {
    throw new DatasetError(
      root,
      'download folder',
      'data_preprocessed_python/sXX.dat or data_preprocessed_matlab/sXX.mat',
      'no DEAP subject files found',
    );
  }
  const ratings = join(root, 'metadata_csv', 'participant_ratings.csv');
  const ratingsCsv = isFile(ratings)
    ? ratings
    : isFile(join(root, 'participant_ratings.csv'))
      ? join(root, 'participant_ratings.csv')
      : null;
  if (!ratingsCsv) {
    notes.push(
      'metadata_csv/participant_ratings.csv not found: presentation order unknown, face videos cannot be linked to trials',
    );
  }
  const subjects = [...bySubject.values()].sort((a, b) => a.number - b.number);
  const gaps = missingNumbers(subjects.map((x) => x.number));
  if (gaps.length) {
    notes.push(
      `participants missing from the numbering 1–${subjects[subjects.length - 1].number}: ${gaps.map((n) => `s${String(n).padStart(2, '0')}`).join(', ')}`,
    );
  }
  return { root, subjects, ratingsCsv, notes };
}

/** One row of participant_ratings.csv. */
export interface DeapRatingRow {
  readonly participant: number;
  readonly trial: number;
  readonly experimentId: number;
  readonly valence: number;
  readonly arousal: number;
  readonly dominance: number;
  readonly liking: number;
  readonly familiarity: number | null;
}

/** participant_ratings.csv, grouped by participant. */
export function readParticipantRatings(path: string): Map<number, DeapRatingRow[]> {
  let records: Record<string, string>[];
  try {
    records = parse(readFileSync(path), {
      columns: (h: string[]) => h.map((s) => s.trim()),
      skip_empty_lines: true,
      trim: true,
    });
  } catch (e) {
    throw new DatasetError(path, 'CSV', 'a CSV file with a header row', (e as Error).message);
  }
  const need = [
    'Participant_id',
    'Trial',
    'Experiment_id',
    'Valence',
    'Arousal',
    'Dominance',
    'Liking',
  ];
  const out = new Map<number, DeapRatingRow[]>();
  records.forEach((r, i) => {
    for (const k of need) {
      if (!(k in r))
        throw new DatasetError(
          path,
          `row ${i + 2}`,
          `columns ${need.join(', ')}`,
          `column '${k}' missing`,
        );
    }
    const num = (k: string) => {
      const v = Number(r[k]);
      if (r[k] === '' || !Number.isFinite(v))
        throw new DatasetError(path, `row ${i + 2}, column ${k}`, 'a number', `got '${r[k]}'`);
      return v;
    };
    const fam = r.Familiarity;
    const row: DeapRatingRow = {
      participant: num('Participant_id'),
      trial: num('Trial'),
      experimentId: num('Experiment_id'),
      valence: num('Valence'),
      arousal: num('Arousal'),
      dominance: num('Dominance'),
      liking: num('Liking'),
      familiarity:
        fam === undefined || fam === '' || !Number.isFinite(Number(fam)) ? null : Number(fam),
    };
    const list = out.get(row.participant) ?? [];
    list.push(row);
    out.set(row.participant, list);
  });
  return out;
}

export interface DeapSubjectData {
  readonly file: string;
  readonly sha256: string;
  /** (trials, 40, 8064) float64, in `order`. */
  readonly data: NdArray<Float64Array>;
  /** (trials, 4): valence, arousal, dominance, liking, in `order`. */
  readonly labels: NdArray<Float64Array>;
  /**
   * 'C' (row-major) for pickles; 'F' (MATLAB's column-major, read without reordering) for
   * level-5 .mat files. Use deapChannel / deapRatings, which handle both.
   */
  readonly order: 'C' | 'F';
}

function toFloat64(a: NdArray, file: string, name: string): NdArray<Float64Array> {
  if (a.data instanceof Float64Array) return a as NdArray<Float64Array>;
  if (a.data instanceof Float32Array) return ndarray('float64', a.shape, Float64Array.from(a.data));
  throw new DatasetError(file, `variable '${name}'`, 'a float64 array', `got dtype ${a.dtype}`);
}

function checkShapes(
  file: string,
  data: NdArray<Float64Array>,
  labels: NdArray<Float64Array>,
): void {
  const [n, c, s] = data.shape;
  if (data.shape.length !== 3 || c !== DEAP_CHANNELS || s !== DEAP_SAMPLES || n < 1) {
    throw new DatasetError(
      file,
      "variable 'data'",
      `shape (trials, ${DEAP_CHANNELS}, ${DEAP_SAMPLES})`,
      `got (${data.shape.join(', ')})`,
    );
  }
  if (labels.shape.length !== 2 || labels.shape[0] !== n || labels.shape[1] !== 4) {
    throw new DatasetError(
      file,
      "variable 'labels'",
      `shape (${n}, 4)`,
      `got (${labels.shape.join(', ')})`,
    );
  }
}

function matToNd(v: MatValue | undefined, file: string, name: string): NdArray<Float64Array> {
  if (!v) throw new DatasetError(file, `variable '${name}'`, 'present', 'missing');
  if (v.kind !== 'numeric')
    throw new DatasetError(file, `variable '${name}'`, 'a numeric array', `got ${v.kind}`);
  return toFloat64(
    ndarray(v.class === 'single' ? 'float32' : 'float64', v.shape, v.data),
    file,
    name,
  );
}

/** Read one subject's preprocessed file (.dat or .mat) and check its shapes. */
export async function readDeapSubjectFile(file: string): Promise<DeapSubjectData> {
  const bytes = readFileSync(file);
  const digest = sha256(bytes);
  let data: NdArray<Float64Array>;
  let labels: NdArray<Float64Array>;
  let order: 'C' | 'F' = 'C';
  if (file.toLowerCase().endsWith('.mat')) {
    // MATLAB's column-major layout is kept: only 2 of the 40 channels are read, by stride,
    // instead of reordering all of them (v7.3 files still come back in C order).
    const mat = await readMat(bytes, file, { order: 'F' });
    const d = mat.variables.get('data');
    const l = mat.variables.get('labels');
    data = matToNd(d, file, 'data');
    labels = matToNd(l, file, 'labels');
    // both variables come from one reader call, so they share its layout
    if (d?.kind === 'numeric' && d.order === 'F') order = 'F';
  } else {
    const root = readPickle(bytes, file);
    if (!(root instanceof Map)) {
      throw new FormatError(
        file,
        0,
        "a pickled dict with keys 'data' and 'labels'",
        'the pickle does not hold a dict',
      );
    }
    const get = (k: string): NdArray<Float64Array> => {
      const v = root.get(k);
      if (v === undefined)
        throw new DatasetError(
          file,
          `key '${k}'`,
          "a dict with keys 'data' and 'labels'",
          `key missing (keys: ${[...root.keys()].join(', ')})`,
        );
      if (!isNdArray(v))
        throw new DatasetError(file, `key '${k}'`, 'a numpy array', 'got another value');
      return toFloat64(v, file, k);
    };
    data = get('data');
    labels = get('labels');
  }
  checkShapes(file, data, labels);
  return { file, sha256: digest, data, labels, order };
}

/** Channel `channel` (1-based) of trial `trialIndex` (0-based): a view (C) or a copy (F). */
export function deapChannel(d: DeapSubjectData, trialIndex: number, channel: number): Float64Array {
  const [n, c, s] = d.data.shape;
  if (d.order === 'C') {
    const start = (trialIndex * c + (channel - 1)) * s;
    return d.data.data.subarray(start, start + s);
  }
  // column-major (n, c, s): element (i, ch, t) at i + n * (ch + c * t)
  const out = new Float64Array(s);
  const step = n * c;
  for (let t = 0, at = trialIndex + n * (channel - 1); t < s; t++, at += step)
    out[t] = d.data.data[at];
  return out;
}

/** valence, arousal, dominance, liking of trial `trialIndex` (0-based). */
export function deapRatings(
  d: DeapSubjectData,
  trialIndex: number,
): [number, number, number, number] {
  const n = d.labels.shape[0];
  const at = (k: number) =>
    d.labels.data[d.order === 'C' ? trialIndex * 4 + k : trialIndex + n * k];
  return [at(0), at(1), at(2), at(3)];
}

/** face_video/sXX/sXX_trialYY.avi for a presentation trial, if present. */
export function deapVideoPath(files: DeapSubjectFiles, presentationTrial: number): string | null {
  if (!files.videoDir) return null;
  const yy = String(presentationTrial).padStart(2, '0');
  for (const ext of ['avi', 'AVI', 'mp4', 'mov']) {
    const p = join(files.videoDir, `${files.subject}_trial${yy}.${ext}`);
    if (isFile(p)) return p;
  }
  return null;
}
