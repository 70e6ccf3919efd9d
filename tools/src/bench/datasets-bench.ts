/**
 * Benchmark of the datasets package (issue 2): reading a full-size DEAP .dat (40×40×8064
 * float64, ~103 MB) in the Python 2 pickle form, the same as MAT v5, a full-size AMIGOS-shaped
 * compressed .mat, converting each to recordings shards, and writing shards. Prints MB/s, and
 * Python's pickle.load / scipy.io.loadmat on the same files when python3 with numpy and scipy
 * is available (dev-only). Run: pnpm bench datasets
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableToIPC } from 'apache-arrow';
import type { MatValue } from '@emo/datasets';
import {
  AMIGOS_LONG_IDS,
  AMIGOS_SHORT_IDS,
  convertDataset,
  ndarray,
  readMat,
  readPickle,
  writeDeapPickle,
  writeMat5,
  writeShardFile,
  makeShardTable,
  listFloat32Column,
  int32Column,
} from '@emo/datasets';
import { Rng } from '@emo/runtime';

function best(fn: () => void | Promise<void>, repeat = 3): Promise<number> {
  return (async () => {
    let min = Infinity;
    for (let i = 0; i < repeat; i++) {
      const t0 = performance.now();
      await fn();
      min = Math.min(min, (performance.now() - t0) / 1000);
    }
    return min;
  })();
}

function physioLike(rng: Rng, n: number): Float64Array {
  const x = new Float64Array(n);
  let v = 0;
  for (let i = 0; i < n; i++) {
    v = 0.99 * v + rng.normal(0, 1);
    x[i] = v + Math.sin(i / 20);
  }
  return x;
}

function fmt(mb: number, s: number): string {
  return `${(mb / s).toFixed(0).padStart(6)} MB/s  (${(s * 1000).toFixed(0)} ms)`;
}

export async function runDatasetsBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'emo-bench-'));
  const rng = new Rng(42);
  try {
    // DEAP full size
    const trials = 40;
    const data = new Float64Array(trials * 40 * 8064);
    for (let t = 0; t < trials * 40; t++) data.set(physioLike(rng, 8064), t * 8064);
    const labels = Float64Array.from({ length: trials * 4 }, () => rng.uniform(1, 9));
    const deapRoot = join(dir, 'DEAP');
    mkdirSync(join(deapRoot, 'data_preprocessed_python'), { recursive: true });
    mkdirSync(join(deapRoot, 'data_preprocessed_matlab'), { recursive: true });
    const datPath = join(deapRoot, 'data_preprocessed_python', 's01.dat');
    const arrays = {
      data: ndarray('float64', [trials, 40, 8064], data),
      labels: ndarray('float64', [trials, 4], labels),
    };
    writeFileSync(datPath, writeDeapPickle(arrays, { protocol: 2, form: 'py2' }));
    const datMb = statSync(datPath).size / 1e6;

    // the same arrays as MAT v5 (uncompressed), column-major as MATLAB stores them
    const matPath = join(deapRoot, 'data_preprocessed_matlab', 's01.mat');
    writeFileSync(
      matPath,
      writeMat5(
        new Map<string, MatValue>([
          ['data', { kind: 'numeric', class: 'double', shape: [trials, 40, 8064], data }],
          ['labels', { kind: 'numeric', class: 'double', shape: [trials, 4], data: labels }],
        ]),
        { compress: false },
      ),
    );
    const matMb = statSync(matPath).size / 1e6;

    // AMIGOS-shaped compressed: 16 short trials of ~90 s and 4 long of ~15 min, 17 columns
    const amigosRoot = join(dir, 'AMIGOS');
    mkdirSync(amigosRoot, { recursive: true });
    const amigosPath = join(amigosRoot, 'Data_Preprocessed_P01.mat');
    const lengths = [
      ...Array.from({ length: 16 }, () => rng.int(51, 150) * 128),
      ...[14, 18, 20, 23].map((m) => m * 60 * 128),
    ];
    const joined: MatValue[] = lengths.map((n) => {
      const x = new Float64Array(n * 17);
      for (let c = 0; c < 17; c++) {
        const col = physioLike(rng, n);
        for (let r = 0; r < n; r++) x[r * 17 + c] = Math.round(col[r] * 1000) / 1000;
      }
      return { kind: 'numeric', class: 'double', shape: [n, 17], data: x };
    });
    const cell = (items: MatValue[]): MatValue => ({
      kind: 'cell',
      shape: [1, items.length],
      items,
    });
    const ids = [...AMIGOS_SHORT_IDS, ...AMIGOS_LONG_IDS];
    const amigosBytes = writeMat5(
      new Map<string, MatValue>([
        ['VideoIDs', cell(ids.map((s) => ({ kind: 'char', shape: [1, s.length], rows: [s] })))],
        ['joined_data', cell(joined)],
        [
          'labels_selfassessment',
          cell(
            ids.map(() => ({
              kind: 'numeric',
              class: 'double',
              shape: [1, 12],
              data: Float64Array.from({ length: 12 }, (_, k) =>
                k < 5 ? rng.uniform(1, 9) : rng.int(0, 1),
              ),
            })),
          ),
        ],
        [
          'labels_ext_annotation',
          cell(
            ids.map(() => ({
              kind: 'numeric',
              class: 'double',
              shape: [0, 0],
              data: new Float64Array(0),
            })),
          ),
        ],
      ]),
      { compress: true },
    );
    writeFileSync(amigosPath, amigosBytes);
    const amigosMb = statSync(amigosPath).size / 1e6;
    const amigosRawMb = lengths.reduce((a, n) => a + n * 17 * 8, 0) / 1e6;

    console.log('datasets benchmark (best of 3; MB = file bytes / 1e6 unless noted)');
    console.log(
      `files: DEAP .dat ${datMb.toFixed(1)} MB, DEAP .mat ${matMb.toFixed(1)} MB, AMIGOS .mat ${amigosMb.toFixed(1)} MB compressed (${amigosRawMb.toFixed(0)} MB of doubles)`,
    );

    const tPickle = await best(() => {
      readPickle(readFileSync(datPath), datPath);
    });
    const tMat = await best(async () => {
      await readMat(readFileSync(matPath), matPath);
    });
    const tMatF = await best(async () => {
      await readMat(readFileSync(matPath), matPath, { order: 'F' });
    });
    const tAmigos = await best(async () => {
      await readMat(readFileSync(amigosPath), amigosPath);
    });
    console.log(`read  DEAP .dat (pickle)        ${fmt(datMb, tPickle)}`);
    console.log(`read  DEAP .mat (MAT v5)        ${fmt(matMb, tMat)}`);
    console.log(`read  DEAP .mat, MATLAB order  ${fmt(matMb, tMatF)}  (no reordering, as scipy)`);
    console.log(
      `read  AMIGOS .mat (compressed)  ${fmt(amigosMb, tAmigos)}  = ${(amigosRawMb / tAmigos).toFixed(0)} MB/s of decoded doubles`,
    );

    let py: Record<string, number> | null = null;
    try {
      const script = fileURLToPath(new URL('../../bench/read_bench.py', import.meta.url));
      const outp = execFileSync(
        'python3',
        [script, 'pickle', datPath, 'mat', matPath, 'mat', amigosPath],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      py = JSON.parse(outp.trim().split('\n').pop() as string) as Record<string, number>;
    } catch (e) {
      console.log(
        `python3 with numpy/scipy not available, no reference timings (${(e as Error).message.split('\n')[0]})`,
      );
    }
    if (py) {
      console.log(
        `python pickle.load + numpy      ${fmt(datMb, py[datPath])}   ours/python time ratio ${(tPickle / py[datPath]).toFixed(2)}`,
      );
      console.log(
        `python scipy.io.loadmat (DEAP)  ${fmt(matMb, py[matPath])}   ours/python time ratio ${(tMat / py[matPath]).toFixed(2)}`,
      );
      console.log(
        `  … + C order like ours         ${fmt(matMb, py[`${matPath}:C`])}   ours/python time ratio ${(tMat / py[`${matPath}:C`]).toFixed(2)}`,
      );
      console.log(
        `  ours in MATLAB order (as scipy) vs scipy          time ratio ${(tMatF / py[matPath]).toFixed(2)}`,
      );
      console.log(
        `python scipy.io.loadmat (AMIGOS)${fmt(amigosMb, py[amigosPath])}   ours/python time ratio ${(tAmigos / py[amigosPath]).toFixed(2)}`,
      );
      console.log(
        `  … + C order like ours         ${fmt(amigosMb, py[`${amigosPath}:C`])}   ours/python time ratio ${(tAmigos / py[`${amigosPath}:C`]).toFixed(2)}`,
      );
    }

    // conversion to shards (read + extract + label + write)
    for (const [dataset, root, mb] of [
      ['deap', deapRoot, datMb],
      ['amigos', amigosRoot, amigosMb],
    ] as const) {
      rmSync(join(dir, 'shards'), { recursive: true, force: true });
      const t = await best(async () => {
        const r = await convertDataset({ dataset, root, outDir: join(dir, 'shards') });
        if (r.subjects[0]?.status !== 'ok')
          throw new Error(`convert failed: ${r.subjects[0]?.error}`);
      }, 2);
      console.log(`convert ${dataset.padEnd(6)} subject → shard  ${fmt(mb, t)}`);
    }

    // shard writing alone: 3200 rows of 8064 float32 samples ≈ 100 MB
    const sig = Float32Array.from(physioLike(rng, 8064 * 40 * 80));
    const rows = 40 * 80;
    const per = sig.length / rows;
    const cols = [
      int32Column(
        'trial',
        Array.from({ length: rows }, (_, i) => i),
      ),
      listFloat32Column(
        'x',
        Array.from({ length: rows }, (_, i) => sig.subarray(i * per, (i + 1) * per)),
      ),
    ];
    const table = makeShardTable(cols, new Map([['schema_version', '1']]));
    const shardPath = join(dir, 'w.arrow');
    let bytes = 0;
    const tw = await best(() => {
      bytes = writeShardFile(shardPath, table);
    });
    const td = await best(() => {
      writeShardFile(shardPath, table, { durable: true });
    });
    console.log(
      `write shard (${(bytes / 1e6).toFixed(0)} MB, atomic)              ${fmt(bytes / 1e6, tw)}   target ≥ 500 MB/s`,
    );
    console.log(
      `  durable (fsync before rename)        ${fmt(bytes / 1e6, td)}   (bounded by the disk)`,
    );
    const te = await best(() => {
      tableToIPC(table, 'file');
    });
    console.log(`  of which Arrow IPC encoding          ${fmt(bytes / 1e6, te)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
