import { describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from './evaluate.js';
import type { PredictionSet } from './evaluate.js';
import type { ProtocolKind, ProtocolSummary } from './types.js';
import { fakeRun } from './fake-run.js';
import { figuresFor } from './figures/index.js';
import { bootstrapIntervals, classificationMetrics } from './metrics/index.js';

const { protocols, sets } = fakeRun();
const e = evaluate(protocols, sets, true, { bootstrap: { iterations: 300, seed: 0 } });

describe('evaluate', () => {
  it('scores every model under every protocol, folds pooled', () => {
    expect(e.models.map((m) => `${m.protocol}/${m.model}`)).toEqual([
      'random-70-15-15/hybrid',
      'random-70-15-15/cnnOnly',
      'random-70-15-15/rnnOnly',
      'subject-kfold-3/hybrid',
      'subject-kfold-3/cnnOnly',
      'subject-kfold-3/rnnOnly',
      'within-subject-trials/hybrid',
      'within-subject-trials/cnnOnly',
      'within-subject-trials/rnnOnly',
    ]);
    const subj = e.models.find((m) => m.protocol === 'subject-kfold-3' && m.model === 'hybrid');
    expect(subj?.folds).toBe(3);
    expect(subj?.metrics.n).toBe(360);
    expect(subj?.subjects).toBe(12);
    expect(subj?.curves.map((c) => c.fold)).toEqual([0, 1, 2]);
    // pooled metrics are those of the concatenated predictions
    const ofSubj = sets.filter((s) => s.protocol === 'subject-kfold-3' && s.model === 'hybrid');
    const yTrue = ofSubj.flatMap((s) =>
      s.rows.map((r) => ['happy', 'sad', 'angry', 'neutral', 'fear'].indexOf(r.yTrue ?? '')),
    );
    const yPred = ofSubj.flatMap((s) =>
      s.rows.map((_, i) => {
        const p = Array.from(s.probs.subarray(i * 5, i * 5 + 5));
        return p.indexOf(Math.max(...p));
      }),
    );
    expect(subj?.metrics).toEqual(classificationMetrics(yTrue, yPred, 5));
  });

  it('resamples subjects where the protocol is subject-independent, whole trials otherwise', () => {
    for (const m of e.models) {
      expect(m.bootstrap.unit).toBe(m.kind === 'subject-independent' ? 'subject' : 'trial');
      expect(m.intervals.accuracy.lower).toBeLessThanOrEqual(m.metrics.accuracy);
      expect(m.intervals.accuracy.upper).toBeGreaterThanOrEqual(m.metrics.accuracy);
    }
  });

  it('tests the hybrid against each baseline with McNemar on the same windows', () => {
    expect(e.comparisons.map((c) => `${c.protocol}: ${c.a} vs ${c.b}`)).toEqual([
      'random-70-15-15: hybrid vs cnnOnly',
      'random-70-15-15: hybrid vs rnnOnly',
      'subject-kfold-3: hybrid vs cnnOnly',
      'subject-kfold-3: hybrid vs rnnOnly',
      'within-subject-trials: hybrid vs cnnOnly',
      'within-subject-trials: hybrid vs rnnOnly',
    ]);
    const r = e.comparisons[0];
    expect(r.mcnemar.n).toBe(120);
    expect(r.accuracyA).toBeGreaterThan(r.accuracyB);
    expect(r.mcnemar.p).toBeLessThan(0.001); // 0.9 against 0.6 on 120 windows
    expect(r.mcnemar.aOnly - r.mcnemar.bOnly).toBe(Math.round(120 * (r.accuracyA - r.accuracyB)));
  });

  it('gives the share of errors per true class, summing to 1', () => {
    for (const m of e.models) {
      expect(m.errorShare.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      const errors = m.metrics.confusion.map((row, i) =>
        row.reduce((a, v, j) => a + (i === j ? 0 : v), 0),
      );
      const total = errors.reduce((a, b) => a + b, 0);
      expect(m.errorShare).toEqual(errors.map((x) => x / total));
    }
  });

  it('refuses a window tested by two folds', () => {
    const twice = [...sets, { ...sets[0], fold: 9 }];
    expect(() => evaluate(protocols, twice, true)).toThrow(/tested by two folds/);
  });
});

describe('figures', () => {
  it("renders the study's five per protocol, the curves and the protocol comparison as SVG", async () => {
    const figs = await figuresFor(e);
    const ids = figs.map((f) => f.id);
    // and, for the subject-independent protocol, each held-out subject's score
    expect(ids).toHaveLength(3 * 6 + 1 + 1);
    expect(ids).toContain('subjects-subject-kfold-3');
    for (const p of ['random-70-15-15', 'subject-kfold-3', 'within-subject-trials']) {
      for (const id of [
        `per-class-${p}-hybrid`,
        `confusion-${p}-hybrid`,
        `roc-${p}-hybrid`,
        `models-${p}`,
        `errors-${p}`,
        `curves-${p}`,
      ]) {
        expect(ids).toContain(id);
      }
    }
    const out = join(tmpdir(), 'emo-figures-preview');
    mkdirSync(out, { recursive: true });
    for (const f of figs) {
      writeFileSync(join(out, `${f.id}.svg`), f.svg);
      expect(f.svg).toMatch(/^<svg [^>]*width="\d+" height="\d+"/);
      expect(f.svg).toContain('SYNTHETIC data');
    }
    const svg = (id: string) => figs.find((f) => f.id === id)?.svg ?? '';
    // one dot per subject and model (12 subjects × 3 models), each model's mean over subjects
    const subjects = svg('subjects-subject-kfold-3');
    expect(subjects.match(/aria-roledescription="circle"/g)).toHaveLength(36);
    const hybridSubj = e.models.find(
      (m) => m.protocol === 'subject-kfold-3' && m.model === 'hybrid',
    );
    const mean = /model: Hybrid CNN-LSTM; macro F1: ([0-9.]+)"/.exec(subjects)?.[1];
    expect(Number(mean)).toBeCloseTo(hybridSubj?.subjectMean.macroF1.mean ?? NaN, 9);
    // per-class bars: 5 classes × 3 metrics
    expect(
      svg('per-class-random-70-15-15-hybrid').match(/<path aria-label="class: /g),
    ).toHaveLength(15);
    // the heat map prints every cell's count, e.g. the hybrid's correct 'happy' windows
    const m = e.models[0].metrics;
    expect(svg('confusion-random-70-15-15-hybrid')).toContain(
      `>${m.confusion[0][0]} (${Math.round(100 * m.confusionNormalised[0][0])} %)<`,
    );
    expect(svg('roc-random-70-15-15-hybrid')).toContain(
      `happy (AUC ${e.models[0].roc.perClass[0].auc?.toFixed(2)})`,
    );
    // 9 bars and 9 interval rules (every interval defined)
    const prot = svg('protocols');
    expect(prot.match(/<path aria-label="protocol: /g)?.length).toBeGreaterThanOrEqual(9);
    expect(prot).toContain('Hybrid CNN-LSTM');
    expect(prot).toContain('subject-kfold-3 (subject-independent)');
    // the same evaluation draws the same bytes
    expect((await figuresFor(e)).map((f) => f.svg)).toEqual(figs.map((f) => f.svg));
  }, 60_000);
});

/**
 * Prediction sets of one model under one protocol whose windows are perfectly correlated within
 * trials: every window of a trial is right, or every one wrong (half the trials each).
 */
function correlated(trials: number, windowsPerTrial: number, kind: ProtocolKind) {
  const protocol = 'p';
  const rows = Array.from({ length: trials * windowsPerTrial }, (_, i) => {
    const trial = Math.floor(i / windowsPerTrial);
    return {
      dataset: 'deap',
      subject: `s${trial % 4}`,
      trial,
      stimulusId: String(trial),
      window: i % windowsPerTrial,
      t0: 0,
      t1: 4,
      protocol,
      fold: 0,
      model: 'hybrid',
      yTrue: 'high',
    };
  });
  const probs = new Float32Array(rows.length * 2);
  rows.forEach((r, i) => {
    const right = (r.trial * 7919) % trials < trials / 2;
    probs[2 * i + (right ? 1 : 0)] = 0.9;
    probs[2 * i + (right ? 0 : 1)] = 0.1;
  });
  const summary: ProtocolSummary = {
    protocol,
    kind,
    seed: 0,
    description: '',
    folds: [{ fold: 0, train: 100, val: 0, test: rows.length, trainPerClass: [40, 60] }],
    leakage: {
      protocol,
      kind,
      verdict: 'clean',
      shares: { subjects: false, trials: false, stimuli: false },
      folds: [],
      summary: '',
    },
    notes: [],
  };
  const set: PredictionSet = {
    protocol,
    model: 'hybrid',
    fold: 0,
    rows,
    classes: ['low', 'high'],
    probs,
    curves: [],
  };
  return evaluate([summary], [set], true, {
    task: 'valence2',
    bootstrap: { iterations: 2000, seed: 3 },
  });
}

const width = (i: { lower: number | null; upper: number | null }) =>
  (i.upper ?? NaN) - (i.lower ?? NaN);

describe('intervals that respect the data structure', () => {
  it('resample whole trials: the width follows the number of trials, not of windows', () => {
    const few = correlated(40, 4, 'within-subject').models[0];
    const many = correlated(40, 40, 'within-subject').models[0];
    const moreTrials = correlated(160, 4, 'within-subject').models[0];
    expect(few.bootstrap.unit).toBe('trial');
    expect(few.metrics.accuracy).toBeCloseTo(0.5, 1);
    // 10× the windows of the same 40 trials: the same width (a window bootstrap would shrink it
    // by about √10)
    expect(width(many.intervals.accuracy) / width(few.intervals.accuracy)).toBeGreaterThan(0.8);
    expect(width(many.intervals.accuracy) / width(few.intervals.accuracy)).toBeLessThan(1.25);
    // 4× the trials: about half the width
    const ratio = width(moreTrials.intervals.accuracy) / width(few.intervals.accuracy);
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(0.62);
    // a window bootstrap of the same predictions would have been about √10 narrower
    const windows = bootstrapIntervals({
      yTrue: many.metrics.confusion.flatMap((r, t) => r.flatMap((n) => Array<number>(n).fill(t))),
      yPred: many.metrics.confusion.flatMap((r) => r.flatMap((n, p) => Array<number>(n).fill(p))),
      numClasses: 2,
      iterations: 2000,
      seed: 3,
      level: 0.95,
    });
    expect(width(windows.accuracy)).toBeLessThan(0.45 * width(many.intervals.accuracy));
  });

  it('resample whole subjects under a subject-independent protocol', () => {
    const m = correlated(40, 4, 'subject-independent').models[0];
    expect(m.bootstrap.unit).toBe('subject');
    expect(m.subjects).toBe(4);
  });
});

describe('floors and binary metrics', () => {
  const e2 = correlated(40, 4, 'within-subject');

  it('scores the majority class and a stratified guess from the fold’s training classes', () => {
    expect(e2.floors.map((f) => f.model)).toEqual(['majority', 'stratified']);
    const [majority, stratified] = e2.floors;
    // training classes [40 low, 60 high] → always 'high'; every test window is 'high'
    expect(majority.metrics.accuracy).toBe(1);
    expect(majority.metrics.confusion).toEqual([
      [0, 0],
      [0, 160],
    ]);
    // a guess of 'high' with probability 0.6: accuracy about 0.6
    expect(stratified.metrics.accuracy).toBeGreaterThan(0.5);
    expect(stratified.metrics.accuracy).toBeLessThan(0.7);
    expect(stratified.intervals.accuracy.lower).not.toBeNull();
  });

  it('gives the two-class metrics of the positive class, and none for five classes', () => {
    const b = e2.models[0].binary;
    expect(b?.positive).toBe(1);
    expect(b?.recall).toBeCloseTo(e2.models[0].metrics.perClass[1].recall, 12);
    expect(e.models.every((m) => m.binary === null)).toBe(true);
    expect(e.task).toBe('emotion5');
    expect(e2.task).toBe('valence2');
    expect(e2.classes).toEqual(['low', 'high']);
  });

  it('scores each subject and gives mean ± SD over subjects', () => {
    const m = e2.models[0];
    expect(m.perSubject.map((s) => s.subject).sort()).toEqual(['s0', 's1', 's2', 's3']);
    expect(m.perSubject.reduce((a, s) => a + s.n, 0)).toBe(m.metrics.n);
    const accs = m.perSubject.map((s) => s.accuracy);
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    expect(m.subjectMean.accuracy.mean).toBeCloseTo(mean, 12);
    const sd = Math.sqrt(accs.reduce((a, x) => a + (x - mean) ** 2, 0) / (accs.length - 1));
    expect(m.subjectMean.accuracy.sd).toBeCloseTo(sd, 12);
  });

  it('refuses prediction sets whose classes disagree', () => {
    const { sets: five } = fakeRun();
    const odd = { ...five[0], classes: ['a', 'b', 'c', 'd', 'e'] };
    expect(() => evaluate(protocols, [five[1], odd], true)).toThrow(/has classes a, b, c, d, e/);
  });
});
