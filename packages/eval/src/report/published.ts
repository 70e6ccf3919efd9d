/**
 * Numbers from the literature, shown beside ours in the report's "Published numbers" section,
 * each with the setting that makes it comparable or not: the task, the protocol kind, the
 * modality and the data set. They are not results of this code. A published number is put beside
 * one of our results only when all four match (and the run is on real data); every other row
 * says why it is not comparable.
 *
 * Sources, read in the papers themselves (2026-12-07):
 * - Koelstra et al. 2012, "DEAP: A Database for Emotion Analysis Using Physiological Signals",
 *   IEEE Trans. Affective Computing 3(1), Table 7: single-trial classification per participant,
 *   leave-one-trial-out, Gaussian naive Bayes on features selected by Fisher's criterion; ratings
 *   cut in the middle of the 9-point scale; F1 is the mean of the two classes' F1 (our macro F1),
 *   averaged over the 32 participants. "Peripheral" signals: GSR, respiration, skin temperature,
 *   ECG, plethysmograph, zygomaticus and trapezius EMG, EOG.
 * - Miranda-Correa et al., "AMIGOS: A Dataset for Affect, Personality and Mood Research on
 *   Individuals and Groups", IEEE Trans. Affective Computing (arXiv:1702.02510v3), Table 7: mean
 *   F1 over participants (mean of the negative and positive class's F1), leave-one-participant-
 *   out, Gaussian naive Bayes, 20 s segments of the short videos. The journal version's table was
 *   not checked; the paper does not state the high/low rule of that table.
 */
import type { ProtocolKind, PublishedAnchor } from '../types.js';

const DEAP = 'Koelstra et al. 2012, IEEE TAC 3(1), Table 7 (DEAP paper)';
const AMIGOS = 'Miranda-Correa et al., IEEE TAC, arXiv:1702.02510v3, Table 7 (AMIGOS paper)';
const deapSetting =
  'per participant, leave-one-trial-out; Gaussian naive Bayes on peripheral-signal features (GSR, respiration, skin temperature, ECG, plethysmograph, EMG, EOG); mean over 32 participants';
const amigosSetting = (signal: string) =>
  `leave-one-participant-out; Gaussian naive Bayes on ${signal} features of 20 s segments of the short videos; mean over participants`;

/** The published numbers the report always shows (DATASETS.md; the papers' tables). */
export const PUBLISHED_ANCHORS: readonly PublishedAnchor[] = Object.freeze([
  {
    source: DEAP,
    setting: deapSetting,
    value: 'accuracy 0.627, F1 (macro) 0.608',
    task: 'valence2',
    protocolKind: 'within-subject',
    modality: 'physiological',
    dataset: 'deap',
    metric: { name: 'macroF1', value: 0.608 },
  },
  {
    source: DEAP,
    setting: deapSetting,
    value: 'accuracy 0.570, F1 (macro) 0.533',
    task: 'arousal2',
    protocolKind: 'within-subject',
    modality: 'physiological',
    dataset: 'deap',
    metric: { name: 'macroF1', value: 0.533 },
  },
  {
    source: DEAP,
    setting: 'the same table: always the majority class (its floor on real DEAP ratings)',
    value: 'valence accuracy 0.586, F1 0.368; arousal accuracy 0.644, F1 0.389',
  },
  ...(['ECG', 'GSR'] as const).flatMap((signal) =>
    (
      [
        ['valence2', signal === 'ECG' ? 0.535 : 0.531],
        ['arousal2', signal === 'ECG' ? 0.55 : 0.548],
      ] as const
    ).map(([task, f1]) => ({
      source: AMIGOS,
      setting: amigosSetting(signal),
      value: `F1 (macro) ${f1.toFixed(3)}`,
      task,
      protocolKind: 'subject-independent' as ProtocolKind,
      modality: 'physiological',
      dataset: 'amigos',
      metric: { name: 'macroF1' as const, value: f1 },
    })),
  ),
  {
    source: 'published window-level random splits on DEAP/AMIGOS',
    setting:
      "windows of one subject and trial on both sides of the split (as the study's 70/15/15)",
    value: 'accuracy 75–99 %',
  },
]);

/** The modality a model of the study sees (what a published row must match). */
export const MODEL_MODALITY: Readonly<Record<string, string>> = {
  hybrid: 'face+physiological',
  cnnOnly: 'face',
  rnnOnly: 'physiological',
  logreg: 'physiological',
  logregFaces: 'face+physiological',
};
