/**
 * `convert`: each subject of a DEAP or AMIGOS download → one `recordings` Arrow shard
 * (`@emo/datasets` does the work). Per subject: shard id `<dataset>-<subject>` (e.g. `deap-s01`,
 * `amigos-P03`), sources = that subject's raw files, so editing one subject's file re-runs only
 * that subject. Reads the `synth` stage's output when no dataset is configured.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { DatasetName, OpenedDownload } from '@emo/datasets';
import {
  CONVERT_DEFAULTS,
  DATASET_NAMES,
  describeLabelMapping,
  openDownload,
  resolveLabelMapping,
  rootRelative,
  shardName,
  trialCounts,
} from '@emo/datasets';
import { jsonText, readJsonFile } from '@emo/runtime';
import { defineStage, inputOf, stageTask } from '../engine/index.js';
import type { Inputs, Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';
import { SYNTH_AMIGOS, SYNTH_DEAP } from './synth.js';

const labelMapping = z
  .object({
    centre: z.number().optional(),
    neutralRadius: z.number().min(0).optional(),
    dominanceSplit: z.number().optional(),
    useAmigosCheckboxes: z.boolean().optional(),
  })
  .strict();

/** What the config's `convert` block holds. */
export const convertSettings = z
  .object({
    labelMapping: labelMapping.prefault({}),
    /**
     * A trial's signal column with more than this share of its samples missing (NaN) is
     * dropped from that trial; a trial is skipped only when every column is (@emo/datasets
     * src/gaps.ts; default CONVERT_DEFAULTS.maxMissingShare).
     */
    maxMissingShare: z.number().min(0).max(1).default(CONVERT_DEFAULTS.maxMissingShare),
  })
  .strict();

/**
 * The stage's parameters: the settings. The dataset roots are not parameters: where a download
 * lies does not change what it holds (its files' content hashes are the tasks' sources), so a
 * cache holds for every machine that has the same download, wherever it is mounted.
 */
export const convertParams = convertSettings;

/** Where this machine has each configured download (config `datasets.<name>.root`). */
export type DatasetRoots = Partial<Record<DatasetName, string>>;

export type ConvertParams = z.infer<typeof convertParams>;

/** What `convert.json` beside each shard holds (read by the report). */
const convertSummary = z.object({
  dataset: z.enum(DATASET_NAMES),
  subject: z.string(),
  shard: z.string(),
  sourceFile: z.string(),
  synthetic: z.boolean(),
  trials: z.number().int(),
  skipped: z.array(
    z.object({ trial: z.number().int(), stimulusId: z.string(), reason: z.string() }),
  ),
  /** Trials kept with missing samples: what is missing, and which columns were dropped. */
  keptWithGaps: z
    .array(
      z.object({
        trial: z.number().int(),
        stimulusId: z.string(),
        columns: z.array(
          z.object({
            column: z.string(),
            samples: z.number().int(),
            missing: z.number().int(),
            share: z.number(),
            gaps: z.number().int(),
            longestS: z.number(),
            dropped: z.boolean(),
          }),
        ),
        summary: z.string(),
      }),
    )
    .default([]),
  labels: z.object({
    labelled: z.number().int(),
    unlabelled: z.number().int(),
    perClass: z.record(z.string(), z.number().int()),
  }),
  labelMapping: z.string(),
  datasetNotes: z.array(z.string()),
});

export type ConvertSummary = z.infer<typeof convertSummary>;

export const CONVERT_SUMMARY = 'convert.json';

export function readConvertSummary(dir: string): ConvertSummary {
  return readJsonFile(join(dir, CONVERT_SUMMARY), convertSummary, 'convert summary');
}

/**
 * Where each download lies for a task: the synthetic corpus's folders inside the `synth` stage's
 * output, or the configured roots.
 */
export function downloadRoots(
  fromSynth: boolean,
  configured: DatasetRoots,
  inputs: Inputs,
): [DatasetName, string][] {
  if (fromSynth) {
    const synth = inputOf(inputs, 'synth').path;
    return [
      ['deap', join(synth, SYNTH_DEAP)],
      ['amigos', join(synth, SYNTH_AMIGOS)],
    ];
  }
  return DATASET_NAMES.flatMap((d): [DatasetName, string][] => {
    const root = configured[d];
    return root ? [[d, root]] : [];
  });
}

/**
 * @param fromSynth the pipeline runs on the synthetic corpus (dependency `synth`), not on the
 *   configured dataset roots.
 * @param configured where this machine has each download (unused with `fromSynth`).
 */
export async function convertStage(
  fromSynth: boolean,
  configured: DatasetRoots = {},
): Promise<Stage<ConvertParams>> {
  // one listing per download and pipeline instance: shards() and sources() of every task use it
  const opened = new Map<string, OpenedDownload>();
  const open = (dataset: DatasetName, root: string): OpenedDownload => {
    const k = `${dataset}\0${root}`;
    let dl = opened.get(k);
    if (!dl) {
      dl = openDownload(dataset, root);
      opened.set(k, dl);
    }
    return dl;
  };
  const roots = (inputs: Inputs) => downloadRoots(fromSynth, configured, inputs);
  const subjectOf = (inputs: Inputs, shard: string | null) => {
    const m = /^(deap|amigos)-(.+)$/.exec(shard ?? '');
    const root = m ? roots(inputs).find(([d]) => d === m[1]) : undefined;
    if (!m || !root) throw new Error(`convert: unknown shard '${shard}'`);
    const dl = open(root[0], root[1]);
    const s = dl.subjects.find((x) => x.subject === m[2]);
    if (!s) throw new Error(`convert: subject ${m[2]} is no longer in ${root[1]}`);
    return { dl, s, root: root[1] };
  };
  return defineStage({
    id: 'convert',
    version: await packageCodeVersion('@emo/datasets', [fileURLToPath(import.meta.url)]),
    deps: fromSynth ? ['synth'] : [],
    scope: 'subject',
    description: 'DEAP/AMIGOS subject files → recordings Arrow shards',
    params: convertParams,
    shards: ({ inputs }) =>
      roots(inputs).flatMap(([dataset, root]) =>
        open(dataset, root).subjects.map((s) => `${dataset}-${s.subject}`),
      ),
    // the synthetic corpus is an input artifact already (its hash is in the key); a download's
    // files enter the key by their path inside the download
    sources: ({ inputs, shard }) => {
      if (fromSynth) return [];
      const { s, root } = subjectOf(inputs, shard);
      return s.sources.map((file) => ({ name: s.dataset, root, path: rootRelative(root, file) }));
    },
    run: (ctx) =>
      stageTask(async (emit) => {
        const { dl, s, root } = subjectOf(ctx.inputs, ctx.shard);
        emit({ kind: 'progress', done: 0, total: 1, message: `reading ${s.sourceFile}` });
        const r = await s.convert({
          outDir: ctx.outDir,
          labelMapping: ctx.params.labelMapping,
          maxMissingShare: ctx.params.maxMissingShare,
        });
        const summary: ConvertSummary = {
          dataset: s.dataset,
          subject: s.subject,
          shard: shardName(s.dataset, s.subject),
          sourceFile: rootRelative(root, s.sourceFile),
          synthetic: dl.synthetic,
          trials: r.trials,
          skipped: [...r.skipped],
          keptWithGaps: r.keptWithGaps.map((g) => ({ ...g, columns: [...g.columns] })),
          labels: r.labels,
          labelMapping: describeLabelMapping(resolveLabelMapping(ctx.params.labelMapping)),
          datasetNotes: [...dl.notes],
        };
        writeFileSync(join(ctx.outDir, CONVERT_SUMMARY), jsonText(summary));
        emit({ kind: 'progress', done: 1, total: 1, message: trialCounts(r) });
      }),
  });
}
