import { describe, expect, it } from '@jest/globals';
import { matchBeats } from './match.js';

describe('matchBeats', () => {
  it('counts true positives, false positives and misses within the tolerance', () => {
    const m = matchBeats([98, 205, 290, 420], [100, 200, 300, 400, 500], 10);
    expect(m.tp).toBe(3); // 98↔100, 205↔200, 290↔300
    expect(m.fp).toBe(1); // 420 is 20 away from 400
    expect(m.fn).toBe(2); // 400, 500
    expect(m.se).toBeCloseTo(3 / 5);
    expect(m.ppv).toBeCloseTo(3 / 4);
    expect(m.pairs).toEqual([
      [98, 100],
      [205, 200],
      [290, 300],
    ]);
  });

  it('the tolerance is inclusive and the order of the inputs does not matter', () => {
    expect(matchBeats([110, 90], [200, 100], 10).tp).toBe(1);
    expect(matchBeats([111], [100], 10).tp).toBe(0);
  });

  it('matches one to one: two detections of one beat give one false positive', () => {
    const m = matchBeats([99, 101], [100], 5);
    expect(m.tp).toBe(1);
    expect(m.fp).toBe(1);
  });

  it('finds the largest matching (no greedy nearest-neighbour theft)', () => {
    // nearest-first would give 40 to 0 and leave 100 unmatched
    const m = matchBeats([-60, 40], [0, 100], 75);
    expect(m.tp).toBe(2);
  });

  it('handles empty inputs without NaN', () => {
    expect(matchBeats([], [], 5)).toMatchObject({ tp: 0, fp: 0, fn: 0, se: 1, ppv: 1 });
    expect(matchBeats([], [1, 2], 5)).toMatchObject({ se: 0, ppv: 1, fn: 2 });
    expect(matchBeats([1], [], 5)).toMatchObject({ se: 1, ppv: 0, fp: 1 });
  });

  it('refuses a bad tolerance or non-finite indices', () => {
    expect(() => matchBeats([1], [1], -1)).toThrow(/tolSamples/);
    expect(() => matchBeats([NaN], [1], 1)).toThrow(/detected\[0\] is NaN/);
  });
});
