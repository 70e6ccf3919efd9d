/**
 * AMIGOS reader (docs/DATASETS.md, "AMIGOS"): Data_Preprocessed_PXX.mat (MAT level 5 or a
 * user's -v7.3 re-save), each variable a 1×20 cell in video-number order, and the face videos
 * P{n}_{VideoID}_face.mov. Empty trials and unreadable participants are reported, never fatal
 * for the others; NaN gaps are the conversion's concern (gaps.ts).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DatasetError } from './errors.js';
import { findFiles, isDir, sha256 } from '@emo/runtime';
import { missingNumbers } from './numbers.js';
import { readMat } from './mat/index.js';
import type { MatFile, MatValue } from './mat/types.js';

export const AMIGOS_FS = 128;
export const AMIGOS_COLUMNS = 17;
export const AMIGOS_BASELINE_SAMPLES = 640;
/** 1-based columns of joined_data. */
export const AMIGOS_ECG_RIGHT_COLUMN = 15;
export const AMIGOS_ECG_LEFT_COLUMN = 16;
export const AMIGOS_GSR_COLUMN = 17;

/** The real AMIGOS short-video IDs, in video-number order, then the four long videos. */
export const AMIGOS_SHORT_IDS: readonly string[] = [
  '4',
  '5',
  '9',
  '10',
  '13',
  '18',
  '19',
  '20',
  '23',
  '30',
  '31',
  '34',
  '36',
  '58',
  '80',
  '138',
];
export const AMIGOS_LONG_IDS: readonly string[] = ['N1', 'P1', 'B1', 'U1'];

export interface AmigosSubjectFiles {
  /** 'P01' … 'P40'. */
  readonly subject: string;
  readonly number: number;
  readonly matFile: string;
}

export interface AmigosDownload {
  readonly root: string;
  readonly subjects: readonly AmigosSubjectFiles[];
  /** Face videos keyed by `${participantNumber}_${VideoID}`. */
  readonly videos: ReadonlyMap<string, string>;
  readonly notes: readonly string[];
}

const MAT_RE = /^Data_Preprocessed_P(\d+)\.mat$/i;
const VIDEO_RE = /^P(\d+)_([A-Za-z0-9]+)_face\.(mov|mp4|avi)$/i;

export function amigosVideoKey(participant: number, videoId: string): string {
  return `${participant}_${videoId}`;
}

/** Find participant files (in the root or in Data_Preprocessed_PXX/ folders) and face videos. */
export function discoverAmigos(root: string): AmigosDownload {
  if (!isDir(root)) {
    throw new DatasetError(
      root,
      'download folder',
      'a folder with Data_Preprocessed_PXX.mat files',
      'not a folder',
    );
  }
  const bySubject = new Map<number, AmigosSubjectFiles>();
  const notes: string[] = [];
  for (const file of findFiles(root, MAT_RE, 2)) {
    const m = MAT_RE.exec(basename(file));
    if (!m) continue;
    const n = Number(m[1]);
    if (bySubject.has(n)) {
      notes.push(
        `P${String(n).padStart(2, '0')}: several files found, using ${bySubject.get(n)?.matFile}`,
      );
      continue;
    }
    bySubject.set(n, { subject: `P${String(n).padStart(2, '0')}`, number: n, matFile: file });
  }
  if (bySubject.size === 0) {
    throw new DatasetError(
      root,
      'download folder',
      'Data_Preprocessed_PXX.mat files (in the root or Data_Preprocessed_PXX/ folders)',
      'none found',
    );
  }
  const videos = new Map<string, string>();
  for (const file of findFiles(root, VIDEO_RE, 3)) {
    const m = VIDEO_RE.exec(basename(file));
    if (m) videos.set(amigosVideoKey(Number(m[1]), m[2]), file);
  }
  if (videos.size === 0)
    notes.push('no face videos (P{n}_{VideoID}_face.mov) found: the face modality will be missing');
  const subjects = [...bySubject.values()].sort((a, b) => a.number - b.number);
  const gaps = missingNumbers(subjects.map((x) => x.number));
  if (gaps.length) {
    notes.push(
      `participants missing from the numbering 1–${subjects[subjects.length - 1].number}: ${gaps.map((n) => `P${String(n).padStart(2, '0')}`).join(', ')}`,
    );
  }
  return { root, subjects, videos, notes };
}

export interface AmigosTrial {
  /** 1-based position in the cells. */
  readonly index: number;
  readonly videoId: string;
  /** joined_data{k}: rows × 17, C order; null when the trial is empty. */
  readonly joined: { readonly rows: number; readonly data: Float64Array } | null;
  /** labels_selfassessment{k} (12 values), null when empty. */
  readonly selfAssessment: Float64Array | null;
  /** labels_ext_annotation{k}: segments × 3, null when empty or absent. */
  readonly externalAnnotation: { readonly rows: number; readonly data: Float64Array } | null;
}

export interface AmigosSubjectData {
  readonly file: string;
  readonly sha256: string;
  readonly matVersion: '5' | '7.3';
  readonly trials: readonly AmigosTrial[];
}

function cellItems(
  mat: MatFile,
  name: string,
  file: string,
  required: boolean,
): readonly MatValue[] | null {
  const v = mat.variables.get(name);
  if (!v) {
    if (!required) return null;
    throw new DatasetError(
      file,
      `variable '${name}'`,
      'a 1×20 cell',
      `missing (variables: ${[...mat.variables.keys()].join(', ')})`,
    );
  }
  if (v.kind !== 'cell')
    throw new DatasetError(file, `variable '${name}'`, 'a cell array', `got ${v.kind}`);
  return v.items;
}

function isEmpty(v: MatValue): boolean {
  return v.shape.some((d) => d === 0);
}

function numericMatrix(
  v: MatValue,
  file: string,
  record: string,
  cols?: number,
): { rows: number; data: Float64Array } | null {
  if (isEmpty(v)) return null;
  if (v.kind !== 'numeric')
    throw new DatasetError(file, record, 'a numeric matrix', `got ${v.kind}`);
  if (v.shape.length !== 2)
    throw new DatasetError(file, record, 'a 2-D matrix', `got shape ${v.shape.join('×')}`);
  if (cols !== undefined && v.shape[1] !== cols) {
    throw new DatasetError(file, record, `n × ${cols}`, `got ${v.shape.join('×')}`);
  }
  const data =
    v.data instanceof Float64Array
      ? v.data
      : Float64Array.from(v.data as ArrayLike<number>, Number);
  return { rows: v.shape[0], data };
}

function videoIdOf(v: MatValue | undefined, index: number): string {
  if (!v || isEmpty(v)) return String(index);
  if (v.kind === 'char') return v.rows.join('').trim();
  if (v.kind === 'numeric' && v.data.length === 1) return String(Number(v.data[0]));
  return String(index);
}

/**
 * Read one participant's file. Trials whose joined_data has the wrong shape raise a
 * DatasetError naming the trial; empty trials come back with `joined: null`.
 */
export async function readAmigosSubjectFile(file: string): Promise<AmigosSubjectData> {
  const bytes = readFileSync(file);
  const digest = sha256(bytes);
  const mat = await readMat(bytes, file);
  const joined = cellItems(mat, 'joined_data', file, true) as readonly MatValue[];
  const ids = cellItems(mat, 'VideoIDs', file, false);
  const selfAss = cellItems(mat, 'labels_selfassessment', file, true) as readonly MatValue[];
  const ext = cellItems(mat, 'labels_ext_annotation', file, false);
  if (selfAss.length !== joined.length) {
    throw new DatasetError(
      file,
      "variable 'labels_selfassessment'",
      `${joined.length} cells like joined_data`,
      `got ${selfAss.length}`,
    );
  }
  const trials: AmigosTrial[] = joined.map((j, k) => {
    const index = k + 1;
    const videoId = videoIdOf(ids?.[k], index);
    const record = `trial ${index} (VideoID ${videoId})`;
    const sa = numericMatrix(selfAss[k], file, `${record}, labels_selfassessment`);
    if (sa && sa.data.length < 5) {
      throw new DatasetError(
        file,
        `${record}, labels_selfassessment`,
        '1×12 values',
        `got ${sa.data.length}`,
      );
    }
    const ea = ext?.[k] ? numericMatrix(ext[k], file, `${record}, labels_ext_annotation`) : null;
    return {
      index,
      videoId,
      joined: numericMatrix(j, file, `${record}, joined_data`, AMIGOS_COLUMNS),
      selfAssessment: sa ? sa.data : null,
      externalAnnotation: ea,
    };
  });
  return { file, sha256: digest, matVersion: mat.version, trials };
}

/** Column `col` (1-based) of a trial's joined_data as a new array. */
export function amigosColumn(
  joined: { rows: number; data: Float64Array },
  col: number,
): Float64Array {
  const out = new Float64Array(joined.rows);
  for (let r = 0, i = col - 1; r < joined.rows; r++, i += AMIGOS_COLUMNS) out[r] = joined.data[i];
  return out;
}
