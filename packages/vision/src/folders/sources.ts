/**
 * The two ways image data sets are shared: a folder per label (`<root>/<label>/…/*.jpg`) or a CSV
 * of `path,label` with paths relative to the CSV's folder. Images directly in the root folder
 * have no label: a plain folder of photos gives one unlabelled entry per image. Both give the same list of entries,
 * sorted by their relative path (code-unit order) so that a conversion is deterministic.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** File extensions read from a label folder (case-insensitive); other files are ignored. */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.tif',
  '.tiff',
  '.gif',
];

export interface ImageEntry {
  /** Absolute path of the image file. */
  readonly path: string;
  /** Path relative to the root (folder form) or to the CSV's folder, with '/' separators. */
  readonly rel: string;
  /** The data set's own label (folder name or CSV cell), as written there; null: unlabelled. */
  readonly label: string | null;
}

export interface ImageListing {
  readonly entries: ImageEntry[];
  /** Files that were not taken, as 'path: why' (not an image file). */
  readonly ignored: string[];
}

const toPosix = (p: string): string => (sep === '/' ? p : p.split(sep).join('/'));

const byRel = (a: ImageEntry, b: ImageEntry): number =>
  a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0;

/**
 * `<root>/<label>/**` → labelled entries, `<root>/*.jpg…` → unlabelled ones; hidden files and
 * folders (leading '.') are skipped.
 */
export function listLabelFolders(root: string): ImageListing {
  const abs = resolve(root);
  let top: string[];
  try {
    if (!statSync(abs).isDirectory()) throw new Error('not a folder');
    top = readdirSync(abs);
  } catch (e) {
    throw new Error(`${root}: cannot list the image folder (${(e as Error).message})`, {
      cause: e,
    });
  }
  const entries: ImageEntry[] = [];
  const ignored: string[] = [];
  const walk = (dir: string, label: string | null): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const p = join(dir, name);
      const st = statSync(p);
      const rel = toPosix(relative(abs, p));
      if (st.isDirectory()) walk(p, label);
      else if (IMAGE_EXTENSIONS.includes(extname(name).toLowerCase()))
        entries.push({ path: p, rel, label });
      else ignored.push(`${rel}: not an image file (${IMAGE_EXTENSIONS.join(' ')})`);
    }
  };
  for (const name of top.sort()) {
    if (name.startsWith('.')) continue;
    const p = join(abs, name);
    if (statSync(p).isDirectory()) walk(p, name);
    else if (IMAGE_EXTENSIONS.includes(extname(name).toLowerCase()))
      entries.push({ path: p, rel: name, label: null });
  }
  entries.sort(byRel);
  return { entries, ignored };
}

/** One CSV line → cells (RFC 4180 quoting: "a,b" and "" inside quotes). */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

const PATH_HEADERS = ['path', 'file', 'filename', 'file_name', 'image', 'img', 'image_path'];
const LABEL_HEADERS = ['label', 'emotion', 'class', 'expression', 'category'];

/**
 * A CSV of `path,label`. A header row is recognised by its column names (path/file/filename/
 * image… and label/emotion/class/expression…, in either order, other columns ignored); without
 * one, the first two columns are path and label. Paths are relative to the CSV's folder
 * (absolute paths are kept).
 */
export function listCsv(csv: string): ImageListing {
  let text: string;
  try {
    text = readFileSync(csv, 'utf8');
  } catch (e) {
    throw new Error(`${csv}: cannot read the labels CSV (${(e as Error).message})`, { cause: e });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const base = dirname(resolve(csv));
  const lines = text.split(/\r?\n/);
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') first++;
  if (first === lines.length) return { entries: [], ignored: [] };
  const head = parseCsvLine(lines[first]).map((h) => h.trim().toLowerCase());
  let pathCol = head.findIndex((h) => PATH_HEADERS.includes(h));
  let labelCol = head.findIndex((h) => LABEL_HEADERS.includes(h));
  if (pathCol >= 0 && labelCol >= 0) first++;
  else if (pathCol >= 0 || labelCol >= 0) {
    throw new Error(
      `${csv}: header '${lines[first]}' names ${pathCol >= 0 ? 'a path' : 'a label'} column but not ${pathCol >= 0 ? 'a label' : 'a path'} column (expected path,label)`,
    );
  } else {
    pathCol = 0;
    labelCol = 1;
  }
  const entries: ImageEntry[] = [];
  const ignored: string[] = [];
  for (let i = first; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = parseCsvLine(lines[i]);
    const file = (cells[pathCol] ?? '').trim();
    const label = (cells[labelCol] ?? '').trim();
    if (file === '' || label === '') {
      ignored.push(`${csv}:${i + 1}: expected path,label, got '${lines[i]}'`);
      continue;
    }
    const path = isAbsolute(file) ? file : resolve(base, file);
    entries.push({ path, rel: isAbsolute(file) ? file : toPosix(relative(base, path)), label });
  }
  entries.sort(byRel);
  return { entries, ignored };
}
