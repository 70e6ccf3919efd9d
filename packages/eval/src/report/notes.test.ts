import { describe, expect, it } from '@jest/globals';
import { evaluate } from '../evaluate.js';
import { fakeRun } from '../fake-run.js';
import { baselineNotes, protocolNotes } from './notes.js';

describe('protocolNotes', () => {
  const { protocols, sets } = fakeRun(1);
  const e = evaluate(protocols, sets, true, { bootstrap: { iterations: 200, level: 0.9 } });

  it("compares the hybrid's random-split and subject-independent accuracies in the run's numbers", () => {
    const hybrid = (kind: string) =>
      e.models.find((m) => m.kind === kind && m.model === 'hybrid')?.metrics.accuracy ?? NaN;
    const [first, second] = protocolNotes(e);
    expect(first).toContain(`${(100 * hybrid('random')).toFixed(1)} % on the random window split`);
    expect(first).toContain(`${(100 * hybrid('subject-independent')).toFixed(1)} % on unseen`);
    expect(first).toMatch(/random split is higher because/);
    expect(second).toMatch(/^Intervals are 90 % percentile bootstrap intervals/);
  });

  it('says only what the intervals are when a protocol is missing', () => {
    const random = { ...e, models: e.models.filter((m) => m.kind === 'random') };
    expect(protocolNotes(random)).toEqual([expect.stringMatching(/^Intervals are 90 %/)]);
  });

  it('says where the logistic regression is as good as the hybrid, and only there', () => {
    const as = (from: string, protocol?: string) =>
      e.models
        .filter((m) => m.model === from && (!protocol || m.protocol === protocol))
        .map((m) => ({ ...m, model: 'logreg' }));
    // a logistic regression scoring exactly as the hybrid: a note for every protocol
    const same = baselineNotes({ ...e, models: [...e.models, ...as('hybrid')] });
    expect(same).toHaveLength(3);
    expect(same[0]).toMatch(
      /^emotion5, random-70-15-15: the logistic regression .* scores at least as high as the hybrid/,
    );
    // as weak as the RNN-only under the random split (0.5 against 0.9): nothing to say
    expect(
      baselineNotes({ ...e, models: [...e.models, ...as('rnnOnly', 'random-70-15-15')] }),
    ).toEqual([]);
    // the one with face statistics is named as such
    const faces = e.models
      .filter((m) => m.model === 'hybrid' && m.protocol === 'random-70-15-15')
      .map((m) => ({ ...m, model: 'logregFaces' }));
    expect(baselineNotes({ ...e, models: [...e.models, ...faces] })).toEqual([
      expect.stringMatching(
        /^emotion5, random-70-15-15: the logistic regression on the window features and face statistics .* scores at least as high/,
      ),
    ]);
  });
});
