/**
 * Validation of ecgPeaks against expert annotations (MIT-BIH Arrhythmia Database records 100,
 * 101 and 203, lead MLII) at the native 360 Hz and resampled to 128 Hz (the DEAP/AMIGOS rate),
 * on an inverted lead, and on BioSPPy's raw 1000 Hz example. Figures are printed for the
 * package README.
 *
 * Both detectors (±75 ms; Se / PPV in %):
 *
 *   record  fs    elgendi (default)   neurokit
 *   100     360   100.00 / 100.00     100.00 / 100.00
 *   100     128   100.00 / 100.00      99.96 / 100.00
 *   101     360    99.89 /  99.73      99.89 /  99.63
 *   101     128    99.95 /  99.79      99.89 /  99.63
 *   203     360    98.59 /  99.29      94.03 /  98.98
 *   203     128    98.89 /  99.33      93.56 /  99.01
 *
 * The 'neurokit' method (NeuroKit2's default detector) meets Elgendi's bounds on 100 and 101
 * but not on 203 (multiform ventricular ectopy: of its 178 missed beats at 360 Hz, 113 are
 * ventricular, and most get no peak at all), so Elgendi stays the default. Its own bounds
 * below are the same as Elgendi's except Se on 203, asserted at ≥ 93 % (its measured figure
 * less a margin) — a separate bound for a different method; Elgendi's bounds are unchanged.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resampleTo } from '../filters/index.js';
import { describeRealdata, readNumericCsv, realdataPath } from '../testing/realdata.js';
import { matchBeats, type BeatMatch } from './match.js';
import { correctPeaks, instantaneousRate } from './rr.js';
import { ecgPeaks } from './rpeaks.js';

/** MIT-BIH beat annotation codes; everything else (+ ~ | " x …) marks no beat. */
const BEAT_SYMBOLS = new Set('NLRBAaJSVrFejnE/fQ?'.split(''));

/** Sample indices of the beat annotations in a `sample,time_s,symbol` file. */
function readBeatAnnotations(path: string): number[] {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).slice(1);
  const beats: number[] = [];
  for (const line of lines) {
    const [sample, , symbol] = line.split(',');
    if (symbol !== undefined && BEAT_SYMBOLS.has(symbol.trim())) beats.push(Number(sample));
  }
  return beats;
}

function report(label: string, m: BeatMatch): void {
  console.log(
    `${label}: Se ${(100 * m.se).toFixed(2)} %, PPV ${(100 * m.ppv).toFixed(2)} % ` +
      `(TP ${m.tp}, FP ${m.fp}, FN ${m.fn})`,
  );
}

const RECORDS = [
  { id: '100', min: 0.995, nk: { se: 0.995, ppv: 0.995 } },
  { id: '101', min: 0.995, nk: { se: 0.995, ppv: 0.995 } },
  { id: '203', min: 0.97, nk: { se: 0.93, ppv: 0.97 } },
] as const;

describeRealdata('ecgPeaks on MIT-BIH records 100, 101, 203 (lead MLII, ±75 ms)', (dir) => {
  for (const { id, min, nk } of RECORDS) {
    describe(`record ${id}`, () => {
      let x: Float64Array;
      let ref: number[];
      let x128: Float64Array;
      let ref128: number[];
      beforeAll(() => {
        const { header, columns } = readNumericCsv(
          realdataPath(dir, 'ecg', 'mitdb', `${id}_signal.csv.gz`),
        );
        expect(header[2]).toBe('MLII_mV');
        x = columns[2];
        ref = readBeatAnnotations(realdataPath(dir, 'ecg', 'mitdb', `${id}_rpeaks.csv`));
        x128 = resampleTo(x, 360, 128);
        // annotations mapped by time
        ref128 = ref.map((s) => Math.round((s / 360) * 128));
      });

      it(`360 Hz: Se and PPV ≥ ${100 * min} %`, () => {
        const r = ecgPeaks(x, 360);
        const m = matchBeats(r.peaks, ref, Math.floor(0.075 * 360));
        report(`MIT-BIH ${id} @ 360 Hz`, m);
        expect(r.inverted).toBe(false);
        expect(m.se).toBeGreaterThanOrEqual(min);
        expect(m.ppv).toBeGreaterThanOrEqual(min);
      });

      it(`resampled to 128 Hz: Se and PPV ≥ ${100 * min} %`, () => {
        const r = ecgPeaks(x128, 128);
        const m = matchBeats(r.peaks, ref128, Math.floor(0.075 * 128));
        report(`MIT-BIH ${id} @ 128 Hz`, m);
        expect(r.inverted).toBe(false);
        expect(m.se).toBeGreaterThanOrEqual(min);
        expect(m.ppv).toBeGreaterThanOrEqual(min);
      });

      it(`method 'neurokit', 360 and 128 Hz: Se ≥ ${100 * nk.se} %, PPV ≥ ${100 * nk.ppv} %`, () => {
        for (const [sig, fs, reference] of [
          [x, 360, ref],
          [x128, 128, ref128],
        ] as const) {
          const r = ecgPeaks(sig, fs, { method: 'neurokit' });
          const m = matchBeats(r.peaks, reference, Math.floor(0.075 * fs));
          report(`MIT-BIH ${id} @ ${fs} Hz, method 'neurokit'`, m);
          expect(r.inverted).toBe(false);
          expect(m.se).toBeGreaterThanOrEqual(nk.se);
          expect(m.ppv).toBeGreaterThanOrEqual(nk.ppv);
          // the inverted lead: detected, and the same peaks
          const down = ecgPeaks(
            sig.map((v) => -v),
            fs,
            { method: 'neurokit' },
          );
          expect(down.inverted).toBe(true);
          expect(Array.from(down.peaks)).toEqual(Array.from(r.peaks));
        }
      });

      it('an inverted lead (the signal negated) gives the same peaks and inverted: true', () => {
        for (const [sig, fs, reference] of [
          [x, 360, ref],
          [x128, 128, ref128],
        ] as const) {
          const up = ecgPeaks(sig, fs);
          const down = ecgPeaks(
            sig.map((v) => -v),
            fs,
          );
          expect(down.inverted).toBe(true);
          expect(Array.from(down.peaks)).toEqual(Array.from(up.peaks));
          const m = matchBeats(down.peaks, reference, Math.floor(0.075 * fs));
          report(`MIT-BIH ${id} @ ${fs} Hz, inverted lead`, m);
          expect(m.se).toBeGreaterThanOrEqual(min);
          expect(m.ppv).toBeGreaterThanOrEqual(min);
        }
      });
    });
  }
});

describeRealdata('ecgPeaks on BioSPPy ecg.txt (1000 Hz raw ADC, 15 s)', (dir) => {
  it('is processed without error and gives a plausible heart rate', () => {
    const lines = readFileSync(realdataPath(dir, 'physio', 'biosppy', 'ecg.txt'), 'utf8')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    const x = Float64Array.from(lines, Number);
    expect(x.length).toBe(15000);
    const r = ecgPeaks(x, 1000);
    expect(r.warnings).toEqual([]);
    const { peaks } = correctPeaks(r.peaks, 1000);
    const hr = instantaneousRate(peaks, 1000, x.length);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of hr) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const meanHr = (60 * 1000 * (peaks.length - 1)) / (peaks[peaks.length - 1] - peaks[0]);
    console.log(
      `BioSPPy ecg.txt: ${peaks.length} R peaks, mean HR ${meanHr.toFixed(1)} bpm ` +
        `(instantaneous ${lo.toFixed(1)}–${hi.toFixed(1)}), inverted ${r.inverted}`,
    );
    expect(peaks.length).toBeGreaterThanOrEqual(10);
    expect(lo).toBeGreaterThanOrEqual(40);
    expect(hi).toBeLessThanOrEqual(180);
  });
});

describeRealdata('ecgPeaks on damaged real ECG (MIT-BIH 100, first 60 s, at 128 Hz)', (dir) => {
  let x: Float64Array;
  let ref: number[];
  beforeAll(() => {
    const { columns } = readNumericCsv(realdataPath(dir, 'ecg', 'mitdb', '100_signal.csv.gz'));
    x = resampleTo(columns[2].subarray(0, 60 * 360), 360, 128);
    ref = readBeatAnnotations(realdataPath(dir, 'ecg', 'mitdb', '100_rpeaks.csv'))
      .filter((s) => s < 60 * 360)
      .map((s) => Math.round((s / 360) * 128));
  });
  const tol = Math.floor(0.075 * 128);
  const outside = (lo: number, hi: number): number[] =>
    ref.filter((s) => s < lo * 128 - 13 || s >= hi * 128 + 13);

  it('a NaN run inside: warned about, no peak in it, every other beat found', () => {
    const y = Float64Array.from(x);
    y.fill(NaN, 20 * 128, 23 * 128);
    const r = ecgPeaks(y, 128);
    expect(r.warnings.join('\n')).toMatch(/non-finite/);
    expect(r.cleaned.every(Number.isFinite)).toBe(true);
    expect(Array.from(r.peaks).some((p) => p >= 20 * 128 && p < 23 * 128)).toBe(false);
    const m = matchBeats(r.peaks, outside(20, 23), tol);
    expect(m.se).toBe(1);
    expect(m.fp).toBe(0);
  });

  it('a flat line throws; a flat segment is excluded with a warning', () => {
    expect(() => ecgPeaks(new Float64Array(x.length).fill(x[0]), 128)).toThrow(/flat line/);
    const y = Float64Array.from(x);
    y.fill(y[30 * 128], 30 * 128, 34 * 128);
    const r = ecgPeaks(y, 128);
    expect(r.warnings.join('\n')).toMatch(/flat segments/);
    expect(matchBeats(r.peaks, outside(30, 34), tol).se).toBe(1);
  });

  it('clipped R waves: warned about, every beat still found', () => {
    // saturate at half the R-wave height: every R wave becomes a plateau
    const mid = (v: ArrayLike<number>): number => Float64Array.from(v).sort()[v.length >> 1];
    const base = mid(x);
    const ceiling = base + 0.5 * (mid(ref.map((s) => x[s])) - base);
    const r = ecgPeaks(
      x.map((v) => Math.min(v, ceiling)),
      128,
    );
    expect(r.warnings.join('\n')).toMatch(/looks clipped/);
    const m = matchBeats(r.peaks, ref, tol);
    expect(m.se).toBe(1);
    expect(m.ppv).toBe(1);
  });

  it('a 2-s excerpt gives a short-signal warning and its beats; fs = 0 throws', () => {
    const r = ecgPeaks(x.subarray(10 * 128, 12 * 128), 128);
    expect(r.warnings.join('\n')).toMatch(/short/);
    const inside = ref.filter((s) => s >= 10 * 128 && s < 12 * 128).map((s) => s - 10 * 128);
    expect(matchBeats(r.peaks, inside, tol).se).toBe(1);
    expect(() => ecgPeaks(x, 0)).toThrow(/fs must be a positive finite sampling rate in Hz, got 0/);
  });
});
