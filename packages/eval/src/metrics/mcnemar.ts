/**
 * McNemar's test of two classifiers on the same samples: only the discordant pairs count
 * (A right and B wrong: b; the reverse: c). The exact two-sided binomial p-value
 * (statsmodels `mcnemar(exact=True)`, scipy `binomtest`) is reported below 25 discordant pairs,
 * the continuity-corrected chi-square, (|b−c|−1)²/(b+c) on one degree of freedom, above.
 */
import type { McNemarResult } from '../types.js';

/** P[X ≤ m] for X ~ Binomial(n, 1/2), summed in log space (no underflow for large n). */
function binomialCdfHalf(m: number, n: number): number {
  let logP = -n * Math.LN2;
  let sum = Math.exp(logP);
  for (let i = 0; i < m; i++) {
    logP += Math.log(n - i) - Math.log(i + 1);
    sum += Math.exp(logP);
  }
  return sum;
}

/**
 * Upper tail of the chi-square distribution with one degree of freedom: Q(1/2, x/2), the
 * regularised upper incomplete gamma function (series below a + 1, Lentz's continued fraction
 * above; Numerical Recipes §6.2), accurate to about 1e-15.
 */
export function chiSquare1Sf(x: number): number {
  if (!(x > 0)) return 1;
  const a = 0.5;
  const z = x / 2;
  const lnGammaHalf = 0.5 * Math.log(Math.PI);
  const front = Math.exp(-z + a * Math.log(z) - lnGammaHalf);
  if (z < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 500; n++) {
      term *= z / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return 1 - sum * front;
  }
  const tiny = 1e-300;
  let b = z + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return front * h;
}

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
    discordant === 0 ? 1 : Math.min(1, 2 * binomialCdfHalf(Math.min(b, c), discordant));
  const chi2 = discordant === 0 ? 0 : (Math.abs(b - c) - 1) ** 2 / discordant;
  const pChi2 = discordant === 0 ? 1 : chiSquare1Sf(chi2);
  const exact = discordant < 25;
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
