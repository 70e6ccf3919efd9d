/**
 * HRV of a real 5-minute resting ECG (NeuroKit2's bio_resting_5min_100hz.csv, ECG column,
 * 100 Hz) against the values NeuroKit2 documents for it (its own R-peak detector and HRV code):
 * MeanNN 696.40 ms, SDNN 62.14 ms, RMSSD 69.70 ms, pNN50 14.65 %, mean rate 86.39 bpm;
 * LF 0.0502, HF 0.0663 (NeuroKit2's PSD is normalised to its maximum, so those are not ms²;
 * only their ratio and shares compare), LF/HF 0.757; SD1 49.34, SD2 72.60 ms.
 *
 * Asserted: MeanNN, SDNN, RMSSD, pNN50 within 3 % and SD1, SD2 within 5 %. Printed only: the
 * spectral indices, whose definitions differ (resampling, window, PSD normalisation; see
 * frequency.ts).
 *
 * How close (ecgPeaks as of this writing: 435 peaks, 434 intervals; the HRV formulas themselves
 * match numpy/scipy to 1e-9 in hrv.test.ts, so every difference here is a difference in the
 * peaks): MeanNN 689.98 (−0.9 %), SDNN 66.53 (+7.1 %), RMSSD 67.64 (−3.0 %), pNN50 16.63 %
 * (+13.5 %), MeanHR 86.96 (+0.7 %); SD1 47.88 (−3.0 %), SD2 80.93 (+11.5 %); LF/HF 0.881 vs
 * 0.757, LF/(LF+HF) 0.468 vs 0.431, HF/(LF+HF) 0.532 vs 0.569. ecgPeaks reports 4 extra beats
 * here (intervals of 250–360 ms that split one beat: 320+320, 550+250, 360, 310+430); without
 * them the 430 intervals span exactly NeuroKit2's (MeanNN 696.395 = its 696.40) but SDNN 52.1
 * and RMSSD 49.6 fall well below its values, which one missed plus one extra beat in NeuroKit2's
 * own peak set would explain. So SDNN, pNN50 and SD2 fail their bounds with today's peaks, and
 * judging by that arithmetic, would with artefact-free peaks too: those bounds compare peak sets,
 * not HRV code.
 */
import { expect, it } from '@jest/globals';
import { ecgPeaks } from '../ecg/rpeaks.js';
import { describeRealdata, readNumericCsv, realdataPath } from '../testing/realdata.js';
import { hrv, type HrvResult } from './index.js';

const NK = {
  MeanNN: 696.4,
  SDNN: 62.14,
  RMSSD: 69.7,
  pNN50: 14.65,
  MeanHR: 86.39,
  LF: 0.0502,
  HF: 0.0663,
  LFHF: 0.757,
  SD1: 49.34,
  SD2: 72.6,
} as const;

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describeRealdata('HRV of NeuroKit2 bio_resting_5min_100hz (real ECG, 100 Hz)', (dir) => {
  let h: HrvResult;
  const get = (): HrvResult => {
    if (!h) {
      const csv = readNumericCsv(realdataPath(dir, 'physio/neurokit/bio_resting_5min_100hz.csv'));
      const ecg = csv.columns[csv.header.indexOf('ECG')];
      const { peaks } = ecgPeaks(ecg, 100);
      h = hrv(peaks, 100);
    }
    return h;
  };

  it('MeanNN, SDNN, RMSSD and pNN50 are within 3 % of NeuroKit2', () => {
    const r = get();
    const rows = (['MeanNN', 'SDNN', 'RMSSD', 'pNN50', 'MeanHR'] as const).map(
      (k) =>
        `${k.padEnd(7)} ours ${r[k].toFixed(2).padStart(7)}  NeuroKit2 ${NK[k].toFixed(2).padStart(7)}  ${(100 * relErr(r[k], NK[k])).toFixed(2)} %`,
    );
    console.log(`time domain (${r.nIntervals} intervals)\n${rows.join('\n')}`);
    for (const k of ['MeanNN', 'SDNN', 'RMSSD', 'pNN50'] as const) {
      expect({ k, err: relErr(r[k], NK[k]) <= 0.03 }).toEqual({ k, err: true });
    }
  });

  it('SD1 and SD2 are within 5 % of NeuroKit2', () => {
    const r = get();
    console.log(
      `Poincaré  SD1 ours ${r.SD1.toFixed(2)} NeuroKit2 ${NK.SD1} (${(100 * relErr(r.SD1, NK.SD1)).toFixed(2)} %)` +
        `  SD2 ours ${r.SD2.toFixed(2)} NeuroKit2 ${NK.SD2} (${(100 * relErr(r.SD2, NK.SD2)).toFixed(2)} %)`,
    );
    expect(relErr(r.SD1, NK.SD1)).toBeLessThanOrEqual(0.05);
    expect(relErr(r.SD2, NK.SD2)).toBeLessThanOrEqual(0.05);
  });

  it('spectral indices, printed beside NeuroKit2 (not asserted: different definitions)', () => {
    const r = get();
    // NeuroKit2's LF and HF are in its max-normalised units; their ratio and LF/(LF+HF) compare
    const nkLfn = NK.LF / (NK.LF + NK.HF);
    console.log(
      [
        `spectral  LF ${r.LF?.toFixed(1)} ms²  HF ${r.HF?.toFixed(1)} ms²  (NeuroKit2: ${NK.LF}, ${NK.HF} normalised units)`,
        `          LF/HF ours ${r.LFHF?.toFixed(3)}  NeuroKit2 ${NK.LFHF}`,
        `          LFn = LF/(LF+HF) ours ${r.LFn?.toFixed(3)}  NeuroKit2's LF/(LF+HF) ${nkLfn.toFixed(3)}`,
        `          HFn = HF/(LF+HF) ours ${r.HFn?.toFixed(3)}  NeuroKit2's HF/(LF+HF) ${(1 - nkLfn).toFixed(3)}`,
        `          warnings: ${r.warnings.join(' | ')}`,
      ].join('\n'),
    );
    expect(r.VLF).toBeNull(); // 300 s < 606 s
    expect(r.LF).toBeGreaterThan(0);
    expect(r.HF).toBeGreaterThan(0);
  });
});
