/**
 * Units of a GSR channel. Skin conductance (µS) is what the rest of `eda/` expects; DEAP's
 * channel 37 is skin resistance in Ω (the Geneva format), and AMIGOS copies are unverified.
 *
 * Physiological ranges (Boucsein, "Electrodermal Activity", 2nd ed., Springer 2012; Dawson,
 * Schell & Filion, in Handbook of Psychophysiology, 2007): skin-conductance levels of about
 * 0.05–100 µS, usually 1–20 µS, i.e. resistances of about 10 kΩ–20 MΩ, usually 50 kΩ–1 MΩ.
 */
import { EdaError, fmt } from './errors.js';

export interface ResistanceOptions {
  /**
   * What to do with values ≤ 0 Ω (impossible for skin resistance: a disconnected or saturated
   * channel, or data that are not resistance): 'throw' (default) an `EdaError` naming the
   * first one, or 'nan' to mark them missing, so that `edaClean` interpolates short runs and
   * rejects long ones.
   */
  readonly onNonPositive?: 'throw' | 'nan';
}

/**
 * Skin resistance (Ω) → skin conductance (µS): G = 1e6 / R. Missing input samples (NaN)
 * stay NaN (for `edaClean` to handle); values ≤ 0 throw (see `onNonPositive`).
 */
export function resistanceToConductance(
  ohm: ArrayLike<number>,
  opts: ResistanceOptions = {},
): Float64Array {
  const mode = opts.onNonPositive ?? 'throw';
  const out = new Float64Array(ohm.length);
  let bad = 0;
  let first = -1;
  for (let i = 0; i < ohm.length; i++) {
    const r = ohm[i];
    if (Number.isNaN(r)) {
      out[i] = Number.NaN;
    } else if (!(r > 0) || r === Infinity) {
      // ≤ 0 or ±Infinity: no conductance
      bad++;
      if (first < 0) first = i;
      out[i] = Number.NaN;
    } else {
      out[i] = 1e6 / r;
    }
  }
  if (bad > 0 && mode === 'throw') {
    throw new EdaError(
      'non-positive',
      `resistanceToConductance: ${bad} of ${ohm.length} values are not a positive finite ` +
        `resistance (first: sample ${first} = ${fmt(ohm[first])} Ω); skin resistance must be > 0 ` +
        `(is the channel already conductance, offset-corrected, or disconnected?)`,
    );
  }
  return out;
}

export interface EdaUnitGuess {
  /** True when the signal is better explained as skin resistance than as conductance. */
  readonly resistance: boolean;
  /** Median of the finite values (null when there are fewer than 10). */
  readonly median: number | null;
  /** Skewness of the signal's short-lag differences (null when undefined). */
  readonly derivativeSkew: number | null;
  readonly reason: string;
}

function median(v: Float64Array): number {
  const s = Float64Array.from(v).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Skewness of x[i + lag] − x[i], lag ≈ 1/600 of the record (about 0.1–0.25 s for the usual
 * recordings), so that sample noise does not dominate.
 */
function lagDiffSkew(v: Float64Array): number | null {
  const lag = Math.max(1, Math.floor(v.length / 600));
  const m = v.length - lag;
  if (m < 10) return null;
  let mean = 0;
  for (let i = 0; i < m; i++) mean += (v[i + lag] - v[i]) / m;
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < m; i++) {
    const d = v[i + lag] - v[i] - mean;
    m2 += (d * d) / m;
    m3 += (d * d * d) / m;
  }
  if (!(m2 > 0)) return null;
  const g = m3 / m2 ** 1.5;
  return Number.isFinite(g) ? g : null;
}

/**
 * Heuristic: is `x` skin resistance (Ω) rather than skin conductance? Two cues:
 *
 * 1. Shape. An SCR is a fast rise of conductance (1–3 s) and a slow recovery (2–10 s), so the
 *    differences of a conductance signal are right-skewed; in resistance (1/G) the same SCR is
 *    a fast fall and a slow rise, left-skewed. A skewness ≤ −1 says resistance, ≥ +1
 *    conductance (any unit: µS, nS, ADC counts).
 * 2. Magnitude, when the shape is inconclusive (few SCRs): a median ≥ 10 000 cannot be µS
 *    (100 µS is already extreme) and is the usual range of Ω (10 kΩ–20 MΩ) → resistance.
 *
 * Values ≤ 0 or a median < 200 mean conductance (µS) or unknown: never resistance. Limits:
 * resistance in kΩ (10–1000) overlaps µS and is not recognised; conductance in nS without
 * visible SCRs looks like Ω. Use the data set's documentation where it exists (DEAP: Ω).
 */
export function guessEdaUnit(x: ArrayLike<number>): EdaUnitGuess {
  const vals: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) vals.push(x[i]);
  if (vals.length < 10) {
    return { resistance: false, median: null, derivativeSkew: null, reason: 'too few samples' };
  }
  const v = Float64Array.from(vals);
  const med = median(v);
  let min = Infinity;
  for (const a of v) min = Math.min(min, a);
  const skew = lagDiffSkew(v);
  const guess = (resistance: boolean, reason: string): EdaUnitGuess => ({
    resistance,
    median: med,
    derivativeSkew: skew,
    reason,
  });
  if (min <= 0) return guess(false, `values ≤ 0 (min ${fmt(min)}): not a resistance`);
  if (med < 200) return guess(false, `median ${fmt(med)} is in the µS range`);
  if (skew !== null && skew <= -1) {
    return guess(true, `fast falls and slow rises (difference skewness ${fmt(skew)})`);
  }
  if (skew !== null && skew >= 1) {
    return guess(
      false,
      `fast rises and slow falls (difference skewness ${fmt(skew)}): conductance`,
    );
  }
  if (med >= 1e4) return guess(true, `median ${fmt(med)} is in the Ω range, not µS`);
  return guess(false, `median ${fmt(med)} and shape are inconclusive`);
}

/** `guessEdaUnit(x).resistance`: see there for the heuristic and its limits. */
export function looksLikeResistance(x: ArrayLike<number>): boolean {
  return guessEdaUnit(x).resistance;
}
