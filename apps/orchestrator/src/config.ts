/**
 * `emo.config.json`: dataset roots and stage parameters, validated with zod. A bad key or
 * value fails fast with one line naming it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

const labelMapping = z
  .object({
    centre: z.number().optional(),
    neutralRadius: z.number().min(0).optional(),
    dominanceSplit: z.number().optional(),
    useAmigosCheckboxes: z.boolean().optional(),
  })
  .strict();

export const configSchema = z
  .object({
    /** Content-addressed store and working files. */
    store: z.string().default('.emo'),
    /** Where results/latest/ is written. */
    results: z.string().default('results'),
    datasets: z
      .object({
        deap: z.object({ root: z.string() }).strict().optional(),
        amigos: z.object({ root: z.string() }).strict().optional(),
      })
      .strict()
      .default({}),
    synth: z
      .object({
        subjects: z.number().int().min(1).max(64).default(6),
        seed: z.number().int().default(1),
        deapTrials: z.number().int().min(5).max(40).default(15),
        amigosShortTrials: z.number().int().min(5).max(16).default(16),
        video: z.boolean().default(true),
      })
      .strict()
      .default({ subjects: 6, seed: 1, deapTrials: 15, amigosShortTrials: 16, video: true }),
    convert: z
      .object({
        labelMapping: labelMapping.default({}),
        nanPolicy: z.enum(['skip', 'keep']).default('skip'),
      })
      .strict()
      .default({ labelMapping: {}, nanPolicy: 'skip' }),
  })
  .strict();

export type EmoConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function describeIssue(file: string, issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    return `${file}: unknown key ${keys.map((k) => `'${k}'`).join(', ')}`;
  }
  return `${file}: '${path || '(root)'}': ${issue.message}`;
}

/** Parse and validate a config object; relative dataset roots resolve against `baseDir`. */
export function parseConfig(raw: unknown, file: string, baseDir: string): EmoConfig {
  const r = configSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(describeIssue(file, r.error.issues[0]));
  const cfg = r.data;
  for (const name of ['deap', 'amigos'] as const) {
    const ds = cfg.datasets[name];
    if (ds) {
      ds.root = resolve(baseDir, ds.root);
      if (!existsSync(ds.root)) {
        throw new ConfigError(`${file}: 'datasets.${name}.root': folder ${ds.root} does not exist`);
      }
    }
  }
  cfg.store = resolve(baseDir, cfg.store);
  cfg.results = resolve(baseDir, cfg.results);
  return cfg;
}

/** Load `file` (or ./emo.config.json when present, else defaults). */
export function loadConfig(
  file: string | undefined,
  cwd = process.cwd(),
): { config: EmoConfig; source: string } {
  const path = file ? resolve(cwd, file) : resolve(cwd, 'emo.config.json');
  if (!existsSync(path)) {
    if (file) throw new ConfigError(`${path}: config file not found`);
    return { config: parseConfig({}, '(defaults)', cwd), source: '(defaults)' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return { config: parseConfig(raw, path, dirname(path)), source: path };
}
