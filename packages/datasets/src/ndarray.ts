/** Dense n-dimensional arrays as the readers return them: typed data in C (row-major) order. */
export type NumericDType =
  | 'float64'
  | 'float32'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool';

export type TypedArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface NdArray<T extends TypedArray = TypedArray> {
  readonly kind: 'ndarray';
  readonly dtype: NumericDType;
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Elements in C order: index (i, j, k) of shape (a, b, c) is at i*b*c + j*c + k. */
  readonly data: T;
}

export function ndarray<T extends TypedArray>(
  dtype: NumericDType,
  shape: readonly number[],
  data: T,
): NdArray<T> {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) {
    throw new RangeError(
      `ndarray: shape [${shape.join(', ')}] needs ${n} elements, data has ${data.length}`,
    );
  }
  return { kind: 'ndarray', dtype, shape: [...shape], data };
}

export function isNdArray(v: unknown): v is NdArray {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'ndarray';
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
