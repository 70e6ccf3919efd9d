/**
 * Grid search over the study's hyper-parameters (conv layers, LSTM units, dropout, or any model
 * config field): every combination is trained on the training samples, and the one with the
 * lowest validation loss is selected. Test samples are never looked at here. Trials run as
 * worker-process jobs, so they use every core.
 */
import path from 'node:path';
import type { Grid, ModelConfig } from '../models/index.js';
import { gridTrials, resolveModelConfig } from '../models/index.js';
import type { JobEvent, TrainJob, TrainJobResult } from './job.js';
import type { WorkerPool } from './pool.js';
import { sharedPool } from './pool.js';

export interface GridSearchOptions {
  /** The job shared by all trials; `config` is the base the trials override. */
  readonly job: Omit<TrainJob, 'outDir' | 'config' | 'label'> & {
    readonly config: Partial<ModelConfig>;
  };
  readonly grid: Grid;
  /** Trial i writes into `<workDir>/trial-<i>`. */
  readonly workDir: string;
  readonly pool?: WorkerPool;
  readonly label?: string;
  readonly onEvent?: (e: JobEvent) => void;
  readonly signal?: AbortSignal;
}

export interface GridTrial {
  readonly trial: number;
  readonly overrides: Partial<ModelConfig>;
  readonly result: TrainJobResult;
}

export interface GridSearchResult {
  readonly trials: readonly GridTrial[];
  /** Index into `trials` of the selected one (lowest validation loss; first on ties). */
  readonly best: number;
}

export async function gridSearch(opts: GridSearchOptions): Promise<GridSearchResult> {
  const { job } = opts;
  const trials = gridTrials(job.kind, opts.grid);
  for (const t of trials) resolveModelConfig({ ...job.config, ...t }); // fail before any work
  const pool = opts.pool ?? sharedPool();
  const label = opts.label ?? job.kind;
  const results = await Promise.all(
    trials.map((overrides, i) =>
      pool
        .run(
          {
            ...job,
            config: { ...job.config, ...overrides },
            outDir: path.join(opts.workDir, `trial-${i}`),
            label: trials.length > 1 ? `${label} trial ${i + 1}/${trials.length}` : label,
            // Only the selected trial's test predictions matter: predict after selection.
            testIds: trials.length > 1 ? undefined : job.testIds,
          },
          { onEvent: opts.onEvent, signal: opts.signal },
        )
        .then((result): GridTrial => ({ trial: i, overrides, result })),
    ),
  );
  let best = 0;
  results.forEach((r, i) => {
    const v = r.result.bestValLoss ?? Infinity;
    if (v < (results[best].result.bestValLoss ?? Infinity)) best = i;
  });
  return { trials: results, best };
}
