/** Parameter counts of a model, per layer and per part (face, physio, features, head). */
import type * as tf from '@tensorflow/tfjs';

export type ModelPart = 'input' | 'face' | 'physio' | 'features' | 'head';

export interface LayerSummary {
  readonly name: string;
  readonly className: string;
  readonly part: ModelPart;
  /** Output shape without the batch dimension (the first output's, for several). */
  readonly outputShape: readonly (number | null)[];
  readonly params: number;
  readonly trainableParams: number;
}

export interface ModelSummary {
  readonly name: string;
  readonly totalParams: number;
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
  /** Parameters per part of the model (0 for a part it does not have). */
  readonly parts: Readonly<Record<Exclude<ModelPart, 'input'>, number>>;
  readonly layers: readonly LayerSummary[];
}

function partOf(layer: tf.layers.Layer): ModelPart {
  if (layer.getClassName() === 'InputLayer') return 'input';
  const prefix = layer.name.split('_')[0];
  if (prefix === 'face' || prefix === 'physio' || prefix === 'features') return prefix;
  return 'head';
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function modelSummary(model: tf.LayersModel): ModelSummary {
  const layers: LayerSummary[] = model.layers.map((layer) => {
    const shapes = layer.outputShape;
    const first = (Array.isArray(shapes[0]) ? shapes[0] : shapes) as (number | null)[];
    return {
      name: layer.name,
      className: layer.getClassName(),
      part: partOf(layer),
      outputShape: first.slice(1),
      params: layer.countParams(),
      trainableParams: layer.trainableWeights.reduce((a, w) => a + size(w.shape as number[]), 0),
    };
  });
  const parts = { face: 0, physio: 0, features: 0, head: 0 };
  for (const l of layers) if (l.part !== 'input') parts[l.part] += l.params;
  const totalParams = layers.reduce((a, l) => a + l.params, 0);
  const trainableParams = layers.reduce((a, l) => a + l.trainableParams, 0);
  return {
    name: model.name,
    totalParams,
    trainableParams,
    nonTrainableParams: totalParams - trainableParams,
    parts,
    layers,
  };
}

/** A Keras-like table of {@link modelSummary}. */
export function formatModelSummary(s: ModelSummary): string {
  const rows = s.layers.map((l) => [
    `${l.name} (${l.className})`,
    `[${l.outputShape.map((d) => d ?? '?').join(', ')}]`,
    String(l.params),
  ]);
  const head = ['layer', 'output shape', 'params'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const parts = Object.entries(s.parts)
    .filter(([, n]) => n > 0)
    .map(([p, n]) => `${p} ${n}`)
    .join(', ');
  return [
    `model ${s.name}`,
    line(head),
    ...rows.map(line),
    `total ${s.totalParams} params (trainable ${s.trainableParams}, non-trainable ` +
      `${s.nonTrainableParams}); by part: ${parts}`,
  ].join('\n');
}
