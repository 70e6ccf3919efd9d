/**
 * JSON that one step hands to another (split files, stage summaries, saved settings) is checked
 * against a zod schema when it is read, as the config is: a file that is not what the reader
 * expects fails with one line naming the file, the key and what was expected, instead of an
 * `undefined` surfacing far away.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';

export class JsonFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'JsonFileError';
  }
}

/** Parse `text` (from `file`, for messages) and check it against `schema`. */
export function parseJson<S extends z.ZodType>(
  text: string,
  schema: S,
  file: string,
  what = 'file',
): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new JsonFileError(file, `not valid JSON (${(e as Error).message})`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue.path.length ? `'${issue.path.join('.')}'` : 'the top level';
    throw new JsonFileError(file, `not a valid ${what}: ${at}: ${issue.message}`);
  }
  return r.data;
}

/** Read `file` and check it against `schema`; `what` names the expected content in errors. */
export function readJsonFile<S extends z.ZodType>(
  file: string,
  schema: S,
  what = 'file',
): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new JsonFileError(
      file,
      `cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return parseJson(text, schema, file, what);
}

/** `value` as pretty JSON with a final newline, the form every emo JSON file is written in. */
export function jsonText(value: unknown, indent = 1): string {
  return `${JSON.stringify(value, null, indent)}\n`;
}
