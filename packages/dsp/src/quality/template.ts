/**
 * Beat template matching (Orphanidou et al. 2015, the "templatematch" quality of NeuroKit2's
 * ecg_quality and ppg_quality): every beat is cut out in a window one median beat interval
 * long centred on its peak, the beats are averaged into a template, and each beat's Pearson
 * correlation with the template is measured. Regular, like-shaped beats correlate near 1;
 * noise, motion and mis-detections pull the correlations down. The median over the beats is
 * returned (Orphanidou et al. take the mean; see quality.ts).
 */

/** Pearson correlation of a[aStart … aStart+len) with b[0 … len). */
function correlation(a: Float64Array, aStart: number, b: Float64Array): number {
  const n = b.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[aStart + i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[aStart + i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * Median correlation of the beats at `peaks` (sample indices of `x`) with their average, each
 * cut in a window of `width` samples centred on its peak. Beats whose window does not fit in
 * `x` are left out; null when fewer than two fit.
 */
export function templateCorrelation(
  x: Float64Array,
  peaks: ArrayLike<number>,
  width: number,
): number | null {
  const w = Math.max(3, Math.round(width));
  const half = w >> 1;
  const starts: number[] = [];
  for (let i = 0; i < peaks.length; i++) {
    const s = peaks[i] - half;
    if (s >= 0 && s + w <= x.length) starts.push(s);
  }
  if (starts.length < 2) return null;
  const template = new Float64Array(w);
  for (const s of starts) for (let i = 0; i < w; i++) template[i] += x[s + i] / starts.length;
  const r = starts.map((s) => correlation(x, s, template)).sort((a, b) => a - b);
  const m = r.length >> 1;
  return r.length % 2 ? r[m] : (r[m - 1] + r[m]) / 2;
}
