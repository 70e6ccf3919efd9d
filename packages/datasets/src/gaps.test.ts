import { describe, expect, it } from '@jest/globals';
import { checkMaxMissingShare, missingRuns, screenSignals } from './gaps.js';

const FS = 128;

/** `n` samples of a sine with NaN over [from, to). */
function withGap(n: number, from: number, to: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (i >= from && i < to ? NaN : Math.sin(i / 9)));
}

describe('missingRuns', () => {
  it('counts non-finite samples, their runs and the longest run', () => {
    expect(missingRuns([1, NaN, NaN, 2, Infinity, 3, NaN])).toEqual({
      missing: 4,
      gaps: 3,
      longest: 2,
    });
    expect(missingRuns(new Float64Array(5))).toEqual({ missing: 0, gaps: 0, longest: 0 });
  });
});

describe('screenSignals (the per-column rule)', () => {
  const n = 60 * FS;

  it('keeps a column with a short gap, NaN where the gap was, and the other column untouched', () => {
    const gsr = withGap(n, 1000, 1000 + Math.round(0.8 * FS));
    const ecg = withGap(n, 0, 0);
    const s = screenSignals({ ecg, gsr }, FS, 0.5);
    expect(s.skipReason).toBeNull();
    expect(Array.from(s.kept.ecg ?? [])).toEqual(Array.from(ecg, Math.fround));
    const kept = s.kept.gsr ?? new Float32Array(0);
    expect(kept.length).toBe(n);
    expect(kept.subarray(1000, 1102).every(Number.isNaN)).toBe(true);
    expect(Number.isFinite(kept[999]) && Number.isFinite(kept[1102])).toBe(true);
    expect(s.gaps).toEqual([
      {
        column: 'gsr',
        samples: n,
        missing: 102,
        share: 102 / n,
        gaps: 1,
        longestS: 102 / FS,
        dropped: false,
      },
    ]);
    expect(s.summary).toBe(
      '1.3 % of GSR missing (1 gap, longest 0.8 s): kept, dsp flags the windows that hold the gaps',
    );
  });

  it('leaves out a mostly missing column and keeps the trial for the other', () => {
    const gsr = withGap(n, 0, Math.round(0.62 * n));
    const s = screenSignals({ ecg: withGap(n, 0, 0), gsr }, FS, 0.5);
    expect(s.skipReason).toBeNull();
    expect(s.kept.gsr).toBeNull();
    expect(s.kept.ecg).toHaveLength(n);
    expect(s.summary).toBe(
      '62.0 % of GSR missing (1 gap, longest 37.2 s), above maxMissingShare=0.5: GSR dropped',
    );
    // one line for both: the columns kept with gaps first, then each dropped column
    const both = screenSignals(
      { ecg: withGap(n, 500, 500 + 2 * FS), ecg_left: withGap(n, 500, 500 + 2 * FS), gsr },
      FS,
      0.5,
    );
    expect(both.summary).toBe(
      '3.3 % of ECG missing (1 gap, longest 2.0 s), 3.3 % of ECG left missing (1 gap, longest 2.0 s): kept, dsp flags the windows that hold the gaps; ' +
        '62.0 % of GSR missing (1 gap, longest 37.2 s), above maxMissingShare=0.5: GSR dropped',
    );
  });

  it('skips the trial only when every column is mostly missing, and says why', () => {
    const s = screenSignals(
      { gsr: withGap(n, 0, n), ppg: withGap(n, 100, 100 + Math.round(0.7 * n)) },
      FS,
      0.5,
    );
    expect(s.skipReason).toBe(
      '100.0 % of GSR missing (1 gap, longest 60.0 s), 70.0 % of PPG missing (1 gap, longest 42.0 s): every signal above maxMissingShare=0.5',
    );
  });

  it('takes the threshold as given: 0 leaves out any gap, 1 keeps even an all-NaN column', () => {
    const short = { ecg: withGap(n, 0, 0), gsr: withGap(n, 10, 11) };
    expect(screenSignals(short, FS, 0).kept.gsr).toBeNull();
    expect(screenSignals(short, FS, 0).summary).toMatch(
      /^0\.01 % of GSR missing \(1 gap, longest 0\.0078 s\), above maxMissingShare=0: GSR dropped$/,
    );
    const allNaN = screenSignals({ gsr: withGap(n, 0, n) }, FS, 1);
    expect(allNaN.skipReason).toBeNull();
    expect(allNaN.kept.gsr?.every(Number.isNaN)).toBe(true);
    // share exactly at the threshold is kept (skip only above it)
    expect(screenSignals({ gsr: withGap(n, 0, n / 2) }, FS, 0.5).kept.gsr).not.toBeNull();
  });

  it('refuses a threshold outside 0…1', () => {
    for (const bad of [-0.1, 1.5, NaN]) {
      expect(() => checkMaxMissingShare(bad)).toThrow(
        /maxMissingShare must be a number from 0 to 1/,
      );
    }
    expect(checkMaxMissingShare(0)).toBe(0);
  });
});
