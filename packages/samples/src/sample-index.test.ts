import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleId } from './keys.js';
import { indexSamples } from './sample-index.js';
import { TINY, writeImageFolder, writeTinySubject } from './testing.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'emo-data-'));
const ALL = ['face', 'physio', 'features'] as const;

describe('indexSamples', () => {
  it('joins windows and faces rows, skips and counts unlabelled and faceless windows', () => {
    const dir = tmp();
    const s = writeTinySubject(dir, {
      subject: 's01',
      subjectNo: 1,
      trials: 2,
      windowsPerTrial: 3,
      label: (t, w) => (t === 1 && w === 2 ? null : 'sad'),
      noFace: new Set(['0/1']),
    });
    const index = indexSamples([s], { needs: ALL });
    expect(index.skipped).toEqual({ unlabelled: 1, noFace: 1, noWindow: 0, flagged: 0 });
    expect(index.entries.map(sampleId)).toEqual(['s01/0/0', 's01/0/2', 's01/1/0', 's01/1/1']);
    // faces rows are numbered without the missing window 0/1
    expect(index.entries.map((e) => [e.windowsRow, e.facesRow])).toEqual([
      [0, 0],
      [2, 1],
      [3, 2],
      [4, 3],
    ]);
    expect(index.entries.every((e) => e.label === 1 && e.shard === 0 && !e.flagged)).toBe(true);
    expect(index).toMatchObject({
      frames: TINY.frames,
      imageSize: TINY.size,
      seqLength: TINY.T,
      channels: TINY.C,
      numFeatures: TINY.F,
    });
  });

  it('needs only what the inputs need', () => {
    const dir = tmp();
    const a = writeTinySubject(dir, {
      subject: 'a',
      subjectNo: 1,
      trials: 1,
      windowsPerTrial: 2,
      noFace: new Set(['0/1']),
    });
    const b = writeTinySubject(dir, {
      subject: 'b',
      subjectNo: 2,
      trials: 1,
      windowsPerTrial: 2,
      noFace: 'all',
    });
    const physio = indexSamples([a, b], { needs: ['physio'] });
    expect(physio.entries.map(sampleId)).toEqual(['a/0/0', 'a/0/1', 'b/0/0', 'b/0/1']);
    expect(physio.entries[1].facesRow).toBeNull();
    const face = indexSamples([a, b], { needs: ['face'] });
    expect(face.entries.map(sampleId)).toEqual(['a/0/0']);
    expect(face.skipped.noFace).toBe(3);
  });

  it('marks and, when asked, leaves out flagged samples', () => {
    const dir = tmp();
    const s = writeTinySubject(dir, {
      subject: 's',
      subjectNo: 1,
      trials: 1,
      windowsPerTrial: 3,
      flags: (_t, w) => (w === 1 ? 'hrv: 2 beats' : null),
    });
    expect(indexSamples([s], { needs: ALL }).entries.map((e) => e.flagged)).toEqual([
      false,
      true,
      false,
    ]);
    // the windows row's flags do not matter to a face-only model
    expect(indexSamples([s], { needs: ['face'] }).entries.some((e) => e.flagged)).toBe(false);
    const clean = indexSamples([s], { needs: ALL, excludeFlagged: true });
    expect(clean.entries.map(sampleId)).toEqual(['s/0/0', 's/0/2']);
    expect(clean.skipped.flagged).toBe(1);
  });

  it('indexes an image-folder faces shard: trial -1, window = row index', () => {
    const dir = tmp();
    const s = writeImageFolder(dir, 'PublicTest', ['angry', null, 'happy', 'fear']);
    const index = indexSamples([s], { needs: ['face'] });
    expect(index.entries.map(sampleId)).toEqual([
      'PublicTest/-1/0',
      'PublicTest/-1/2',
      'PublicTest/-1/3',
    ]);
    expect(index.entries.map((e) => e.label)).toEqual([2, 0, 4]);
    expect(index.skipped.unlabelled).toBe(1);
    expect(index.seqLength).toBeNull();
    expect(() => indexSamples([s], { needs: ['physio'] })).not.toThrow();
    expect(indexSamples([s], { needs: ['physio'] }).skipped.noWindow).toBe(3);
  });

  it('refuses a faces shard of another subject, naming the file', () => {
    const dir = tmp();
    const s = writeTinySubject(dir, {
      subject: 's01',
      subjectNo: 1,
      trials: 1,
      windowsPerTrial: 1,
      facesSubject: 's02',
    });
    expect(() => indexSamples([s], { needs: ALL })).toThrow(
      /s01\.faces\.arrow: faces shard of subject 's02', expected 's01'/,
    );
  });

  it('keys samples by the given subject id when the shards name the subject differently', () => {
    const dir = tmp();
    const s = writeTinySubject(dir, {
      subject: 'P01',
      subjectNo: 1,
      trials: 2,
      windowsPerTrial: 2,
    });
    const index = indexSamples([{ ...s, subject: 'amigos-P01', shardSubject: 'P01' }], {
      needs: ALL,
    });
    expect(index.entries.map(sampleId)).toContain('amigos-P01/1/1');
    expect(() => indexSamples([{ ...s, subject: 'amigos-P01' }], { needs: ALL })).toThrow(
      /windows shard of subject 'P01', expected 'amigos-P01'/,
    );
  });

  it('refuses shards whose sizes differ, naming both', () => {
    const dir = tmp();
    const a = writeTinySubject(dir, { subject: 'a', subjectNo: 1, trials: 1, windowsPerTrial: 1 });
    const b = writeTinySubject(dir, {
      subject: 'b',
      subjectNo: 2,
      trials: 1,
      windowsPerTrial: 1,
      T: 4,
    });
    expect(() => indexSamples([a, b], { needs: ALL })).toThrow(
      /b\.windows\.arrow: seqLength 4 differs from 3 in .*a\.windows\.arrow/,
    );
  });

  it('refuses a subject listed twice, and a file of another kind', () => {
    const dir = tmp();
    const a = writeTinySubject(dir, { subject: 'a', subjectNo: 1, trials: 1, windowsPerTrial: 1 });
    expect(() => indexSamples([a, a], { needs: ALL })).toThrow(/both of subject 'a'/);
    expect(() => indexSamples([{ subject: 'a', windows: a.faces }], { needs: ALL })).toThrow(
      /a\.faces\.arrow: not a windows shard/,
    );
  });

  it('labels samples by the task: ratings for the binary and quadrant tasks, with reasons', () => {
    const dir = tmp();
    // trial 0: valence 7, arousal 2; trial 1: valence exactly 5, no arousal; trial 2: none
    const ratings = [
      { valence: 7, arousal: 2 },
      { valence: 5, arousal: null },
      { valence: null, arousal: null },
    ];
    const s = writeTinySubject(dir, {
      subject: 's01',
      subjectNo: 1,
      trials: 3,
      windowsPerTrial: 2,
      label: (t) => (t === 0 ? 'sad' : null),
      ratings: (t) => ratings[t],
    });
    const five = indexSamples([s], { needs: ALL });
    expect(five.task).toBe('emotion5');
    expect(five.entries.map((e) => e.label)).toEqual([1, 1]);
    const valence = indexSamples([s], { needs: ALL, task: 'valence2' });
    expect(valence.classes).toEqual(['low', 'high']);
    expect(valence.entries.map((e) => [sampleId(e), e.label])).toEqual([
      ['s01/0/0', 1],
      ['s01/0/1', 1],
      ['s01/1/0', 1],
      ['s01/1/1', 1],
    ]);
    expect(valence.unlabelledReasons).toEqual([
      { dataset: 'deap', reason: 'no valence rating', count: 2 },
    ]);
    const low = indexSamples([s], {
      needs: ALL,
      task: 'valence2',
      ratingSplit: { threshold: 5, atThreshold: 'low' },
    });
    expect(low.entries.map((e) => e.label)).toEqual([1, 1, 0, 0]);
    const quadrant = indexSamples([s], { needs: ALL, task: 'quadrant4' });
    expect(quadrant.entries.map((e) => quadrant.classes[e.label])).toEqual(['HVLA', 'HVLA']);
    expect(quadrant.skipped.unlabelled).toBe(4);
    expect(quadrant.unlabelledReasons).toEqual([
      { dataset: 'deap', reason: 'no arousal rating', count: 2 },
      { dataset: 'deap', reason: 'no valence rating', count: 2 },
    ]);
  });
});
