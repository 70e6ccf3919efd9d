// The parameter contract on the real pipeline, through the `emo` command line: the models'
// sizes come from the data (changing the dsp and vision settings alone trains and evaluates),
// a model that cannot fit the data fails in one line before any work, one top-level seed feeds
// every random step (same seed → byte-identical outputs, another seed → another split and
// other weights), and the config has a published JSON Schema. Tiny models, one epoch.
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { writeSyntheticCorpus } from '@emo/datasets';
import { buildModel, saveModel } from '@emo/model';
import type { RunManifest } from './engine/index.js';
import { configJsonSchema, configJsonSchemaText } from './config-schema.js';
import {
  SMALL_SYNTH,
  TINY_TRAIN,
  differingOutputs,
  manifestOf,
  runEmo as emo,
  taskLabel as label,
  taskOf,
  tempDirs,
  writeTinyConfig,
} from './testing.js';

const { make: tmp, cleanup } = tempDirs();
afterAll(cleanup);

/** A tiny run's config (testing.ts) in a fresh folder. */
function tinyConfig(extra: Record<string, unknown> = {}): { dir: string; cfg: string } {
  const dir = tmp('emo-contract-');
  return { dir, cfg: writeTinyConfig(dir, extra) };
}

interface Metrics {
  trainings: { model: string; shape: Record<string, number | null>; samples: { test: number } }[];
  evaluation: { models: { model: string; metrics: { n: number } }[] };
}

describe('shapes flow from the data', () => {
  it('5-s windows at 16 Hz and two 32×32 frames per window train and evaluate, changed alone', async () => {
    const { dir, cfg } = tinyConfig();
    const set = [
      ['dsp.windowSec', 5],
      ['dsp.stepSec', 5],
      ['dsp.seqRate', 16],
      ['vision.frames', 2],
      ['vision.size', 32],
    ].flatMap(([k, v]) => ['--set', `${k}=${v}`]);
    const r = await emo('full', '--config', cfg, ...set);
    expect([r.code, r.err.split('\n').filter((l) => l.startsWith('emo:'))]).toEqual([0, []]);
    const m = manifestOf(join(dir, 'store'));
    expect(m.status).toBe('ok');
    const metrics = JSON.parse(
      readFileSync(join(dir, 'res', 'latest', 'metrics.json'), 'utf8'),
    ) as Metrics;
    const shapes = Object.fromEntries(metrics.trainings.map((t) => [t.model, t.shape]));
    expect(shapes.hybrid).toEqual({
      imageSize: 32,
      frames: 2,
      seqLength: 80, // 5 s × 16 Hz
      channels: 4,
      numFeatures: null, // the default models take no window features
      numClasses: 5,
    });
    expect(shapes.cnnOnly).toMatchObject({ imageSize: 32, frames: 2, seqLength: null });
    expect(shapes.rnnOnly).toMatchObject({ imageSize: null, seqLength: 80, channels: 4 });
    // the evaluation scored every model on the test windows
    expect(metrics.evaluation.models.map((x) => x.model).sort()).toEqual([
      'cnnOnly',
      'hybrid',
      'logreg',
      'logregFaces',
      'rnnOnly',
    ]);
    for (const x of metrics.evaluation.models) expect(x.metrics.n).toBeGreaterThan(0);
  }, 300_000);

  it('a pretrained face model of another size fails emo plan and emo full in one line, before any work', async () => {
    const { dir, cfg } = tinyConfig();
    const pretrained = join(dir, 'faces-32');
    const small = { imageSize: 32, frames: 1, seqLength: null, channels: null, numFeatures: null };
    await saveModel(
      buildModel('cnnOnly', TINY_TRAIN.model, { ...small, numClasses: 5 }),
      pretrained,
    );
    const set = ['--set', `train.pretrainedFaces=${pretrained}`];
    const expected =
      `emo: 'train.pretrainedFaces': pretrained face model ${pretrained} takes faces of 32×32×1 ` +
      `(its model.json) but the data are faces of 48×48×1 ` +
      `(the vision stage's crops: vision.size=48, vision.frames=1)\n`;
    for (const command of ['plan', 'full']) {
      const r = await emo(command, '--config', cfg, ...set);
      expect([command, r.code, r.err]).toEqual([command, 1, expected]);
    }
    expect(existsSync(join(dir, 'store'))).toBe(false); // nothing ran, nothing was stored
    // crops of its size fit it
    const fits = await emo('plan', '--config', cfg, ...set, '--set', 'vision.size=32');
    expect([fits.code, fits.err]).toEqual([0, '']);
    // an architecture that the data's sizes cannot carry is refused the same way
    const deep = await emo('plan', '--config', cfg, '--set', 'dsp.seqRate=0.1');
    expect(deep.code).toBe(1);
    expect(deep.err).toBe(
      "emo: 'train.model': model config: the Conv1D front end (1 layers, stride 1, pool 2) " +
        "shrinks the 1-step sequence to nothing (the dsp stage's windows: dsp.windowSec=10 × " +
        'dsp.seqRate=0.1 = 1 steps)\n',
    );
  }, 120_000);
});

describe('one seed', () => {
  it('the same top-level seed gives byte-identical outputs; another seed another split and other weights', async () => {
    // Two runs with seed 7 in one folder (the corpus and shards record their paths), the first
    // store moved aside before the second starts from nothing; a third with seed 8.
    const { dir, cfg } = tinyConfig({ seed: 7 });
    const store = join(dir, 'store');
    expect((await emo('full', '--config', cfg)).code).toBe(0);
    const first = manifestOf(store);
    renameSync(store, `${store}-1`);
    expect((await emo('full', '--config', cfg)).code).toBe(0);
    const b = manifestOf(store);
    const a: RunManifest = {
      ...first,
      tasks: first.tasks.map((t) =>
        t.output
          ? { ...t, output: { ...t.output, path: t.output.path.replace(store, `${store}-1`) } }
          : t,
      ),
    };
    expect(b.tasks.map(label)).toEqual(a.tasks.map(label));
    expect(differingOutputs(b, a)).toEqual([]);
    const other = tinyConfig({ seed: 8 });
    expect((await emo('full', '--config', other.cfg)).code).toBe(0);
    const c = manifestOf(join(other.dir, 'store'));
    // another seed: another corpus, split, initial weights and bootstrap (every random step)
    const hybrid = 'train/emotion5.random-70-15-15.hybrid.f0';
    for (const l of ['synth', 'split/emotion5', hybrid, 'evaluate/emotion5']) {
      expect([l, taskOf(c, l).output?.hash]).not.toEqual([l, taskOf(a, l).output?.hash]);
    }
    expect(differingOutputs(c, a)).toContain(`${hybrid}: model/weights.bin`);
    const split = (m: RunManifest) =>
      JSON.parse(
        readFileSync(
          join(taskOf(m, 'split/emotion5').output?.path ?? '', 'splits', 'random-70-15-15.json'),
          'utf8',
        ),
      ) as { seed: number };
    expect([split(a).seed, split(c).seed]).toEqual([7, 8]);
    // the settings each run wrote name the seed, and pass the config's JSON Schema written beside
    const latest = join(dir, 'res', 'latest');
    const written = JSON.parse(readFileSync(join(latest, 'emo.config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(written).toMatchObject({ $schema: './emo.config.schema.json', seed: 7 });
    const schema = JSON.parse(readFileSync(join(latest, 'emo.config.schema.json'), 'utf8'));
    expect(new Ajv({ strict: false }).validate(schema, written)).toBe(true);
  }, 400_000);

  it('emo plan --set seed=N shows every random step re-running, and why; a stage seed overrides it', async () => {
    const download = tmp('emo-contract-dl-');
    const { dir, cfg } = tinyConfig();
    await writeSyntheticCorpus({ out: download, ...SMALL_SYNTH });
    const roots = ['--deap', join(download, 'DEAP'), '--amigos', join(download, 'AMIGOS')];
    expect((await emo('full', '--config', cfg, ...roots)).code).toBe(0);
    const plan = JSON.parse(
      (await emo('plan', '--config', cfg, ...roots, '--set', 'seed=3', '--json')).out,
    ) as { tasks: { stage: string; shard: string | null; action: string; reason: string }[] };
    const reasons = Object.fromEntries(
      plan.tasks.map((t) => [label(t), `${t.action}: ${t.reason}`]),
    );
    expect(reasons['convert/deap-s01']).toBe('cached: cached');
    expect(reasons['split/emotion5']).toBe('run: parameter seed changed (0 → 3)');
    for (const kind of ['hybrid', 'cnnOnly', 'rnnOnly', 'logreg', 'logregFaces']) {
      expect(reasons[`train/emotion5.random-70-15-15.${kind}.f0`]).toBe(
        'run: parameter seed changed (0 → 3); upstream split/emotion5 will re-run',
      );
    }
    expect(reasons['evaluate/emotion5']).toBe(
      'run: parameter bootstrap.seed changed (0 → 3); upstream split/emotion5 will re-run',
    );
    // a stage's own seed wins over the top-level one
    const own = JSON.parse(
      (
        await emo(
          'plan',
          '--config',
          cfg,
          ...roots,
          '--set',
          'seed=3',
          '--set',
          'split.seed=0',
          '--json',
        )
      ).out,
    ) as typeof plan;
    expect(own.tasks.find((t) => t.stage === 'split')?.action).toBe('cached');
    expect(existsSync(join(dir, 'store'))).toBe(true);
  }, 300_000);
});

describe('the config JSON Schema', () => {
  it('is generated from the config schema, published in the repository and checks a config', () => {
    const published = readFileSync(
      new URL('../../../emo.config.schema.json', import.meta.url),
      'utf8',
    );
    expect(published).toBe(configJsonSchemaText());
    const validate = new Ajv({ strict: false }).compile(configJsonSchema());
    expect(validate({ seed: 3, dsp: { windowSec: 5 }, train: { epochs: 2, seed: 1 } })).toBe(true);
    expect(validate({ dsp: { windowsec: 5 } })).toBe(false); // a misspelt key
    expect(validate({ seed: -1 })).toBe(false);
    expect(validate({ vision: { equalize: 'sometimes' } })).toBe(false);
  });
});
