/**
 * The per-subject windows and faces shards of the dsp and vision artifacts, paired by subject:
 * what the split and train stages give the model package's data pipeline.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SubjectShards } from '@emo/samples';
import type { Artifact } from '../engine/index.js';

function arrowIn(dir: string, suffix: string): string | undefined {
  const f = readdirSync(dir).find((x) => x.endsWith(suffix));
  return f ? join(dir, f) : undefined;
}

/** The data set of a pipeline subject id: shard ids are '<dataset>-<subject>' ('amigos-P01'). */
export const datasetOfShard = (shard: string): string => shard.split('-')[0];

/** Subjects that have a windows shard, with their faces shard where the vision task succeeded. */
export function subjectShards(
  dsp: readonly Artifact[],
  vision: readonly Artifact[] = [],
): SubjectShards[] {
  const faces = new Map(vision.map((a) => [a.shard, arrowIn(a.path, '.faces.arrow')]));
  return dsp.flatMap((a) => {
    const windows = arrowIn(a.path, '.windows.arrow');
    if (!windows || a.shard == null) return [];
    const f = faces.get(a.shard);
    // Shard ids are '<dataset>-<subject>' ('amigos-P01'); the shards themselves name 'P01'.
    const shardSubject = a.shard.slice(a.shard.indexOf('-') + 1);
    return [{ subject: a.shard, shardSubject, windows, ...(f ? { faces: f } : {}) }];
  });
}
