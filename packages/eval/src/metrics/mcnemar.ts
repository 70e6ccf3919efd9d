/**
 * McNemar's test of two classifiers on the same samples: only the discordant pairs count (A right
 * and B wrong: b; the reverse: c). Under the null hypothesis of equal accuracy each discordant
 * pair goes either way with probability 1/2.
 *
 * - Exact: p = min(1, 2·P[X ≤ min(b, c)]) with X ~ Binomial(b + c, 1/2), as statsmodels'
 *   `mcnemar(exact=True)` and scipy's `binomtest(min(b, c), b + c).pvalue`.
 * - Chi-square with continuity correction: (|b − c| − 1)² / (b + c) on one degree of freedom,
 *   whose survival function is erfc(√(x/2)) (scipy's `chi2.sf(x, 1)`).
 *
 * The reported p is the exact one below 25 discordant pairs, else the chi-square one. No
 * discordant pair: p = 1 and chi2 = 0. Checked against scipy in metrics.test.ts.
 */
import type { McNemarResult } from '../types.js';

/** Below this many discordant pairs the exact p-value is reported. */
export const EXACT_BELOW = 25;

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const SQRT_PI = Math.sqrt(Math.PI);

/** erf(x) for |x| < 1.25: 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) (positive terms). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * erfc(x) for x ≥ 1.25 by the continued fraction of the upper incomplete gamma function
 * Γ(1/2, x²) (modified Lentz; Numerical Recipes §6.2, `gcf`), whose convergence is fast there.
 */
function erfcContinuedFraction(x: number): number {
  const z = x * x;
  const tiny = 1e-300;
  let b = z + 0.5;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 300; i++) {
    const an = -i * (i - 0.5);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return ((Math.exp(-z) * x) / SQRT_PI) * h;
}

/** The complementary error function, to about 1e-15 relative (checked against scipy). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  return x < 1.25 ? 1 - erfSeries(x) : erfcContinuedFraction(x);
}

/** Upper tail P[X > x] of the chi-square distribution with one degree of freedom. */
export function chiSquare1Sf(x: number): number {
  return x > 0 ? erfc(Math.sqrt(x / 2)) : 1;
}

/**
 * P[X ≤ m] for X ~ Binomial(n, 1/2): Σ C(n, i) over i ≤ m, then times 2^−n. The terms are built
 * by the ratio C(n, i+1)/C(n, i) = (n − i)/(i + 1) and kept in range by exact powers of two, so
 * no logarithm (whose rounding would grow with n) enters.
 */
export function binomialHalfCdf(m: number, n: number): number {
  const SCALE = 2 ** -512;
  let term = 1;
  let sum = 1;
  let exponent = -n; // the value is sum · 2^exponent
  for (let i = 0; i < m; i++) {
    term *= (n - i) / (i + 1);
    sum += term;
    if (sum > 2 ** 512) {
      term *= SCALE;
      sum *= SCALE;
      exponent += 512;
    }
  }
  while (exponent < 0) {
    const step = Math.max(exponent, -512);
    sum *= 2 ** step;
    exponent -= step;
  }
  return sum;
}

/**
 * McNemar's test of model A against model B from whether each got each sample right (same
 * samples, same order); see the file comment.
 */
export function mcnemar(correctA: ArrayLike<boolean>, correctB: ArrayLike<boolean>): McNemarResult {
  if (correctA.length !== correctB.length) {
    throw new RangeError(`${correctA.length} results of model A but ${correctB.length} of B`);
  }
  let b = 0;
  let c = 0;
  for (let i = 0; i < correctA.length; i++) {
    if (correctA[i] && !correctB[i]) b++;
    else if (!correctA[i] && correctB[i]) c++;
  }
  const discordant = b + c;
  const pExact =
    discordant === 0 ? 1 : Math.min(1, 2 * binomialHalfCdf(Math.min(b, c), discordant));
  const chi2 = discordant === 0 ? 0 : (Math.abs(b - c) - 1) ** 2 / discordant;
  const pChi2 = chiSquare1Sf(chi2);
  const exact = discordant < EXACT_BELOW;
  return {
    n: correctA.length,
    aOnly: b,
    bOnly: c,
    pExact,
    chi2,
    pChi2,
    p: exact ? pExact : pChi2,
    method: exact ? 'exact' : 'chi2-corrected',
  };
}
