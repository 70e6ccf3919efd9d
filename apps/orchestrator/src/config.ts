/**
 * `emo.config.json`: dataset roots, the run's seed and stage parameters, validated with zod. A
 * bad key or value fails fast with one line naming it and where it came from. Every default is
 * the owning package's own (DSP_DEFAULTS, VISION_DEFAULTS, TRAIN_DEFAULTS, …, through the stage
 * schemas); the config's JSON Schema is generated from this one (config-schema.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_SEED } from '@emo/runtime';
import { seedParam } from './stages/seed.js';
import { convertSettings } from './stages/convert.js';
import { dspParams } from './stages/dsp.js';
import { visionParams } from './stages/vision.js';
import { ratingSplitParam, splitParams, tasksParam } from './stages/split.js';
import { trainParams } from './stages/train.js';
import { evaluateParams } from './stages/evaluate.js';
import { synthParams } from './stages/synth.js';
import { reportParams } from './stages/report.js';

/** A stage block's own seed is optional: left out, the run's top-level `seed` is used. */
const ownSeed = { seed: seedParam.optional() };

export const configSchema = z
  .object({
    /** The JSON Schema an editor checks this file against (results write it beside the file). */
    $schema: z.string().optional(),
    /**
     * The run's random seed: synth, split, train and evaluate each derive their own streams
     * from it; a stage block's `seed` (`evaluate.bootstrap.seed`) overrides it for that stage.
     */
    seed: seedParam.default(DEFAULT_SEED),
    /**
     * The classification tasks, each run with every protocol and model and cached on its own:
     * 'emotion5' (the study's five classes), 'valence2', 'arousal2' (high vs low), 'quadrant4'.
     */
    tasks: tasksParam,
    /** Where the rating tasks split high from low (threshold 5 on the 1–9 scales). */
    ratingSplit: ratingSplitParam.prefault({}),
    /** Content-addressed store and working files. */
    store: z.string().default('.emo'),
    /** Where results/latest/ and results/runs/<runId>/ are written. */
    results: z.string().default('results'),
    datasets: z
      .object({
        deap: z.object({ root: z.string() }).strict().optional(),
        amigos: z.object({ root: z.string() }).strict().optional(),
      })
      .strict()
      .prefault({}),
    /** Stage parameters, one block per stage id (schemas in src/stages/). */
    synth: synthParams.extend(ownSeed).prefault({}),
    convert: convertSettings.prefault({}),
    dsp: dspParams.prefault({}),
    vision: visionParams.prefault({}),
    split: splitParams.omit({ tasks: true, ratingSplit: true }).extend(ownSeed).prefault({}),
    train: trainParams.extend(ownSeed).prefault({}),
    evaluate: evaluateParams
      .extend({
        bootstrap: evaluateParams.shape.bootstrap.extend(ownSeed).prefault({}),
      })
      .prefault({}),
    /** Published numbers to show beside ours (e.g. the study's own table). */
    report: reportParams.pick({ published: true }).prefault({}),
  })
  .strict();

export type EmoConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Command-line overrides of the config file (flags win). */
export interface ConfigOverrides {
  /** `key.path=value` pairs; the value is JSON when it parses as JSON, else a string. */
  readonly set?: readonly string[];
  readonly store?: string;
  readonly results?: string;
  readonly deap?: string;
  readonly amigos?: string;
}

/** Where a config value came from, for error messages: the file, or the flag that set it. */
type Origins = Map<string, string>;

function describeIssue(file: string, origins: Origins, issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.');
  const keys =
    issue.code === 'unrecognized_keys' ? issue.keys.map((k) => (path ? `${path}.${k}` : k)) : [];
  const key = keys[0] ?? path;
  const origin =
    [...origins.entries()].find(([k]) => key === k || key.startsWith(`${k}.`))?.[1] ?? file;
  if (issue.code === 'unrecognized_keys') {
    return `${origin}: unknown key ${keys.map((k) => `'${k}'`).join(', ')}`;
  }
  return `${origin}: '${path || '(root)'}': ${issue.message}`;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Apply the overrides to a raw config object (a copy); returns it and where each key came from. */
export function applyOverrides(
  raw: unknown,
  o: ConfigOverrides,
  cwd: string,
): { raw: unknown; origins: Origins } {
  const origins: Origins = new Map();
  if (!isRecord(raw)) return { raw, origins };
  const out = structuredClone(raw);
  const put = (path: string, value: unknown, flag: string) => {
    const parts = path.split('.');
    if (parts.some((p) => p === '' || p === '__proto__' || p === 'constructor')) {
      throw new ConfigError(`${flag}: '${path}' is not a config key`);
    }
    let obj: Record<string, unknown> = out;
    for (const p of parts.slice(0, -1)) {
      if (!isRecord(obj[p])) obj[p] = {};
      obj = obj[p] as Record<string, unknown>;
    }
    obj[parts[parts.length - 1]] = value;
    origins.set(path, flag);
  };
  for (const pair of o.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set ${pair}: expected key.path=value`);
    const text = pair.slice(eq + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // a plain string
    }
    put(pair.slice(0, eq), value, `--set ${pair}`);
  }
  if (o.store) put('store', resolve(cwd, o.store), `--store ${o.store}`);
  if (o.results) put('results', resolve(cwd, o.results), `--results ${o.results}`);
  if (o.deap) put('datasets.deap.root', resolve(cwd, o.deap), `--deap ${o.deap}`);
  if (o.amigos) put('datasets.amigos.root', resolve(cwd, o.amigos), `--amigos ${o.amigos}`);
  return { raw: out, origins };
}

/** Parse and validate a config object; relative paths resolve against `baseDir`. */
export function parseConfig(
  raw: unknown,
  file: string,
  baseDir: string,
  origins: Origins = new Map(),
): EmoConfig {
  const r = configSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(describeIssue(file, origins, r.error.issues[0]));
  const cfg = r.data;
  for (const name of ['deap', 'amigos'] as const) {
    const ds = cfg.datasets[name];
    if (ds) {
      ds.root = resolve(baseDir, ds.root);
      if (!existsSync(ds.root)) {
        const origin = origins.get(`datasets.${name}.root`) ?? file;
        throw new ConfigError(
          `${origin}: 'datasets.${name}.root': folder ${ds.root} does not exist`,
        );
      }
    }
  }
  cfg.store = resolve(baseDir, cfg.store);
  cfg.results = resolve(baseDir, cfg.results);
  return cfg;
}

/** Load `file` (or ./emo.config.json when present, else defaults), then apply the overrides. */
export function loadConfig(
  file: string | undefined,
  cwd = process.cwd(),
  overrides: ConfigOverrides = {},
): { config: EmoConfig; source: string } {
  const path = file ? resolve(cwd, file) : resolve(cwd, 'emo.config.json');
  let raw: unknown = {};
  let source = '(defaults)';
  if (existsSync(path)) {
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new ConfigError(`${path}: not valid JSON (${(e as Error).message})`);
    }
    source = path;
  } else if (file) throw new ConfigError(`${path}: config file not found`);
  const o = applyOverrides(raw, overrides, cwd);
  const baseDir = source === '(defaults)' ? cwd : dirname(path);
  return { config: parseConfig(o.raw, source, baseDir, o.origins), source };
}
