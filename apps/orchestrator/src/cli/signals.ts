// `emo ecg`, `emo ppg` and `emo eda`: single-purpose tools on a user's own CSV files
// (NeuroKit-style).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { BeatsReport } from '@emo/dsp';
import { DSP_DEFAULTS, analyseEcg, analyseEda, analysePpg, readCsvColumn } from '@emo/dsp';
import type { CliIo } from './args.js';
import { fsArg } from './args.js';

export function addSignalCommands(program: Command, { out, err }: CliIo): void {
  const signalCommand = (name: string, what: string) =>
    program
      .command(name)
      .description(what)
      .requiredOption('--input <file>', 'CSV or gzipped CSV with a header row')
      .requiredOption('--column <name>', 'the column holding the signal')
      .requiredOption('--fs <hz>', 'sampling rate (Hz)', fsArg)
      .option('--json', 'print the result as JSON');
  const beatsText = (label: string, r: BeatsReport): string => {
    const h = r.hrv;
    const f = (k: string, unit: string, d = 1) =>
      h[k] === null || h[k] === undefined
        ? `${k} n/a`
        : `${k} ${(h[k] as number).toFixed(d)}${unit}`;
    const excluded = r.excluded.map(
      (e) => `excluded ${e.startS.toFixed(1)}–${e.endS.toFixed(1)} s: ${e.reason}\n`,
    );
    return (
      `${r.peaks.length} ${label}; ${r.nn.length} NN beats` +
      `${r.corrections.length ? ` (${r.corrections.length} corrected)` : ''}; ` +
      `${(100 * r.usableShare).toFixed(1)} % of the recording usable\n` +
      excluded.join('') +
      [
        f('MeanHR', ' bpm'),
        f('MeanNN', ' ms'),
        f('SDNN', ' ms'),
        f('RMSSD', ' ms'),
        f('pNN50', ' %'),
        f('LFHF', '', 3),
      ].join(', ') +
      '\n'
    );
  };
  /** The JSON both beat commands print; `peaksName` is `rpeaks` (ECG) or `peaks` (PPG). */
  const beatsJson = (peaksName: string, r: BeatsReport, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      fs: r.fs,
      [peaksName]: r.peaks,
      nn: r.nn,
      corrections: r.corrections,
      excluded: r.excluded,
      usableShare: r.usableShare,
      ...extra,
      hrv: r.hrv,
      warnings: r.warnings,
    }) + '\n';
  const correctOption = '--no-correct';
  const correctHelp = 'HRV from the detected beats as they are (no NN artefact correction)';
  const qualityOption = '--no-quality';
  const qualityHelp = 'analyse every span (no signal-quality exclusion)';
  signalCommand('ecg', 'R-peaks (sample indices of the input), NN beats, excluded spans and HRV')
    .option(
      '--powerline <hz>',
      'mains notch: 50, 60 or none',
      String(DSP_DEFAULTS.powerline ?? 'none'),
    )
    .option(correctOption, correctHelp)
    .option(qualityOption, qualityHelp)
    .action(
      (o: {
        input: string;
        column: string;
        fs: number;
        powerline: string;
        correct: boolean;
        quality: boolean;
        json?: boolean;
      }) => {
        if (!['50', '60', 'none'].includes(o.powerline))
          throw new Error('--powerline must be 50, 60 or none');
        const x = readCsvColumn(resolve(o.input), o.column);
        const r = analyseEcg(x, o.fs, {
          powerline: o.powerline === 'none' ? 'none' : (Number(o.powerline) as 50 | 60),
          correct: o.correct,
          quality: o.quality,
        });
        if (o.json) {
          out(beatsJson('rpeaks', r, { inverted: r.inverted }));
          return;
        }
        out(beatsText(`R-peaks${r.inverted ? ' (inverted lead)' : ''}`, r));
        for (const w of r.warnings) err(`warning: ${w}\n`);
      },
    );
  signalCommand('ppg', 'pulse peaks, NN beats, excluded spans and HRV of a PPG column')
    .option(correctOption, correctHelp)
    .option(qualityOption, qualityHelp)
    .action(
      (o: {
        input: string;
        column: string;
        fs: number;
        correct: boolean;
        quality: boolean;
        json?: boolean;
      }) => {
        const x = readCsvColumn(resolve(o.input), o.column);
        const r = analysePpg(x, o.fs, { correct: o.correct, quality: o.quality });
        if (o.json) {
          out(beatsJson('peaks', r));
          return;
        }
        out(beatsText('pulse peaks', r));
        for (const w of r.warnings) err(`warning: ${w}\n`);
      },
    );
  signalCommand('eda', 'tonic/phasic split, SCR onsets/peaks/amplitudes and EDA features')
    .option('--unit <unit>', 'uS (conductance) or ohm (resistance, converted to µS)', 'uS')
    .option('--out <file>', 'also write tonic and phasic as CSV columns')
    .action(
      (o: {
        input: string;
        column: string;
        fs: number;
        unit: string;
        out?: string;
        json?: boolean;
      }) => {
        if (o.unit !== 'uS' && o.unit !== 'ohm') throw new Error('--unit must be uS or ohm');
        const x = readCsvColumn(resolve(o.input), o.column);
        const r = analyseEda(x, o.fs, { unit: o.unit });
        if (o.out) {
          const lines = ['tonic_uS,phasic_uS'];
          for (let i = 0; i < r.tonic.length; i++) lines.push(`${r.tonic[i]},${r.phasic[i]}`);
          writeFileSync(resolve(o.out), lines.join('\n') + '\n');
        }
        if (o.json) {
          out(
            JSON.stringify({
              fs: r.fs,
              unit: r.unit,
              scr: r.scr,
              features: r.features,
              warnings: r.warnings,
            }) + '\n',
          );
          return;
        }
        const amp = r.scr.amplitudes;
        out(
          `${amp.length} SCRs${amp.length ? ` (amplitude ${Math.min(...amp).toFixed(2)}–${Math.max(...amp).toFixed(2)} µS)` : ''}; ` +
            `SCL mean ${r.features.SCL_mean?.toFixed(2) ?? 'n/a'} µS\n`,
        );
        for (const w of r.warnings) err(`warning: ${w}\n`);
      },
    );
}
