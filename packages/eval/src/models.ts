/**
 * The models every table and figure shows: their order and display names (one list for the
 * report's text and its figures).
 */

/** The study's models, in the order every table and figure shows them. */
export const STUDY_MODELS = ['hybrid', 'cnnOnly', 'rnnOnly'] as const;

/**
 * Where the classical baselines (@emo/model's logistic regressions on the window features, and
 * on those and face statistics) go.
 */
const ORDER: readonly string[] = [...STUDY_MODELS, 'logreg', 'logregFaces'];

/**
 * Distinct model ids, the study's three first (hybrid, CNN-only, RNN-only), then the logistic
 * regressions, then the others.
 */
export function orderModels(models: readonly string[]): string[] {
  const distinct = [...new Set(models)];
  const order = ORDER;
  const rank = (m: string) => {
    const i = order.indexOf(m);
    return i < 0 ? order.length + distinct.indexOf(m) : i;
  };
  return distinct.sort((a, b) => rank(a) - rank(b));
}

/** Display names of the models. */
export const MODEL_NAMES: Readonly<Record<string, string>> = {
  hybrid: 'Hybrid CNN-LSTM',
  cnnOnly: 'CNN-only (faces)',
  rnnOnly: 'RNN-only (physiology)',
  logreg: 'Logistic regression (window features)',
  logregFaces: 'Logistic regression (features + face statistics)',
};

/** The display name of a model id ('hybrid' → 'Hybrid CNN-LSTM'); unknown ids as they are. */
export const modelName = (model: string): string => MODEL_NAMES[model] ?? model;
