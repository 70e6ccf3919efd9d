// For tests: run the `emo` command line in-process and collect what it prints.
import { main } from './cli.js';

export async function runEmo(
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(
    ['node', 'emo', ...args],
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}
