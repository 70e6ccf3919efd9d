/**
 * Results a person looks for, in a stable place: `results/runs/<runId>/` (report.md,
 * metrics.json, manifest.json) for every run, and `results/latest` pointing at the newest run
 * of the whole pipeline.
 */
import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { escapeHtml } from '@emo/eval';
import type { RunManifest, TaskRecord } from './engine/index.js';
import { CONFIG_SCHEMA_JSON, configJsonSchemaText } from './config-schema.js';
import { CONFIG_JSON, METRICS_JSON, REPORT_HTML, REPORT_MD } from './stages/report.js';
import { FIGURES_DIR } from './stages/evaluate.js';
import type { BundleWritten } from './bundles.js';
import { BUNDLE_JSON, MODELS_DIR, writeModelBundles } from './bundles.js';

const MAX_LISTED = 40;

function label(t: TaskRecord): string {
  return t.shard === null ? t.stage : `${t.stage}/${t.shard}`;
}

function listed(tasks: readonly TaskRecord[], line: (t: TaskRecord) => string): string[] {
  const out = tasks.slice(0, MAX_LISTED).map(line);
  if (tasks.length > MAX_LISTED) out.push(`- … and ${tasks.length - MAX_LISTED} more`);
  return out;
}

/** The "This run" section of report.md, from the manifest. */
export function runSection(m: RunManifest, manifestFile: string): string {
  const c = m.counts;
  const by = (s: TaskRecord['status']) => m.tasks.filter((t) => t.status === s);
  const lines = [
    '## This run',
    '',
    `Run \`${m.runId}\`: **${m.status}** — ${c.ran} ran, ${c.hit} cached, ${c.failed} failed, ${c.skipped} skipped, ${c.interrupted} interrupted, in ${(m.ms / 1000).toFixed(1)} s (jobs ${m.options.jobs}${m.options.strict ? ', strict' : ''}${m.options.targets ? `, up to ${m.options.targets.join(', ')}` : ''}).`,
    '',
  ];
  const failed = by('failed');
  if (failed.length) {
    lines.push(
      'Failed:',
      '',
      ...listed(failed, (t) => `- ${label(t)}: ${(t.error ?? t.reason).split('\n')[0]}`),
      '',
    );
  }
  const skipped = by('skipped');
  if (skipped.length) {
    lines.push('Skipped:', '', ...listed(skipped, (t) => `- ${label(t)}: ${t.reason}`), '');
  }
  const missing = m.tasks.filter((t) => t.missingInputs && t.missingInputs.length > 0);
  for (const t of missing) {
    lines.push(
      `${label(t)} ran without: ${(t.missingInputs ?? []).join(', ')} (failed upstream).`,
      '',
    );
  }
  const ran = by('ran');
  if (ran.length) {
    lines.push('Ran, and why:', '', ...listed(ran, (t) => `- ${label(t)}: ${t.reason}`), '');
  }
  const mc = m.machine;
  const info = Object.entries(m.info).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  lines.push(
    `Machine: ${mc.hostname}, ${mc.cpus} × ${mc.cpuModel}, ${(mc.memoryBytes / 2 ** 30).toFixed(0)} GiB, Node ${mc.node} on ${mc.platform} ${mc.arch}.`,
    '',
    ...(info.length ? [`Run facts: ${info.join('; ')}.`, ''] : []),
    `Store: \`${m.store}\`; manifest: \`${manifestFile}\` (also \`manifest.json\` beside this file).`,
    '',
    'Reproduce: `npx --yes pnpm@10.34.9 nx run orchestrator:full` (or `pnpm emo full`) with the same `emo.config.json`; unchanged stages are reused from the store.',
    '',
  );
  return lines.join('\n');
}

/**
 * The report's HTML with the run section (the Markdown of {@link runSection}, as preformatted
 * text) before `</body>`: the stage's report is content-addressed and cannot know the run.
 */
export function withRunSection(html: string, runMarkdown: string): string {
  const section = `<section id="this-run"><h2>This run</h2><pre>${escapeHtml(runMarkdown.replace(/^## This run\n+/, ''))}</pre></section>\n`;
  const at = html.lastIndexOf('</body>');
  return at < 0 ? html + section : html.slice(0, at) + section + html.slice(at);
}

/** The report.md lines that list the run's model bundles (none: nothing). */
function modelsSection(bundles: readonly BundleWritten[]): string {
  if (bundles.length === 0) return '';
  return [
    '',
    '## Models',
    '',
    `Each task's models, ready to apply to new data (\`emo predict --model <folder>\`; what they need is in each folder's \`${BUNDLE_JSON}\`):`,
    '',
    ...bundles.map((b) =>
      b.dir
        ? `- \`${MODELS_DIR}/${b.task}/${b.kind}/\``
        : `- ${b.task} ${b.kind}: no bundle (${b.error})`,
    ),
    '',
  ].join('\n');
}

export interface ResultsWritten {
  readonly dir: string;
  /** `results/latest`, when this run updated it. */
  readonly latest: string | null;
}

/**
 * Write `results/runs/<runId>/`; point `results/latest` at it when `updateLatest` (a run of the
 * whole pipeline, not one stopped early with --until).
 */
export function writeResults(
  resultsRoot: string,
  manifest: RunManifest,
  manifestFile: string,
  updateLatest: boolean,
): ResultsWritten {
  const runsDir = join(resultsRoot, 'runs');
  const dir = join(runsDir, manifest.runId);
  mkdirSync(dir, { recursive: true });
  const report = manifest.tasks.find((t) => t.stage === 'report' && t.output);
  let md: string;
  const run = runSection(manifest, manifestFile);
  if (report?.output) {
    const from = report.output.path;
    md = readFileSync(join(from, REPORT_MD), 'utf8');
    for (const f of [METRICS_JSON, CONFIG_JSON]) copyFileSync(join(from, f), join(dir, f));
    writeFileSync(join(dir, CONFIG_SCHEMA_JSON), configJsonSchemaText()); // emo.config.json's $schema
    cpSync(join(from, FIGURES_DIR), join(dir, FIGURES_DIR), { recursive: true });
    const html = readFileSync(join(from, REPORT_HTML), 'utf8');
    writeFileSync(join(dir, REPORT_HTML), withRunSection(html, run));
  } else {
    md = `# emo run ${manifest.runId}\n\nNo report in this run (the report stage did not run to completion).\n`;
  }
  const bundles = writeModelBundles(dir, manifest);
  writeFileSync(join(dir, REPORT_MD), `${md.trimEnd()}\n\n${run}${modelsSection(bundles)}`);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  if (!updateLatest) return { dir, latest: null };
  // results/latest is a relative symlink, replaced atomically by renaming a new link over it
  const latest = join(resultsRoot, 'latest');
  const tmp = join(resultsRoot, `.latest-${process.pid}`);
  rmSync(tmp, { force: true });
  symlinkSync(join('runs', manifest.runId), tmp);
  if (existsSync(latest) && !lstatSync(latest).isSymbolicLink()) {
    rmSync(latest, { recursive: true, force: true }); // a folder left by an older emo
  }
  renameSync(tmp, latest);
  return { dir, latest };
}
