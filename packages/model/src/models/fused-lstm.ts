/**
 * An LSTM layer computed as one op: the whole layer, forward and backward, in the WebAssembly
 * kernel of backend/fused-lstm (the same numbers on every tfjs backend). The maths, gate order and weights are those of `tf.layers.lstm` with
 * sigmoid gates, tanh activations and `unitForgetBias` (the layer it replaces): `kernel`
 * [inputs, 4·units], `recurrent_kernel` [units, 4·units], `bias` [4·units], gates i, f, g, o.
 * Tests check outputs and gradients against tfjs's own LSTM on the cpu backend.
 *
 * Why: tfjs-layers runs an LSTM as ~12 small ops per step forward and ~25 backward; for 80
 * steps that was ~8,000 kernel calls per training batch and a third of the hybrid's step time.
 * Initial states are zero; no masking, dropout or statefulness (the study uses none).
 */
import * as tf from '@tensorflow/tfjs';
import { lstmBackward, lstmForward } from '../backend/fused-lstm/index.js';
import { SeededOrthogonal } from './initializers.js';

export interface FusedLstmArgs {
  readonly name?: string;
  readonly units: number;
  /** Every step's hidden state [batch, steps, units], or only the last one's [batch, units]. */
  readonly returnSequences?: boolean;
  /** Seed of the kernel's Glorot-uniform initialiser. */
  readonly kernelSeed: number;
  /** Seed of the recurrent kernel's orthogonal initialiser. */
  readonly recurrentSeed: number;
}

export class FusedLstm extends tf.layers.Layer {
  static readonly className = 'EmoFusedLSTM';
  readonly units: number;
  readonly returnSequences: boolean;
  readonly kernelSeed: number;
  readonly recurrentSeed: number;
  private kernel: tf.LayerVariable | null = null;
  private recurrentKernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: FusedLstmArgs) {
    super({ name: args.name });
    if (!(Number.isInteger(args.units) && args.units > 0)) {
      throw new Error(`FusedLstm: units must be a positive integer, got ${args.units}`);
    }
    this.units = args.units;
    this.returnSequences = args.returnSequences ?? false;
    this.kernelSeed = args.kernelSeed;
    this.recurrentSeed = args.recurrentSeed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputs = shape[shape.length - 1];
    if (shape.length !== 3 || inputs == null) {
      throw new Error(
        `FusedLstm ${this.name}: expected input [batch, steps, features] with known features, got [${shape.join(', ')}]`,
      );
    }
    const U = this.units;
    this.kernel = this.addWeight(
      'kernel',
      [inputs, 4 * U],
      'float32',
      tf.initializers.glorotUniform({ seed: this.kernelSeed }),
    );
    this.recurrentKernel = this.addWeight(
      'recurrent_kernel',
      [U, 4 * U],
      'float32',
      new SeededOrthogonal({ seed: this.recurrentSeed }),
    );
    // unitForgetBias: the forget gate's bias starts at 1, the others at 0
    const bias = new Float32Array(4 * U);
    bias.fill(1, U, 2 * U);
    this.bias = this.addWeight('bias', [4 * U], 'float32', {
      apply: () => tf.tensor1d(bias),
    } as unknown as ReturnType<typeof tf.initializers.zeros>);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return this.returnSequences ? [shape[0], shape[1], this.units] : [shape[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x0 = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!this.kernel || !this.recurrentKernel || !this.bias) {
      throw new Error(`FusedLstm ${this.name}: called before build`);
    }
    const [B, T, I] = x0.shape;
    const U = this.units;
    const dims = { batch: B, steps: T, inputs: I, units: U };
    const returnSequences = this.returnSequences;
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, W, R, b] = args as tf.Tensor[];
      const xValues = x.dataSync() as Float32Array;
      const weights = {
        W: W.dataSync() as Float32Array,
        R: R.dataSync() as Float32Array,
        bias: b.dataSync() as Float32Array,
      };
      const { h, states } = lstmForward(dims, xValues, weights);
      const value = returnSequences
        ? tf.tensor3d(h, [B, T, U])
        : tf.tensor2d(lastSteps(h, dims), [B, U]);
      return {
        value,
        gradFunc: (dy: tf.Tensor) => {
          const dyValues = dy.dataSync() as Float32Array;
          const dh = returnSequences ? dyValues : spreadLastSteps(dyValues, dims);
          const g = lstmBackward(dims, xValues, weights, states, dh);
          return [
            tf.tensor3d(g.dx, [B, T, I]),
            tf.tensor2d(g.dW, [I, 4 * U]),
            tf.tensor2d(g.dR, [U, 4 * U]),
            tf.tensor1d(g.db),
          ];
        },
      };
    });
    return op(x0, this.kernel.read(), this.recurrentKernel.read(), this.bias.read());
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      returnSequences: this.returnSequences,
      kernelSeed: this.kernelSeed,
      recurrentSeed: this.recurrentSeed,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({
      name: config['name'],
      units: config['units'],
      returnSequences: config['returnSequences'],
      kernelSeed: config['kernelSeed'],
      recurrentSeed: config['recurrentSeed'],
    });
  }
}

/** The last step of [B][T][U]: [B][U]. */
function lastSteps(h: Float32Array, d: { batch: number; steps: number; units: number }) {
  const out = new Float32Array(d.batch * d.units);
  for (let b = 0; b < d.batch; b++) {
    const from = (b * d.steps + d.steps - 1) * d.units;
    out.set(h.subarray(from, from + d.units), b * d.units);
  }
  return out;
}

/** [B][U] into the last step of a zero [B][T][U]. */
function spreadLastSteps(dy: Float32Array, d: { batch: number; steps: number; units: number }) {
  const out = new Float32Array(d.batch * d.steps * d.units);
  for (let b = 0; b < d.batch; b++) {
    out.set(dy.subarray(b * d.units, (b + 1) * d.units), (b * d.steps + d.steps - 1) * d.units);
  }
  return out;
}

tf.serialization.registerClass(FusedLstm);
