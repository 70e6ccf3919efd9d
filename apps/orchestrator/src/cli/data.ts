// `emo synth` and `emo convert`: write a synthetic DEAP/AMIGOS download, and convert a download
// to recordings shards.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { ConvertReport, DatasetName, SynthDataset, SynthPresetName } from '@emo/datasets';
import {
  CONVERT_DEFAULTS,
  EMOTIONS,
  SYNTH_DATASETS,
  SYNTH_DEFAULTS,
  SYNTH_PRESETS,
  SYNTH_PRESET_NAMES,
  convertDataset,
  isSynthPresetName,
  trialCounts,
  writeSyntheticCorpus,
} from '@emo/datasets';
import type { CliIo } from './args.js';
import { intArg } from './args.js';

export function addDataCommands(program: Command, { out, err }: CliIo): void {
  program
    .command('synth')
    .description('write a SYNTHETIC DEAP- and AMIGOS-format download (exact file formats)')
    .requiredOption('--out <dir>', 'output folder (DEAP/ and AMIGOS/ are created inside)')
    .option(
      '--preset <name>',
      `the corpus's dimensions: small (${describePreset('small')}) or full (the real data sets': ${describePreset('full')})`,
      (v: string) => {
        if (!isSynthPresetName(v))
          throw new InvalidArgumentError(`--preset must be ${SYNTH_PRESET_NAMES.join(' or ')}`);
        return v;
      },
      SYNTH_DEFAULTS.preset,
    )
    .option(
      '--subjects <n>',
      'subjects per data set',
      intArg('--subjects', 1, 64),
      SYNTH_DEFAULTS.subjects,
    )
    .option('--only <dataset>', 'write only this data set (deap or amigos)', (v: string) => {
      if (!(SYNTH_DATASETS as readonly string[]).includes(v))
        throw new InvalidArgumentError(`--only must be ${SYNTH_DATASETS.join(' or ')}`);
      return v as SynthDataset;
    })
    .option('--seed <s>', 'random seed', intArg('--seed', 0, 2 ** 32 - 1), SYNTH_DEFAULTS.seed)
    .option(
      '--deap-trials <n>',
      "trials per DEAP subject (real: 40; default: the preset's)",
      intArg('--deap-trials', 5, 40),
    )
    .option(
      '--amigos-short-trials <n>',
      "short-video trials per AMIGOS participant (real: 16; default: the preset's)",
      intArg('--amigos-short-trials', 5, 16),
    )
    .option(
      '--amigos-long-s <s>',
      "duration of every long-video AMIGOS trial after its baseline, s (default: the preset's)",
      intArg('--amigos-long-s', 10, 1800),
    )
    .option('--no-video', 'skip the face videos')
    .option('--json', 'print the result as JSON')
    .action(
      async (o: {
        out: string;
        preset: SynthPresetName;
        subjects: number;
        only?: SynthDataset;
        seed: number;
        deapTrials?: number;
        amigosShortTrials?: number;
        amigosLongS?: number;
        video: boolean;
        json?: boolean;
      }) => {
        const res = await writeSyntheticCorpus({
          out: resolve(o.out),
          preset: o.preset,
          subjects: o.subjects,
          ...(o.only ? { datasets: [o.only] } : {}),
          seed: o.seed,
          deapTrials: o.deapTrials,
          amigosShortTrials: o.amigosShortTrials,
          amigosLongS: o.amigosLongS,
          video: o.video,
          onProgress: o.json ? undefined : (m) => err(`synth: ${m}\n`),
        });
        const roots = res.datasets.map((d) => (d === 'deap' ? res.deapRoot : res.amigosRoot));
        out(
          o.json
            ? JSON.stringify(res) + '\n'
            : `synthetic corpus (${res.preset}) written: ${roots.join(', ')}\n`,
        );
      },
    );

  program
    .command('convert')
    .description('convert a DEAP or AMIGOS download to recordings Arrow shards (one per subject)')
    .requiredOption('--dataset <name>', 'deap or amigos', (v: string) => {
      if (v !== 'deap' && v !== 'amigos')
        throw new InvalidArgumentError('--dataset must be deap or amigos');
      return v as DatasetName;
    })
    .requiredOption('--root <dir>', 'the download folder')
    .requiredOption('--out <dir>', 'where the shards go')
    .option('--subjects <list>', 'comma-separated subjects (s01,P03 or numbers)', (v: string) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .option(
      '--max-missing-share <share>',
      "a trial's signal column with more than this share of samples missing (NaN) is dropped; " +
        'a trial is skipped only when every signal column is (0…1)',
      (v: string) => {
        const n = Number(v);
        if (v.trim() === '' || !(n >= 0 && n <= 1))
          throw new InvalidArgumentError('--max-missing-share must be a number from 0 to 1');
        return n;
      },
      CONVERT_DEFAULTS.maxMissingShare,
    )
    .option('--strict', 'exit non-zero if any subject fails')
    .option('--json', 'print the report as JSON')
    .action(
      async (o: {
        dataset: DatasetName;
        root: string;
        out: string;
        subjects?: string[];
        maxMissingShare: number;
        strict?: boolean;
        json?: boolean;
      }) => {
        const report = await convertDataset({
          dataset: o.dataset,
          root: resolve(o.root),
          outDir: resolve(o.out),
          subjects: o.subjects,
          maxMissingShare: o.maxMissingShare,
          onSubject: o.json
            ? undefined
            : (r) =>
                err(
                  r.status === 'ok'
                    ? `${r.subject}: ${trialCounts(r)}\n`
                    : `${r.subject}: FAILED — ${r.error}\n`,
                ),
        });
        if (o.json) out(JSON.stringify(report) + '\n');
        else {
          const ok = report.subjects.filter((s) => s.status === 'ok').length;
          out(
            `${report.dataset}${report.synthetic ? ' (SYNTHETIC)' : ''}: ${ok}/${report.subjects.length} subjects converted; ` +
              `labelled trials ${report.labels.labelled} (${EMOTIONS.map((e) => `${e} ${report.labels.perClass[e]}`).join(', ')}), unlabelled ${report.labels.unlabelled}\n`,
          );
          for (const line of trialLines(report)) out(`${line}\n`);
          for (const n of report.notes) out(`note: ${n}\n`);
        }
        const failed = report.subjects.filter((s) => s.status === 'failed');
        if (failed.length && (o.strict || failed.length === report.subjects.length)) {
          throw new Error(
            `${failed.length} subject(s) failed: ${failed.map((f) => f.subject).join(', ')}`,
          );
        }
      },
    );
}

/** A preset's dimensions in a few words, for `--help`. */
function describePreset(name: SynthPresetName): string {
  const p = SYNTH_PRESETS[name];
  const v = (x: typeof p.deapVideo) => `${x.width}×${x.height} ${x.fps} fps ${x.codec}`;
  const range = (d: number | Readonly<Record<string, number>>): string => {
    if (typeof d === 'number') return `${d} s`;
    const s = Object.values(d);
    return `${Math.min(...s)}–${Math.max(...s)} s`;
  };
  const short = p.amigosShortS === 'drawn' ? '45–90 s' : range(p.amigosShortS);
  return (
    `DEAP ${p.deapTrials} trials of 63 s, videos ${v(p.deapVideo)}; ` +
    `AMIGOS ${p.amigosShortTrials} short trials of ${short} + 4 long of ${range(p.amigosLongS)} ` +
    `after a 5 s baseline, ` +
    `videos ${v(p.amigosVideo)}`
  );
}

/**
 * One line per skipped trial and per trial kept with gaps, each saying why, after a count:
 * "2 trial(s) skipped, 1 kept with gaps (--max-missing-share 0.5):".
 */
function trialLines(report: ConvertReport): string[] {
  const ok = report.subjects.filter((s) => s.status === 'ok');
  const skipped = ok.flatMap((s) => s.skipped.map((k) => ({ subject: s.subject, ...k })));
  const gaps = ok.flatMap((s) => s.keptWithGaps.map((g) => ({ subject: s.subject, ...g })));
  if (skipped.length + gaps.length === 0) return [];
  const trial = (t: { subject: string; trial: number; stimulusId: string }) =>
    `${t.subject} trial ${t.trial} (stimulus ${t.stimulusId})`;
  return [
    `${skipped.length} trial(s) skipped, ${gaps.length} kept with gaps (--max-missing-share ${report.maxMissingShare}):`,
    ...skipped.map((k) => `  skipped ${trial(k)}: ${k.reason}`),
    ...gaps.map((g) => `  kept ${trial(g)}: ${g.summary}`),
  ];
}
