// The presets without ffmpeg: the encoder is replaced by one that records what it is asked to
// write (and hashes some of the rendered frames), so these tests see every video's size, rate,
// length, codec and pictures in seconds. The mock replaces the module on this thread only, so
// the videos are rendered here (`videoThreads: false`); corpus.test.ts checks that the render
// threads write the same bytes.
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tempDirs } from '@emo/runtime';
import type { EncodeVideoOptions, EncodeVideoResult } from './video.js';

// Corpora are hundreds of MB: every folder goes when this file's tests end.
const { make: temp, cleanup } = tempDirs();
afterAll(cleanup);

const actual = await import('./video.js');
const calls: EncodeVideoOptions[] = [];
/** Frames hashed per video: every `sample`-th rendered frame and the last one (0: none). */
let sample = 0;
const frameHashes = new Map<string, string>();
jest.unstable_mockModule('./video.js', () => ({
  ...actual,
  encodeVideo: (o: EncodeVideoOptions): Promise<EncodeVideoResult> => {
    calls.push(o);
    if (sample > 0) {
      const n = actual.renderedFrameCount(o.frames, o.fps, o.inputFps);
      const h = createHash('sha256');
      for (let i = 0; i < n; i++) {
        if (i % sample !== 0 && i !== n - 1) continue;
        const buf = new Uint8Array(o.width * o.height * 3);
        o.render(i, buf);
        h.update(buf);
      }
      frameHashes.set(o.path, h.digest('hex'));
    }
    return Promise.resolve({ bytes: 0, frames: o.frames });
  },
}));
const { writeSyntheticCorpus } = await import('./corpus.js');
const { AMIGOS_LONG_S_FULL, AMIGOS_SHORT_S_FULL, SYNTH_PRESETS } = await import('./presets.js');

function walk(d: string): string[] {
  return readdirSync(d)
    .sort()
    .flatMap((n) => {
      const p = join(d, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('synthetic corpus presets', () => {
  // Digests of the default corpus (preset small, 6 subjects, videos on) as written before the
  // presets existed (commit a58537b): every file's sha256, and for each of the 204 face videos
  // its size, rates, frame count, codec and a hash of every 25th rendered frame. The videos'
  // bytes are ffmpeg's (pinned by @ffmpeg-installer/ffmpeg); what the corpus hands ffmpeg is
  // checked here, how ffmpeg is asked to encode it in video.test.ts.
  it('the default preset writes exactly what the corpus wrote before presets', async () => {
    calls.length = 0;
    sample = 25;
    const out = temp('emo-synth-golden-');
    const r = await writeSyntheticCorpus({ out, videoThreads: false });
    sample = 0;
    expect(r).toMatchObject({ preset: 'small', datasets: ['deap', 'amigos'], videos: 204 });
    const files = walk(out).map((f) => `${relative(out, f)} ${sha(readFileSync(f))}`);
    const videos = calls
      .map(
        (o) =>
          `${relative(out, o.path)} ${o.width}x${o.height} fps=${o.fps} in=${o.inputFps ?? o.fps} ` +
          `frames=${o.frames} codec=${o.codec} ` +
          `n=${actual.renderedFrameCount(o.frames, o.fps, o.inputFps)} ${frameHashes.get(o.path)}`,
      )
      .sort();
    expect(files).toHaveLength(15);
    expect(sha(files.join('\n'))).toBe(
      'c1684902a03c1b0233fb66d73eda45ec003e98f187a9c8cf797a2b79b083304b',
    );
    expect(sha(videos.join('\n'))).toBe(
      'ef21006862c0241baf9386a50267c8529cbb73d498bd01ebd66d70ef32289aa0',
    );
    // repeats coded as repeats: no per-frame filters
    expect(calls.every((o) => o.outputFilters === undefined)).toBe(true);
  }, 120_000);

  it('full: one subject per data set with the real dimensions, H.264 with grain', async () => {
    calls.length = 0;
    const out = temp('emo-synth-full-plan-');
    const r = await writeSyntheticCorpus({ out, preset: 'full', subjects: 1, videoThreads: false });
    expect(r).toMatchObject({ preset: 'full', subjects: 1, trials: 60, videos: 60 });
    const full = SYNTH_PRESETS.full;
    const deap = calls.filter((o) => o.path.endsWith('.avi'));
    const amigos = calls.filter((o) => o.path.endsWith('.mov'));
    expect(deap).toHaveLength(40);
    expect(amigos).toHaveLength(20);
    for (const o of deap) {
      expect(o).toMatchObject({ width: 720, height: 576, fps: 50, frames: 63 * 50, codec: 'h264' });
      expect(o.outputFilters).toEqual([`noise=alls=${full.deapVideo.grain}:allf=t`]);
      expect(relative(out, o.path)).toMatch(/^DEAP\/face_video\/s01\/s01_trial\d\d\.avi$/);
    }
    const seen = new Map<string, number>();
    for (const o of amigos) {
      expect(o).toMatchObject({ width: 1280, height: 720, fps: 25, codec: 'h264' });
      const m = /(Exp[12])_P01_face\/P1_(\w+)_face\.mov$/.exec(o.path);
      expect(m).not.toBeNull();
      const [, exp, id] = m as RegExpExecArray;
      const listed = AMIGOS_SHORT_S_FULL[id] ?? AMIGOS_LONG_S_FULL[id];
      expect(exp).toBe(id in AMIGOS_LONG_S_FULL ? 'Exp2' : 'Exp1');
      expect(o.frames).toBe((5 + listed) * 25); // the 5 s baseline, then the video
      seen.set(id, o.frames / 25 - 5);
    }
    expect(Object.fromEntries(seen)).toEqual({ ...AMIGOS_SHORT_S_FULL, ...AMIGOS_LONG_S_FULL });
    // the spread the preset documents: short 51–150 s, long 14–24 min
    const short = Object.values(AMIGOS_SHORT_S_FULL);
    expect([Math.min(...short), Math.max(...short), short.length]).toEqual([51, 150, 16]);
    const long = Object.values(AMIGOS_LONG_S_FULL);
    expect([Math.min(...long), Math.max(...long)]).toEqual([14 * 60, 24 * 60]);
    // a frame is a full-size picture of a face (not blank)
    const buf = new Uint8Array(1280 * 720 * 3);
    amigos[0].render(0, buf);
    expect(new Set(buf.subarray(0, 1280 * 720 * 3)).size).toBeGreaterThan(50);
    // still marked synthetic, with the dimensions it was written with
    for (const root of [r.deapRoot, r.amigosRoot]) {
      const marker = JSON.parse(readFileSync(join(root, 'EMO_SYNTHETIC.json'), 'utf8')) as {
        synthetic: boolean;
        parameters: Record<string, unknown>;
      };
      expect(marker.synthetic).toBe(true);
      expect(marker.parameters).toMatchObject({
        preset: 'full',
        subjects: 1,
        deapTrials: 40,
        amigosShortTrials: 16,
        amigosLongS: AMIGOS_LONG_S_FULL,
        deapVideoSubjects: 22,
        deapVideo: { width: 720, height: 576, fps: 50, codec: 'h264' },
        amigosVideo: { width: 1280, height: 720, fps: 25, codec: 'h264' },
      });
    }
  }, 120_000);

  it('full: DEAP participants after 22 have no face videos (as the real data set)', async () => {
    calls.length = 0;
    const out = temp('emo-synth-full-23-');
    const r = await writeSyntheticCorpus({
      out,
      preset: 'full',
      subjects: 23,
      deapTrials: 5,
      datasets: ['deap'],
      videoThreads: false,
    });
    const folders = new Set(calls.map((o) => relative(out, o.path).split('/')[2]));
    expect(folders.size).toBe(22);
    expect(folders.has('s22')).toBe(true);
    expect(folders.has('s23')).toBe(false);
    // s22's designed missing video applies only to the last participant, who has none anyway
    expect(calls).toHaveLength(22 * 5);
    expect(r.defects).toContain(
      'DEAP: face videos for the first 22 participants only (as the real data set: 1–22)',
    );
    expect(existsSync(join(out, 'DEAP', 'data_preprocessed_python', 's23.dat'))).toBe(true);
    expect(existsSync(r.amigosRoot)).toBe(false);
  }, 120_000);
});
