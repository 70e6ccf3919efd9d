/**
 * The `faces` shard (docs/DESIGN.md, "Data contracts"): one row per analysis window (video data
 * sets, keyed like the `windows` shard) or per image (image-folder data sets such as FER2013),
 * with K face crops of size×size grey pixels, how many of them were found by the detector, the
 * mean detection score and flags. A window whose face was not found carries a flag, never a
 * silent blank image.
 */
import type { Table } from 'apache-arrow';
import { EMOTIONS } from '../emotions.js';
import type { Emotion } from '../emotions.js';
import {
  fixedSizeListColumn,
  float64Column,
  int32Column,
  makeShardTable,
  readShardFile,
  shardColumns,
  utf8Column,
  writeShardFile,
} from './arrow.js';
import { windowKeyColumns, windowKeyReader } from './windows.js';

export const FACES_SCHEMA_VERSION = '1';

export interface FaceRow {
  /** 'deap', 'amigos', or the name of an image-folder data set ('fer2013'). */
  readonly dataset: string;
  readonly subject: string;
  /** Trial and window (video data sets); null for single images. */
  readonly trial: number | null;
  readonly stimulusId: string | null;
  readonly window: number | null;
  readonly t0: number | null;
  readonly t1: number | null;
  /** How many of the K crops show a detected face (0…K). */
  readonly facesFound: number;
  /** Mean detection score of the found faces; null when none was found. */
  readonly score: number | null;
  readonly label5: Emotion | null;
  /** The image file or video the crops came from. */
  readonly source: string;
  /** Why the row is doubtful ('no face in 1 of 3 frames; video ends early'), or null. */
  readonly flags: string | null;
}

export interface FacesMetadata {
  readonly dataset: string;
  readonly subject: string;
  readonly stageVersion: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Crop side in pixels and crops per row (K). */
  readonly size: number;
  readonly frames: number;
  readonly equalisation: 'global' | 'clahe' | 'none';
  /** Detector and model, e.g. 'blazeface (@vladmandic/human 3.3.6, tfjs wasm)'. */
  readonly detector: string;
  readonly synthetic: boolean;
  readonly labelMapping: string;
  readonly notes: readonly string[];
}

export interface FacesShard {
  readonly metadata: FacesMetadata & { readonly schemaVersion: string };
  readonly rows: FaceRow[];
  /** rows × K × size × size grey pixels, row-major. */
  readonly faces: Uint8Array;
}

function facesTable(rows: readonly FaceRow[], faces: Uint8Array, meta: FacesMetadata): Table {
  const col = <T>(f: (r: FaceRow) => T): T[] => rows.map(f);
  const columns = [
    ...windowKeyColumns(rows),
    fixedSizeListColumn('face', meta.size * meta.size * meta.frames, faces, rows.length),
    int32Column(
      'faces_found',
      col((r) => r.facesFound),
    ),
    float64Column(
      'score',
      col((r) => r.score),
    ),
    utf8Column(
      'label5',
      col((r) => r.label5),
    ),
    utf8Column(
      'source',
      col((r) => r.source),
    ),
    utf8Column(
      'flags',
      col((r) => r.flags),
    ),
  ];
  const m = new Map<string, string>([
    ['schema_version', FACES_SCHEMA_VERSION],
    ['stage', 'vision'],
    ['stage_version', meta.stageVersion],
    ['dataset', meta.dataset],
    ['subject', meta.subject],
    ['parameters', JSON.stringify(meta.parameters)],
    ['size', String(meta.size)],
    ['frames', String(meta.frames)],
    ['equalisation', meta.equalisation],
    ['detector', meta.detector],
    ['synthetic', String(meta.synthetic)],
    ['label_mapping', meta.labelMapping],
    ['classes', JSON.stringify(EMOTIONS)],
    ['notes', JSON.stringify(meta.notes)],
  ]);
  return makeShardTable(columns, m);
}

export function writeFacesShard(
  path: string,
  rows: readonly FaceRow[],
  faces: Uint8Array,
  meta: FacesMetadata,
): number {
  return writeShardFile(path, facesTable(rows, faces, meta));
}

export function readFacesShard(path: string): FacesShard {
  const table = readShardFile(path);
  const md = table.schema.metadata;
  const version = md.get('schema_version');
  if (version !== FACES_SCHEMA_VERSION || md.get('stage') !== 'vision') {
    throw new Error(
      `${path}: not a faces shard of schema ${FACES_SCHEMA_VERSION} (schema_version ${version}, stage ${md.get('stage')})`,
    );
  }
  const columns = shardColumns(table, path, 'faces');
  const { str, num, flat } = columns;
  const faces = flat<Uint8Array>('face');
  const key = windowKeyReader(columns);
  const cols = {
    facesFound: num('faces_found'),
    score: num('score'),
    label5: str('label5'),
    source: str('source'),
    flags: str('flags'),
  };
  const rows: FaceRow[] = [];
  for (let i = 0; i < table.numRows; i++) {
    rows.push({
      ...key(i),
      facesFound: cols.facesFound(i) ?? 0,
      score: cols.score(i),
      label5: cols.label5(i) as Emotion | null,
      source: cols.source(i) ?? '',
      flags: cols.flags(i),
    });
  }
  const json = <T>(key: string): T => {
    try {
      return JSON.parse(md.get(key) ?? 'null') as T;
    } catch {
      throw new Error(`${path}: metadata '${key}' is not valid JSON`);
    }
  };
  return {
    metadata: {
      schemaVersion: version,
      dataset: md.get('dataset') ?? '',
      subject: md.get('subject') ?? '',
      stageVersion: md.get('stage_version') ?? '',
      parameters: json('parameters'),
      size: Number(md.get('size')),
      frames: Number(md.get('frames')),
      equalisation: (md.get('equalisation') ?? 'none') as FacesMetadata['equalisation'],
      detector: md.get('detector') ?? '',
      synthetic: md.get('synthetic') === 'true',
      labelMapping: md.get('label_mapping') ?? '',
      notes: json('notes'),
    },
    rows,
    faces,
  };
}
