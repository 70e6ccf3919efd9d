/**
 * Image-folder data sets (FER2013 and the like) → one `faces` shard, so that the face CNN can
 * be pretrained on real labelled faces.
 *
 * Input: a folder per label (`<root>/<label>/…/*.jpg|png`), images directly in the folder
 * (unlabelled rows: a plain folder of photos), or a CSV of `path,label` (paths relative to the
 * CSV's folder). Labels go through a mapping to our five classes (FER2013's labels and common
 * aliases such as fearful or happiness by default: disgust and surprise are left out); labels
 * mapped to null and labels the mapping does not know are left out and counted, never dropped
 * silently. A conversion that would write no row throws, saying why.
 *
 * Each image is decoded with sharp (`readImage`: EXIF orientation applied, 8-bit sRGB) and then
 * - taken as a face crop when it is one (`alreadyCropped`; by default: a small square image,
 *   see crop-rule.ts): grey, resized to 48×48 when needed; a blank one (a single grey level,
 *   FER2013 has one) is kept but flagged with `facesFound: 0`;
 * - otherwise, with detection on (the default), the largest BlazeFace face plus a margin is
 *   cropped (square, inside the image); no face → the whole image is resized, the row says so
 *   (`facesFound: 0`, flags 'no face: …'), never a silent blank;
 * - otherwise (not a crop, detection off) the whole image is resized and flagged;
 * and equalised (global histogram equalisation by default, CLAHE or none as options) by the
 * image/ module's `faceCrop`. An unreadable or corrupt image is listed with its reason; the
 * others go on. Rows are in the order of the sorted relative paths, so a conversion is
 * deterministic.
 */
import { EMOTIONS, writeFacesShard } from '@emo/datasets';
import { Rng } from '@emo/runtime';
import type { Emotion, FaceRow, FacesMetadata } from '@emo/datasets';
import { basename, dirname, resolve } from 'node:path';
import { createFaceDetector, largestFace, withMargin } from '../detect/index.js';
import type { DetectedFace, FaceDetector, FaceDetectorOptions, Frame } from '../detect/index.js';
import { faceCrop, readImage } from '../image/index.js';
import type { ClaheOptions, EqualizeMethod, RawImage, ResizeMethod } from '../image/index.js';
import { VISION_DEFAULTS } from '../subject.js';
import { CROP_MAX_SIDE, looksLikeFaceCrop } from './crop-rule.js';
import { DEFAULT_IMAGE_LABEL_MAP, resolveImageLabelMap } from './labels.js';
import type { ImageLabelMap } from './labels.js';
import { IMAGE_EXTENSIONS, listCsv, listLabelFolders } from './sources.js';
import type { ImageEntry, ImageListing } from './sources.js';

/** Version of this conversion, written into every shard (bump when its output changes). */
export const FOLDERS_STAGE_VERSION = '2';

/** Side of the face crops (the CNN's 48×48 input). */
export const FACE_SIZE = VISION_DEFAULTS.size;

export type Equalisation = FacesMetadata['equalisation'];

/** The part of a face detector this conversion uses (a `FaceDetector` from detect/ is one). */
export interface ImageFaceDetector {
  detect(frame: Frame): Promise<DetectedFace[]>;
  /** Written into the shard's `detector` metadata; derived from a real FaceDetector if absent. */
  readonly description?: string;
}

export interface ConvertImageFolderOptions {
  /**
   * A folder per label: `<root>/<label>/…/*.jpg|jpeg|png|webp|tif|tiff|gif`; images directly in
   * it are unlabelled rows.
   */
  readonly root?: string;
  /** A CSV of path,label (paths relative to the CSV's folder). Exactly one of root and csv. */
  readonly csv?: string;
  /** The faces shard to write (`.arrow`), written atomically; its folder is created. */
  readonly out: string;
  /**
   * Data-set label → one of `EMOTIONS`, or null to leave it out (counted in `leftOut`).
   * Replaces the default (`DEFAULT_IMAGE_LABEL_MAP`: FER2013's labels and their aliases); labels
   * it does not name are left out as unknown.
   */
  readonly labelMap?: ImageLabelMap;
  /** 'global' (default): histogram equalisation; 'clahe'; 'none'. */
  readonly equalisation?: Equalisation;
  /** CLAHE parameters (default clipLimit 2, 8×8 tiles) when equalisation is 'clahe'. */
  readonly clahe?: ClaheOptions;
  /** Resizing to 48×48 (default 'area', OpenCV's INTER_AREA). */
  readonly resize?: ResizeMethod;
  /**
   * true: every image is a face crop (only resized); false: every image goes through the
   * detector. Default: decided per image (`looksLikeFaceCrop`: square, at most 128 px a side).
   */
  readonly alreadyCropped?: boolean;
  /**
   * Find the face (BlazeFace, largest face + margin) in images that are not crops (default
   * true); false: such images are resized whole and flagged.
   */
  readonly detect?: boolean;
  /**
   * Margin around the detected face on each side, as a share of its larger side (default:
   * VISION_DEFAULTS.margin).
   */
  readonly margin?: number;
  /** How far the crop sits above the face (default: VISION_DEFAULTS.lift; see withMargin). */
  readonly lift?: number;
  /** Options for the detector created when `detect` is on and no `detector` is given. */
  readonly detectorOptions?: FaceDetectorOptions;
  /** A detector to use instead of creating one (it is not disposed). */
  readonly detector?: ImageFaceDetector;
  /**
   * At most this many rows (images of kept classes): without `seed` the first ones in path
   * order, with `seed` a seeded random sample (kept in path order). Label counts (`leftOut`)
   * are over the whole listing.
   */
  readonly limit?: number;
  readonly seed?: number;
  /** Data-set name in the shard; default from the folder's name ('fer2013…' → 'fer2013'). */
  readonly dataset?: string;
  /**
   * Subject in the shard: default the split (a folder named train/test/val…, or a common
   * Training_/PublicTest_/PrivateTest_ file-name prefix), else 'all'.
   */
  readonly subject?: string;
  /** Mark the shard as synthetic (test data). Default false. */
  readonly synthetic?: boolean;
  /** Images decoded at a time (default 4; detection runs one at a time regardless). */
  readonly concurrency?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface UnreadableImage {
  /** The image's path relative to the root or the CSV's folder. */
  readonly path: string;
  readonly error: string;
}

export interface ConvertImageFolderResult {
  readonly out: string;
  readonly dataset: string;
  readonly subject: string;
  /** Rows written. */
  readonly rows: number;
  /** Labelled rows per class. */
  readonly perClass: Record<Emotion, number>;
  /** Rows without a label (images directly in the root folder). */
  readonly unlabelled: number;
  /** Images not converted because of their label (mapped to null, or unknown): label → count. */
  readonly leftOut: Record<string, number>;
  /** The labels of `leftOut` that the mapping does not name (sorted). */
  readonly unknownLabels: string[];
  readonly unreadable: UnreadableImage[];
  /** Files that were not taken (not an image, outside a label folder, bad CSV line). */
  readonly ignored: string[];
  /** How the rows' crops were made. */
  readonly crops: {
    /** The image was a face crop (resized if needed): given, or small and square. */
    readonly given: number;
    /** The image was given as a crop but is blank (one grey level): faces_found 0, flagged. */
    readonly blank: number;
    /** A face was detected and cropped. */
    readonly detected: number;
    /** Detection found no face: the whole image, flagged. */
    readonly noFace: number;
    /** Not a crop and detection off: the whole image, flagged. */
    readonly undeclared: number;
  };
  /** Size of the shard file. */
  readonly bytes: number;
}

type CropKind = keyof ConvertImageFolderResult['crops'];

interface Converted {
  readonly face: Uint8Array;
  readonly kind: CropKind;
  readonly facesFound: number;
  readonly score: number | null;
  readonly flags: string | null;
}

const SPLIT_FOLDER =
  /^(train|training|test|testing|val|valid|validation|dev|publictest|privatetest)$/i;
const SPLIT_PREFIX = /^(Training|PublicTest|PrivateTest)_/;

/** Default data-set and subject names for a source folder and its entries. */
export function inferNames(
  base: string,
  entries: readonly ImageEntry[],
): { dataset: string; subject: string } {
  let folder = basename(resolve(base));
  let subject = 'all';
  if (SPLIT_FOLDER.test(folder)) {
    subject = folder;
    folder = basename(dirname(resolve(base)));
  } else if (entries.length > 0) {
    const m = SPLIT_PREFIX.exec(basename(entries[0].rel));
    if (m && entries.every((e) => basename(e.rel).startsWith(m[0]))) subject = m[1];
  }
  const lower = folder.toLowerCase();
  const dataset = /^fer-?2013/.test(lower) ? 'fer2013' : lower || 'images';
  return { dataset, subject };
}

const equalizeMethod = (e: Equalisation): EqualizeMethod => (e === 'global' ? 'hist' : e);

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function describeDetector(d: ImageFaceDetector): string {
  if (d.description) return d.description;
  const real = d as Partial<FaceDetector>;
  if (real.backend !== undefined && real.options) {
    return `blazeface (@vladmandic/human, tfjs ${real.backend}; ${real.options.input} input, minScore ${real.options.minScore}, border ${real.options.border})`;
  }
  return 'custom detector';
}

/** 'surprise 3, Weird 1 (unknown label)': the left-out labels and their image counts. */
function leftOutText(leftOut: ReadonlyMap<string, number>, unknown: ReadonlySet<string>): string {
  return [...leftOut]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => `${k} ${n}${unknown.has(k) ? ' (unknown label)' : ''}`)
    .join(', ');
}

/** Why a listing leaves no image to convert (one line). */
function whyNoImages(
  listing: ImageListing,
  leftOut: ReadonlyMap<string, number>,
  unknown: ReadonlySet<string>,
  limit: number | undefined,
): string {
  if (listing.entries.length === 0) {
    const ignored = listing.ignored.length
      ? ` (${listing.ignored.length} other files ignored, e.g. ${listing.ignored[0]})`
      : '';
    return `no image files (${IMAGE_EXTENSIONS.join(' ')}) found${ignored}`;
  }
  if (limit === 0) return 'limit 0';
  return (
    `all ${listing.entries.length} images are left out by their labels (${leftOutText(leftOut, unknown)}); ` +
    `the classes are ${EMOTIONS.join(', ')} (aliases such as fearful or happiness count)`
  );
}

/** The grey level of a constant image, or null. */
function constantLevel(px: Uint8Array): number | null {
  const v = px[0];
  for (let i = 1; i < px.length; i++) if (px[i] !== v) return null;
  return v;
}

/** Runs `f` for 0…n−1 with at most `k` calls in flight. */
async function forEachLimited(
  n: number,
  k: number,
  f: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await f(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(k, n)) }, worker));
}

/** Converts an image-folder data set into one faces shard; see the module comment. */
export async function convertImageFolder(
  opts: ConvertImageFolderOptions,
): Promise<ConvertImageFolderResult> {
  if ((opts.root === undefined) === (opts.csv === undefined)) {
    throw new Error('convertImageFolder: give exactly one of root (a folder per label) and csv');
  }
  const equalisation = opts.equalisation ?? 'global';
  if (!['global', 'clahe', 'none'].includes(equalisation)) {
    throw new RangeError(
      `convertImageFolder: equalisation '${String(equalisation)}' (expected 'global', 'clahe' or 'none')`,
    );
  }
  const detectOn = opts.detect ?? true;
  if (opts.alreadyCropped === false && !detectOn) {
    throw new Error(
      'convertImageFolder: alreadyCropped: false needs detect: true (the faces must be found)',
    );
  }
  const margin = opts.margin ?? VISION_DEFAULTS.margin;
  const lift = opts.lift ?? VISION_DEFAULTS.lift;
  if (!(margin >= 0 && Number.isFinite(margin))) {
    throw new RangeError(`convertImageFolder: margin must be a finite number ≥ 0, got ${margin}`);
  }
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 0)) {
    throw new RangeError(`convertImageFolder: limit must be an integer ≥ 0, got ${opts.limit}`);
  }
  const concurrency = opts.concurrency ?? 4;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new RangeError(
      `convertImageFolder: concurrency must be an integer ≥ 1, got ${concurrency}`,
    );
  }
  const mapping = resolveImageLabelMap(opts.labelMap ?? DEFAULT_IMAGE_LABEL_MAP);

  const base = opts.root ?? dirname(resolve(opts.csv as string));
  const listing =
    opts.root !== undefined ? listLabelFolders(opts.root) : listCsv(opts.csv as string);
  const names = inferNames(base, listing.entries);
  const dataset = opts.dataset ?? names.dataset;
  const subject = opts.subject ?? names.subject;

  // Labels: keep, leave out (null) or unknown.
  const leftOutMap = new Map<string, number>();
  const unknown = new Set<string>();
  let kept: { entry: ImageEntry; emotion: Emotion | null }[] = [];
  for (const entry of listing.entries) {
    if (entry.label === null) {
      kept.push({ entry, emotion: null });
      continue;
    }
    const v = mapping.lookup(entry.label);
    if (v.kind === 'class') {
      kept.push({ entry, emotion: v.emotion });
      continue;
    }
    leftOutMap.set(entry.label, (leftOutMap.get(entry.label) ?? 0) + 1);
    if (v.kind === 'unknown') unknown.add(entry.label);
  }
  if (opts.limit !== undefined && opts.limit < kept.length) {
    if (opts.seed !== undefined) {
      const idx = new Rng(opts.seed).shuffle(kept.map((_, i) => i)).slice(0, opts.limit);
      idx.sort((a, b) => a - b);
      kept = idx.map((i) => kept[i]);
    } else {
      kept = kept.slice(0, opts.limit);
    }
  }
  const source = opts.root ?? (opts.csv as string);
  if (kept.length === 0) {
    throw new Error(
      `${source}: no face crops to write: ${whyNoImages(listing, leftOutMap, unknown, opts.limit)}`,
    );
  }

  // The detector, only when some image may need it.
  let detector: ImageFaceDetector | null = null;
  let ownDetector: FaceDetector | null = null;
  const getDetector = async (): Promise<ImageFaceDetector> => {
    if (detector) return detector;
    if (opts.detector) detector = opts.detector;
    else {
      ownDetector = await createFaceDetector(opts.detectorOptions);
      detector = ownDetector;
    }
    return detector;
  };
  // A detector that cannot be loaded stops the conversion; a failure on one image does not.
  let loadError: { error: unknown } | null = null;
  let detectQueue: Promise<unknown> = Promise.resolve();
  const detectOneAtATime = (img: RawImage): Promise<DetectedFace[]> => {
    const run = detectQueue.then(async () => {
      let d: ImageFaceDetector;
      try {
        d = await getDetector();
      } catch (e) {
        loadError ??= { error: e };
        throw e;
      }
      try {
        return await d.detect(img);
      } catch (e) {
        throw new Error(`face detection failed: ${errorText(e)}`, { cause: e });
      }
    });
    detectQueue = run.catch(() => undefined);
    return run;
  };

  const cropOpts = {
    size: FACE_SIZE,
    resize: opts.resize ?? 'area',
    equalize: equalizeMethod(equalisation),
    clahe: opts.clahe,
  };

  const convertOne = async (entry: ImageEntry): Promise<Converted> => {
    const img = await readImage(entry.path);
    const given = opts.alreadyCropped ?? looksLikeFaceCrop(img);
    if (given) {
      const face = faceCrop(img, undefined, cropOpts).data;
      const level = constantLevel(face);
      if (level !== null) {
        return {
          face,
          kind: 'blank',
          facesFound: 0,
          score: null,
          flags: `blank image (every pixel ${level}): no face`,
        };
      }
      return { face, kind: 'given', facesFound: 1, score: null, flags: null };
    }
    if (!detectOn) {
      return {
        face: faceCrop(img, undefined, cropOpts).data,
        kind: 'undeclared',
        facesFound: 0,
        score: null,
        flags: `not a face crop (square, ≤ ${CROP_MAX_SIDE} px) and detection off: whole ${img.width}×${img.height} image resized`,
      };
    }
    const faces = await detectOneAtATime(img);
    const best = largestFace(faces);
    if (!best) {
      return {
        face: faceCrop(img, undefined, cropOpts).data,
        kind: 'noFace',
        facesFound: 0,
        score: null,
        flags: `no face: whole ${img.width}×${img.height} image resized`,
      };
    }
    const [x, y, w, h] = withMargin(best.box, margin, img.width, img.height, lift);
    return {
      face: faceCrop(img, { x, y, width: w, height: h }, cropOpts).data,
      kind: 'detected',
      facesFound: 1,
      score: best.score,
      flags: faces.length > 1 ? `${faces.length} faces found; the largest kept` : null,
    };
  };

  const results: (Converted | UnreadableImage)[] = new Array(kept.length);
  let done = 0;
  try {
    await forEachLimited(kept.length, concurrency, async (i) => {
      const { entry } = kept[i];
      if (loadError) return;
      try {
        results[i] = await convertOne(entry);
      } catch (e) {
        if (loadError) return;
        results[i] = { path: entry.rel, error: errorText(e).split(entry.path).join(entry.rel) };
      }
      done++;
      opts.onProgress?.(done, kept.length);
    });
  } finally {
    (ownDetector as FaceDetector | null)?.dispose();
  }
  if (loadError) throw (loadError as { error: unknown }).error;

  const perClass = Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<Emotion, number>;
  let unlabelled = 0;
  const crops = { given: 0, blank: 0, detected: 0, noFace: 0, undeclared: 0 };
  const unreadable: UnreadableImage[] = [];
  const rows: FaceRow[] = [];
  const faceSize = FACE_SIZE * FACE_SIZE;
  const faces = new Uint8Array(kept.length * faceSize);
  for (let i = 0; i < kept.length; i++) {
    const r = results[i];
    if ('error' in r) {
      unreadable.push(r);
      continue;
    }
    faces.set(r.face, rows.length * faceSize);
    const emotion = kept[i].emotion;
    if (emotion === null) unlabelled++;
    else perClass[emotion]++;
    crops[r.kind]++;
    rows.push({
      dataset,
      subject,
      trial: null,
      stimulusId: null,
      window: null,
      t0: null,
      t1: null,
      facesFound: r.facesFound,
      score: r.score,
      label5: kept[i].emotion,
      source: kept[i].entry.rel,
      flags: r.flags,
    });
  }

  if (rows.length === 0) {
    const [first] = unreadable;
    throw new Error(
      `${source}: no face crops to write: none of the ${unreadable.length} images could be read (first: ${first.path}: ${first.error})`,
    );
  }

  const leftOut = Object.fromEntries([...leftOutMap].sort(([a], [b]) => (a < b ? -1 : 1)));
  const unknownLabels = [...unknown].sort();
  const notes: string[] = [
    'one row per image; crops given by the data set have faces_found 1 and score null',
  ];
  if (unlabelled > 0) notes.push(`unlabelled images (directly in the folder): ${unlabelled}`);
  if (leftOutMap.size > 0) notes.push(`left out by label: ${leftOutText(leftOutMap, unknown)}`);
  if (unreadable.length > 0) notes.push(`unreadable images: ${unreadable.length}`);
  if (crops.blank > 0) notes.push(`blank images (one grey level): ${crops.blank}, flagged`);
  if (crops.noFace > 0)
    notes.push(`no face found in ${crops.noFace} images (whole image, flagged)`);
  if (crops.undeclared > 0) {
    notes.push(`${crops.undeclared} images neither crops nor detected (whole image, flagged)`);
  }
  if (opts.limit !== undefined) {
    notes.push(
      `limited to ${opts.limit} images${opts.seed !== undefined ? ` (seed ${opts.seed})` : ''}`,
    );
  }
  const meta: FacesMetadata = {
    dataset,
    subject,
    stageVersion: FOLDERS_STAGE_VERSION,
    parameters: {
      source: opts.root !== undefined ? { root: opts.root } : { csv: opts.csv },
      labelMap: mapping.entries,
      equalisation,
      ...(equalisation === 'clahe' ? { clahe: opts.clahe ?? {} } : {}),
      resize: cropOpts.resize,
      alreadyCropped: opts.alreadyCropped ?? `auto (square, ≤ ${CROP_MAX_SIDE} px)`,
      detect: detectOn,
      ...(detectOn ? { margin, lift, detectorOptions: opts.detectorOptions ?? {} } : {}),
      ...(opts.limit !== undefined ? { limit: opts.limit, seed: opts.seed ?? null } : {}),
    },
    size: FACE_SIZE,
    frames: 1,
    equalisation,
    detector: detector ? describeDetector(detector) : 'none (face crops given by the data set)',
    synthetic: opts.synthetic ?? false,
    labelMapping: mapping.description,
    notes,
  };
  const bytes = writeFacesShard(opts.out, rows, faces.subarray(0, rows.length * faceSize), meta);
  return {
    out: opts.out,
    dataset,
    subject,
    rows: rows.length,
    perClass,
    unlabelled,
    leftOut,
    unknownLabels,
    unreadable,
    ignored: listing.ignored,
    crops,
    bytes,
  };
}
