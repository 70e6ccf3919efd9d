/**
 * Model bundles: `results/runs/<runId>/models/<task>/<kind>/` (so `results/latest/models/…`),
 * one per classification task and model kind of a run, holding the trained model (`model/`:
 * model.json, weights.bin) and `bundle.json`, everything needed to apply it to new data: the
 * classes, the windows' recipe (sampling of the sequences, window and step, channels, feature
 * names and units, normalisation) and the face crops' recipe, read from the shards the model
 * was trained on, and where the model came from (protocol, fold, subjects, data sets, whether
 * the data were synthetic). `emo predict --model <bundle>` takes the folder as it is.
 *
 * The model of a bundle is the first fold of the run's subject-independent protocol where there
 * is one (a model meant for people it has not seen), otherwise of the first protocol.
 */
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { FacesMetadata, RatingSplit, WindowsMetadata } from '@emo/datasets';
import { readFacesShard, readWindowsShard } from '@emo/datasets';
import { readSplit } from '@emo/eval';
import type { ModelSignature } from '@emo/model/spec';
import { readModelSignature } from '@emo/model/spec';
import { jsonText } from '@emo/runtime';
import { readsFaces, readsWindows } from '@emo/samples';
import type { RunManifest, TaskRecord } from './engine/index.js';
import type { SplitSummary } from './stages/split.js';
import { readSplitSummary, splitFile } from './stages/split.js';
import { subjectShards } from './stages/subject-shards.js';
import { parseTrainShard, readTrainSummary } from './stages/train.js';

export const MODELS_DIR = 'models';
export const BUNDLE_JSON = 'bundle.json';
export const BUNDLE_FORMAT = 'emo-model-bundle';
export const BUNDLE_VERSION = 1;

/** What `bundle.json` says. */
export interface ModelBundle {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: typeof BUNDLE_VERSION;
  readonly kind: string;
  readonly task: string;
  readonly classes: readonly string[];
  /** Where the rating tasks split low from high (null for the five emotions). */
  readonly ratingSplit: RatingSplit | null;
  /** The model's inputs, in order, and the data's sizes it takes. */
  readonly inputs: readonly string[];
  readonly shape: ModelSignature['shape'];
  /** The model folder, relative to the bundle. */
  readonly model: 'model';
  readonly trainedOn: {
    readonly runId: string;
    readonly trainTask: string;
    readonly protocol: string;
    readonly protocolKind: string;
    readonly fold: number;
    readonly subjects: readonly string[];
    readonly datasets: readonly string[];
    readonly samples: { readonly train: number; readonly val: number; readonly test: number };
    readonly testAccuracy: number | null;
    readonly synthetic: boolean;
  };
  /** How the windows were made, as their shards say (null for a model that takes no windows). */
  readonly windows:
    | (Pick<
        WindowsMetadata,
        'parameters' | 'channels' | 'seqLength' | 'seqRate' | 'featureNames' | 'units'
      > & {
        /** Cardiac source per data set ('ecg' or 'ppg'). */
        readonly cardiacSource: Readonly<Record<string, string>>;
        readonly dspStageVersion: string;
        /** Window features and face statistics: z-scored per subject, or as they are. */
        readonly featureNorm: string;
      })
    | null;
  /** How the face crops were made, as their shards say (null for a model that takes no faces). */
  readonly faces:
    | (Pick<FacesMetadata, 'parameters' | 'size' | 'frames' | 'equalisation' | 'detector'> & {
        readonly visionStageVersion: string;
      })
    | null;
}

/** The bundle in `dir`, refused in one line when it is not one. */
export function readModelBundle(dir: string): ModelBundle {
  const file = join(dir, BUNDLE_JSON);
  if (!existsSync(file)) {
    throw new Error(
      `${dir}: no ${BUNDLE_JSON} (a model bundle: results/latest/models/<task>/<kind>/)`,
    );
  }
  const b = JSON.parse(readFileSync(file, 'utf8')) as ModelBundle;
  if (b.format !== BUNDLE_FORMAT) throw new Error(`${file}: not an emo model bundle`);
  return b;
}

export interface BundleWritten {
  readonly task: string;
  readonly kind: string;
  /** The folder written, or null where the bundle could not be made (`error` says why). */
  readonly dir: string | null;
  readonly error?: string;
}

const byShard = (tasks: readonly TaskRecord[], stage: string) =>
  tasks.filter((t) => t.stage === stage && t.output && t.shard !== null);

/** Hard-link a file out of the store (the store never changes a written object), else copy it. */
function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** The windows and faces shard metadata of the given subjects (those that have such shards). */
interface ShardMetadata {
  readonly windows: (subjects: readonly string[]) => WindowsMetadata[];
  readonly faces: (subjects: readonly string[]) => FacesMetadata[];
}

/** `fn`, computed once per argument. */
function once<T>(fn: (key: string) => T): (key: string) => T {
  const seen = new Map<string, T>();
  return (key) => {
    if (!seen.has(key)) seen.set(key, fn(key));
    return seen.get(key) as T;
  };
}

interface Training {
  readonly t: TaskRecord;
  readonly task: string;
  readonly protocol: string;
  readonly kind: string;
  readonly fold: number;
}

/**
 * Write a bundle for every (task, model kind) that trained in `manifest` under `dir/models/`;
 * returns what was written, and what could not be and why (the others are written all the same).
 */
export function writeModelBundles(dir: string, manifest: RunManifest): BundleWritten[] {
  const trains: Training[] = byShard(manifest.tasks, 'train').map((t) => ({
    t,
    ...parseTrainShard(t.shard as string),
  }));
  const splits = new Map(
    byShard(manifest.tasks, 'split').map((t) => [t.shard, t.output?.path as string]),
  );
  const artifacts = (stage: string) =>
    byShard(manifest.tasks, stage).map((t) => ({
      stage,
      shard: t.shard,
      key: t.key as string,
      path: t.output?.path as string,
      hash: t.output?.hash as string,
    }));
  const shards = subjectShards(artifacts('dsp'), artifacts('vision'));
  // each subject's shard metadata, read once for all the bundles that use it
  const shardsOf = new Map(shards.map((x) => [x.subject, x]));
  const windowsMeta = once(
    (subject: string) => readWindowsShard(shardsOf.get(subject)?.windows as string).metadata,
  );
  const facesMeta = once((subject: string) => {
    const faces = shardsOf.get(subject)?.faces;
    return faces ? readFacesShard(faces).metadata : null;
  });
  const metadata: ShardMetadata = {
    windows: (subjects) => subjects.filter((x) => shardsOf.has(x)).map(windowsMeta),
    faces: (subjects) =>
      subjects.flatMap((x) => {
        const m = shardsOf.has(x) ? facesMeta(x) : null;
        return m ? [m] : [];
      }),
  };
  const written: BundleWritten[] = [];
  for (const task of new Set(trains.map((x) => x.task))) {
    const splitDir = splits.get(task);
    if (!splitDir) continue;
    const summary = readSplitSummary(splitDir);
    const kindOf = new Map(summary.protocols.map((p) => [p.protocol, p.kind]));
    const rank = (x: Training) =>
      (kindOf.get(x.protocol) === 'subject-independent' ? 0 : 1) * 1e6 +
      summary.protocols.findIndex((p) => p.protocol === x.protocol) * 1e3 +
      x.fold;
    for (const kind of new Set(trains.filter((x) => x.task === task).map((x) => x.kind))) {
      const pick = trains
        .filter((x) => x.task === task && x.kind === kind)
        .sort((a, b) => rank(a) - rank(b))[0];
      const out = join(dir, MODELS_DIR, task, kind);
      try {
        const bundle = bundleOf(pick, manifest.runId, splitDir, summary, metadata);
        rmSync(out, { recursive: true, force: true });
        mkdirSync(join(out, bundle.model), { recursive: true });
        const modelDir = join(pick.t.output?.path as string, 'model');
        for (const f of readdirSync(modelDir)) {
          linkOrCopy(join(modelDir, f), join(out, bundle.model, f));
        }
        writeFileSync(join(out, BUNDLE_JSON), jsonText(bundle));
        written.push({ task, kind, dir: out });
      } catch (e) {
        rmSync(out, { recursive: true, force: true });
        written.push({ task, kind, dir: null, error: (e as Error).message.split('\n')[0] });
      }
    }
  }
  return written;
}

/** The bundle.json of one training (its model, its data's recipes, where it came from). */
function bundleOf(
  pick: Training,
  runId: string,
  splitDir: string,
  summary: SplitSummary,
  metadata: ShardMetadata,
): ModelBundle {
  const protocol = summary.protocols.find((p) => p.protocol === pick.protocol);
  const trainDir = pick.t.output?.path as string;
  const sig = readModelSignature(join(trainDir, 'model'));
  const train = readTrainSummary(trainDir);
  const fold = readSplit(splitFile(splitDir, pick.protocol)).folds.find(
    (f) => f.fold === pick.fold,
  );
  const subjects = [...new Set((fold?.train ?? []).map((id) => id.split('/')[0]))].sort();
  const windowsMeta = sig.inputs.some(readsWindows) ? metadata.windows(subjects) : [];
  const facesMeta = sig.inputs.some(readsFaces) ? metadata.faces(subjects) : [];
  const metas: { dataset: string; synthetic: boolean }[] = [...windowsMeta, ...facesMeta];
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    kind: pick.kind,
    task: pick.task,
    classes: summary.classes,
    ratingSplit: pick.task === 'emotion5' ? null : summary.ratingSplit,
    inputs: sig.inputs,
    shape: sig.shape,
    model: 'model',
    trainedOn: {
      runId,
      trainTask: `train/${pick.t.shard}`,
      protocol: pick.protocol,
      protocolKind: protocol?.kind ?? 'unknown',
      fold: pick.fold,
      subjects,
      datasets: [...new Set(metas.map((m) => m.dataset))].sort(),
      samples: train.samples,
      testAccuracy: train.test?.accuracy ?? null,
      synthetic: metas.some((m) => m.synthetic),
    },
    windows: windowsRecipe(windowsMeta, String(sig.config.featureNorm)),
    faces: facesRecipe(facesMeta),
  };
}

/** The windows' recipe, the same in every shard a model was trained on (else an error). */
function windowsRecipe(
  metas: readonly WindowsMetadata[],
  featureNorm: string,
): ModelBundle['windows'] {
  if (metas.length === 0) return null;
  const m = metas[0];
  same(metas, (x) => [x.parameters, x.channels, x.seqLength, x.seqRate, x.featureNames], 'windows');
  const cardiacSource: Record<string, string> = {};
  for (const x of metas) cardiacSource[x.dataset] = x.cardiacSource;
  return {
    parameters: m.parameters,
    channels: m.channels,
    seqLength: m.seqLength,
    seqRate: m.seqRate,
    featureNames: m.featureNames,
    units: m.units,
    cardiacSource,
    dspStageVersion: m.stageVersion,
    featureNorm,
  };
}

/** The crops' recipe, the same in every shard a model was trained on (else an error). */
function facesRecipe(metas: readonly FacesMetadata[]): ModelBundle['faces'] {
  if (metas.length === 0) return null;
  const m = metas[0];
  // every parameter but the subject's own input files
  const recipe = (x: FacesMetadata) => {
    const { sources: _sources, ...parameters } = x.parameters;
    return parameters;
  };
  same(metas, (x) => [recipe(x), x.size, x.frames, x.equalisation, x.detector], 'faces');
  return {
    parameters: recipe(m),
    size: m.size,
    frames: m.frames,
    equalisation: m.equalisation,
    detector: m.detector,
    visionStageVersion: m.stageVersion,
  };
}

function same<T extends { subject: string }>(
  metas: readonly T[],
  recipe: (m: T) => unknown,
  what: string,
): void {
  const first = JSON.stringify(recipe(metas[0]));
  const other = metas.find((m) => JSON.stringify(recipe(m)) !== first);
  if (other) {
    throw new Error(
      `model bundle: the ${what} shards of ${metas[0].subject} and ${other.subject} were made differently (${first} vs ${JSON.stringify(recipe(other))})`,
    );
  }
}
