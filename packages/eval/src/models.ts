/** The study's models, in the order every table and figure shows them. */
export const STUDY_MODELS = ['hybrid', 'cnnOnly', 'rnnOnly'] as const;

/** Where the classical baseline (@emo/model's logistic regression on the window features) goes. */
const ORDER: readonly string[] = [...STUDY_MODELS, 'logreg'];

/**
 * Distinct model ids, the study's three first (hybrid, CNN-only, RNN-only), then the logistic
 * regression, then the others.
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
