import { describe, expect, it } from '@jest/globals';
import { setWorkerLimit, withWorkerSlot, workerLimit } from './pool.js';
import { splitTrials } from './split.js';

describe('splitTrials', () => {
  it('shares trials longest first to the least loaded worker', () => {
    // a full-size AMIGOS subject: 4 long trials and 16 short ones (windows)
    const windows = [9, 13, 6, 11, 15, 7, 10, 5, 14, 8, 12, 5, 11, 9, 13, 7, 124, 84, 144, 104];
    const trials = windows.map((cost, i) => ({ trial: i + 1, cost }));
    const groups = splitTrials(trials, 2);
    expect(groups).toHaveLength(2);
    expect(groups.flat().sort((a, b) => a - b)).toEqual(trials.map((t) => t.trial));
    const loads = groups.map((g) => g.reduce((s, t) => s + windows[t - 1], 0));
    expect(Math.abs(loads[0] - loads[1])).toBeLessThanOrEqual(1);
    expect(groups[0]).toContain(19); // the longest goes first, to worker 0
    expect(groups[1]).toContain(17);
    for (const g of groups) expect(g).toEqual([...g].sort((a, b) => a - b));
  });

  it('never makes empty groups, is deterministic, and checks the worker count', () => {
    const trials = [
      { trial: 3, cost: 1 },
      { trial: 1, cost: 1 },
    ];
    expect(splitTrials(trials, 8)).toEqual([[1], [3]]);
    expect(splitTrials(trials, 1)).toEqual([[1, 3]]);
    expect(splitTrials([], 4)).toEqual([]);
    expect(() => splitTrials(trials, 0)).toThrow(/workers/);
    expect(() => splitTrials(trials, 1.5)).toThrow(/workers/);
  });
});

describe('withWorkerSlot', () => {
  it('runs at most the cap at once, and frees slots on failure', async () => {
    const before = workerLimit();
    setWorkerLimit(2);
    try {
      let running = 0;
      let peak = 0;
      const job = async (fail: boolean): Promise<number> => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
        if (fail) throw new Error('boom');
        return 1;
      };
      const all = await Promise.allSettled(
        Array.from({ length: 7 }, (_, i) => withWorkerSlot(() => job(i % 3 === 0))),
      );
      expect(peak).toBe(2);
      expect(all.filter((r) => r.status === 'rejected')).toHaveLength(3);
      expect(await withWorkerSlot(async () => 'free')).toBe('free');
      expect(() => setWorkerLimit(0)).toThrow(/cap/);
    } finally {
      setWorkerLimit(before);
    }
  });
});
