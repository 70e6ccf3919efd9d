/**
 * Two small custom layers, registered with tfjs's serialisation so that saved models load back:
 *
 * - {@link SeededDropout}: dropout whose masks are a seeded *stream*. tfjs's own Dropout with a
 *   `seed` draws the same mask at every step (the seed restarts the generator on each call), and
 *   without one it draws from an unseeded global generator; neither is dropout that a seed reproduces. Here
 *   the n-th training call draws its mask from a seed derived from (seed, n), and n is saved
 *   with the model, so that a checkpoint resumes the very same stream.
 * - {@link Standardize}: (x − mean) / std with non-finite results set to 0 (the mean), with mean
 *   and std as non-trainable weights, so that a saved model carries its feature statistics.
 */
import * as tf from '@tensorflow/tfjs';
import { streamSeed } from '@emo/runtime';

type Kwargs = Record<string, unknown>;

export interface SeededDropoutArgs {
  readonly rate: number;
  readonly seed: number;
  /** Position in the mask stream to start from (a saved model's, to resume training exactly). */
  readonly step?: number;
  readonly name?: string;
}

export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'EmoSeededDropout';
  readonly rate: number;
  readonly seed: number;
  /** Masks drawn so far: the position in the mask stream (saved with the model). */
  step: number;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) {
      throw new Error(`SeededDropout: rate must be in [0, 1), got ${args.rate}`);
    }
    if (args.step != null && !(Number.isInteger(args.step) && args.step >= 0)) {
      throw new Error(`SeededDropout: step must be a non-negative integer, got ${args.step}`);
    }
    this.rate = args.rate;
    this.seed = args.seed >>> 0;
    this.step = args.step ?? 0;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (kwargs['training'] !== true || this.rate === 0) return x;
      return tf.dropout(x, this.rate, undefined, streamSeed(this.seed, this.step++));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed, step: this.step };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({
      name: config['name'],
      rate: config['rate'],
      seed: config['seed'],
      step: config['step'],
    });
  }
}

export class Standardize extends tf.layers.Layer {
  static readonly className = 'EmoStandardize';
  private mean: tf.LayerVariable | null = null;
  private std: tf.LayerVariable | null = null;

  constructor(args: { readonly name?: string } = {}) {
    super({ name: args.name, trainable: false });
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const n = shape[shape.length - 1];
    if (n == null) throw new Error('Standardize: the last input dimension must be known');
    this.mean = this.addWeight('mean', [n], 'float32', tf.initializers.zeros(), undefined, false);
    this.std = this.addWeight('std', [n], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!this.mean || !this.std) throw new Error('Standardize: called before build');
      const z = tf.div(tf.sub(x, this.mean.read()), this.std.read());
      return tf.where(tf.isFinite(z), z, tf.zerosLike(z));
    });
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ name: config['name'] });
  }
}

tf.serialization.registerClass(SeededDropout);
tf.serialization.registerClass(Standardize);
