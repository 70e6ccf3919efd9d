#!/usr/bin/env node
// The `emo` command. Runs the built CLI; build first with `pnpm build` (or any nx target).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error(
    'emo: not built yet; run `pnpm build` (or `pnpm exec nx run orchestrator:build`) first',
  );
  process.exit(2);
}
const { main } = await import(cli);
process.exitCode = await main(process.argv);
