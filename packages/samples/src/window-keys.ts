/**
 * From sample ids back to what the shards say of each sample: its window keys (dataset, subject,
 * trial, stimulus, window, t0, t1), for the predictions shards written after training and by
 * `emo predict`. Images of an image-folder shard are found by their row (keys.ts).
 */
import type { WindowKey } from '@emo/datasets';
import { readFacesShard, readWindowsShard } from '@emo/datasets';
import { sampleId } from './keys.js';
import { facesRowKey } from './sample-index.js';
import type { SubjectShards } from './sample-index.js';

const keyFields = (r: WindowKey): WindowKey => ({
  dataset: r.dataset,
  subject: r.subject,
  trial: r.trial,
  stimulusId: r.stimulusId,
  window: r.window,
  t0: r.t0,
  t1: r.t1,
});

export interface SampleWindowKeys {
  /** The window keys of the requested ids, in their order. */
  readonly keys: readonly WindowKey[];
  /** Whether any shard read is synthetic. */
  readonly synthetic: boolean;
}

/** The subject part of a sample id (`subject/trial/window`). */
const subjectOfId = (id: string): string => id.split('/').slice(0, -2).join('/');

/**
 * The window keys of the samples `ids` of these subjects' shards, in the ids' order; an id that
 * no shard holds is an error naming it. Only the subjects the ids name are read: their windows
 * shards, and a faces shard only where windows rows do not hold every id (images, or windows
 * without a physiological row).
 */
export function windowKeysOf(
  shards: readonly SubjectShards[],
  ids: readonly string[],
): SampleWindowKeys {
  const idsOf = new Map<string, string[]>();
  for (const id of ids) {
    const subject = subjectOfId(id);
    const list = idsOf.get(subject) ?? [];
    if (list.length === 0) idsOf.set(subject, list);
    list.push(id);
  }
  const byId = new Map<string, WindowKey>();
  let synthetic = false;
  for (const s of shards) {
    const own = idsOf.get(s.subject);
    if (!own) continue;
    if (s.windows) {
      const w = readWindowsShard(s.windows);
      synthetic ||= w.metadata.synthetic;
      for (const r of w.rows) {
        byId.set(sampleId({ subject: s.subject, trial: r.trial, window: r.window }), keyFields(r));
      }
    }
    if (s.faces && own.some((id) => !byId.has(id))) {
      const f = readFacesShard(s.faces);
      synthetic ||= f.metadata.synthetic;
      f.rows.forEach((r, i) => {
        const [trial, window] = facesRowKey(r, i);
        const id = sampleId({ subject: s.subject, trial, window });
        if (!byId.has(id)) byId.set(id, keyFields(r));
      });
    }
  }
  const keys = ids.map((id) => {
    const k = byId.get(id);
    if (!k) {
      throw new Error(
        `sample ${id} is in no windows or faces shard of ${shards.length} subject(s)`,
      );
    }
    return k;
  });
  return { keys, synthetic };
}
