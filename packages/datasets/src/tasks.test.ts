import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertDataset } from './convert.js';
import { ndarray } from './ndarray.js';
import { writeDeapPickle } from './pickle/index.js';
import { readRecordingsShard } from './shards/recordings.js';
import type { TaskName } from './tasks.js';
import { TASK_CLASSES, TASK_NAMES, describeTask, positiveClass, taskLabel } from './tasks.js';

const row = (valence: number | null, arousal: number | null, label5 = null) => ({
  label5,
  valence,
  arousal,
});
const name = (task: TaskName, r: ReturnType<typeof row>, atThreshold = 'high' as const) => {
  const t = taskLabel(task, r, { threshold: 5, atThreshold });
  return t.label === null ? null : TASK_CLASSES[task][t.label];
};

describe('taskLabel', () => {
  it('splits valence and arousal at the threshold, a rating exactly at it going where told', () => {
    expect(name('valence2', row(7.1, 2))).toBe('high');
    expect(name('valence2', row(4.99, 8))).toBe('low');
    expect(name('valence2', row(5, 8))).toBe('high');
    expect(name('valence2', row(5, 8), 'low' as never)).toBe('low');
    const excluded = taskLabel('valence2', row(5, 8), { threshold: 5, atThreshold: 'exclude' });
    expect(excluded).toEqual({ label: null, reason: 'valence exactly at the threshold 5' });
    expect(name('arousal2', row(1, 5.01))).toBe('high');
    expect(name('arousal2', row(9, 1))).toBe('low');
  });

  it('names the quadrants by valence then arousal', () => {
    expect(name('quadrant4', row(8, 8))).toBe('HVHA');
    expect(name('quadrant4', row(8, 2))).toBe('HVLA');
    expect(name('quadrant4', row(2, 8))).toBe('LVHA');
    expect(name('quadrant4', row(2, 2))).toBe('LVLA');
    expect(name('quadrant4', row(5, 5))).toBe('HVHA');
  });

  it('says why a row has no label', () => {
    expect(taskLabel('arousal2', row(3, null))).toEqual({
      label: null,
      reason: 'no arousal rating',
    });
    expect(taskLabel('quadrant4', row(NaN, 3)).reason).toBe('no valence rating');
    expect(taskLabel('emotion5', row(3, 3)).reason).toMatch(/no five-class label/);
    expect(taskLabel('emotion5', { label5: 'fear', valence: null, arousal: null })).toEqual({
      label: 4,
      reason: null,
    });
  });

  it('has fixed class orders, a positive class for the binary tasks, and words for each', () => {
    expect(TASK_CLASSES.valence2).toEqual(['low', 'high']);
    expect(positiveClass('arousal2')).toBe(1);
    expect(positiveClass('quadrant4')).toBeNull();
    for (const t of TASK_NAMES) expect(describeTask(t).length).toBeGreaterThan(20);
    expect(describeTask('valence2', { threshold: 4.5, atThreshold: 'exclude' })).toContain(
      'ratings exactly 4.5 left out',
    );
  });
});

describe('tasks on a DEAP-format download with known ratings', () => {
  it('counts per task what a hand computation gives, ratings at the threshold included', async () => {
    // valence, arousal, dominance, liking of 10 trials (DEAP's column order)
    const ratings = [
      [7, 7, 5, 5], // HVHA, happy
      [8, 2, 5, 5], // HVLA, no five-class label (calm)
      [2, 8, 6, 5], // LVHA, angry (dominance ≥ 5)
      [2, 8, 3, 5], // LVHA, fear
      [3, 2, 5, 5], // LVLA, sad
      [5, 5, 5, 5], // both exactly 5: HVHA with 'high' at the threshold; neutral
      [5, 1, 5, 5], // valence 5: HVLA; unlabelled in emotion5
      [9, 5, 5, 5], // arousal 5: HVHA; unlabelled (neutral needs |v−5| ≤ 1)
      [4.5, 4.5, 5, 5], // LVLA; neutral
      [1, 9, 5, 5], // LVHA; angry
    ];
    const n = ratings.length;
    const dir = mkdtempSync(join(tmpdir(), 'emo-tasks-'));
    try {
      mkdirSync(join(dir, 'data_preprocessed_python'), { recursive: true });
      const data = Float64Array.from({ length: n * 40 * 8064 }, (_, i) => Math.sin(i / 9));
      writeFileSync(
        join(dir, 'data_preprocessed_python', 's01.dat'),
        writeDeapPickle(
          {
            data: ndarray('float64', [n, 40, 8064], data),
            labels: ndarray('float64', [n, 4], Float64Array.from(ratings.flat())),
          },
          { protocol: 2, form: 'py3' },
        ),
      );
      const report = await convertDataset({ dataset: 'deap', root: dir, outDir: join(dir, 'out') });
      const rows = readRecordingsShard(report.subjects[0].shard as string).rows;
      const count = (task: TaskName, atThreshold: 'high' | 'low' | 'exclude' = 'high') => {
        const out: Record<string, number> = { unlabelled: 0 };
        for (const r of rows) {
          const t = taskLabel(task, r, { threshold: 5, atThreshold });
          const k = t.label === null ? 'unlabelled' : TASK_CLASSES[task][t.label];
          out[k] = (out[k] ?? 0) + 1;
        }
        return out;
      };
      // by hand from the table above
      expect(count('valence2')).toEqual({ unlabelled: 0, high: 5, low: 5 });
      expect(count('arousal2')).toEqual({ unlabelled: 0, high: 6, low: 4 });
      expect(count('quadrant4')).toEqual({ unlabelled: 0, HVHA: 3, HVLA: 2, LVHA: 3, LVLA: 2 });
      expect(count('emotion5')).toEqual({
        unlabelled: 3,
        happy: 1,
        angry: 2,
        fear: 1,
        sad: 1,
        neutral: 2,
      });
      // at the threshold: 'low' moves the three 5s, 'exclude' leaves them out
      expect(count('valence2', 'low')).toEqual({ unlabelled: 0, high: 3, low: 7 });
      expect(count('arousal2', 'exclude')).toEqual({ unlabelled: 2, high: 4, low: 4 });
      expect(count('quadrant4', 'exclude')).toEqual({
        unlabelled: 3,
        HVHA: 1,
        HVLA: 1,
        LVHA: 3,
        LVLA: 2,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
