// `emo synth` and `emo convert`: write a synthetic DEAP/AMIGOS download, and convert a download
// to recordings shards.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { ConvertReport, DatasetName } from '@emo/datasets';
import {
  CONVERT_DEFAULTS,
  EMOTIONS,
  SYNTH_DEFAULTS,
  convertDataset,
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
      '--subjects <n>',
      'subjects per data set',
      intArg('--subjects', 1, 64),
      SYNTH_DEFAULTS.subjects,
    )
    .option('--seed <s>', 'random seed', intArg('--seed', 0, 2 ** 32 - 1), SYNTH_DEFAULTS.seed)
    .option(
      '--deap-trials <n>',
      'trials per DEAP subject (real: 40)',
      intArg('--deap-trials', 5, 40),
      SYNTH_DEFAULTS.deapTrials,
    )
    .option(
      '--amigos-short-trials <n>',
      'short-video trials per AMIGOS participant (real: 16)',
      intArg('--amigos-short-trials', 5, 16),
      SYNTH_DEFAULTS.amigosShortTrials,
    )
    .option('--no-video', 'skip the face videos')
    .option('--json', 'print the result as JSON')
    .action(
      async (o: {
        out: string;
        subjects: number;
        seed: number;
        deapTrials: number;
        amigosShortTrials: number;
        video: boolean;
        json?: boolean;
      }) => {
        const res = await writeSyntheticCorpus({
          out: resolve(o.out),
          subjects: o.subjects,
          seed: o.seed,
          deapTrials: o.deapTrials,
          amigosShortTrials: o.amigosShortTrials,
          video: o.video,
          onProgress: o.json ? undefined : (m) => err(`synth: ${m}\n`),
        });
        out(
          o.json
            ? JSON.stringify(res) + '\n'
            : `synthetic corpus written: ${res.deapRoot}, ${res.amigosRoot}\n`,
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
