/**
 * The JSON Schema of `emo.config.json`, generated from the config's zod schema (zod's own
 * export), so that an editor completes and checks the keys. Every run's results hold it beside
 * the `emo.config.json` they write (which names it in `$schema`); `emo schema` prints it, and
 * the repository's `emo.config.schema.json` is this output (a test keeps it so).
 */
import { z } from 'zod';
import { configSchema } from './config.js';

export const CONFIG_SCHEMA_JSON = 'emo.config.schema.json';

/** The schema of what a user writes: defaults make keys optional, as the loader applies them. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', target: 'draft-07', unrepresentable: 'any' }),
    title: 'emo.config.json',
    description:
      'Settings of the emo pipeline (dataset roots, the run seed, stage parameters); see apps/orchestrator/README.md.',
  };
}

/** The schema as the text emo writes (pretty JSON, final newline). */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
