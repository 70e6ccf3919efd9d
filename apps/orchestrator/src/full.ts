/**
 * `emo full` as it stands before the pipeline engine (issue 3): synthesise the corpus when no
 * dataset is configured, convert every dataset to recordings shards, and write a summary to
 * results/latest/. Stages are run in order; the engine will add caching and manifests.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConvertReport } from '@emo/datasets';
import {
  CONVERT_STAGE_VERSION,
  EMOTIONS,
  SYNTHETIC_MARKER,
  convertDataset,
  writeSyntheticCorpus,
} from '@emo/datasets';
import type { EmoConfig } from './config.js';

export interface FullSummary {
  readonly synthetic: boolean;
  readonly datasets: readonly ConvertReport[];
  readonly resultsDir: string;
}

export type Log = (line: string) => void;

function synthDir(config: EmoConfig): string {
  const s = config.synth;
  return join(
    config.store,
    'synth',
    `seed${s.seed}-n${s.subjects}-d${s.deapTrials}-a${s.amigosShortTrials}-v${s.video ? 1 : 0}`,
  );
}

export async function runFull(config: EmoConfig, log: Log): Promise<FullSummary> {
  const roots: { dataset: 'deap' | 'amigos'; root: string }[] = [];
  if (config.datasets.deap) roots.push({ dataset: 'deap', root: config.datasets.deap.root });
  if (config.datasets.amigos) roots.push({ dataset: 'amigos', root: config.datasets.amigos.root });
  let synthetic = false;
  if (roots.length === 0) {
    synthetic = true;
    const dir = synthDir(config);
    const deapRoot = join(dir, 'DEAP');
    const amigosRoot = join(dir, 'AMIGOS');
    if (
      existsSync(join(deapRoot, SYNTHETIC_MARKER)) &&
      existsSync(join(amigosRoot, SYNTHETIC_MARKER))
    ) {
      log(`synth: reusing the synthetic corpus in ${dir}`);
    } else {
      log(`synth: no dataset configured, writing the SYNTHETIC corpus to ${dir}`);
      const t0 = Date.now();
      await writeSyntheticCorpus({
        out: dir,
        subjects: config.synth.subjects,
        seed: config.synth.seed,
        deapTrials: config.synth.deapTrials,
        amigosShortTrials: config.synth.amigosShortTrials,
        video: config.synth.video,
        onProgress: (m) => log(`synth: ${m}`),
      });
      log(`synth: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    roots.push({ dataset: 'deap', root: deapRoot }, { dataset: 'amigos', root: amigosRoot });
  }
  const reports: ConvertReport[] = [];
  for (const { dataset, root } of roots) {
    const outDir = join(config.store, 'recordings', dataset);
    log(`convert ${dataset}: ${root} → ${outDir}`);
    const report = await convertDataset({
      dataset,
      root,
      outDir,
      labelMapping: config.convert.labelMapping,
      nanPolicy: config.convert.nanPolicy,
      onSubject: (r) =>
        log(
          r.status === 'ok'
            ? `convert ${dataset} ${r.subject}: ${r.trials} trials, ${r.skipped.length} skipped, ${(r.bytes / 1e6).toFixed(1)} MB`
            : `convert ${dataset} ${r.subject}: FAILED — ${r.error}`,
        ),
    });
    reports.push(report);
  }
  const resultsDir = join(config.results, 'latest');
  mkdirSync(resultsDir, { recursive: true });
  const summary = { synthetic, convertStageVersion: CONVERT_STAGE_VERSION, datasets: reports };
  writeFileSync(join(resultsDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(resultsDir, 'summary.md'), summaryMarkdown(reports, synthetic));
  log(`summary: ${join(resultsDir, 'summary.md')}`);
  return { synthetic, datasets: reports, resultsDir };
}

export function summaryMarkdown(reports: readonly ConvertReport[], synthetic: boolean): string {
  const lines: string[] = ['# emo run summary', ''];
  if (synthetic) {
    lines.push(
      '**SYNTHETIC DATA.** No DEAP/AMIGOS download was configured, so this run used the built-in synthetic corpus written in the DEAP and AMIGOS file formats. Nothing here is a DEAP or AMIGOS result.',
      '',
    );
  }
  lines.push(
    'Stages run so far: synth (when no dataset is configured) → convert. Signal processing, vision, training and evaluation arrive with later issues.',
    '',
  );
  for (const r of reports) {
    const ok = r.subjects.filter((s) => s.status === 'ok');
    const bad = r.subjects.filter((s) => s.status === 'failed');
    lines.push(
      `## ${r.dataset.toUpperCase()}${r.synthetic ? ' (synthetic)' : ''}`,
      '',
      `Root: \`${r.root}\``,
      '',
    );
    lines.push(`Subjects converted: ${ok.length}; failed: ${bad.length}.`, '');
    lines.push(`Label mapping: ${r.labelMapping}`, '');
    lines.push('| class | trials |', '|---|---|');
    for (const e of EMOTIONS) lines.push(`| ${e} | ${r.labels.perClass[e]} |`);
    lines.push(`| unlabelled | ${r.labels.unlabelled} |`, '');
    const skipped = r.subjects.flatMap((s) =>
      s.skipped.map((k) => `- ${s.subject} trial ${k.trial} (${k.stimulusId}): ${k.reason}`),
    );
    if (skipped.length) lines.push('Skipped trials:', '', ...skipped, '');
    if (bad.length)
      lines.push('Failed subjects:', '', ...bad.map((s) => `- ${s.subject}: ${s.error}`), '');
    if (r.notes.length) lines.push('Notes:', '', ...r.notes.map((n) => `- ${n}`), '');
  }
  return lines.join('\n');
}
