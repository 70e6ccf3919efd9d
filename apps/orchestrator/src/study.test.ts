// The whole study on a small synthetic corpus, through `emo full`: the three split protocols
// (each leakage-checked and marked in every output), a model × protocol × fold training with
// tiny models (the proof is about the pipeline, not the learning: see the README for the real
// numbers), the evaluation, and the report — opened in real headless Chromium.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPredictionsShard } from '@emo/datasets';
import type { RunManifest } from './engine/index.js';
import { TINY_TRAIN, runEmo } from './testing.js';

const CHROMIUM = process.env.EMO_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts', import.meta.url));

let dir: string;
let latest: string;
let manifest: RunManifest;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emo-study-'));
  writeFileSync(
    join(dir, 'emo.config.json'),
    JSON.stringify({
      store: 'store',
      results: 'res',
      synth: { subjects: 3, deapTrials: 6, amigosShortTrials: 6, amigosLongS: 20, video: false },
      train: TINY_TRAIN,
      evaluate: { bootstrap: { iterations: 200 } },
    }),
  );
  const r = await runEmo('full', '--config', join(dir, 'emo.config.json'));
  expect(r.code).toBe(0);
  latest = join(dir, 'res', 'latest');
  manifest = JSON.parse(readFileSync(join(latest, 'manifest.json'), 'utf8')) as RunManifest;
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Metrics {
  split: {
    protocols: {
      protocol: string;
      kind: string;
      leakage: { verdict: string; shares: Record<string, boolean> };
      folds: { fold: number; test: number }[];
    }[];
  };
  evaluation: {
    synthetic: boolean;
    models: { protocol: string; model: string; folds: number; bootstrap: { unit: string } }[];
    comparisons: { protocol: string; a: string; b: string }[];
  };
}

describe('the three protocols, end to end (SYNTHETIC corpus, tiny models)', () => {
  it('splits three ways, the leakage guard marks each, and every fold of every model trains', () => {
    const m = JSON.parse(readFileSync(join(latest, 'metrics.json'), 'utf8')) as Metrics;
    const protocols = m.split.protocols.map((p) => [p.protocol, p.kind, p.leakage.verdict]);
    expect(protocols).toEqual([
      ['random-70-15-15', 'random', 'shares-trials'],
      ['subject-kfold-3', 'subject-independent', 'clean'],
      ['within-subject-trials', 'within-subject', 'shares-subjects'],
    ]);
    const train = manifest.tasks.filter((t) => t.stage === 'train').map((t) => t.shard);
    const expected = m.split.protocols.flatMap((p) =>
      p.folds.flatMap((f) =>
        ['hybrid', 'cnnOnly', 'rnnOnly'].map((k) => `${p.protocol}.${k}.f${f.fold}`),
      ),
    );
    expect([...train].sort()).toEqual([...expected].sort());
    expect(train).toHaveLength(3 * (1 + 3 + 1));
    // every model under every protocol, folds pooled; subjects resampled where subject-independent
    expect(m.evaluation.synthetic).toBe(true);
    expect(m.evaluation.models).toHaveLength(9);
    for (const e of m.evaluation.models) {
      expect(e.bootstrap.unit).toBe(e.protocol.startsWith('subject') ? 'subject' : 'window');
      expect(e.folds).toBe(e.protocol.startsWith('subject') ? 3 : 1);
    }
    expect(m.evaluation.comparisons).toHaveLength(6);
  });

  it('marks the protocol in every predictions row', () => {
    for (const t of manifest.tasks.filter((x) => x.stage === 'train')) {
      const p = readPredictionsShard(join(t.output?.path ?? '', 'predictions.arrow'));
      const [protocol, model, fold] = (t.shard ?? '').split('.');
      expect(p.rows.length).toBeGreaterThan(0);
      for (const r of p.rows) {
        expect([r.protocol, r.model, `f${r.fold}`]).toEqual([protocol, model, fold]);
      }
    }
  });

  it('writes report.html, report.md, metrics.json, emo.config.json and every figure', () => {
    for (const f of ['report.html', 'report.md', 'metrics.json', 'emo.config.json']) {
      expect([f, existsSync(join(latest, f))]).toEqual([f, true]);
    }
    const figures = readdirSync(join(latest, 'figures'));
    expect(figures).toContain('protocols.svg');
    for (const p of ['random-70-15-15', 'subject-kfold-3', 'within-subject-trials']) {
      for (const f of [`confusion-${p}-hybrid.svg`, `roc-${p}-hybrid.svg`, `curves-${p}.svg`]) {
        expect(figures).toContain(f);
      }
    }
    const md = readFileSync(join(latest, 'report.md'), 'utf8');
    expect(md).toMatch(/SYNTHETIC/);
    for (const p of ['random-70-15-15', 'subject-kfold-3', 'within-subject-trials']) {
      expect(md).toContain(p);
    }
  });

  it('emo.config.json beside the report reproduces the run: every task is cached', async () => {
    const plan = await runEmo(
      'plan',
      '--config',
      join(latest, 'emo.config.json'),
      '--store',
      join(dir, 'store'),
      '--json',
    );
    expect(plan.code).toBe(0);
    const tasks = (JSON.parse(plan.out) as { tasks: { action: string }[] }).tasks;
    expect(tasks.length).toBe(manifest.tasks.length);
    expect(tasks.every((t) => t.action === 'cached')).toBe(true);
  });
});

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.EMO_REQUIRE_CHROMIUM === '1') {
  throw new Error(
    `no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set EMO_CHROMIUM`,
  );
}
const describeChromium = haveChromium ? describe : describe.skip;

describeChromium(
  `the report in headless Chromium${haveChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`,
  () => {
    it('opens without console errors, every figure drawn, and a screenshot is saved', async () => {
      const { checkReportInBrowser } = await import('@emo/eval/testing');
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, 'study-report.png');
      const r = await checkReportInBrowser(join(latest, 'report.html'), shot, {
        executablePath: CHROMIUM,
      });
      expect(r.consoleErrors).toEqual([]);
      const ids = readdirSync(join(latest, 'figures')).map((f) => f.replace(/\.svg$/, ''));
      expect(r.figures.map((f) => f.id).sort()).toEqual(ids.sort());
      expect(r.externalRequests).toEqual([]);
      for (const f of r.figures) {
        expect([f.id, f.width > 10 && f.height > 10 && f.elements > 0]).toEqual([f.id, true]);
      }
      expect(existsSync(shot)).toBe(true);
    }, 120_000);
  },
);
