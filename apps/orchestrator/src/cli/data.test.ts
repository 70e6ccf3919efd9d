// `emo synth --preset/--only` and the pipeline's `synth.preset` (the rest of `emo synth` and
// `emo convert` are tested in ../cli.test.ts).
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEmo } from '../testing.js';
import { ConfigError, loadConfig } from '../config.js';
import { buildPipeline } from '../pipeline.js';

describe('emo synth --preset', () => {
  it('writes one full-size data set with --only, marked synthetic with its dimensions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emo-cli-synth-full-'));
    const r = await runEmo(
      'synth',
      '--out',
      dir,
      '--preset',
      'full',
      '--only',
      'deap',
      '--subjects',
      '1',
      '--deap-trials',
      '5',
      '--no-video',
      '--json',
    );
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as { preset: string; datasets: string[]; trials: number };
    expect(res).toMatchObject({ preset: 'full', datasets: ['deap'], trials: 5 });
    expect(existsSync(join(dir, 'AMIGOS'))).toBe(false);
    const marker = JSON.parse(readFileSync(join(dir, 'DEAP', 'EMO_SYNTHETIC.json'), 'utf8')) as {
      synthetic: boolean;
      parameters: Record<string, unknown>;
    };
    expect(marker.synthetic).toBe(true);
    expect(marker.parameters).toMatchObject({
      preset: 'full',
      deapTrials: 5,
      deapVideo: { width: 720, height: 576, fps: 50 },
    });
  });

  it('refuses an unknown preset or data set with a one-line reason', async () => {
    const preset = await runEmo('synth', '--out', '/tmp/x', '--preset', 'huge');
    expect(preset.code).not.toBe(0);
    expect(preset.err.trim().split('\n')).toHaveLength(1);
    expect(preset.err).toMatch(/--preset must be small or full/);
    const only = await runEmo('synth', '--out', '/tmp/x', '--only', 'both');
    expect(only.code).not.toBe(0);
    expect(only.err).toMatch(/--only must be deap or amigos/);
  });

  it('the pipeline takes synth.preset from its config; the preset fills the dimensions', async () => {
    const d = mkdtempSync(join(tmpdir(), 'emo-cli-synth-cfg-'));
    const { config } = loadConfig(undefined, d, { set: ['synth.preset=full'] });
    expect(config.synth).toMatchObject({ preset: 'full', subjects: 6 });
    expect(config.synth.deapTrials).toBeUndefined(); // the preset's (40)
    const { params } = await buildPipeline(config);
    expect((params as { synth: Record<string, unknown> }).synth).toMatchObject({ preset: 'full' });
    expect(loadConfig(undefined, d).config.synth.preset).toBe('small');
    expect(() => loadConfig(undefined, d, { set: ['synth.preset=huge'] })).toThrow(ConfigError);
    expect(() => loadConfig(undefined, d, { set: ['synth.preset=huge'] })).toThrow(
      /'synth\.preset'/,
    );
  });
});
