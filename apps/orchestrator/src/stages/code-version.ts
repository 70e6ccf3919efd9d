/**
 * Stage code versions from the code itself: a package's version plus a hash of its built
 * JavaScript (and of the orchestrator file that wires the stage), so changing a package's code
 * re-runs its stage and what depends on it, and nothing else.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { codeVersion } from '../engine/index.js';

const require = createRequire(import.meta.url);

/** The folder holding `name`'s package.json (resolved like Node resolves the import). */
export function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the package.json of ${name}`);
    dir = up;
  }
  return dir;
}

function files(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p, suffix));
    else if (e.name.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

/**
 * `<version>+<hash>` for workspace package `name`: its package.json version and the content of
 * its built `dist/**\/*.js` (its `src/` when it has not been built, e.g. under jest) and
 * prebuilt `native/**\/*.node` addons, of the
 * `alsoPackages` it relies on for its output (e.g. the shard writers of @emo/datasets), and of
 * `extraFiles` (the stage's own wiring module). With `subdir`, only that folder of `name`'s code
 * counts (e.g. 'splits' of @emo/eval, so that a change to its report does not re-run the split
 * and every training).
 */
export async function packageCodeVersion(
  name: string,
  extraFiles: readonly string[] = [],
  alsoPackages: readonly string[] = [],
  subdir?: string,
): Promise<string> {
  const code = (pkg: string, sub = '') => {
    const dir = packageDir(pkg);
    const dist = join(dir, 'dist', sub);
    // prebuilt native addons (@emo/model's native kernels) are code too
    const native = join(dir, 'native');
    const addons = existsSync(native) && !sub ? files(native, '.node') : [];
    return [...(existsSync(dist) ? files(dist, '.js') : [join(dir, 'src', sub)]), ...addons];
  };
  const dir = packageDir(name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string };
  return codeVersion(pkg.version ?? '0.0.0', [
    ...code(name, subdir),
    ...alsoPackages.flatMap((p) => code(p)),
    ...extraFiles,
  ]);
}
