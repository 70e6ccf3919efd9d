// The whole study on a small synthetic corpus, through `emo full`, for three tasks side by side
// (the study's five classes, binary valence and arousal): the three split protocols (each
// leakage-checked and marked in every output), a task × model × protocol × fold training with
// tiny models (the proof is about the pipeline, not the learning: see the README for the real
// numbers), the evaluation with floors, and the report — opened in real headless Chromium.
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
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPredictionsShard, readWindowsShard } from '@emo/datasets';
import type { RunManifest } from './engine/index.js';
import { STUDY_SYNTH, runEmo, writeTinyConfig } from './testing.js';

const CHROMIUM = process.env.EMO_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts', import.meta.url));

const TASKS = ['emotion5', 'valence2', 'arousal2'];

let dir: string;
let latest: string;
let manifest: RunManifest;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emo-study-'));
  // every protocol (the split's defaults), three tasks
  const cfg = writeTinyConfig(dir, {
    synth: STUDY_SYNTH,
    split: {},
    evaluate: { bootstrap: { iterations: 200 } },
    tasks: TASKS,
  });
  const r = await runEmo('full', '--config', cfg);
  expect(r.code).toBe(0);
  latest = join(dir, 'res', 'latest');
  manifest = JSON.parse(readFileSync(join(latest, 'manifest.json'), 'utf8')) as RunManifest;
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Evaluation {
  synthetic: boolean;
  task: string;
  classes: string[];
  models: {
    protocol: string;
    model: string;
    folds: number;
    bootstrap: { unit: string };
    binary: { f1: number; auc: number | null } | null;
  }[];
  floors: { protocol: string; model: string; metrics: { n: number } }[];
  comparisons: { protocol: string; a: string; b: string }[];
}

interface Metrics {
  split: {
    protocols: {
      protocol: string;
      kind: string;
      leakage: { verdict: string; shares: Record<string, boolean> };
      folds: { fold: number; test: number }[];
    }[];
  };
  evaluation: Evaluation;
  tasks: {
    split: {
      task: string;
      classes: string[];
      labels: { dataset: string }[];
      protocols: Metrics['split']['protocols'];
    };
    evaluation: Evaluation;
  }[];
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
    // the rating tasks' subject-independent protocol is leave-one-subject-out (6 subjects), the
    // literature's; it does not hold out stimuli, so the guard says they are shared
    for (const t of m.tasks.slice(1)) {
      expect(t.split.protocols.map((p) => [p.protocol, p.kind, p.leakage.verdict])).toEqual([
        ['random-70-15-15', 'random', 'shares-trials'],
        ['subject-loso', 'subject-independent', 'shares-stimuli'],
        ['within-subject-trials', 'within-subject', 'shares-subjects'],
      ]);
      expect(t.split.protocols[1].folds.map((f) => f.fold)).toEqual([0, 1, 2, 3, 4, 5]);
    }
    const train = manifest.tasks.filter((t) => t.stage === 'train').map((t) => t.shard);
    const expected = m.tasks.flatMap(({ split }) =>
      split.protocols.flatMap((p) =>
        p.folds.flatMap((f) =>
          ['hybrid', 'cnnOnly', 'rnnOnly', 'logreg', 'logregFaces'].map(
            (k) => `${split.task}.${p.protocol}.${k}.f${f.fold}`,
          ),
        ),
      ),
    );
    expect([...train].sort()).toEqual([...expected].sort());
    expect(train).toHaveLength(5 * (1 + 3 + 1) + 2 * 5 * (1 + 6 + 1));
    // every task: every model under every protocol, folds pooled, and both floors; subjects
    // resampled where subject-independent, whole trials otherwise
    expect(m.tasks.map((t) => [t.split.task, t.evaluation.task])).toEqual(TASKS.map((t) => [t, t]));
    expect(m.evaluation.task).toBe('emotion5');
    for (const { split, evaluation: e } of m.tasks) {
      expect(e.synthetic).toBe(true);
      expect(e.classes).toEqual(split.classes);
      expect(e.classes).toHaveLength(split.task === 'emotion5' ? 5 : 2);
      expect(e.models).toHaveLength(15);
      expect(e.floors.map((f) => `${f.protocol}/${f.model}`)).toEqual(
        split.protocols.flatMap((p) => [`${p.protocol}/majority`, `${p.protocol}/stratified`]),
      );
      const subjectFolds = split.task === 'emotion5' ? 3 : 6;
      for (const x of e.models) {
        expect(x.bootstrap.unit).toBe(x.protocol.startsWith('subject') ? 'subject' : 'trial');
        expect(x.folds).toBe(x.protocol.startsWith('subject') ? subjectFolds : 1);
        expect(x.binary === null).toBe(split.task === 'emotion5');
      }
      expect(e.comparisons).toHaveLength(12);
      expect(split.labels.map((l) => l.dataset)).toEqual(['amigos', 'deap']);
    }
  });

  it('reports the three tasks side by side with floors, and the published rows as not comparable', () => {
    const html = readFileSync(join(latest, 'report.html'), 'utf8');
    const tasks = html.slice(
      html.indexOf('<section id="tasks">'),
      html.indexOf('</section>', html.indexOf('<section id="tasks">')),
    );
    for (const t of TASKS) expect(tasks).toContain(`<code>${t}</code>`);
    expect(tasks.match(/<em>floor: majority<\/em>/g)).toHaveLength(3 * 3);
    expect(tasks).toContain('Labels per task');
    const published = html.slice(html.indexOf('<section id="published">'));
    expect(published).toContain('Koelstra et al. 2012');
    expect(published).toContain('not comparable: this run is on SYNTHETIC data');
    expect(published).not.toContain('class="comparable"');
  });

  it('marks the protocol in every predictions row', () => {
    for (const t of manifest.tasks.filter((x) => x.stage === 'train')) {
      const p = readPredictionsShard(join(t.output?.path ?? '', 'predictions.arrow'));
      const [, protocol, model, fold] = (t.shard ?? '').split('.');
      expect(p.rows.length).toBeGreaterThan(0);
      for (const r of p.rows) {
        expect([r.protocol, r.model, `f${r.fold}`]).toEqual([protocol, model, fold]);
      }
    }
  });

  it("bundles each task's models with their recipes, and emo predict takes a bundle", async () => {
    const kinds = ['hybrid', 'cnnOnly', 'rnnOnly', 'logreg', 'logregFaces'];
    const windowsOf = (shard: string) => {
      const t = manifest.tasks.find((x) => x.stage === 'dsp' && x.shard === shard);
      const d = t?.output?.path ?? '';
      return join(d, readdirSync(d).find((f) => f.endsWith('.windows.arrow')) ?? '');
    };
    const facesOf = (shard: string) => {
      const t = manifest.tasks.find((x) => x.stage === 'vision' && x.shard === shard);
      const d = t?.output?.path ?? '';
      return join(d, readdirSync(d).find((f) => f.endsWith('.faces.arrow')) ?? '');
    };
    const windowsMeta = readWindowsShard(windowsOf('deap-s01')).metadata;
    for (const task of TASKS) {
      const split = (
        JSON.parse(readFileSync(join(latest, 'metrics.json'), 'utf8')) as Metrics
      ).tasks.find((t) => t.split.task === task)?.split;
      for (const kind of kinds) {
        const b = JSON.parse(
          readFileSync(join(latest, 'models', task, kind, 'bundle.json'), 'utf8'),
        ) as {
          kind: string;
          task: string;
          classes: string[];
          inputs: string[];
          trainedOn: {
            protocol: string;
            protocolKind: string;
            fold: number;
            subjects: string[];
            synthetic: boolean;
            trainTask: string;
          };
          windows: { seqRate: number; channels: string[]; featureNames: string[] } | null;
          faces: { size: number; frames: number } | null;
        };
        expect(b).toMatchObject({ kind, task, classes: split?.classes });
        // the first fold of the subject-independent protocol: a model for people it has not seen
        const protocol = task === 'emotion5' ? 'subject-kfold-3' : 'subject-loso';
        expect(b.trainedOn).toMatchObject({
          protocol,
          protocolKind: 'subject-independent',
          fold: 0,
          synthetic: true,
          trainTask: `train/${task}.${protocol}.${kind}.f0`,
        });
        expect(b.trainedOn.subjects.length).toBeGreaterThan(0);
        expect(b.trainedOn.subjects.length).toBeLessThan(6); // fold 0 holds some subjects out
        // the recipes are read from the shards it was trained on
        expect(b.windows === null).toBe(kind === 'cnnOnly');
        if (b.windows) {
          expect(b.windows).toMatchObject({
            seqRate: windowsMeta.seqRate,
            channels: windowsMeta.channels,
            featureNames: windowsMeta.featureNames,
          });
        }
        expect(b.faces === null).toBe(kind === 'rnnOnly' || kind === 'logreg');
        expect(existsSync(join(latest, 'models', task, kind, 'model', 'model.json'))).toBe(true);
      }
    }
    expect(readFileSync(join(latest, 'report.md'), 'utf8')).toContain('`models/valence2/rnnOnly/`');
    const r = await runEmo(
      'predict',
      '--model',
      join(latest, 'models', 'valence2', 'hybrid'),
      '--faces',
      facesOf('deap-s01'),
      '--windows',
      windowsOf('deap-s01'),
      '--json',
    );
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out) as { task: string; classes: string[]; rows: unknown[] };
    expect(p).toMatchObject({ task: 'valence2', classes: ['low', 'high'] });
    expect(p.rows.length).toBe(readWindowsShard(windowsOf('deap-s01')).rows.length);
  }, 120_000);

  // NeuroKit2's event-related recording (real ECG and EDA, 100 Hz, 150 s), EMO_REALDATA_DIR
  const recording = resolve(
    fileURLToPath(new URL('../../../', import.meta.url)),
    process.env.EMO_REALDATA_DIR ?? '../shared/realdata',
    'physio/neurokit/bio_eventrelated_100hz.csv',
  );
  (existsSync(recording) ? it : it.skip)(
    'emo stream replays a real recording through a bundle: a line per window, flags, latency',
    async () => {
      const args = ['--input', recording, '--fs', '100', '--ecg', 'ECG', '--gsr', 'EDA'];
      const model = join(latest, 'models', 'emotion5', 'rnnOnly');
      const r = await runEmo('stream', '--model', model, ...args, '--speed', 'max', '--json');
      expect(r.code).toBe(0);
      const lines = r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const windows = lines.slice(0, -1) as {
        t0: number;
        t1: number;
        probs: Record<string, number>;
        predicted: string;
        flags: string[];
        calibrating: boolean;
        latency_ms: number;
      }[];
      // 150 s in the dsp stage's 10-s windows, one every 10 s
      expect(windows.map((w) => w.t0)).toEqual(Array.from({ length: 15 }, (_, i) => 10 * i));
      for (const w of windows) {
        expect(Object.keys(w.probs)).toEqual(['happy', 'sad', 'angry', 'neutral', 'fear']);
        expect(Object.values(w.probs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        expect(w.probs[w.predicted]).toBe(Math.max(...Object.values(w.probs)));
        expect(w.calibrating).toBe(w.t1 <= 60);
        expect(w.latency_ms).toBeGreaterThanOrEqual(0);
      }
      expect(lines.at(-1)).toMatchObject({ summary: true, windows: 15, samples: 15000 });

      // non-numeric samples are read as missing, counted, and flag their window
      const dir2 = mkdtempSync(join(tmpdir(), 'emo-stream-'));
      const rows = readFileSync(recording, 'utf8').split('\n');
      const ecgCol = rows[0].split(',').indexOf('ECG');
      for (let i = 5201; i <= 5210; i++) {
        const cells = rows[i].split(',');
        cells[ecgCol] = 'n/a';
        rows[i] = cells.join(',');
      }
      const bad = join(dir2, 'bad.csv');
      writeFileSync(bad, rows.join('\n'));
      const b = await runEmo(
        'stream',
        '--model',
        model,
        ...args.slice(2),
        '--input',
        bad,
        '--speed',
        'max',
        '--json',
      );
      expect(b.code).toBe(0);
      expect(b.err).toContain('emo stream: 10 non-numeric samples read as missing');
      const bl = b.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { flags?: string[] });
      expect(bl[5].flags?.some((f) => f.startsWith('ecg nan'))).toBe(true);
      expect(bl.at(-1)).toMatchObject({ badSamples: 10 });

      // a model that needs faces, and a folder that is no bundle: one line each
      const hybrid = await runEmo(
        'stream',
        '--model',
        join(latest, 'models', 'emotion5', 'hybrid'),
        ...args,
      );
      expect(hybrid.code).toBe(1);
      expect(hybrid.err.trim().split('\n')).toHaveLength(1);
      expect(hybrid.err).toMatch(
        /a hybrid model needs face crops \(face\): give a face stream \(--video\)/,
      );
      const none = await runEmo('stream', '--model', dir2, ...args);
      expect(none.err).toMatch(/no bundle\.json \(a model bundle/);
    },
    120_000,
  );

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
    // the other tasks' leave-one-subject-out scores per subject, with the tasks
    const tasksMd = md.slice(md.indexOf('## Tasks side by side'), md.indexOf('## Why'));
    for (const task of ['valence2', 'arousal2']) {
      expect(figures).toContain(`${task}-subjects-subject-loso.svg`);
      expect(tasksMd).toContain(`](figures/${task}-subjects-subject-loso.svg)`);
    }
  });

  it('adding a task re-runs nothing that exists: only its own split, training and evaluation', async () => {
    const r = await runEmo(
      'full',
      '--config',
      join(dir, 'emo.config.json'),
      '--set',
      `tasks=${JSON.stringify([...TASKS, 'quadrant4'])}`,
    );
    expect(r.code).toBe(0);
    const m = JSON.parse(
      readFileSync(join(dir, 'res', 'latest', 'manifest.json'), 'utf8'),
    ) as RunManifest;
    const ran = m.tasks.filter((t) => t.status === 'ran');
    expect(ran.every((t) => t.stage === 'report' || t.shard?.startsWith('quadrant4'))).toBe(true);
    expect(ran.map((t) => t.stage)).toEqual([
      'split',
      ...Array<string>(5 * (1 + 6 + 1)).fill('train'),
      'evaluate',
      'report',
    ]);
    const hits = m.tasks.filter((t) => t.status === 'hit');
    expect(hits).toHaveLength(manifest.tasks.length - 1);
  }, 300_000);

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
    const last = JSON.parse(readFileSync(join(latest, 'manifest.json'), 'utf8')) as RunManifest;
    expect(tasks.length).toBe(last.tasks.length);
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
