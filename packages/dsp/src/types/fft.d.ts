// Types for fft.js 4.0.4 (its own lib/fft.d.ts types everything as `any`). This ambient
// declaration takes precedence over the package's file. Complex arrays interleave re, im.
declare module 'fft.js' {
  type Storage = number[] | Float64Array | Float32Array;

  /** Radix-4 FFT of one fixed size: a power of two, at least 2. */
  class FFT {
    constructor(size: number);
    readonly size: number;
    /** A zero-filled complex array of `2 * size` numbers. */
    createComplexArray(): number[];
    toComplexArray(input: ArrayLike<number>, storage?: Storage): number[];
    fromComplexArray(complex: ArrayLike<number>, storage?: Storage): number[];
    /** Fills bins size/2+1 … size-1 of a `realTransform` output with the conjugates. */
    completeSpectrum(spectrum: Storage): void;
    /** Forward transform of a complex array (`data` and `out` must differ). */
    transform(out: Storage, data: ArrayLike<number>): void;
    /** Forward transform of `size` real numbers; fills complex bins 0 … size/2 of `out`. */
    realTransform(out: Storage, data: ArrayLike<number>): void;
    /** Inverse transform, scaled by 1/size. */
    inverseTransform(out: Storage, data: ArrayLike<number>): void;
  }

  export = FFT;
}
