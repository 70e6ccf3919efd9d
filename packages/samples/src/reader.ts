/**
 * How the data modules read shards: an injectable pair of readers (tests count or fake the
 * reads through it), by default the `@emo/datasets` readers.
 */
import type { FacesShard, WindowsShard } from '@emo/datasets';
import { readFacesShard, readWindowsShard } from '@emo/datasets';

export interface ShardReader {
  readonly windows: (path: string) => WindowsShard;
  readonly faces: (path: string) => FacesShard;
}

export const defaultShardReader: ShardReader = {
  windows: readWindowsShard,
  faces: readFacesShard,
};
