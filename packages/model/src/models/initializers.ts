/**
 * A seeded orthogonal initialiser computed in plain JavaScript (float64 Gram–Schmidt).
 *
 * tfjs's own `orthogonal` runs a QR decomposition as hundreds of small tensor ops: for an LSTM
 * of 64 units (a 64×256 recurrent kernel) that takes 2 s in Node and ~20 s under jest, on every
 * build *and* every load. This one takes about a millisecond and depends on no backend.
 */
import * as tf from '@tensorflow/tfjs';
import { mix32 } from '@emo/runtime';

type Initializer = ReturnType<typeof tf.initializers.ones>;

/** tfjs-layers' Initializer base class (not exported by name; layers test `instanceof` it). */
const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as abstract new (
  ...args: never[]
) => Initializer;

/** A small seeded generator (sfc32) of uniform numbers in [0, 1). */
export function uniformStream(seed: number): () => number {
  let a = mix32(seed ^ 0x9e3779b9);
  let b = mix32(seed + 0x6a09e667);
  let c = mix32(seed ^ 0xbb67ae85);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/**
 * A rows×cols matrix (row-major) with orthonormal columns (rows ≥ cols) or orthonormal rows
 * (rows < cols), drawn from the Haar distribution by Gram–Schmidt on a Gaussian matrix.
 */
export function orthogonalMatrix(rows: number, cols: number, seed: number): Float64Array {
  const tall = rows >= cols;
  const m = tall ? rows : cols; // length of each vector
  const n = tall ? cols : rows; // number of orthonormal vectors
  const rand = uniformStream(seed);
  const gauss = (): number => {
    let u = 0;
    while (u === 0) u = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const vecs: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = gauss();
    // Modified Gram–Schmidt, twice ("twice is enough") for orthogonality to rounding.
    for (let pass = 0; pass < 2; pass++) {
      for (const q of vecs) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[i] * v[i];
        for (let i = 0; i < m; i++) v[i] -= dot * q[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) v[i] /= norm;
    vecs.push(v);
  }
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < n; j++) {
    const v = vecs[j];
    for (let i = 0; i < m; i++) {
      if (tall) out[i * cols + j] = v[i];
      else out[j * cols + i] = v[i];
    }
  }
  return out;
}

export interface SeededOrthogonalArgs {
  readonly seed: number;
  readonly gain?: number;
}

/** Orthogonal initialiser: `gain` × an orthogonal matrix (dimensions but the last flattened). */
export class SeededOrthogonal extends InitializerBase {
  static readonly className = 'EmoOrthogonal';
  readonly seed: number;
  readonly gain: number;

  constructor(args: SeededOrthogonalArgs) {
    super();
    this.seed = args.seed >>> 0;
    this.gain = args.gain ?? 1;
  }

  apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    if (shape.length < 2) throw new Error('EmoOrthogonal: the shape must be at least 2-D');
    if (dtype != null && dtype !== 'float32') {
      throw new Error(`EmoOrthogonal: unsupported dtype ${dtype}`);
    }
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const q = orthogonalMatrix(rows, cols, this.seed);
    const values = new Float32Array(q.length);
    for (let i = 0; i < q.length; i++) values[i] = this.gain * q[i];
    return tf.tensor(values, shape, 'float32');
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { seed: this.seed, gain: this.gain };
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ seed: config['seed'], gain: config['gain'] });
  }
}

tf.serialization.registerClass(SeededOrthogonal);
