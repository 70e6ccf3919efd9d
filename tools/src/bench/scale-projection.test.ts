import { describe, expect, it } from '@jest/globals';
import type { DatasetScale } from './scale-projection.js';
import { project, projectStages, projectTraining, studyWindows } from './scale-projection.js';

const deap: DatasetScale = {
  name: 'deap',
  subjects: 32,
  withVideo: 22,
  labelledShare: 0.5,
  cost: {
    seconds: { convert: 1, dsp: 2, vision: 100 },
    peakMb: { convert: 300, dsp: 200, vision: 900 },
    windows: 240,
  },
};
const amigos: DatasetScale = {
  ...deap,
  name: 'amigos',
  subjects: 40,
  withVideo: 40,
  labelledShare: 1,
  cost: { ...deap.cost, seconds: { convert: 3, dsp: 4, vision: 1000 }, windows: 600 },
};

describe('scale projection', () => {
  it('per-subject stages: the sum over subjects (vision only with video) over the jobs', () => {
    const s = projectStages([deap, amigos], 2);
    expect(s.convert.seconds).toBe((32 * 1 + 40 * 3) / 2);
    expect(s.dsp.seconds).toBe((32 * 2 + 40 * 4) / 2);
    expect(s.vision.seconds).toBe((22 * 100 + 40 * 1000) / 2);
    expect(s.vision.peakMb).toBe(1800);
  });

  it('a stage measured on several cores per subject runs fewer subjects at once', () => {
    const on2 = (d: DatasetScale): DatasetScale => ({
      ...d,
      cost: { ...d.cost, cores: { vision: 2 } },
    });
    const two = projectStages([on2(deap), on2(amigos)], 2);
    expect(two.vision.seconds).toBe(22 * 100 + 40 * 1000); // one subject at a time
    expect(two.vision.peakMb).toBe(900);
    expect(two.dsp.seconds).toBe((32 * 2 + 40 * 4) / 2); // still one core per subject
    const four = projectStages([on2(deap), on2(amigos)], 4);
    expect(four.vision.seconds).toBe((22 * 100 + 40 * 1000) / 2);
    expect(four.vision.peakMb).toBe(1800);
    // more cores per subject than jobs: still one subject at a time
    expect(projectStages([on2(deap)], 1).vision.seconds).toBe(22 * 100);
  });

  it('windows: labelled windows of the subjects with a face', () => {
    expect(studyWindows([deap, amigos])).toBe(22 * 240 * 0.5 + 40 * 600);
  });

  it('training: epochs over train at the training rate, validation and test at inference', () => {
    const t = projectTraining(
      {
        name: 'x',
        epochs: 10,
        batch: 64,
        models: ['a', 'b'],
        folds: [{ train: 100, val: 20, test: 30 }],
      },
      { a: { train: 10, infer: 100 }, b: { train: 20, infer: 50 } },
      2,
    );
    const a = 10 * (100 / 10 + 20 / 100) + 30 / 100;
    const b = 10 * (100 / 20 + 20 / 50) + 30 / 50;
    expect(t.tasks).toBe(2);
    expect(t.trainSeconds).toBeCloseTo((a + b) / 2, 12);
    expect(() =>
      projectTraining({ name: 'x', epochs: 1, batch: 16, models: ['c'], folds: [] }, {}, 1),
    ).toThrow(/no measured rates for model 'c'/);
  });

  it('a scenario total adds the stages before training', () => {
    const p = project(
      [deap],
      [{ name: 's', epochs: 1, batch: 16, models: ['a'], folds: [{ train: 10, val: 0, test: 0 }] }],
      () => ({ a: { train: 1, infer: 1 } }),
      { jobs: 1, workers: 1 },
    );
    expect(p.scenarios[0].totalSeconds).toBe(32 * 1 + 32 * 2 + 22 * 100 + 10);
  });
});
