import { describe, expect, it } from '@jest/globals';
import {
  countLabel,
  emptyLabelCounts,
  labelAmigos,
  labelFromRatings,
  resolveLabelMapping,
  describeLabelMapping,
} from './labels.js';
import type { AmigosEmotionFlags } from './labels.js';

const none: AmigosEmotionFlags = {
  neutral: false,
  disgust: false,
  happiness: false,
  surprise: false,
  anger: false,
  fear: false,
  sadness: false,
};

describe('rating rule', () => {
  const cases: [number, number, number, string | null][] = [
    [5, 5, 5, 'neutral'],
    [6, 4, 1, 'neutral'], // both within radius 1
    [7, 7, 5, 'happy'],
    [3, 3, 5, 'sad'],
    [3, 7, 5, 'angry'], // dominance ≥ 5
    [3, 7, 4.9, 'fear'],
    [7, 3, 5, null], // calm: high valence, low arousal
    [5, 8, 5, null], // valence exactly at centre with high arousal
  ];
  it.each(cases)('valence %p arousal %p dominance %p → %p', (v, a, d, want) => {
    const r = labelFromRatings({ valence: v, arousal: a, dominance: d });
    expect(r.label).toBe(want);
    expect(r.source).toBe(want === null ? null : 'ratings');
    if (want === null) expect(r.reason).toMatch(/no class/);
  });

  it('is configurable', () => {
    const cfg = resolveLabelMapping({ neutralRadius: 0.5, dominanceSplit: 3 });
    expect(labelFromRatings({ valence: 6, arousal: 6, dominance: 5 }, cfg).label).toBe('happy');
    expect(labelFromRatings({ valence: 3, arousal: 7, dominance: 4 }, cfg).label).toBe('angry');
    expect(describeLabelMapping(cfg)).toContain('dominance ≥ 3');
  });

  it('reports non-finite ratings as unlabelled', () => {
    expect(labelFromRatings({ valence: NaN, arousal: 5, dominance: 5 }).reason).toMatch(
      /non-finite/,
    );
  });

  it('rejects a bad configuration', () => {
    expect(() => resolveLabelMapping({ neutralRadius: -1 })).toThrow(/neutralRadius/);
    expect(() => resolveLabelMapping({ centre: NaN })).toThrow(/centre/);
  });
});

describe('AMIGOS checkboxes', () => {
  const calm = { valence: 7, arousal: 3, dominance: 5 };
  it('uses a single ticked class', () => {
    expect(labelAmigos({ ...none, fear: true }, calm)).toEqual({
      label: 'fear',
      source: 'checkbox',
      reason: null,
    });
    expect(labelAmigos({ ...none, happiness: true }, calm).label).toBe('happy');
    expect(labelAmigos({ ...none, sadness: true }, calm).label).toBe('sad');
    expect(labelAmigos({ ...none, anger: true }, calm).label).toBe('angry');
    expect(labelAmigos({ ...none, neutral: true }, calm).label).toBe('neutral');
  });
  it('falls back to the rating rule when several, none, disgust or surprise are ticked', () => {
    const happyRatings = { valence: 8, arousal: 8, dominance: 5 };
    expect(labelAmigos({ ...none, fear: true, anger: true }, happyRatings)).toMatchObject({
      label: 'happy',
      source: 'ratings',
    });
    expect(labelAmigos({ ...none, fear: true, surprise: true }, happyRatings).source).toBe(
      'ratings',
    );
    expect(labelAmigos({ ...none, sadness: true, disgust: true }, happyRatings).source).toBe(
      'ratings',
    );
    expect(labelAmigos(none, happyRatings).source).toBe('ratings');
    expect(labelAmigos(null, happyRatings).source).toBe('ratings');
  });
  it('can ignore the checkboxes', () => {
    const cfg = resolveLabelMapping({ useAmigosCheckboxes: false });
    expect(labelAmigos({ ...none, fear: true }, calm, cfg).label).toBeNull();
  });
});

describe('counts', () => {
  it('counts labelled and unlabelled trials per class and source', () => {
    const c = emptyLabelCounts();
    countLabel(c, labelFromRatings({ valence: 8, arousal: 8, dominance: 5 }));
    countLabel(c, labelFromRatings({ valence: 8, arousal: 2, dominance: 5 }));
    countLabel(c, labelAmigos({ ...none, fear: true }, { valence: 8, arousal: 8, dominance: 5 }));
    expect(c.labelled).toBe(2);
    expect(c.unlabelled).toBe(1);
    expect(c.perClass.happy).toBe(1);
    expect(c.perClass.fear).toBe(1);
    expect(c.bySource).toEqual({ checkbox: 1, ratings: 1 });
  });
});
