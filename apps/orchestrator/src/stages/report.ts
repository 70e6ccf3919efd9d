/**
 * `report`: what the pipeline has produced so far, as `report.md` and `metrics.json` (data
 * used, class counts, skipped trials, notes). Issue 7's evaluation report grows out of it; until
 * then it summarises the converted recordings.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EMOTIONS } from '@emo/datasets';
import { defineStage, stageTask } from '../engine/index.js';
import type { Stage } from '../engine/index.js';
import { packageCodeVersion } from './code-version.js';
import type { ConvertSummary } from './convert.js';
import { CONVERT_SUMMARY } from './convert.js';
import type { DspSummary } from './dsp.js';
import { readDspSummary } from './dsp.js';
import type { VisionSummary } from './vision.js';
import { readVisionSummary } from './vision.js';
import type { SplitSummary } from './split.js';
import { SPLIT_SUMMARY } from './split.js';
import type { TrainSummary } from './train.js';
import { TRAIN_JSON } from './train.js';

export const reportParams = z.object({}).strict();

export interface DatasetMetrics {
  readonly dataset: string;
  readonly synthetic: boolean;
  readonly subjects: readonly string[];
  readonly trials: number;
  readonly labelled: number;
  readonly unlabelled: number;
  readonly perClass: Readonly<Record<string, number>>;
  readonly skippedTrials: number;
  readonly labelMapping: string;
  /** Analysis windows (dsp stage), flagged ones, and windows per class. */
  readonly windows: { total: number; flagged: number; perClass: Record<string, number> } | null;
  /** Face crops (vision stage): rows, rows with a face in every frame, share of crops with a face. */
  readonly faces: { rows: number; complete: number; flagged: number; faceShare: number } | null;
}

/** One trained model of the run (train stage), as metrics.json lists it. */
export interface ModelMetrics {
  readonly model: string;
  readonly fold: number;
  readonly protocol: string;
  readonly backend: string;
  readonly samples: TrainSummary['samples'];
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly valAccuracy: number | null;
  readonly testAccuracy: number | null;
  readonly testLoss: number | null;
  readonly gridTrials: number;
}

export interface ReportMetrics {
  readonly synthetic: boolean;
  readonly datasets: readonly DatasetMetrics[];
  readonly split?: SplitSummary;
  readonly models?: readonly ModelMetrics[];
}

export function modelMetrics(t: TrainSummary): ModelMetrics {
  return {
    model: t.model,
    fold: t.fold,
    protocol: t.protocol,
    backend: t.backend,
    samples: t.samples,
    epochs: t.epochs,
    bestEpoch: t.bestEpoch,
    valAccuracy: t.valAccuracy,
    testAccuracy: t.test?.accuracy ?? null,
    testLoss: t.test?.loss ?? null,
    gridTrials: t.grid.length,
  };
}

const pct = (v: number | null): string => (v == null ? '—' : `${(100 * v).toFixed(1)} %`);

/** The models section of report.md: test accuracy per model and fold, and how each trained. */
export function modelsMarkdown(
  split: SplitSummary | undefined,
  models: readonly TrainSummary[],
  synthetic: boolean,
): string[] {
  if (!split && models.length === 0) return [];
  const lines = [`## Models${synthetic ? ' (SYNTHETIC data)' : ''}`, ''];
  if (split) {
    lines.push(
      `Split: ${split.protocol} (seed ${split.seed}) over ${split.samples} labelled windows with a sequence and a face crop from ${split.subjects} subjects; ${split.folds.map((f) => `fold ${f.fold}: ${f.train} train / ${f.val} validation / ${f.test} test`).join('; ')}.`,
      '',
      ...split.notes.map((n) => `- ${n}`),
      '',
    );
  }
  if (models.length) {
    lines.push(
      '| model | fold | test accuracy | validation accuracy | epochs (best) | grid trials | backend |',
      '|---|---|---|---|---|---|---|',
    );
    for (const m of [...models].sort((a, b) => a.fold - b.fold || a.model.localeCompare(b.model))) {
      lines.push(
        `| ${m.model} | ${m.fold} | ${pct(m.test?.accuracy ?? null)} | ${pct(m.valAccuracy)} | ${m.epochs} (${m.bestEpoch}) | ${m.grid.length || 1} | ${m.backend.split(' — ')[0]} |`,
      );
    }
    lines.push(
      '',
      "Test accuracy is on the fold's held-out windows; the grid search and early stopping saw only the validation windows. Per-class metrics, confusion matrices, ROC curves and the subject-independent protocols come with the evaluate stage (issue 7).",
      '',
    );
  }
  return lines;
}

export const REPORT_MD = 'report.md';
export const METRICS_JSON = 'metrics.json';

/** Aggregate the convert summaries (one per subject) per dataset. */
type Tagged<T> = T & { dataset: string };

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

export function recordingsMetrics(
  summaries: readonly ConvertSummary[],
  windows: readonly Tagged<DspSummary>[] = [],
  faces: readonly Tagged<VisionSummary>[] = [],
): ReportMetrics {
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
  };
}

export function reportMarkdown(
  summaries: readonly ConvertSummary[],
  windows: readonly Tagged<DspSummary>[] = [],
  faces: readonly Tagged<VisionSummary>[] = [],
): string {
  const metrics = recordingsMetrics(summaries, windows, faces);
  const lines: string[] = ['# emo report', ''];
  if (metrics.synthetic) {
    lines.push(
      '**SYNTHETIC DATA.** No DEAP/AMIGOS download was configured, so this run used the built-in synthetic corpus written in the DEAP and AMIGOS file formats. Nothing here is a DEAP or AMIGOS result.',
      '',
    );
  }
  lines.push(
    'Stages so far: synth (only without a configured dataset) → convert → dsp → vision → split → train → report. Evaluation (metrics, figures, split protocols) arrives with the evaluate stage.',
    '',
  );
  for (const d of metrics.datasets) {
    const list = summaries.filter((s) => s.dataset === d.dataset);
    lines.push(`## ${d.dataset.toUpperCase()}${d.synthetic ? ' (SYNTHETIC)' : ''}`, '');
    lines.push(
      `Subjects converted: ${d.subjects.length} (${d.subjects.join(', ')}); trials kept: ${d.trials}; trials skipped: ${d.skippedTrials}.`,
      '',
      `Label mapping: ${d.labelMapping}`,
      '',
      `| class | trials |${d.windows ? ' windows |' : ''}`,
      `|---|---|${d.windows ? '---|' : ''}`,
      ...[...EMOTIONS, 'unlabelled'].map(
        (e) =>
          `| ${e} | ${e === 'unlabelled' ? d.unlabelled : d.perClass[e]} |${d.windows ? ` ${d.windows.perClass[e] ?? 0} |` : ''}`,
      ),
      '',
    );
    if (d.windows) {
      lines.push(
        `Windows (dsp): ${d.windows.total}, of which ${d.windows.flagged} flagged (NaN runs, flat or clipped signal, too few beats; see each shard's \`flags\`).`,
        '',
      );
    }
    if (d.faces) {
      lines.push(
        `Face crops (vision): ${d.faces.rows} windows; a face in ${(100 * d.faces.faceShare).toFixed(1)} % of the sampled frames; ${d.faces.flagged} windows flagged (no video, no face, video too short; see each shard's \`flags\`).`,
        '',
      );
    }
    const skipped = list.flatMap((s) =>
      s.skipped.map((k) => `- ${s.subject} trial ${k.trial} (${k.stimulusId}): ${k.reason}`),
    );
    if (skipped.length) lines.push('Skipped trials:', '', ...skipped, '');
    const notes = [...new Set(list.flatMap((s) => s.datasetNotes))];
    if (notes.length) lines.push('Notes:', '', ...notes.map((n) => `- ${n}`), '');
  }
  return lines.join('\n');
}

export async function reportStage(): Promise<Stage<z.infer<typeof reportParams>>> {
  return defineStage({
    id: 'report',
    version: await packageCodeVersion('@emo/datasets', [fileURLToPath(import.meta.url)]),
    deps: ['convert', 'dsp', 'vision', 'split', 'train'],
    scope: 'global',
    description: 'report.md and metrics.json of the run',
    params: reportParams,
    run: (ctx) =>
      stageTask(async () => {
        const summaries = (ctx.inputs.convert ?? []).map(
          (a) => JSON.parse(readFileSync(join(a.path, CONVERT_SUMMARY), 'utf8')) as ConvertSummary,
        );
        const windows = (ctx.inputs.dsp ?? []).map((a) => ({
          ...readDspSummary(a.path),
          dataset: (a.shard ?? '').split('-')[0],
        }));
        const faces = (ctx.inputs.vision ?? []).map((a) => ({
          ...readVisionSummary(a.path),
          dataset: (a.shard ?? '').split('-')[0],
        }));
        const split = (ctx.inputs.split ?? []).map(
          (a) => JSON.parse(readFileSync(join(a.path, SPLIT_SUMMARY), 'utf8')) as SplitSummary,
        )[0];
        const models = (ctx.inputs.train ?? []).map(
          (a) => JSON.parse(readFileSync(join(a.path, TRAIN_JSON), 'utf8')) as TrainSummary,
        );
        const metrics = recordingsMetrics(summaries, windows, faces);
        const md = [
          reportMarkdown(summaries, windows, faces),
          ...modelsMarkdown(split, models, metrics.synthetic),
        ].join('\n');
        writeFileSync(join(ctx.outDir, REPORT_MD), md);
        const all: ReportMetrics = {
          ...metrics,
          ...(split ? { split } : {}),
          models: models.map(modelMetrics),
        };
        writeFileSync(join(ctx.outDir, METRICS_JSON), JSON.stringify(all, null, 2) + '\n');
        return Promise.resolve();
      }),
  });
}
