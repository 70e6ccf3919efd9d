/**
 * Errors raised by the readers. Every message names the file, where in it the problem is
 * (a byte offset for parsers, a record such as "trial 7" for data-set readers) and what was
 * expected, so a user can find and fix the bad input.
 */
export class FormatError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number | undefined,
    readonly expected: string,
    readonly detail: string,
  ) {
    super(
      `${file}${offset === undefined ? '' : ` at byte ${offset}`}: ${detail} (expected ${expected})`,
    );
    this.name = 'FormatError';
  }
}

/** A record-level problem in a data set (a subject, trial or variable), as opposed to bad bytes. */
export class DatasetError extends Error {
  constructor(
    readonly file: string,
    readonly record: string,
    readonly expected: string,
    readonly detail: string,
  ) {
    super(`${file}: ${record}: ${detail} (expected ${expected})`);
    this.name = 'DatasetError';
  }
}

/** A pickle that names a global outside the numpy reconstruction allow-list. Nothing was executed. */
export class UnsafePickleError extends FormatError {
  constructor(
    file: string,
    offset: number,
    readonly global: string,
  ) {
    super(
      file,
      offset,
      'only numpy reconstruction globals (numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype, numpy.core.numeric._frombuffer, _codecs.encode, bytes(), and their numpy 2 / Python 2 spellings)',
      `refusing to load global '${global}'; nothing was executed`,
    );
    this.name = 'UnsafePickleError';
  }
}
