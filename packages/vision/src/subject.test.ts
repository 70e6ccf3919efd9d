import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WindowRow } from '@emo/datasets';
import {
  convertDataset,
  readFacesShard,
  readRecordingsShard,
  writeSyntheticCorpus,
  writeWindowsShard,
} from '@emo/datasets';
import { processSubjectFaces } from './subject.js';
import { processSubjectFacesInChild } from './worker/parent.js';

let dir: string;
/** Where the synthetic downloads lie (the recordings shards name videos relative to them). */
let deapRoot: string;
let amigosRoot: string;

/** A windows shard for a recordings shard: 10-s windows every 5 s after the baseline. */
function windowsFor(recPath: string, out: string): number {
  const rec = readRecordingsShard(recPath);
  const rows: WindowRow[] = [];
  for (const r of rec.rows) {
    const durationS = ((r.gsr?.length ?? 0) - r.baselineSamples) / r.fs;
    for (let w = 0; 5 * w + 10 <= durationS; w++) {
      rows.push({
        dataset: r.dataset,
        subject: r.subject,
        trial: r.trial,
        stimulusId: r.stimulusId,
        window: w,
        t0: 5 * w,
        t1: 5 * w + 10,
        label5: r.label5,
        labelSource: r.labelSource,
        valence: r.valence,
        arousal: r.arousal,
        dominance: r.dominance,
        liking: r.liking,
        flags: null,
      });
    }
  }
  writeWindowsShard(out, rows, new Float32Array(rows.length), new Float32Array(0), {
    dataset: rec.metadata.dataset,
    subject: rec.metadata.subject,
    stageVersion: 'test',
    sourceFile: recPath,
    sourceSha256: '',
    parameters: {},
    channels: ['x'],
    seqLength: 1,
    seqRate: 1,
    featureNames: [],
    units: {},
    cardiacSource: rec.metadata.cardiacSource,
    synthetic: true,
    labelMapping: '',
    notes: [],
  });
  return rows.length;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emo-vision-subject-'));
  const r = await writeSyntheticCorpus({
    out: join(dir, 'dl'),
    subjects: 1,
    seed: 4,
    deapTrials: 5,
    amigosShortTrials: 5,
    amigosLongS: 20,
    video: true,
  });
  // a download that lacks one face video (as some DEAP participants do)
  rmSync(join(r.deapRoot, 'face_video', 's01', 's01_trial03.avi'));
  // and one whose video was cut off (a truncated file, shorter than its trial)
  const cut = join(r.deapRoot, 'face_video', 's01', 's01_trial04.avi');
  const bytes = readFileSync(cut);
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
  deapRoot = r.deapRoot;
  amigosRoot = r.amigosRoot;
  await convertDataset({ dataset: 'deap', root: r.deapRoot, outDir: join(dir, 'rec') });
  await convertDataset({ dataset: 'amigos', root: r.amigosRoot, outDir: join(dir, 'rec') });
}, 240_000);

describe('processSubjectFaces (synthetic videos in the real formats)', () => {
  it('one 48×48 crop per window, faces found, and the trial without a video flagged', async () => {
    const rec = join(dir, 'rec', 'deap-s01.arrow');
    const n = windowsFor(rec, join(dir, 'deap-s01.windows.arrow'));
    const out = join(dir, 'deap-s01.faces.arrow');
    const r = await processSubjectFaces(
      rec,
      join(dir, 'deap-s01.windows.arrow'),
      out,
      {},
      { datasetRoot: deapRoot },
    );
    const f = readFacesShard(out);
    expect(f.rows).toHaveLength(n);
    expect(f.faces).toHaveLength(n * 48 * 48);
    expect(f.metadata).toMatchObject({
      size: 48,
      frames: 1,
      equalisation: 'global',
      synthetic: true,
    });
    // the trial whose video is missing: its windows are flagged
    const noVideo = f.rows.filter((x) => x.flags === 'no video');
    expect(new Set(noVideo.map((x) => x.trial)).size).toBe(1);
    // the truncated video: its first windows have faces, the rest are flagged, nothing crashed
    const cutRows = f.rows.filter((x) => x.source.endsWith('s01_trial04.avi'));
    expect(cutRows.length).toBeGreaterThan(0);
    expect(cutRows.filter((x) => x.facesFound === 1).length).toBeGreaterThan(0);
    const cutFlags = cutRows.filter((x) => x.flags !== null).map((x) => x.flags);
    expect(cutFlags.length).toBeGreaterThan(0);
    for (const fl of cutFlags) expect(fl).toMatch(/video ends before this window|video unreadable/);
    const withVideo = f.rows.filter(
      (x) => x.flags !== 'no video' && !x.source.endsWith('s01_trial04.avi'),
    );
    const share = withVideo.filter((x) => x.facesFound === 1).length / withVideo.length;
    expect(share).toBeGreaterThanOrEqual(0.95);
    // 5 trials: one without a video, one cut short; the other three have faces throughout
    expect(r.faceShare).toBeGreaterThan(0.6);
    // an equalised crop uses the whole grey range
    f.rows.forEach((row, i) => {
      if (row.facesFound !== 1) return;
      const crop = f.faces.subarray(i * 2304, (i + 1) * 2304);
      expect(Math.max(...crop) - Math.min(...crop)).toBeGreaterThan(200);
    });
  }, 240_000);

  it('AMIGOS: windows of every trial with a video get a face crop', async () => {
    const rec = join(dir, 'rec', 'amigos-P01.arrow');
    const n = windowsFor(rec, join(dir, 'amigos-P01.windows.arrow'));
    const out = join(dir, 'amigos-P01.faces.arrow');
    const r = await processSubjectFaces(
      rec,
      join(dir, 'amigos-P01.windows.arrow'),
      out,
      {},
      { datasetRoot: amigosRoot },
    );
    expect(r.rows).toBe(n);
    const f = readFacesShard(out);
    const trials = new Set(f.rows.map((x) => x.trial));
    for (const t of trials) {
      const rows = f.rows.filter((x) => x.trial === t);
      expect(rows.filter((x) => x.facesFound === 1).length).toBeGreaterThanOrEqual(rows.length - 1);
    }
  }, 240_000);

  it('in a child process or split over workers: the same shard, byte for byte, with progress; a bad input names the file', async () => {
    const rec = join(dir, 'rec', 'amigos-P01.arrow');
    const win = join(dir, 'amigos-P01.windows.arrow');
    windowsFor(rec, win);
    const here = join(dir, 'here.faces.arrow');
    const child = join(dir, 'child.faces.arrow');
    const a = await processSubjectFaces(
      rec,
      win,
      here,
      {},
      { sourceName: 'x', datasetRoot: amigosRoot },
    );
    const progress: number[] = [];
    const b = await processSubjectFacesInChild(
      rec,
      win,
      child,
      {},
      {
        sourceName: 'x',
        datasetRoot: amigosRoot,
        onProgress: (done) => progress.push(done),
      },
    );
    expect(b).toEqual(a);
    expect(readFileSync(child).equals(readFileSync(here))).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
    // trials split over worker processes: the same bytes whatever the split
    for (const workers of [2, 3]) {
      const out = join(dir, `workers-${workers}.faces.arrow`);
      const done: number[] = [];
      const c = await processSubjectFaces(
        rec,
        win,
        out,
        {},
        {
          sourceName: 'x',
          datasetRoot: amigosRoot,
          workers,
          onProgress: (d, total) => done.push(d / total),
        },
      );
      expect(c).toEqual(a);
      expect(readFileSync(out).equals(readFileSync(here))).toBe(true);
      expect(done.at(-1)).toBe(1);
      expect(done).toEqual([...done].sort((x, y) => x - y));
    }
    await expect(
      processSubjectFacesInChild(join(dir, 'missing.arrow'), win, join(dir, 'bad.faces.arrow')),
    ).rejects.toThrow(/missing\.arrow/);
    await expect(
      processSubjectFaces(
        rec,
        join(dir, 'missing.windows.arrow'),
        join(dir, 'bad.faces.arrow'),
        {},
        { workers: 2 },
      ),
    ).rejects.toThrow(/missing\.windows\.arrow/);
    // the shard names its videos relative to the download: without the root, an error up front
    for (const workers of [undefined, 2]) {
      await expect(
        processSubjectFaces(rec, win, join(dir, 'no-root.faces.arrow'), {}, { workers }),
      ).rejects.toThrow(
        `${rec} names its face videos relative to the download's root (trial 1: 'Exp1_P01_face/P1_`,
      );
    }
  }, 480_000);

  it('imports a kernels module before detecting, here and in each worker; a module without registerWasmGradKernels() is an error', async () => {
    const rec = join(dir, 'rec', 'amigos-P01.arrow');
    const win = join(dir, 'amigos-P01.windows.arrow');
    windowsFor(rec, win);
    // a stand-in for @emo/model/kernels that leaves a mark per process that called it
    const marks = join(dir, 'marks');
    const module = join(dir, 'kernels.mjs');
    writeFileSync(
      module,
      `import { appendFileSync } from 'node:fs';\n` +
        `export function registerWasmGradKernels() { appendFileSync(${JSON.stringify(marks)}, process.pid + '\\n'); }\n`,
    );
    const kernels = pathToFileURL(module).href;
    const plain = join(dir, 'plain.faces.arrow');
    await processSubjectFaces(
      rec,
      win,
      plain,
      {},
      { sourceName: 'x', workers: 2, datasetRoot: amigosRoot },
    );
    const out = join(dir, 'kernels.faces.arrow');
    await processSubjectFaces(
      rec,
      win,
      out,
      {},
      { sourceName: 'x', workers: 2, kernels, datasetRoot: amigosRoot },
    );
    const pids = readFileSync(marks, 'utf8').trim().split('\n');
    expect(pids).toHaveLength(2); // one per worker
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(String(process.pid));
    expect(readFileSync(out).equals(readFileSync(plain))).toBe(true);
    await processSubjectFaces(
      rec,
      win,
      join(dir, 'here-k.faces.arrow'),
      {},
      { kernels, datasetRoot: amigosRoot },
    );
    expect(readFileSync(marks, 'utf8').trim().split('\n')).toContain(String(process.pid));
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const nothing = 1;\n');
    await expect(
      processSubjectFaces(
        rec,
        win,
        join(dir, 'bad.faces.arrow'),
        {},
        { kernels: pathToFileURL(empty).href, datasetRoot: amigosRoot },
      ),
    ).rejects.toThrow(/exports no registerWasmGradKernels\(\)/);
  }, 480_000);
});
