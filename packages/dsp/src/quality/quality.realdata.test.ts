/**
 * Signal-quality gating and the detected/NN split, on real recordings (EMO_REALDATA_DIR):
 *
 *  - how much of each clean real recording is wrongly excluded (MIT-BIH 100, 101, 203 at 360
 *    and 128 Hz; NeuroKit2's ECG and PPG; BioSPPy's ECG), and on 203 how the exclusions fall
 *    against the annotators' noise marks (`~` with the MLII lead noisy);
 *  - artefacts inserted into real records (a calibration square wave, a flat lead-off span,
 *    saturation at the rails, broadband noise): the share of each that is excluded, how far
 *    the exclusion spills into clean signal, and that the beats around them are all kept;
 *  - `peaks` (where the detector found the beats) is the same with correction on and off, on
 *    MIT-BIH 101 and 203, while the NN series changes.
 *
 * Figures are printed for the dsp README.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { analyseEcg } from '../analyse.js';
import { cardiacBeats } from '../beats/index.js';
import { matchBeats } from '../ecg/match.js';
import { resampleTo } from '../filters/index.js';
import { describeRealdata, readNumericCsv, realdataPath } from '../testing/realdata.js';
import type { SignalQuality } from './quality.js';

const BEAT_SYMBOLS = new Set('NLRBAaJSVrFejnE/fQ?'.split(''));

function readAnnotations(path: string): { sample: number; symbol: string; subtype: number }[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const f = l.split(',');
      return { sample: Number(f[0]), symbol: f[2], subtype: Number(f[5]) };
    });
}

/** Spans [start, end) where the annotators marked lead 0 (MLII) noisy or unreadable. */
function noiseSpans(path: string, n: number): [number, number][] {
  const spans: [number, number][] = [];
  let open: number | null = null;
  for (const a of readAnnotations(path)) {
    if (a.symbol !== '~') continue;
    const noisy = a.subtype === 1 || a.subtype === 3 || a.subtype === -1;
    if (noisy && open === null) open = a.sample;
    else if (!noisy && open !== null) {
      spans.push([open, a.sample]);
      open = null;
    }
  }
  if (open !== null) spans.push([open, n]);
  return spans;
}

function excludedMask(q: SignalQuality, n: number): Uint8Array {
  const m = new Uint8Array(n);
  for (const e of q.excluded) m.fill(1, e.start, e.end);
  return m;
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

describeRealdata('signal quality on clean real recordings: share wrongly excluded', (dir) => {
  const mitdb = (id: string) => {
    const { columns } = readNumericCsv(realdataPath(dir, 'ecg', 'mitdb', `${id}_signal.csv.gz`));
    return columns[2];
  };
  // record → most share excluded (203: atrial fibrillation, ventricular runs and heavy noise)
  for (const [id, most] of [
    ['100', 0.002],
    ['101', 0.005],
    ['203', 0.12],
  ] as const) {
    it(`MIT-BIH ${id} at 360 and 128 Hz: at most ${pct(most)} excluded`, () => {
      const x = mitdb(id);
      for (const fs of [360, 128]) {
        const y = fs === 360 ? x : resampleTo(x, 360, fs);
        const b = cardiacBeats('ecg', y, fs, { powerline: 60 });
        const share = 1 - b.quality.usableShare;
        let line = `MIT-BIH ${id} @ ${fs} Hz: excluded ${pct(share)}`;
        if (id === '203') {
          const noisy = new Uint8Array(y.length);
          for (const [a, e] of noiseSpans(
            realdataPath(dir, 'ecg', 'mitdb', `${id}_annotations.csv`),
            x.length,
          )) {
            noisy.fill(1, Math.round((a * fs) / 360), Math.round((e * fs) / 360));
          }
          const ex = excludedMask(b.quality, y.length);
          let nNoisy = 0;
          let exNoisy = 0;
          let exClean = 0;
          for (let i = 0; i < y.length; i++) {
            if (noisy[i]) {
              nNoisy++;
              exNoisy += ex[i];
            } else exClean += ex[i];
          }
          line +=
            `; of the ${(nNoisy / fs).toFixed(0)} s annotated noisy ${pct(exNoisy / nNoisy)} ` +
            `excluded; of the rest ${pct(exClean / (y.length - nNoisy))}`;
        }
        console.log(line);
        expect(share).toBeLessThanOrEqual(most);
      }
    });
  }

  it("NeuroKit2's ECG and PPG and BioSPPy's ECG: nothing excluded", () => {
    const rest = readNumericCsv(
      realdataPath(dir, 'physio', 'neurokit', 'bio_resting_5min_100hz.csv'),
    );
    const event = readNumericCsv(
      realdataPath(dir, 'physio', 'neurokit', 'bio_eventrelated_100hz.csv'),
    );
    const biosppy = Float64Array.from(
      readFileSync(realdataPath(dir, 'physio', 'biosppy', 'ecg.txt'), 'utf8')
        .split(/\r?\n/)
        .filter((l) => l.trim() !== '' && !l.startsWith('#')),
      Number,
    );
    const col = (t: typeof rest, name: string) => t.columns[t.header.indexOf(name)];
    for (const [label, kind, x, fs] of [
      ['bio_resting ECG', 'ecg', col(rest, 'ECG'), 100],
      ['bio_resting PPG', 'ppg', col(rest, 'PPG'), 100],
      ['bio_eventrelated ECG', 'ecg', col(event, 'ECG'), 100],
      ['BioSPPy ecg.txt', 'ecg', biosppy, 1000],
    ] as const) {
      const b = cardiacBeats(kind, x, fs);
      console.log(`${label}: excluded ${pct(1 - b.quality.usableShare)}`);
      expect(b.quality.excluded).toEqual([]);
    }
  });
});

/** Artefacts inserted into a real record, each over [start, end) samples. */
type Insert = (y: Float64Array, start: number, end: number, fs: number) => void;

const ARTEFACTS: Record<string, Insert> = {
  // a recorder's 1 Hz, ±0.5 mV calibration pulses
  'calibration square wave': (y, a, e, fs) => {
    for (let i = a; i < e; i++) y[i] = Math.floor((2 * (i - a)) / fs) % 2 === 0 ? 0.5 : -0.5;
  },
  // an electrode off: the amplifier settles on a value with a trace of ADC noise
  'flat lead-off': (y, a, e) => {
    for (let i = a; i < e; i++) y[i] = 0.01 * Math.sin(i * 12.9898);
  },
  // the baseline swings off scale (0.1 Hz) and the ADC sits at its rails half of the time
  saturation: (y, a, e, fs) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of y) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    for (let i = a; i < e; i++) {
      const drift = 1.5 * (hi - lo) * Math.sin((2 * Math.PI * 0.1 * (i - a)) / fs);
      y[i] = Math.min(hi, Math.max(lo, y[i] + drift));
    }
  },
  // heavy motion: broadband noise twice the size of the QRS
  'broadband noise': (y, a, e) => {
    let seed = 12345;
    const uniform = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
    for (let i = a; i < e; i++) {
      const g = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
      y[i] += 1.0 * g;
    }
  },
  // body movement: large low-frequency swings (0.5–4 Hz) twice the size of the QRS or pulse
  motion: (y, a, e, fs) => {
    const f = [0.6, 1.1, 1.7, 2.3, 3.1, 3.9];
    for (let i = a; i < e; i++) {
      let v = 0;
      f.forEach((hz, k) => (v += Math.sin((2 * Math.PI * hz * i) / fs + k * k)));
      y[i] += (2 / Math.sqrt(f.length / 2)) * v;
    }
  },
};

describeRealdata('artefacts inserted into real ECG are excluded, the beats around kept', (dir) => {
  for (const [id, fs] of [
    ['100', 128],
    ['101', 128],
    ['100', 360],
  ] as const) {
    describe(`MIT-BIH ${id} at ${fs} Hz`, () => {
      let x: Float64Array;
      let ref: number[];
      let baseline: SignalQuality;
      beforeAll(() => {
        const { columns } = readNumericCsv(
          realdataPath(dir, 'ecg', 'mitdb', `${id}_signal.csv.gz`),
        );
        x = fs === 360 ? columns[2] : resampleTo(columns[2], 360, fs);
        ref = readAnnotations(realdataPath(dir, 'ecg', 'mitdb', `${id}_rpeaks.csv`))
          .filter((a) => BEAT_SYMBOLS.has(a.symbol))
          .map((a) => Math.round((a.sample / 360) * fs));
        baseline = cardiacBeats('ecg', x, fs, { powerline: 60 }).quality;
      });

      for (const [name, insert] of Object.entries(ARTEFACTS)) {
        it(`${name}: ≥ 95 % of it excluded, ≤ 10 s of clean signal with it, every beat around kept`, () => {
          // 60 s of artefact at 5 minutes, starting off the 5-s grid
          const a = Math.round(301.3 * fs);
          const e = a + 60 * fs;
          const y = Float64Array.from(x);
          insert(y, a, e, fs);
          const b = cardiacBeats('ecg', y, fs, { powerline: 60 });
          const ex = excludedMask(b.quality, y.length);
          const before = excludedMask(baseline, y.length);
          let hit = 0;
          let spill = 0;
          for (let i = 0; i < y.length; i++) {
            if (i >= a && i < e) hit += ex[i];
            else if (ex[i] && !before[i]) spill++;
          }
          // beats more than 1 s from the artefact
          const around = ref.filter((s) => s < a - fs || s >= e + fs);
          const kept = b.peaks.filter((p) => p < a - fs || p >= e + fs);
          const m = matchBeats(kept, around, Math.floor(0.075 * fs));
          const inside = b.peaks.filter((p) => p >= a && p < e).length;
          console.log(
            `MIT-BIH ${id} @ ${fs} Hz + 60 s ${name}: ${pct(hit / (e - a))} of it excluded ` +
              `(${b.quality.excluded.find((s) => s.end > a && s.start < e)?.reason ?? '—'}), ` +
              `${(spill / fs).toFixed(1)} s of clean signal with it; beats around: Se ` +
              `${pct(m.se)}, PPV ${pct(m.ppv)}; ${inside} peak(s) reported inside it`,
          );
          expect(hit / (e - a)).toBeGreaterThanOrEqual(0.95);
          expect(spill / fs).toBeLessThanOrEqual(10);
          expect(m.se).toBeGreaterThanOrEqual(0.998);
          expect(m.ppv).toBeGreaterThanOrEqual(0.998);
          // only in the artefact's edges that share a 5-s block with clean signal
          expect(inside).toBeLessThanOrEqual(4);
        });
      }
    });
  }
});

describeRealdata('rpeaks stay where the detector found them, correction on or off', (dir) => {
  for (const id of ['101', '203']) {
    it(`MIT-BIH ${id} at 128 Hz: Se/PPV of rpeaks equal with and without correction`, () => {
      const { columns } = readNumericCsv(realdataPath(dir, 'ecg', 'mitdb', `${id}_signal.csv.gz`));
      const fs = 128;
      const x = resampleTo(columns[2], 360, fs);
      const annotations = readAnnotations(realdataPath(dir, 'ecg', 'mitdb', `${id}_rpeaks.csv`));
      const ref = annotations
        .filter((a) => BEAT_SYMBOLS.has(a.symbol))
        .map((a) => Math.round((a.sample / 360) * fs));
      const ventricular = annotations.filter((a) => a.symbol === 'V').length;
      const on = analyseEcg(x, fs, { powerline: 60 });
      const off = analyseEcg(x, fs, { powerline: 60, correct: false });
      const tol = Math.floor(0.075 * fs);
      // scored over the usable spans (the same with correction on and off)
      const usable = ref.filter((s) => !on.excluded.some((e) => s >= e.start && s < e.end));
      const mOn = matchBeats(on.peaks, usable, tol);
      const mOff = matchBeats(off.peaks, usable, tol);
      const mNn = matchBeats(on.nn, usable, tol);
      console.log(
        `MIT-BIH ${id} @ 128 Hz (${ventricular} ventricular beats), usable spans: rpeaks Se ` +
          `${pct(mOn.se)} PPV ${pct(mOn.ppv)} with correction, Se ${pct(mOff.se)} PPV ` +
          `${pct(mOff.ppv)} without; the NN series (${on.corrections.length} corrections) ` +
          `Se ${pct(mNn.se)} PPV ${pct(mNn.ppv)}`,
      );
      expect(on.peaks).toEqual(off.peaks);
      expect(mOn).toEqual(mOff);
      expect(on.corrections.length).toBeGreaterThan(0);
      expect(on.nn).not.toEqual(on.peaks);
      expect(off.nn).toEqual(off.peaks);
      expect(on.hrv.SDNN).not.toBe(off.hrv.SDNN);
    });
  }
});

describeRealdata("artefacts inserted into NeuroKit2's real PPG (100 Hz) are excluded", (dir) => {
  for (const name of ['flat lead-off', 'motion', 'saturation'] as const) {
    it(`${name}: ≥ 80 % of it excluded, the pulses around kept`, () => {
      const t = readNumericCsv(
        realdataPath(dir, 'physio', 'neurokit', 'bio_resting_5min_100hz.csv'),
      );
      const x = t.columns[t.header.indexOf('PPG')];
      const fs = 100;
      const clean = cardiacBeats('ppg', x, fs);
      const a = Math.round(121.3 * fs);
      const e = a + 60 * fs;
      const y = Float64Array.from(x);
      // the PPG's own scale: the ECG artefacts are in mV, so scale them to this signal
      let sd = 0;
      for (const v of x) sd += (v * v) / x.length;
      const scaled = Float64Array.from(y, (v) => v / Math.sqrt(sd));
      ARTEFACTS[name](scaled, a, e, fs);
      for (let i = a; i < e; i++) y[i] = scaled[i] * Math.sqrt(sd);
      const b = cardiacBeats('ppg', y, fs);
      const ex = excludedMask(b.quality, y.length);
      let hit = 0;
      for (let i = a; i < e; i++) hit += ex[i];
      const outside = (p: number) => p < a - fs || p >= e + fs;
      const m = matchBeats(b.peaks.filter(outside), clean.peaks.filter(outside), 10);
      console.log(
        `bio_resting PPG + 60 s ${name}: ${pct(hit / (e - a))} of it excluded; pulses around ` +
          `(against the clean record's): Se ${pct(m.se)}, PPV ${pct(m.ppv)}`,
      );
      expect(hit / (e - a)).toBeGreaterThanOrEqual(0.8);
      expect(m.se).toBeGreaterThanOrEqual(0.99);
      expect(m.ppv).toBeGreaterThanOrEqual(0.99);
    });
  }
});
