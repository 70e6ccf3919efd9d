/**
 * All figures of an evaluation, in report order: per protocol the hybrid's per-class bars,
 * confusion heat map and ROC curves, the model comparison, the error share and the training
 * curves; then models × protocols with intervals. Ids are file names (`<id>.svg`) and name
 * their protocol (`…-<protocol>…`), which is how the report files them.
 */
import type { Evaluation, Figure, ModelEvaluation } from '../types.js';
import { renderSvg } from './render.js';
import {
  confusionHeatmapSpec,
  errorShareSpec,
  modelComparisonSpec,
  modelName,
  perClassMetricsSpec,
  protocolComparisonSpec,
  rocCurvesSpec,
  trainingCurvesSpec,
} from './specs.js';

const KIND_LABEL = {
  random: 'random window split',
  'subject-independent': 'subject-independent',
  'within-subject': 'within-subject',
} as const;

export const protocolLabel = (m: Pick<ModelEvaluation, 'protocol' | 'kind'>): string =>
  `${m.protocol} (${KIND_LABEL[m.kind]})`;

export async function figuresFor(e: Evaluation): Promise<Figure[]> {
  if (e.models.length === 0) throw new Error('figures: the evaluation has no model results');
  const tag = e.synthetic ? 'SYNTHETIC data — ' : '';
  const figures: Figure[] = [];
  const add = async (f: Omit<Figure, 'svg'>, spec: Parameters<typeof renderSvg>[0]) => {
    figures.push({ ...f, svg: await renderSvg(spec, `fig-${f.id}`) });
  };
  for (const p of e.protocols) {
    const ms = e.models.filter((m) => m.protocol === p.protocol);
    if (ms.length === 0) continue;
    const main = ms.find((m) => m.model === 'hybrid') ?? ms[0];
    const sub = `${tag}${modelName(main.model)}, ${protocolLabel(main)}, n = ${main.metrics.n}`;
    const id = (what: string, model?: string) => `${what}-${p.protocol}${model ? `-${model}` : ''}`;
    await add(
      {
        id: id('per-class', main.model),
        title: `Per-class metrics — ${modelName(main.model)}, ${p.protocol}`,
        caption: `Precision, recall and F1 of each class on the test windows of ${p.protocol} (folds pooled).`,
      },
      perClassMetricsSpec(e.classes, main.metrics, sub),
    );
    await add(
      {
        id: id('confusion', main.model),
        title: `Confusion matrix — ${modelName(main.model)}, ${p.protocol}`,
        caption: 'Counts and the share of each true class (row) predicted as each class.',
      },
      confusionHeatmapSpec(e.classes, main.metrics, sub),
    );
    await add(
      {
        id: id('roc', main.model),
        title: `ROC curves — ${modelName(main.model)}, ${p.protocol}`,
        caption:
          'One-vs-rest ROC curve of each class from the predicted probabilities; the dashed diagonal is chance.',
      },
      rocCurvesSpec(e.classes, main.roc, sub),
    );
    const psub = `${tag}${protocolLabel(main)}`;
    await add(
      {
        id: id('models'),
        title: `Model comparison — ${p.protocol}`,
        caption:
          'Accuracy and macro F1 of the hybrid and the unimodal baselines on the same test windows.',
      },
      modelComparisonSpec(
        ms.map((m) => ({
          model: m.model,
          accuracy: m.metrics.accuracy,
          macroF1: m.metrics.macro.f1,
        })),
        psub,
      ),
    );
    await add(
      {
        id: id('errors'),
        title: `Error share per class — ${p.protocol}`,
        caption: "The share of each model's errors whose true class is each class.",
      },
      errorShareSpec(e.classes, ms, psub),
    );
    await add(
      {
        id: id('curves'),
        title: `Training curves — ${p.protocol}`,
        caption:
          'Loss and accuracy per epoch on the training and validation windows of every fold.',
      },
      trainingCurvesSpec(
        ms.flatMap((m) =>
          m.curves.map((c) => ({ model: m.model, fold: c.fold, epochs: c.epochs })),
        ),
        psub,
      ),
    );
  }
  await add(
    {
      id: 'protocols',
      title: 'Models × protocols',
      caption:
        'Test accuracy of every model under every protocol with 95 % bootstrap intervals (subjects resampled for subject-independent protocols); the dashed line is chance (5 classes).',
    },
    protocolComparisonSpec(
      e.models.map((m) => ({
        protocolLabel: protocolLabel(m),
        model: m.model,
        accuracy: m.intervals.accuracy,
      })),
      `${tag}every protocol side by side`,
    ),
  );
  return figures;
}
