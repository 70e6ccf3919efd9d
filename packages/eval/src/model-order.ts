/** The study's models, in the order every table and figure shows them. */
export const STUDY_MODELS = ['hybrid', 'cnnOnly', 'rnnOnly'] as const;

/** Distinct model ids, the study's three first (hybrid, CNN-only, RNN-only), then the others. */
export function orderModels(models: readonly string[]): string[] {
  const distinct = [...new Set(models)];
  const order: readonly string[] = STUDY_MODELS;
  const rank = (m: string) => {
    const i = order.indexOf(m);
    return i < 0 ? order.length + distinct.indexOf(m) : i;
  };
  return distinct.sort((a, b) => rank(a) - rank(b));
}
