/**
 * One error class for every EDA input problem, with a machine-readable `problem` so that a
 * pipeline can tell a bad sampling rate from a flat line without parsing the message.
 */
export type EdaProblem =
  'sampling-rate' | 'too-short' | 'non-finite' | 'flat' | 'non-positive' | 'option';

export class EdaError extends Error {
  readonly problem: EdaProblem;

  constructor(problem: EdaProblem, message: string) {
    super(message);
    this.name = 'EdaError';
    this.problem = problem;
  }
}

/** Lowest and highest sampling rates we accept (Hz). */
export const EDA_MIN_FS = 2;
export const EDA_MAX_FS = 100_000;

/** Throws an EdaError naming `where` when `fs` cannot be the sampling rate of an EDA recording. */
export function checkSamplingRate(fs: number, where: string): void {
  if (typeof fs !== 'number' || !Number.isFinite(fs) || fs <= 0) {
    throw new EdaError(
      'sampling-rate',
      `${where}: the sampling rate must be a positive, finite number of Hz, got ${String(fs)}`,
    );
  }
  if (fs < EDA_MIN_FS) {
    const period = fs < 1 ? ` (is it the sampling period? 1/${fs} = ${fmt(1 / fs)} Hz)` : '';
    throw new EdaError(
      'sampling-rate',
      `${where}: sampling rate ${fs} Hz is below ${EDA_MIN_FS} Hz; skin-conductance responses ` +
        `(rise 1–3 s) cannot be resolved${period}`,
    );
  }
  if (fs > EDA_MAX_FS) {
    throw new EdaError(
      'sampling-rate',
      `${where}: sampling rate ${fs} Hz is above ${EDA_MAX_FS} Hz, implausible for EDA ` +
        `(was a sample count passed as the rate?)`,
    );
  }
}

/** Checks that an option is a finite number in [min, max]. */
export function checkOption(where: string, name: string, v: number, min: number, max: number) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new EdaError(
      'option',
      `${where}: ${name} must be a number in [${min}, ${max}], got ${v}`,
    );
  }
}

/** A number for messages: at most 4 significant digits, no exponent for ordinary values. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** Seconds for messages. */
export const secs = (samples: number, fs: number) => `${fmt(samples / fs)} s`;
