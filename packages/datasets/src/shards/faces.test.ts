import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaceRow, FacesMetadata } from './faces.js';
import { readFacesShard, writeFacesShard } from './faces.js';

const meta: FacesMetadata = {
  dataset: 'deap',
  subject: 's01',
  stageVersion: '0.1.0+abc',
  parameters: { sampleFps: 2 },
  size: 4,
  frames: 2,
  equalisation: 'global',
  detector: 'blazeface',
  synthetic: true,
  labelMapping: 'rule',
  notes: ['SYNTHETIC'],
};

describe('faces shard', () => {
  it('round-trips rows (video windows and single images), K crops and metadata', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'emo-faces-')), 'f.arrow');
    const rows: FaceRow[] = [
      {
        dataset: 'deap',
        subject: 's01',
        trial: 3,
        stimulusId: '3',
        window: 0,
        t0: 0,
        t1: 10,
        facesFound: 2,
        score: 0.93,
        label5: 'fear',
        source: '/v/s01_trial07.avi',
        flags: null,
      },
      {
        dataset: 'fer2013',
        subject: 'PublicTest',
        trial: null,
        stimulusId: null,
        window: null,
        t0: null,
        t1: null,
        facesFound: 0,
        score: null,
        label5: null,
        source: 'angry/x.jpg',
        flags: 'no face in 2 of 2 frames',
      },
    ];
    const faces = Uint8Array.from({ length: 2 * 2 * 16 }, (_, i) => (i * 37) % 256);
    writeFacesShard(path, rows, faces, meta);
    const back = readFacesShard(path);
    expect(back.rows).toEqual(rows);
    expect(back.faces).toEqual(faces);
    expect(back.metadata).toEqual({ ...meta, schemaVersion: '1' });
  });
});
