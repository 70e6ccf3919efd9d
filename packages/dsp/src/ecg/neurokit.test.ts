/** The building blocks of the 'neurokit' detector: gradient, QRS regions, prominence. */
import { describe, expect, it } from '@jest/globals';
import { absGradient, gradientQrsRegions, mostProminentMaximum } from './neurokit.js';

describe('absGradient', () => {
  it('central differences inside, one-sided at the ends, absolute', () => {
    expect(Array.from(absGradient(Float64Array.from([0, 1, 4, 9, 7])))).toEqual([1, 2, 4, 1.5, 2]);
    expect(Array.from(absGradient(Float64Array.from([3])))).toEqual([0]);
  });
});

describe('mostProminentMaximum', () => {
  const y = Float64Array.from([0, 2, 1, 5, 5, 5, 0, 3, 2.5, 2.8, 0]);
  it('takes the most prominent local maximum, a plateau by its middle', () => {
    // maxima (prominence): 1 (1), 4 = middle of the plateau 3..5 (5), 7 (3), 9 (0.3)
    expect(mostProminentMaximum(y, 0, y.length, 1)).toBe(4);
  });
  it('prominence, not height: the tallest sample, on a slope from the range start, loses', () => {
    const z = Float64Array.from([4, 4.5, 4.2, 4.6, 1, 3, 0.5]);
    // maxima (prominence): 1 (4.5 − 4.2 = 0.3), 3 (4.6 − 4 = 0.6), 5 (3 − 1 = 2)
    expect(mostProminentMaximum(z, 0, z.length, 1)).toBe(5);
    // ties go to the first
    expect(mostProminentMaximum(Float64Array.from([0, 1, 0, 1, 0]), 0, 5, 1)).toBe(1);
  });
  it('the ends of the range cannot be maxima; none gives −1; sign −1 takes minima', () => {
    expect(mostProminentMaximum(Float64Array.from([5, 4, 3, 2, 1]), 0, 5, 1)).toBe(-1);
    expect(mostProminentMaximum(Float64Array.from([1, 1, 1]), 0, 3, 1)).toBe(-1);
    expect(mostProminentMaximum(y, 3, 6, 1)).toBe(-1); // the plateau touches the range's end
    expect(mostProminentMaximum(y, 5, 11, -1)).toBe(6);
  });
});

describe('gradientQrsRegions', () => {
  it('one region per sharp deflection; short ones dropped; a region open at the end is kept', () => {
    const fs = 100;
    const x = new Float64Array(10 * fs);
    const spikes = [150, 250, 400, 550, 700, 997];
    for (const s of spikes) {
      for (let i = -2; i <= 2; i++) if (s + i < x.length) x[s + i] += 1 - Math.abs(i) / 3;
    }
    const opts = {
      smoothWindow: 10,
      averageWindow: 75,
      thresholdWeight: 1.5,
      minLengthWeight: 0.4,
    };
    const regions = gradientQrsRegions(x, opts);
    expect(regions.length).toBe(spikes.length);
    regions.forEach((r, k) => {
      expect(r.start).toBeLessThanOrEqual(spikes[k]);
      expect(Math.min(r.end, x.length - 1)).toBeGreaterThanOrEqual(Math.min(spikes[k], 999));
    });
    expect(regions[regions.length - 1].end).toBe(x.length);
    // minLengthWeight 2: only regions at least twice the mean length survive (none here)
    expect(gradientQrsRegions(x, { ...opts, minLengthWeight: 2 })).toEqual([]);
    expect(gradientQrsRegions(new Float64Array(100), opts)).toEqual([]);
  });
});
