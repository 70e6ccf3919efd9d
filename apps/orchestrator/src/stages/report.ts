/**
 * `report`: the evaluation report of the run — `report.html` (self-contained, figures inline),
 * `report.md` (the same as a Markdown summary, figures in `figures/`), `metrics.json` (every
 * number) and `emo.config.json` (the settings that reproduce the run). @emo/eval renders it
 * from the evaluate stage's results and the data summaries of convert, dsp, vision and split.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EMOTIONS, TASK_NAMES } from '@emo/datasets';
import type {
  DataSummary,
  Evaluation,
  Figure,
  ReportInput,
  SkippedItem,
  TaskReport,
} from '@emo/eval';
import {
  PER_SUBJECT_FIGURE,
  PUBLISHED_ANCHORS,
  baselineNotes,
  protocolKindSchema,
  protocolNotes,
  renderHtml,
  renderMarkdown,
} from '@emo/eval';
import { jsonText } from '@emo/runtime';
import { defineStage, stageTask } from '../engine/index.js';
import type { Artifact, Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';
import type { ConvertSummary } from './convert.js';
import { readConvertSummary } from './convert.js';
import type { DspSummary } from './dsp.js';
import { readDspSummary } from './dsp.js';
import type { VisionSummary } from './vision.js';
import { readVisionSummary } from './vision.js';
import type { SplitSummary } from './split.js';
import { readSplitSummary, tasksParam } from './split.js';
import type { TrainSummary } from './train.js';
import { FIGURES_DIR, readEvaluation } from './evaluate.js';
import { datasetOfShard } from './subject-shards.js';

export const reportParams = z
  .object({
    /** The run's stage settings (the pipeline fills it in), shown and written as emo.config.json. */
    settings: z.record(z.string(), z.unknown()).default({}),
    /** The configured tasks in order (the pipeline fills it in); the first evaluated leads. */
    tasks: tasksParam,
    /**
     * Published numbers to show beside ours, e.g. the study's own table. With task, protocol
     * kind, modality and data set they stand beside our result of the same setting (mean over
     * subjects of `metric`); without, they are context.
     */
    published: z
      .array(
        z
          .object({
            source: z.string(),
            setting: z.string(),
            value: z.string(),
            task: z.enum(TASK_NAMES).optional(),
            protocolKind: protocolKindSchema.optional(),
            modality: z.string().optional(),
            dataset: z.enum(['deap', 'amigos']).optional(),
            metric: z
              .object({ name: z.enum(['accuracy', 'macroF1']), value: z.number() })
              .strict()
              .optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type ReportStageParams = z.infer<typeof reportParams>;

export const REPORT_MD = 'report.md';
export const REPORT_HTML = 'report.html';
export const METRICS_JSON = 'metrics.json';
export const CONFIG_JSON = 'emo.config.json';

export interface DatasetMetrics {
  readonly dataset: string;
  readonly synthetic: boolean;
  readonly subjects: readonly string[];
  readonly trials: number;
  readonly labelled: number;
  readonly unlabelled: number;
  readonly perClass: Readonly<Record<string, number>>;
  readonly skippedTrials: number;
  /** Trials kept although some signal samples are missing (convert.maxMissingShare). */
  readonly trialsWithGaps: number;
  readonly labelMapping: string;
  /**
   * Analysis windows (dsp stage), flagged ones, windows per class, and the seconds of cardiac
   * signal analysed and excluded by signal quality.
   */
  readonly windows: {
    total: number;
    flagged: number;
    perClass: Record<string, number>;
    cardiac: DspSummary['cardiac'];
  } | null;
  /** Face crops (vision stage): rows, rows with a face in every frame, share of crops with a face. */
  readonly faces: { rows: number; complete: number; flagged: number; faceShare: number } | null;
}

/** A per-subject summary with the dataset of its shard (`deap-s01` → deap). */
type Tagged<T> = T & { dataset: string };
const tagged = <T>(summary: T, shard: string | null): Tagged<T> => ({
  ...summary,
  dataset: datasetOfShard(shard ?? ''),
});

function faceTotals(list: readonly VisionSummary[]): DatasetMetrics['faces'] {
  if (list.length === 0) return null;
  const rows = list.reduce((n, v) => n + v.rows, 0);
  return {
    rows,
    complete: list.reduce((n, v) => n + v.complete, 0),
    flagged: list.reduce((n, v) => n + v.flagged, 0),
    faceShare: rows ? list.reduce((n, v) => n + v.faceShare * v.rows, 0) / rows : 0,
  };
}

/** Aggregate the convert, dsp and vision summaries (one per subject) per dataset. */
export function recordingsMetrics(
  summaries: readonly ConvertSummary[],
  windows: readonly Tagged<DspSummary>[] = [],
  faces: readonly Tagged<VisionSummary>[] = [],
): RecordingsMetrics {
  const datasets: DatasetMetrics[] = [];
  for (const name of ['deap', 'amigos'] as const) {
    const list = summaries.filter((s) => s.dataset === name);
    if (list.length === 0) continue;
    const perClass = Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<string, number>;
    for (const s of list) for (const e of EMOTIONS) perClass[e] += s.labels.perClass[e] ?? 0;
    datasets.push({
      dataset: name,
      synthetic: list.some((s) => s.synthetic),
      subjects: list.map((s) => s.subject),
      trials: list.reduce((n, s) => n + s.trials, 0),
      labelled: list.reduce((n, s) => n + s.labels.labelled, 0),
      unlabelled: list.reduce((n, s) => n + s.labels.unlabelled, 0),
      perClass,
      skippedTrials: list.reduce((n, s) => n + s.skipped.length, 0),
      trialsWithGaps: list.reduce((n, s) => n + s.keptWithGaps.length, 0),
      labelMapping: list[0].labelMapping,
      windows: windowTotals(windows.filter((w) => w.dataset === name)),
      faces: faceTotals(faces.filter((f) => f.dataset === name)),
    });
  }
  return { synthetic: datasets.some((d) => d.synthetic), datasets };
}

function windowTotals(list: readonly DspSummary[]): DatasetMetrics['windows'] {
  if (list.length === 0) return null;
  const perClass: Record<string, number> = {};
  for (const w of list) {
    for (const [k, n] of Object.entries(w.perClass)) perClass[k] = (perClass[k] ?? 0) + n;
  }
  return {
    total: list.reduce((n, w) => n + w.windows, 0),
    flagged: list.reduce((n, w) => n + w.flagged, 0),
    perClass,
    cardiac: {
      seconds: list.reduce((n, w) => n + w.cardiac.seconds, 0),
      excludedSeconds: list.reduce((n, w) => n + w.cardiac.excludedSeconds, 0),
      excludedSpans: list.reduce((n, w) => n + w.cardiac.excludedSpans, 0),
    },
  };
}

/** Per dataset, how much cardiac signal signal quality excluded (only where it excluded any). */
function qualityNotes(datasets: readonly DatasetMetrics[]): string[] {
  return datasets.flatMap((d) => {
    const c = d.windows?.cardiac;
    if (!c || c.excludedSpans === 0) return [];
    return [
      `${d.dataset}: signal quality excluded ${c.excludedSeconds.toFixed(1)} s of ` +
        `${c.seconds.toFixed(0)} s of cardiac signal (${((100 * c.excludedSeconds) / c.seconds).toFixed(2)} %, ` +
        `${c.excludedSpans} span(s)); no beat or HRV interval comes from them, and the windows ` +
        'that hold them are flagged.',
    ];
  });
}

/** The data used, per dataset (convert, dsp and vision summaries). */
export interface RecordingsMetrics {
  readonly synthetic: boolean;
  readonly datasets: readonly DatasetMetrics[];
}

/**
 * What metrics.json holds: the data used, and per task (the leading one first) its split and
 * whole evaluation; `split` and `evaluation` repeat the leading task's.
 */
export interface ReportMetrics extends RecordingsMetrics {
  readonly split: SplitSummary;
  readonly evaluation: Evaluation;
  readonly tasks: readonly { readonly split: SplitSummary; readonly evaluation: Evaluation }[];
  readonly trainings: readonly Omit<TrainSummary, 'history'>[];
}

function dataSummaries(m: readonly DatasetMetrics[]): DataSummary[] {
  return m.map((d) => ({
    dataset: d.dataset,
    synthetic: d.synthetic,
    subjects: d.subjects,
    trials: d.trials + d.skippedTrials,
    labelledTrials: d.labelled,
    windows: d.windows?.total ?? 0,
    perClass: Object.fromEntries(EMOTIONS.map((e) => [e, d.windows?.perClass[e] ?? 0])),
  }));
}

/** One note per trial kept with missing samples: what is missing and what was done. */
function gapNotes(summaries: readonly ConvertSummary[]): string[] {
  return summaries.flatMap((s) =>
    s.keptWithGaps.map(
      (g) =>
        `${s.dataset}-${s.subject} trial ${g.trial} (stimulus ${g.stimulusId}) kept with gaps: ${g.summary}`,
    ),
  );
}

function skippedItems(summaries: readonly ConvertSummary[], split: SplitSummary): SkippedItem[] {
  const out: SkippedItem[] = summaries.flatMap((s) =>
    s.skipped.map((k) => ({
      what: `${s.dataset}-${s.subject} trial ${k.trial} (stimulus ${k.stimulusId})`,
      reason: k.reason,
    })),
  );
  const k = split.skipped;
  for (const l of split.labels) {
    for (const r of l.leftOut) {
      out.push({ what: `${r.count} ${l.dataset} window(s), task ${split.task}`, reason: r.reason });
    }
  }
  const windows: [number, string][] = [
    [k.noFace, 'no face crop (no video for the trial)'],
    [k.noWindow, 'no physiological window'],
    [k.flagged, 'quality flags, left out by split.excludeFlagged'],
  ];
  for (const [n, reason] of windows) {
    if (n > 0) out.push({ what: `${n} window(s)`, reason });
  }
  for (const p of split.skippedProtocols) {
    out.push({ what: `protocol '${p.protocol}'`, reason: p.reason });
  }
  return out;
}

/** A task's results and labels, as the report shows them side by side. */
function taskReport(t: {
  split: SplitSummary;
  evaluation: Evaluation;
  figures: readonly Figure[];
}): TaskReport {
  return {
    task: t.split.task,
    description: t.split.description,
    evaluation: t.evaluation,
    labels: t.split.labels,
    figures: t.figures,
  };
}

export async function reportStage(): Promise<Stage<ReportStageParams>> {
  return defineStage({
    id: 'report',
    version: await packageCodeVersion(
      '@emo/eval',
      [fileURLToPath(import.meta.url)],
      ['@emo/datasets'],
    ),
    deps: ['convert', 'dsp', 'vision', 'split', 'evaluate'],
    scope: 'global',
    description: 'report.html, report.md, metrics.json and emo.config.json of the run',
    params: reportParams,
    run: (ctx) =>
      stageTask(async () => {
        const summaries = (ctx.inputs.convert ?? []).map((a) => readConvertSummary(a.path));
        const windows = (ctx.inputs.dsp ?? []).map((a) => tagged(readDspSummary(a.path), a.shard));
        const faces = (ctx.inputs.vision ?? []).map((a) =>
          tagged(readVisionSummary(a.path), a.shard),
        );
        const splits = new Map(
          (ctx.inputs.split ?? []).map((a) => [a.shard, readSplitSummary(a.path)]),
        );
        const evaluated = new Map((ctx.inputs.evaluate ?? []).map((a) => [a.shard, a]));
        const order = ctx.params.tasks.filter((t) => evaluated.has(t) && splits.has(t));
        if (order.length === 0) throw new Error('report: no task was evaluated');
        const [lead, ...others] = order.map((t) => ({
          artifact: evaluated.get(t) as Artifact,
          split: splits.get(t) as SplitSummary,
        }));
        const { split } = lead;
        const { evaluation, figures, trainings } = readEvaluation(lead.artifact.path);
        // of the other tasks' figures, the report shows each one's per-subject distribution
        const tasks = [
          { split, evaluation, figures: [] as Figure[] },
          ...others.map((t) => {
            const e = readEvaluation(t.artifact.path, (id) => id.startsWith(PER_SUBJECT_FIGURE));
            const task = t.split.task;
            return {
              split: t.split,
              evaluation: e.evaluation,
              figures: e.figures.map((f) => ({
                ...f,
                id: `${task}-${f.id}`,
                title: `${task}: ${f.title}`,
              })),
            };
          }),
        ];
        const recordings = recordingsMetrics(summaries, windows, faces);
        const synthetic = recordings.synthetic || evaluation.synthetic;
        const backends = [...new Set(trainings.map((t) => t.backend))];
        const settings = ctx.params.settings;
        const input: ReportInput = {
          title: 'Multimodal emotion recognition: hybrid CNN-LSTM against its unimodal baselines',
          runId: `evaluation ${lead.artifact.key.slice(0, 12)}`, // the run id and date: "This run"
          synthetic,
          data: dataSummaries(recordings.datasets),
          labelMapping: recordings.datasets[0]?.labelMapping ?? '',
          backend: backends.join('; ') || 'none',
          training: (settings['train'] ?? {}) as Record<string, unknown>,
          evaluation,
          tasks: tasks.map(taskReport),
          figures,
          published: [...PUBLISHED_ANCHORS, ...ctx.params.published],
          skipped: skippedItems(summaries, split),
          reproduce: [
            'npx --yes pnpm@10.34.9 install --frozen-lockfile',
            `npx --yes pnpm@10.34.9 emo full --config ${CONFIG_JSON}   # ${CONFIG_JSON} is beside this report; = nx run orchestrator:full with these settings`,
          ],
          notes: [
            ...protocolNotes(evaluation),
            ...tasks.flatMap((t) => baselineNotes(t.evaluation)),
            ...[...new Set(summaries.flatMap((s) => s.datasetNotes))],
            ...gapNotes(summaries),
            ...qualityNotes(recordings.datasets),
          ],
        };
        writeFileSync(join(ctx.outDir, REPORT_HTML), renderHtml(input));
        writeFileSync(join(ctx.outDir, REPORT_MD), renderMarkdown(input));
        mkdirSync(join(ctx.outDir, FIGURES_DIR));
        for (const f of [...figures, ...tasks.flatMap((t) => t.figures)]) {
          writeFileSync(join(ctx.outDir, FIGURES_DIR, `${f.id}.svg`), f.svg);
        }
        const metrics: ReportMetrics = {
          ...recordings,
          split,
          evaluation,
          tasks: tasks.map(({ split, evaluation }) => ({ split, evaluation })),
          trainings: trainings.map(({ history: _, ...t }) => t),
        };
        writeFileSync(join(ctx.outDir, METRICS_JSON), jsonText(metrics, 2));
        writeFileSync(join(ctx.outDir, CONFIG_JSON), jsonText(settings, 2));
      }),
  });
}
