/**
 * Frequency-domain HRV (NeuroKit2's names; powers in ms²).
 *
 * 1. The RR intervals (ms), placed at the time of the beat that closes each one, are resampled
 *    evenly at `resampleHz` (default 4 Hz) from the first to the last of those times, by a
 *    natural cubic spline (default) or linearly.
 * 2. Welch PSD of that series (ms²/Hz): periodic Hann window, `overlap` (default 50 %), each
 *    segment detrended (default: its least-squares line removed), zero-padded to `nfft` (default
 *    the smallest power of two ≥ the segment that gives a frequency grid ≤ 0.001 Hz: 4096 at
 *    4 Hz). The segment length (default automatic, `autoSegment`): segments must hold at least
 *    max(256 s, `minCycles` cycles of the lowest band edge that fits in the series — 606 s
 *    once VLF fits), and as many such segments as fit cover the whole series with the given
 *    overlap. So a 5-minute recording is one 300-s segment (a Hann-windowed periodogram), a
 *    20-minute one two 800-s segments, and a series shorter than the target is one segment.
 * 3. Band power = trapezoid integral of the PSD over [lo, hi], the PSD linearly interpolated at
 *    lo and hi (so adjacent bands add up exactly). Bands: VLF 0.0033–0.04, LF 0.04–0.15,
 *    HF 0.15–0.4 Hz (configurable).
 * 4. A band whose lowest frequency does not complete `minCycles` (default 2) cycles in one
 *    Welch segment (VLF needs 606 s, LF 50 s, HF 13.3 s at the default bands) or whose upper
 *    edge is above the Nyquist frequency is null, with a line in `warnings` that says why.
 *
 * Derived: TP = VLF + LF + HF (null unless all three are there), LFHF = LF / HF,
 * LFn = LF / (LF + HF), HFn = HF / (LF + HF) (the Task Force's normalised units, as fractions;
 * NeuroKit2 divides by its total power instead, and by default also normalises the PSD to its
 * maximum, so its LF and HF are not in ms²), LnHF = ln(HF). Undefined ratios are null with a
 * warning, never NaN; a band power below (1e-9 · mean RR)² (rounding noise, e.g. perfectly
 * constant intervals) is taken as exactly 0.
 */
import { intervalsFromPeaks, checkedRr, type RrIntervals } from './intervals.js';
import { nextPowerOfTwo, isPowerOfTwo } from './fft.js';
import { resampleEven, type EvenSeries, type Interpolation } from './resample.js';
import { welch, type Detrend, type Psd } from './welch.js';

export type BandName = 'VLF' | 'LF' | 'HF';
export type Band = readonly [lo: number, hi: number];

export const DEFAULT_BANDS: Readonly<Record<BandName, Band>> = {
  VLF: [0.0033, 0.04],
  LF: [0.04, 0.15],
  HF: [0.15, 0.4],
};

export interface HrvFrequencyOptions {
  /** Even resampling rate of the RR series, Hz (default 4). */
  resampleHz?: number;
  /** 'cubic' (natural cubic spline, default) or 'linear'. */
  interpolation?: Interpolation;
  /** Per Welch segment: 'linear' (default), 'constant' (mean) or 'none'. */
  detrend?: Detrend;
  /** Welch segment length in seconds (capped at the series); default automatic, see above. */
  segmentSeconds?: number;
  /** Fraction of a segment shared with the next one, in [0, 1) (default 0.5). */
  overlap?: number;
  /** FFT length, a power of two ≥ the segment (default: grid ≤ 0.001 Hz). */
  nfft?: number;
  /** Cycles of a band's lowest frequency a segment must hold for the band (default 2). */
  minCycles?: number;
  /** Replace some band edges (Hz). */
  bands?: Partial<Record<BandName, Band>>;
}

/** Intervals as RR (ms), with the times (s) of their closing beats, or peak indices and fs. */
export type HrvFrequencyInput =
  | { rrMs: ArrayLike<number>; timesS?: ArrayLike<number> }
  | { peaks: ArrayLike<number>; fs: number };

export interface HrvFrequencyIndices {
  VLF: number | null;
  LF: number | null;
  HF: number | null;
  TP: number | null;
  LFHF: number | null;
  LFn: number | null;
  HFn: number | null;
  LnHF: number | null;
}

export interface HrvFrequencyParams {
  resampleHz: number;
  interpolation: Interpolation;
  detrend: Detrend;
  nperseg: number;
  noverlap: number;
  nfft: number;
  nSegments: number;
  /** Seconds of the evenly resampled series (samples / resampleHz). */
  durationS: number;
  minCycles: number;
  bands: Record<BandName, Band>;
}

export interface HrvFrequency extends HrvFrequencyIndices {
  warnings: string[];
  /** The evenly resampled RR series (ms). */
  resampled: EvenSeries;
  /** Its Welch PSD (ms²/Hz), or null when the series is too short for one (< 2 samples). */
  psd: Psd | null;
  params: HrvFrequencyParams;
}

const BAND_NAMES: readonly BandName[] = ['VLF', 'LF', 'HF'];

/** Samples needed for `cycles` cycles of f Hz at fs Hz (tolerant of 8 / 0.04 = 200.000…03). */
function samplesFor(cycles: number, fs: number, f: number): number {
  return Math.ceil((cycles * fs) / f - 1e-9);
}

/** Band power: trapezoid over [lo, hi] of the PSD, linearly interpolated at lo and hi. */
export function bandPower(psd: Psd, lo: number, hi: number): number {
  const { freqs: f, power: p } = psd;
  const at = (x: number): number => {
    // np.interp on an ascending grid (clamped at the ends)
    if (x <= f[0]) return p[0];
    const last = f.length - 1;
    if (x >= f[last]) return p[last];
    let j = Math.floor((x - f[0]) / (f[1] - f[0]));
    while (j > 0 && f[j] > x) j--;
    while (j < last - 1 && f[j + 1] <= x) j++;
    return p[j] + ((p[j + 1] - p[j]) / (f[j + 1] - f[j])) * (x - f[j]);
  };
  let prevF = lo;
  let prevP = at(lo);
  let total = 0;
  for (let k = 0; k < f.length; k++) {
    if (f[k] > lo && f[k] < hi) {
      total += ((f[k] - prevF) * (prevP + p[k])) / 2;
      prevF = f[k];
      prevP = p[k];
    }
  }
  total += ((hi - prevF) * (prevP + at(hi))) / 2;
  return total;
}

/**
 * The automatic Welch segment (samples): each segment holds at least
 * target = max(256 s, `minCycles` cycles of the lowest band edge that fits in the series);
 * then as many segments as keep that length (at least one), of equal length and with the given
 * overlap, cover the whole series (to within a few samples). No band fits: the whole series.
 */
export function autoSegment(
  n: number,
  fs: number,
  overlap: number,
  minCycles: number,
  bands: Readonly<Record<BandName, Band>>,
): number {
  const fitting = BAND_NAMES.map((b) => bands[b][0]).filter(
    (lo) => samplesFor(minCycles, fs, lo) <= n,
  );
  if (fitting.length === 0) return n;
  const target = Math.max(Math.round(256 * fs), samplesFor(minCycles, fs, Math.min(...fitting)));
  if (target >= n) return n;
  const k = Math.max(1, Math.floor((n / target - 1) / (1 - overlap) + 1 + 1e-9));
  let nperseg = Math.min(n, Math.floor(n / (1 + (k - 1) * (1 - overlap)) + 1e-9));
  while (nperseg + (k - 1) * (nperseg - Math.floor(nperseg * overlap)) > n) nperseg--;
  return nperseg;
}

function option<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

function resolveBands(opts: HrvFrequencyOptions): Record<BandName, Band> {
  const bands = { ...DEFAULT_BANDS, ...opts.bands };
  for (const name of BAND_NAMES) {
    const [lo, hi] = bands[name];
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo > 0 && hi > lo)) {
      throw new Error(`hrvFrequency: band ${name} must satisfy 0 < lo < hi, got [${lo}, ${hi}]`);
    }
  }
  return bands;
}

function toIntervals(input: HrvFrequencyInput): RrIntervals {
  if ('peaks' in input) {
    const iv = intervalsFromPeaks(input.peaks, input.fs, 'hrvFrequency');
    checkedRr(iv.rrMs, 'hrvFrequency');
    return iv;
  }
  const rrMs = checkedRr(input.rrMs, 'hrvFrequency');
  let timesS: Float64Array;
  if (input.timesS === undefined) {
    timesS = new Float64Array(rrMs.length);
    let t = 0;
    for (let i = 0; i < rrMs.length; i++) timesS[i] = t += rrMs[i] / 1000;
  } else {
    if (input.timesS.length !== rrMs.length) {
      throw new Error(
        `hrvFrequency: timesS has ${input.timesS.length} entries for ${rrMs.length} intervals`,
      );
    }
    timesS = Float64Array.from(input.timesS);
    for (let i = 0; i < timesS.length; i++) {
      if (!Number.isFinite(timesS[i]) || (i > 0 && !(timesS[i] > timesS[i - 1]))) {
        throw new Error(`hrvFrequency: timesS must be finite and strictly increasing (at ${i})`);
      }
    }
  }
  return { rrMs, timesS };
}

const fmt = (x: number, digits = 1): string => x.toFixed(digits);

/** Frequency-domain HRV; see the module comment for every definition. */
export function hrvFrequency(
  input: HrvFrequencyInput,
  opts: HrvFrequencyOptions = {},
): HrvFrequency {
  const resampleHz = option(opts.resampleHz, 4);
  const interpolation = option(opts.interpolation, 'cubic');
  const detrend = option(opts.detrend, 'linear');
  const overlap = option(opts.overlap, 0.5);
  const minCycles = option(opts.minCycles, 2);
  if (!(Number.isFinite(resampleHz) && resampleHz > 0)) {
    throw new Error(`hrvFrequency: resampleHz must be > 0, got ${resampleHz}`);
  }
  if (interpolation !== 'cubic' && interpolation !== 'linear') {
    throw new Error(
      `hrvFrequency: interpolation must be 'cubic' or 'linear', got ${interpolation}`,
    );
  }
  if (detrend !== 'linear' && detrend !== 'constant' && detrend !== 'none') {
    throw new Error(`hrvFrequency: detrend must be 'linear', 'constant' or 'none', got ${detrend}`);
  }
  if (!(overlap >= 0 && overlap < 1)) {
    throw new Error(`hrvFrequency: overlap must be in [0, 1), got ${overlap}`);
  }
  if (!(Number.isFinite(minCycles) && minCycles > 0)) {
    throw new Error(`hrvFrequency: minCycles must be > 0, got ${minCycles}`);
  }
  if (opts.segmentSeconds !== undefined && !(opts.segmentSeconds > 0)) {
    throw new Error(`hrvFrequency: segmentSeconds must be > 0, got ${opts.segmentSeconds}`);
  }
  const bands = resolveBands(opts);

  const { rrMs, timesS } = toIntervals(input);
  const resampled = resampleEven(timesS, rrMs, resampleHz, interpolation);
  const n = resampled.values.length;
  const durationS = n / resampleHz;

  const nperseg =
    opts.segmentSeconds !== undefined
      ? Math.min(n, Math.round(opts.segmentSeconds * resampleHz))
      : autoSegment(n, resampleHz, overlap, minCycles, bands);
  const noverlap = Math.floor(nperseg * overlap);
  const nfft = option(
    opts.nfft,
    nextPowerOfTwo(Math.max(nperseg, Math.ceil(resampleHz / 0.001 - 1e-9))),
  );
  if (!isPowerOfTwo(nfft) || nfft < nperseg) {
    throw new Error(`hrvFrequency: nfft must be a power of two ≥ ${nperseg}, got ${nfft}`);
  }

  const warnings: string[] = [];
  const psd =
    nperseg >= 2 ? welch(resampled.values, resampleHz, { nperseg, noverlap, nfft, detrend }) : null;
  const segS = nperseg / resampleHz;
  // rounding-level power (a constant series after detrending) counts as exactly zero
  let meanRr = 0;
  for (let i = 0; i < rrMs.length; i++) meanRr += rrMs[i] / rrMs.length;
  const zeroPower = (1e-9 * meanRr) ** 2;
  const power: Record<BandName, number | null> = { VLF: null, LF: null, HF: null };
  for (const name of BAND_NAMES) {
    const [lo, hi] = bands[name];
    const range = `${name} (${lo}–${hi} Hz)`;
    const need = samplesFor(minCycles, resampleHz, lo);
    if (!psd || need > nperseg) {
      const needS = minCycles / lo;
      const longer =
        need <= n
          ? ` — the series is long enough: raise segmentSeconds to ≥ ${fmt(Math.ceil((need / resampleHz) * 10) / 10)}`
          : '';
      warnings.push(
        `${range} is null: ${minCycles} cycles of ${lo} Hz need ${fmt(needS)} s ` +
          `in one Welch segment; the segment is ${fmt(segS)} s (series ${fmt(durationS)} s)${longer}`,
      );
    } else if (hi > resampleHz / 2) {
      warnings.push(
        `${range} is null: it reaches above the Nyquist frequency ${resampleHz / 2} Hz of the ` +
          `${resampleHz} Hz resampling (raise resampleHz)`,
      );
    } else {
      const p = bandPower(psd, lo, hi);
      power[name] = p < zeroPower ? 0 : p;
    }
  }

  const { VLF, LF, HF } = power;
  const out: HrvFrequencyIndices = {
    VLF,
    LF,
    HF,
    TP: VLF !== null && LF !== null && HF !== null ? VLF + LF + HF : null,
    LFHF: null,
    LFn: null,
    HFn: null,
    LnHF: null,
  };
  if (HF !== null) {
    if (HF > 0) out.LnHF = Math.log(HF);
    else warnings.push('HF power is zero: LnHF is null');
  }
  if (LF !== null && HF !== null) {
    if (HF > 0) out.LFHF = LF / HF;
    else warnings.push('HF power is zero: LFHF is null');
    if (LF + HF > 0) {
      out.LFn = LF / (LF + HF);
      out.HFn = HF / (LF + HF);
    } else warnings.push('LF + HF power is zero: LFn and HFn are null');
  }
  return {
    ...out,
    warnings,
    resampled,
    psd,
    params: {
      resampleHz,
      interpolation,
      detrend,
      nperseg,
      noverlap,
      nfft,
      nSegments: psd ? psd.nSegments : 0,
      durationS,
      minCycles,
      bands,
    },
  };
}
