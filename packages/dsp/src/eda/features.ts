/**
 * EDA features of a record or of one window of it: skin-conductance level (SCL) statistics of
 * the tonic part and SCR statistics of the SCRs whose peak falls inside the window. Every value
 * is a finite number or null; each null comes with a warning saying why.
 */
import { EdaError, checkSamplingRate } from './errors.js';
import type { EdaPeaksResult } from './peaks.js';

export const EDA_FEATURE_NAMES = [
  'SCL_mean',
  'SCL_sd',
  'SCL_slope',
  'SCR_n',
  'SCR_rate',
  'SCR_amplitude_mean',
  'SCR_amplitude_max',
  'SCR_amplitude_sum',
  'SCR_riseTime_mean',
  'SCR_recoveryTime_mean',
  'phasic_sd',
  'duration',
] as const;

export type EdaFeatureName = (typeof EDA_FEATURE_NAMES)[number];
export type EdaFeatures = { readonly [K in EdaFeatureName]: number | null };

export const EDA_FEATURE_UNITS: Readonly<Record<EdaFeatureName, string>> = {
  SCL_mean: 'µS (mean of the tonic part)',
  SCL_sd: 'µS (SD of the tonic part, n − 1)',
  SCL_slope: 'µS/s (least-squares slope of the tonic part)',
  SCR_n: 'count (SCRs with their peak in the window)',
  SCR_rate: 'SCRs per minute',
  SCR_amplitude_mean: 'µS',
  SCR_amplitude_max: 'µS',
  SCR_amplitude_sum: 'µS (0 when no SCR)',
  SCR_riseTime_mean: 's',
  SCR_recoveryTime_mean: 's (half recovery, over the SCRs that reached it)',
  phasic_sd: 'µS (SD of the phasic part, n − 1)',
  duration: 's',
};

export interface EdaFeatureInput {
  /** Tonic part (see `edaPhasic`), sampled at fs. */
  readonly tonic: ArrayLike<number>;
  /** Phasic part; when absent, phasic_sd is null. */
  readonly phasic?: ArrayLike<number>;
  /** SCRs of the same record (see `edaPeaks`), sample indices into it. */
  readonly peaks: Pick<EdaPeaksResult, 'peaks' | 'amplitudes' | 'riseTimes' | 'recoveryTimes'>;
}

export interface EdaFeatureOptions {
  /** Window [start, end) in samples; default the whole record. */
  readonly start?: number;
  readonly end?: number;
}

export interface EdaFeatureResult {
  readonly features: EdaFeatures;
  readonly warnings: string[];
}

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** Mean and SD (n − 1) of x[start..end), or null entries when undefined / not finite. */
function stats(x: ArrayLike<number>, start: number, end: number) {
  const n = end - start;
  let m = 0;
  for (let i = start; i < end; i++) m += x[i] / n;
  let ss = 0;
  let sxy = 0;
  let sxx = 0;
  for (let i = start; i < end; i++) {
    const d = x[i] - m;
    const t = i - start - (n - 1) / 2;
    ss += d * d;
    sxy += t * d;
    sxx += t * t;
  }
  return {
    mean: m,
    sd: n > 1 ? Math.sqrt(ss / (n - 1)) : null,
    slopePerSample: sxx > 0 ? sxy / sxx : null,
  };
}

/**
 * Features of the window [start, end) of a record sampled at `fs` Hz. Errors (`EdaError`)
 * for an invalid `fs`, a window outside the record or empty, or series of unequal lengths.
 */
export function edaFeatures(
  input: EdaFeatureInput,
  fs: number,
  opts: EdaFeatureOptions = {},
): EdaFeatureResult {
  const where = 'edaFeatures';
  checkSamplingRate(fs, where);
  const { tonic, phasic, peaks } = input;
  const n = tonic.length;
  if (phasic && phasic.length !== n) {
    throw new EdaError(
      'option',
      `${where}: tonic (${n} samples) and phasic (${phasic.length}) must have the same length`,
    );
  }
  const start = opts.start ?? 0;
  const end = opts.end ?? n;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || end <= start) {
    throw new EdaError(
      'option',
      `${where}: window [${start}, ${end}) must be a non-empty range of whole samples inside [0, ${n})`,
    );
  }
  const warnings: string[] = [];
  const out: Record<EdaFeatureName, number | null> = Object.fromEntries(
    EDA_FEATURE_NAMES.map((k) => [k, null]),
  ) as Record<EdaFeatureName, number | null>;
  const set = (name: EdaFeatureName, v: number | null, why: string) => {
    if (v !== null && Number.isFinite(v)) {
      out[name] = v;
    } else {
      out[name] = null;
      warnings.push(`${where}: ${name} undefined: ${v === null ? why : `not finite (${v})`}`);
    }
  };
  const durationS = (end - start) / fs;
  set('duration', durationS, '');
  const finite = (x: ArrayLike<number>) => {
    for (let i = start; i < end; i++) if (!Number.isFinite(x[i])) return false;
    return true;
  };
  if (finite(tonic)) {
    const s = stats(tonic, start, end);
    set('SCL_mean', s.mean, '');
    set('SCL_sd', s.sd, 'one sample');
    set('SCL_slope', s.slopePerSample === null ? null : s.slopePerSample * fs, 'one sample');
  } else {
    for (const k of ['SCL_mean', 'SCL_sd', 'SCL_slope'] as const) {
      set(k, null, 'the tonic part has non-finite samples in the window');
    }
  }
  if (!phasic) {
    set('phasic_sd', null, 'no phasic part given');
  } else if (finite(phasic)) {
    set('phasic_sd', stats(phasic, start, end).sd, 'one sample');
  } else {
    set('phasic_sd', null, 'the phasic part has non-finite samples in the window');
  }
  const inside: number[] = [];
  peaks.peaks.forEach((p, i) => {
    if (p >= start && p < end) inside.push(i);
  });
  const amps = inside.map((i) => peaks.amplitudes[i]);
  const rises = inside.map((i) => peaks.riseTimes[i]);
  const recs = inside
    .map((i) => peaks.recoveryTimes[i])
    .filter((r): r is number => r !== null && r !== undefined);
  set('SCR_n', inside.length, '');
  set('SCR_rate', inside.length / (durationS / 60), '');
  set(
    'SCR_amplitude_sum',
    amps.reduce((a, b) => a + b, 0),
    '',
  );
  const none = 'no SCR in the window';
  set('SCR_amplitude_mean', amps.length ? mean(amps) : null, none);
  set('SCR_amplitude_max', amps.length ? amps.reduce((a, b) => Math.max(a, b)) : null, none);
  set('SCR_riseTime_mean', rises.length ? mean(rises) : null, none);
  set(
    'SCR_recoveryTime_mean',
    recs.length ? mean(recs) : null,
    inside.length ? 'no SCR in the window reached half recovery' : none,
  );
  return { features: out, warnings };
}
