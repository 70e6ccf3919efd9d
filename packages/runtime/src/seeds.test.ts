import { describe, expect, it } from '@jest/globals';
import { Rng } from './rng.js';
import { deriveSeed, streamSeed } from './seeds.js';

describe('seeds', () => {
  it('derives distinct, stable seeds per name', () => {
    const names = ['split', 'train', 'evaluate', 'synth', 'conv2d_1/kernel', 'conv2d_2/kernel'];
    const seeds = names.map((n) => deriveSeed(0, n));
    expect(new Set(seeds).size).toBe(names.length);
    expect(names.map((n) => deriveSeed(0, n))).toEqual(seeds);
    expect(deriveSeed(1, 'split')).not.toBe(deriveSeed(0, 'split'));
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
  });

  it('gives each step of a stream its own seed', () => {
    const steps = Array.from({ length: 100 }, (_, i) => streamSeed(7, i));
    expect(new Set(steps).size).toBe(100);
  });

  it('forks independent, reproducible random streams', () => {
    const a = new Rng(3).fork('x');
    const b = new Rng(3).fork('x');
    const c = new Rng(3).fork('y');
    const draw = (r: Rng) => Array.from({ length: 5 }, () => r.uint32());
    const da = draw(a);
    expect(draw(b)).toEqual(da);
    expect(draw(c)).not.toEqual(da);
  });
});
