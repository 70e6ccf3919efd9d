// The schemas of what one stage hands to another: what evaluate() and the protocols produce
// goes through JSON and back (NaN included), and a broken file is refused naming the key.
import { describe, expect, it } from '@jest/globals';
import { parseJson } from '@emo/runtime';
import { z } from 'zod';
import type { PredictionSet } from './evaluate.js';
import { BOOTSTRAP_DEFAULTS, evaluate } from './evaluate.js';
import { fakeRun } from './fake-run.js';
import { figuresFor } from './figures/index.js';
import { renderHtml, renderMarkdown } from './report/index.js';
import { fakeReportInput } from './report/testing.js';
import { evaluationSchema, protocolSummarySchema } from './schemas.js';
import type { SplitSample } from './splits/index.js';
import {
  guardSplit,
  randomProtocol,
  SPLIT_DEFAULTS,
  subjectKFoldSplit,
  summariseProtocol,
  withinSubjectSplit,
} from './splits/index.js';
import type { Evaluation, ProtocolSummary } from './types.js';

const roundTrip = (e: Evaluation): Evaluation =>
  evaluationSchema.parse(JSON.parse(JSON.stringify(e, null, 1)));

const text = (value: unknown): string => JSON.stringify(value);
const read = (t: string): Evaluation =>
  parseJson(t, evaluationSchema, 'evaluation.json', 'evaluation');

function fakeEvaluation(seed = 1, sets?: (s: PredictionSet[]) => PredictionSet[]): Evaluation {
  const run = fakeRun(seed);
  return evaluate(run.protocols, sets ? sets(run.sets) : run.sets, true, {
    bootstrap: { iterations: 200, seed: 3 },
  });
}

describe('evaluationSchema', () => {
  it('reads back what evaluate() wrote, for the fake runs', () => {
    for (const seed of [1, 2, 3]) {
      const e = fakeEvaluation(seed);
      expect(e.models).toHaveLength(9);
      expect(roundTrip(e)).toEqual(e);
      expect(read(text(e))).toEqual(e);
    }
    // the report's made-up evaluation (a bound that could not be computed is null)
    for (const synthetic of [true, false]) {
      const e = fakeReportInput({ synthetic }).evaluation;
      expect(roundTrip(e)).toEqual(e);
    }
  });

  it('reads back undefined numbers: a class never true, a NaN loss, an infinite one', async () => {
    const e = fakeEvaluation(1, (sets) =>
      sets.map((s, i) => ({
        ...s,
        // no 'fear' window: its recall, F1 and AUC are undefined
        rows: s.rows.map((r) => (r.yTrue === 'fear' ? { ...r, yTrue: null } : r)),
        curves:
          i === 0
            ? s.curves.map((c, j) =>
                j === 2 ? { ...c, loss: NaN, accuracy: NaN, valLoss: Infinity } : c,
              )
            : s.curves,
      })),
    );
    const m = e.models[0];
    expect(m.roc.perClass[4].auc).toBeNull();
    expect(m.metrics.perClass[4]).toMatchObject({ recall: 0, f1: 0, support: 0 });
    expect(m.curves[0].epochs[2].loss).toBeNaN();
    const json = text(e);
    expect(json).toContain('"loss":null');
    const back = read(json);
    // NaN comes back as NaN, Infinity (null in JSON) as NaN too; a validation number as null
    expect(back.models[0].curves[0].epochs[2]).toEqual({
      epoch: 3,
      loss: NaN,
      accuracy: NaN,
      valLoss: null,
      valAccuracy: e.models[0].curves[0].epochs[2].valAccuracy,
    });
    const fixed = {
      ...e,
      models: e.models.map((x, i) =>
        i === 0
          ? {
              ...x,
              curves: x.curves.map((c, j) =>
                j === 0
                  ? {
                      ...c,
                      epochs: c.epochs.map((p, k) => (k === 2 ? { ...p, valLoss: null } : p)),
                    }
                  : c,
              ),
            }
          : x,
      ),
    };
    expect(back).toEqual(fixed);
    // the in-memory value passes too (NaN and Infinity where JSON would write null)
    expect(() => evaluationSchema.parse(e)).not.toThrow();
    // and the figures draw what was read back (the NaN epoch is left out of the curve)
    const curves = (await figuresFor(back)).filter((f) => f.id.startsWith('curves-'));
    expect(curves.length).toBeGreaterThan(0);
  });

  it('refuses a broken evaluation, naming the file and the key', () => {
    const e = JSON.parse(text(fakeEvaluation())) as Record<string, unknown> & {
      models: { metrics: Record<string, unknown>; curves: { epochs: { loss: unknown }[] }[] }[];
    };
    const broken = (edit: (x: typeof e) => void): string => {
      const x = structuredClone(e);
      edit(x);
      return text(x);
    };
    expect(() =>
      read(
        broken((x) => {
          x.models[1].metrics['accuracy'] = '0.9';
        }),
      ),
    ).toThrow(
      /^evaluation\.json: not a valid evaluation: 'models\.1\.metrics\.accuracy': .*expected number, received string/,
    );
    expect(() =>
      read(
        broken((x) => {
          Reflect.deleteProperty(x, 'models');
        }),
      ),
    ).toThrow(/^evaluation\.json: not a valid evaluation: 'models': .*expected array/);
    // a metric is finite by construction: null there is a broken file, not a NaN
    expect(() =>
      read(
        broken((x) => {
          x.models[0].metrics['kappa'] = null;
        }),
      ),
    ).toThrow(/'models\.0\.metrics\.kappa'/);
    expect(() =>
      read(
        broken((x) => {
          x.models[0].curves[0].epochs[0].loss = 'NaN';
        }),
      ),
    ).toThrow(/'models\.0\.curves\.0\.epochs\.0\.loss': expected a number or null/);
    expect(() =>
      read(
        broken((x) => {
          (x['protocols'] as { leakage: { verdict: string } }[])[0].leakage.verdict = 'leaky';
        }),
      ),
    ).toThrow(/'protocols\.0\.leakage\.verdict'/);
    expect(() => read('{"synthetic": tru')).toThrow(/^evaluation\.json: not valid JSON/);
  });

  it('gives a frozen value that the figures and the report take as they are', async () => {
    const e = fakeEvaluation();
    const back = read(text(e));
    expect(Object.isFrozen(back)).toBe(true);
    expect(Object.isFrozen(back.models)).toBe(true);
    expect(Object.isFrozen(back.models[0].metrics)).toBe(true);
    const figures = await figuresFor(back);
    expect(figures.map((f) => f.svg)).toEqual((await figuresFor(e)).map((f) => f.svg));
    const input = fakeReportInput({ evaluation: back, figures });
    expect(renderHtml(input)).toEqual(renderHtml({ ...input, evaluation: e }));
    expect(renderMarkdown(input)).toEqual(renderMarkdown({ ...input, evaluation: e }));
  });
});

/** 6 subjects, 6 trials each (stimulus = the trial's video), 3 windows. */
function corpus(): SplitSample[] {
  const out: SplitSample[] = [];
  for (let s = 0; s < 6; s++) {
    for (let trial = 1; trial <= 6; trial++) {
      for (let window = 0; window < 3; window++) {
        out.push({ subject: `s${s}`, trial, window, label: trial % 5, stimulus: `deap/${trial}` });
      }
    }
  }
  return out;
}

describe('protocolSummarySchema', () => {
  const samples = corpus();
  const byId = new Map(samples.map((s) => [`${s.subject}/${s.trial}/${s.window}`, s]));
  const summaries: ProtocolSummary[] = [
    randomProtocol(samples, { seed: 4 }),
    subjectKFoldSplit(samples, { seed: 4 }),
    withinSubjectSplit(samples, { seed: 4 }),
  ].map((split) =>
    summariseProtocol(
      split,
      guardSplit(split, byId, { stimuliHeldOut: split.kind === 'subject-independent' }),
      new Map(samples.map((s) => [`${s.subject}/${s.trial}/${s.window}`, s.label])),
      5,
    ),
  );

  it('reads back the summaries of the three protocols (split-summary.json)', () => {
    const list = z.object({ protocols: z.array(protocolSummarySchema) });
    const back = parseJson(text({ protocols: summaries }), list, 'split-summary.json', 'summary');
    expect(back.protocols).toEqual(summaries);
    expect(back.protocols.map((p) => p.leakage.verdict)).toEqual([
      'shares-trials',
      'clean',
      'shares-subjects',
    ]);
  });

  it('refuses a summary with a missing or mistyped key', () => {
    const { leakage: _leakage, ...noLeakage } = summaries[0];
    expect(() => parseJson(text(noLeakage), protocolSummarySchema, 's.json', 'summary')).toThrow(
      /^s\.json: not a valid summary: 'leakage': .*expected object/,
    );
    const badFold = { ...summaries[1], folds: [{ fold: 0, train: '10', val: 1, test: 1 }] };
    expect(() => parseJson(text(badFold), protocolSummarySchema, 's.json', 'summary')).toThrow(
      /'folds\.0\.train': .*expected number/,
    );
    const badKind = { ...summaries[2], kind: 'by-trial' };
    expect(() => parseJson(text(badKind), protocolSummarySchema, 's.json', 'summary')).toThrow(
      /'kind'/,
    );
  });
});

describe('the package index', () => {
  it('exports the schemas, the defaults, the published anchors and escapeHtml', async () => {
    const api = await import('./index.js');
    expect(api.evaluationSchema).toBe(evaluationSchema);
    expect(api.protocolSummarySchema).toBe(protocolSummarySchema);
    expect(api.BOOTSTRAP_DEFAULTS).toBe(BOOTSTRAP_DEFAULTS);
    expect(api.SPLIT_DEFAULTS).toBe(SPLIT_DEFAULTS);
    // the DEAP and AMIGOS papers' own tables, cited with their table numbers
    expect(new Set(api.PUBLISHED_ANCHORS.map((a) => a.source))).toEqual(
      new Set([
        'Koelstra et al. 2012, IEEE TAC 3(1), Table 7 (DEAP paper)',
        'Miranda-Correa et al., IEEE TAC, arXiv:1702.02510v3, Table 7 (AMIGOS paper)',
        'published window-level random splits on DEAP/AMIGOS',
      ]),
    );
    // every row with a number to compare says its task, protocol kind, modality and data set
    for (const a of api.PUBLISHED_ANCHORS.filter((x) => x.metric)) {
      expect([a.task, a.protocolKind, a.modality, a.dataset].every(Boolean)).toBe(true);
      expect(a.value).toContain(a.metric?.value.toFixed(3));
    }
    expect(api.escapeHtml(`<a href="x">'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&lt;/a&gt;');
  });
});

describe('defaults', () => {
  it('are frozen and are what the protocols and evaluate() use when options leave them out', () => {
    expect(Object.isFrozen(SPLIT_DEFAULTS)).toBe(true);
    expect(Object.isFrozen(SPLIT_DEFAULTS.fractions)).toBe(true);
    expect(Object.isFrozen(BOOTSTRAP_DEFAULTS)).toBe(true);
    expect(SPLIT_DEFAULTS).toEqual({
      fractions: [0.7, 0.15, 0.15],
      subjectFolds: 3,
      ratingSubjectFolds: 'loso',
      holdOutStimuli: 'kfold',
      valShare: 0.15,
    });
    expect(BOOTSTRAP_DEFAULTS).toEqual({ iterations: 1000, level: 0.95 });

    const samples = corpus();
    expect(randomProtocol(samples, { seed: 1 })).toEqual(
      randomProtocol(samples, { seed: 1, fractions: SPLIT_DEFAULTS.fractions }),
    );
    expect(withinSubjectSplit(samples, { seed: 1 })).toEqual(
      withinSubjectSplit(samples, { seed: 1, fractions: SPLIT_DEFAULTS.fractions }),
    );
    const kfold = subjectKFoldSplit(samples, { seed: 1 });
    expect(kfold.protocol).toBe(`subject-kfold-${SPLIT_DEFAULTS.subjectFolds}`);
    expect(kfold).toEqual(
      subjectKFoldSplit(samples, {
        seed: 1,
        k: SPLIT_DEFAULTS.subjectFolds,
        holdOutStimuli: SPLIT_DEFAULTS.holdOutStimuli,
        valShare: SPLIT_DEFAULTS.valShare,
      }),
    );

    const run = fakeRun();
    const one = run.protocols.slice(0, 1);
    const e = evaluate(one, run.sets, true);
    expect(e.models[0].bootstrap).toEqual({ unit: 'trial', ...BOOTSTRAP_DEFAULTS, seed: 0 });
  });
});
