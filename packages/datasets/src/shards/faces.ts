/**
 * The `faces` shard (docs/DESIGN.md, "Data contracts"): one row per analysis window (video data
 * sets, keyed like the `windows` shard) or per image (image-folder data sets such as FER2013),
 * with K face crops of size×size grey pixels, how many of them were found by the detector, the
 * mean detection score and flags. A window whose face was not found carries a flag, never a
 * silent blank image.
 */
import type { Table } from 'apache-arrow';
import type { Emotion } from '../emotions.js';
import {
  fixedSizeListColumn,
  float64Column,
  int32Column,
  makeShardTable,
  utf8Column,
  writeShardFile,
} from './arrow.js';
import type { ShardSpec } from './provenance.js';
import { provenanceMetadata, readShard } from './provenance.js';
import { windowKeyColumns, windowKeyedRows } from './windows.js';

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

const EQUALISATIONS: readonly FacesMetadata['equalisation'][] = ['global', 'clahe', 'none'];

/** The faces shard kind: its schema version, stage and metadata keys in the order written. */
const FACES: ShardSpec = {
  kind: 'faces',
  schemaVersion: FACES_SCHEMA_VERSION,
  stage: 'vision',
  keys: [
    'schema_version',
    'stage',
    'stage_version',
    'dataset',
    'subject',
    'parameters',
    'size',
    'frames',
    'equalisation',
    'detector',
    'synthetic',
    'label_mapping',
    'classes',
    'notes',
  ],
};

function facesTable(rows: readonly FaceRow[], faces: Uint8Array, meta: FacesMetadata): Table {
  const pick = <K extends keyof FaceRow>(k: K) => rows.map((r) => r[k]);
  const columns = [
    ...windowKeyColumns(rows),
    fixedSizeListColumn('face', meta.size * meta.size * meta.frames, faces, rows.length),
    int32Column('faces_found', pick('facesFound')),
    float64Column('score', pick('score')),
    utf8Column('label5', pick('label5')),
    utf8Column('source', pick('source')),
    utf8Column('flags', pick('flags')),
  ];
  const metadata = provenanceMetadata(FACES, meta, {
    size: meta.size,
    frames: meta.frames,
    equalisation: meta.equalisation,
    detector: meta.detector,
  });
  return makeShardTable(columns, metadata);
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
  const { table, md, columns } = readShard(path, FACES);
  const { str, num, flat } = columns;
  const cols = {
    facesFound: num('faces_found'),
    score: num('score'),
    label5: str('label5'),
    source: str('source'),
    flags: str('flags'),
  };
  const rows: FaceRow[] = windowKeyedRows(table.numRows, columns, (i) => ({
    facesFound: cols.facesFound(i) ?? 0,
    score: cols.score(i),
    label5: cols.label5(i) as Emotion | null,
    source: cols.source(i) ?? '',
    flags: cols.flags(i),
  }));
  return {
    metadata: {
      schemaVersion: md.schemaVersion,
      dataset: md.str('dataset'),
      subject: md.str('subject'),
      stageVersion: md.stageVersion,
      parameters: md.parameters,
      size: md.int('size'),
      frames: md.int('frames'),
      equalisation: md.str('equalisation', EQUALISATIONS),
      detector: md.str('detector'),
      synthetic: md.synthetic,
      labelMapping: md.str('label_mapping'),
      notes: md.notes,
    },
    rows,
    faces: flat<Uint8Array>('face'),
  };
}
