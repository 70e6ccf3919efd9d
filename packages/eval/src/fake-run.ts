/**
 * A made-up run for tests (not exported by the package index): prediction sets of three
 * models under three protocols whose accuracies are set by hand, so the tests know what the
 * evaluation must find.
 */
import type { PredictionRow } from '@emo/datasets';
import { EMOTIONS } from '@emo/datasets';
import { Rng } from '@emo/runtime';
import { STUDY_MODELS } from './models.js';
import type { PredictionSet } from './evaluate.js';
import type { ProtocolSummary, ProtocolKind } from './types.js';

const ACCURACY: Record<string, Record<string, number>> = {
  'random-70-15-15': { hybrid: 0.9, cnnOnly: 0.6, rnnOnly: 0.5 },
  'subject-kfold-3': { hybrid: 0.55, cnnOnly: 0.4, rnnOnly: 0.35 },
  'within-subject-trials': { hybrid: 0.7, cnnOnly: 0.5, rnnOnly: 0.45 },
};
const KINDS: Record<string, ProtocolKind> = {
  'random-70-15-15': 'random',
  'subject-kfold-3': 'subject-independent',
  'within-subject-trials': 'within-subject',
};

export function fakeRun(seed = 1): { protocols: ProtocolSummary[]; sets: PredictionSet[] } {
  const rng = new Rng(seed);
  const protocols: ProtocolSummary[] = Object.keys(ACCURACY).map((protocol) => {
    const folds = protocol === 'subject-kfold-3' ? 3 : 1;
    const kind = KINDS[protocol];
    return {
      protocol,
      kind,
      seed: 0,
      description: `${protocol} (made up)`,
      folds: Array.from({ length: folds }, (_, fold) => ({
        fold,
        train: 300,
        val: 60,
        test: 120,
        // a majority class (happy) and a rare one (fear), as on real data
        trainPerClass: [90, 60, 60, 60, 30],
      })),
      leakage: {
        protocol,
        kind,
        verdict:
          kind === 'random'
            ? 'shares-trials'
            : kind === 'within-subject'
              ? 'shares-subjects'
              : 'clean',
        shares: {
          subjects: kind !== 'subject-independent',
          trials: kind === 'random',
          stimuli: kind !== 'subject-independent',
        },
        folds: [],
        summary: kind === 'subject-independent' ? 'clean' : 'shares',
      },
      notes: [],
    };
  });
  const sets: PredictionSet[] = [];
  for (const p of protocols) {
    for (const fold of p.folds) {
      // the same test windows for every model of a fold
      const rows: PredictionRow[] = Array.from({ length: 120 }, (_, i) => ({
        dataset: 'deap',
        subject: `s${fold.fold * 4 + (i % 4)}`,
        trial: Math.floor(i / 4),
        stimulusId: String(Math.floor(i / 4)),
        window: i,
        t0: 0,
        t1: 10,
        protocol: p.protocol,
        fold: fold.fold,
        model: '',
        yTrue: EMOTIONS[i % 5],
      }));
      for (const model of STUDY_MODELS) {
        const acc = ACCURACY[p.protocol][model];
        const probs = new Float32Array(rows.length * 5);
        rows.forEach((_, i) => {
          const t = i % 5;
          const right = rng.next() < acc;
          const top = right ? t : (t + 1 + rng.int(0, 3)) % 5;
          for (let c = 0; c < 5; c++) probs[i * 5 + c] = 0.1 + 0.2 * rng.next();
          probs[i * 5 + top] = 0.9;
        });
        sets.push({
          protocol: p.protocol,
          model,
          fold: fold.fold,
          rows: rows.map((r) => ({ ...r, model })),
          classes: EMOTIONS,
          probs,
          curves: [1, 2, 3].map((epoch) => ({
            epoch,
            loss: 1.6 / epoch,
            accuracy: acc * (0.6 + 0.13 * epoch),
            valLoss: 1.7 / epoch,
            valAccuracy: acc * (0.55 + 0.13 * epoch),
          })),
        });
      }
    }
  }
  return { protocols, sets };
}
