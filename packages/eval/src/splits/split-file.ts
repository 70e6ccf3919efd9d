/**
 * A split as a JSON artefact: per fold, the sample ids (see @emo/samples' `sampleId`) that
 * train, validate and test, so that every model of a comparison sees the very same samples. The
 * split stage writes one file per protocol and the train stage reads it back; the file is
 * checked against {@link splitArtifactSchema} both ways, so a hand-edited or truncated file
 * fails with one line naming the file and the key.
 */
import { jsonText, parseJson, readJsonFile, writeFileAtomic } from '@emo/runtime';
import { z } from 'zod';

const ids = z.array(z.string());

export const splitFoldSchema = z
  .object({ fold: z.number().int().min(0), train: ids, val: ids, test: ids })
  .check((ctx) => {
    const seen = new Map<string, string>();
    for (const part of ['train', 'val', 'test'] as const) {
      for (const id of ctx.value[part]) {
        const other = seen.get(id);
        if (other) {
          ctx.issues.push({
            code: 'custom',
            input: ctx.value,
            path: [part],
            message: `sample '${id}' is in both ${other} and ${part}`,
          });
          return;
        }
        seen.set(id, part);
      }
    }
  });

export const splitArtifactSchema = z.object({
  protocol: z.string().min(1),
  seed: z.number().int().min(0),
  folds: z.array(splitFoldSchema).min(1),
  notes: z.array(z.string()),
});

export type SplitFold = z.infer<typeof splitFoldSchema>;
export type SplitArtifact = z.infer<typeof splitArtifactSchema>;

export function readSplit(path: string): SplitArtifact {
  return readJsonFile(path, splitArtifactSchema, 'split file');
}

/** Write a split file atomically, refusing one that would not read back. */
export function writeSplit(path: string, s: SplitArtifact): void {
  const text = jsonText(s, 2);
  parseJson(text, splitArtifactSchema, path, 'split');
  writeFileAtomic(path, text);
}
