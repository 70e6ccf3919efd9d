import { describe, expect, it } from '@jest/globals';
import { evaluate } from '../evaluate.js';
import { fakeRun } from '../fake-run.js';
import { protocolNotes } from './notes.js';

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
});
