import { describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from './evaluate.js';
import { fakeRun } from './fake-run.js';
import { figuresFor } from './figures/index.js';
import { classificationMetrics } from './metrics/index.js';

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

  it('resamples subjects only where the protocol is subject-independent', () => {
    for (const m of e.models) {
      expect(m.bootstrap.unit).toBe(m.kind === 'subject-independent' ? 'subject' : 'window');
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
    expect(ids).toHaveLength(3 * 6 + 1);
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
