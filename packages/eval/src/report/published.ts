/**
 * Numbers from the literature (DATASETS.md, the realdata README), shown beside ours in the
 * report's "Published numbers" section. They are not results of this code: they come from other
 * work on real DEAP/AMIGOS recordings, each with its setting, so that a reader can place our
 * numbers (and see why a random window split scores so much higher than a subject-independent
 * one).
 */
import type { PublishedAnchor } from '../types.js';

/** Numbers from the literature (DATASETS.md, realdata README), shown beside ours. */
export const PUBLISHED_ANCHORS: readonly PublishedAnchor[] = Object.freeze([
  {
    source: 'Miranda-Correa et al. 2018 (AMIGOS authors)',
    setting:
      'leave-one-participant-out, Gaussian naive Bayes on ECG/GSR features, binary valence/arousal',
    value: 'mean F1 ≈ 0.53–0.55 (chance 0.50)',
  },
  {
    source: 'published window-level random splits on DEAP/AMIGOS',
    setting:
      "windows of one subject and trial on both sides of the split (as the study's 70/15/15)",
    value: 'accuracy 75–99 %',
  },
]);
