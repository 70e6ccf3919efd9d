/**
 * The whole EDA chain on one record: units → quality → cleaning → tonic/phasic → SCRs →
 * features, with every warning collected (what `emo eda` and the dsp stage need).
 */
import type { EdaCleanOptions } from './clean.js';
import { edaClean } from './clean.js';
import { checkSamplingRate } from './errors.js';
import type { EdaFeatures } from './features.js';
import { edaFeatures } from './features.js';
import type { EdaPeaksOptions, EdaPeaksResult } from './peaks.js';
import { edaPeaks } from './peaks.js';
import type { EdaPhasicOptions } from './phasic.js';
import { edaPhasic } from './phasic.js';
import type { EdaQuality } from './quality.js';
import { checkEdaSignal } from './quality.js';
import { guessEdaUnit, resistanceToConductance } from './units.js';

export interface EdaProcessOptions {
  /**
   * Unit of the input: 'uS' (skin conductance, default) or 'ohm' (skin resistance, converted
   * with `resistanceToConductance`; values ≤ 0 become missing samples).
   */
  readonly unit?: 'uS' | 'ohm';
  readonly clean?: Omit<EdaCleanOptions, 'warnings'>;
  readonly phasic?: EdaPhasicOptions;
  readonly peaks?: EdaPeaksOptions;
}

export interface EdaProcessResult {
  readonly fs: number;
  /** Cleaned skin conductance (µS when the input was µS or Ω). */
  readonly clean: Float64Array;
  readonly tonic: Float64Array;
  readonly phasic: Float64Array;
  readonly method: 'highpass';
  readonly scr: EdaPeaksResult;
  /** Features of the whole record. */
  readonly features: EdaFeatures;
  /** Quality of the input as given (before unit conversion). */
  readonly quality: EdaQuality;
  readonly warnings: string[];
}

/** Runs the chain; throws an `EdaError` for unusable input (see `edaClean`). */
export function edaProcess(
  x: ArrayLike<number>,
  fs: number,
  opts: EdaProcessOptions = {},
): EdaProcessResult {
  checkSamplingRate(fs, 'edaProcess');
  const warnings: string[] = [];
  const quality = checkEdaSignal(x, fs, opts.clean);
  let g: ArrayLike<number> = x;
  if ((opts.unit ?? 'uS') === 'ohm') {
    g = resistanceToConductance(x, { onNonPositive: 'nan' });
    if (quality.nonPositive > 0) {
      warnings.push(`edaProcess: ${quality.nonPositive} resistance values ≤ 0 treated as missing`);
    }
  } else {
    const guess = guessEdaUnit(x);
    if (guess.resistance) {
      warnings.push(
        `edaProcess: the input looks like skin resistance, not conductance in µS (${guess.reason}); ` +
          `pass unit 'ohm' if it is`,
      );
    }
  }
  const clean = edaClean(g, fs, { ...opts.clean, warnings });
  const split = edaPhasic(clean, fs, opts.phasic);
  warnings.push(...split.warnings);
  const scr = edaPeaks(split.phasic, fs, opts.peaks);
  warnings.push(...scr.warnings);
  const f = edaFeatures({ tonic: split.tonic, phasic: split.phasic, peaks: scr }, fs);
  warnings.push(...f.warnings);
  return {
    fs,
    clean,
    tonic: split.tonic,
    phasic: split.phasic,
    method: split.method,
    scr,
    features: f.features,
    quality,
    warnings,
  };
}
