/**
 * The projection of `pnpm bench scale`: from what one full-size DEAP and one full-size AMIGOS
 * subject cost per stage, and from the models' measured training and inference rates, the wall
 * time and peak memory of the whole study on this machine. Pure arithmetic over the measured
 * figures, so that it can be tested and so that every assumption is written here once:
 *
 *  - the real data sets' sizes: DEAP 32 participants (face video for 22), AMIGOS 40, every
 *    subject like the measured full-size one of its data set;
 *  - per-subject stages (convert, dsp, vision) keep `jobs` cores busy (the engine's default:
 *    one task per core), perfectly parallel: a stage whose subject was measured on `cores`
 *    processes (vision: one worker per core; convert and dsp: 1) runs jobs / cores subjects
 *    at a time (at least 1), so it takes the sum of its subjects' seconds divided by that, and
 *    its peak memory is that many times one subject's peak (the processes' sum);
 *  - the study trains on windows that have both a face crop and a physiological sequence (as
 *    the split stage does), labelled as `labelledShare` of each data set says;
 *  - the folds' train/validation/test sizes come from the real split functions (`folds`);
 *  - training takes every epoch (no early stop: an upper bound), each epoch one pass over the
 *    training windows at the measured training rate and one over the validation windows at the
 *    inference rate, then one inference pass over the test windows; the training tasks share the
 *    machine's `workers` processes, each at the per-process rate measured with all of them busy.
 */

/** What one subject of a data set cost, per per-subject stage. */
export interface SubjectCost {
  readonly seconds: { readonly convert: number; readonly dsp: number; readonly vision: number };
  /** Peak resident memory of the processes that ran each stage, together, MB. */
  readonly peakMb: { readonly convert: number; readonly dsp: number; readonly vision: number };
  /** Cores (busy processes) each stage used for one subject; 1 when not given. */
  readonly cores?: { readonly convert?: number; readonly dsp?: number; readonly vision?: number };
  /** Analysis windows the subject gave. */
  readonly windows: number;
}

export interface DatasetScale {
  readonly name: 'deap' | 'amigos';
  /** Participants in the real data set, and how many of them have face video. */
  readonly subjects: number;
  readonly withVideo: number;
  /** Share of windows with a label under the task. */
  readonly labelledShare: number;
  readonly cost: SubjectCost;
}

/** Samples per second of one model, per training process while `workers` train at once. */
export interface ModelRates {
  readonly train: number;
  readonly infer: number;
}

export interface Scenario {
  readonly name: string;
  readonly epochs: number;
  readonly batch: number;
  readonly models: readonly string[];
  /** Train / validation / test windows of every fold of every protocol. */
  readonly folds: readonly {
    readonly train: number;
    readonly val: number;
    readonly test: number;
  }[];
}

export interface StageProjection {
  readonly seconds: number;
  readonly peakMb: number;
}

export interface ScenarioProjection {
  readonly scenario: string;
  readonly tasks: number;
  readonly trainSeconds: number;
  readonly totalSeconds: number;
}

export interface Projection {
  readonly stages: Readonly<Record<'convert' | 'dsp' | 'vision', StageProjection>>;
  readonly windows: number;
  readonly scenarios: readonly ScenarioProjection[];
}

const STAGES = ['convert', 'dsp', 'vision'] as const;

/** Wall time and peak memory of the per-subject stages over whole data sets. */
export function projectStages(
  datasets: readonly DatasetScale[],
  jobs: number,
): Projection['stages'] {
  const out = {} as Record<(typeof STAGES)[number], StageProjection>;
  for (const stage of STAGES) {
    let seconds = 0;
    let peak = 0;
    for (const d of datasets) {
      const n = stage === 'vision' ? d.withVideo : d.subjects;
      const atOnce = Math.max(1, jobs / (d.cost.cores?.[stage] ?? 1));
      seconds += (n * d.cost.seconds[stage]) / atOnce;
      if (n > 0) peak = Math.max(peak, d.cost.peakMb[stage] * atOnce);
    }
    out[stage] = { seconds, peakMb: peak };
  }
  return out;
}

/** Windows the study trains and tests on: labelled, with a face (subjects with video). */
export function studyWindows(datasets: readonly DatasetScale[]): number {
  return datasets.reduce((n, d) => n + d.withVideo * d.cost.windows * d.labelledShare, 0);
}

/** Seconds of training one scenario takes on `workers` processes. */
export function projectTraining(
  scenario: Scenario,
  rates: Readonly<Record<string, ModelRates>>,
  workers: number,
): ScenarioProjection {
  let processSeconds = 0;
  for (const model of scenario.models) {
    const r = rates[model];
    if (!r) throw new Error(`scale projection: no measured rates for model '${model}'`);
    for (const f of scenario.folds) {
      processSeconds += scenario.epochs * (f.train / r.train + f.val / r.infer) + f.test / r.infer;
    }
  }
  const trainSeconds = processSeconds / workers;
  return {
    scenario: scenario.name,
    tasks: scenario.models.length * scenario.folds.length,
    trainSeconds,
    totalSeconds: trainSeconds,
  };
}

/** The whole projection: stages, then each scenario's training on top of them. */
export function project(
  datasets: readonly DatasetScale[],
  scenarios: readonly Scenario[],
  rates: (batch: number) => Readonly<Record<string, ModelRates>>,
  machine: { readonly jobs: number; readonly workers: number },
): Projection {
  const stages = projectStages(datasets, machine.jobs);
  const before = STAGES.reduce((s, k) => s + stages[k].seconds, 0);
  return {
    stages,
    windows: studyWindows(datasets),
    scenarios: scenarios.map((s) => {
      const t = projectTraining(s, rates(s.batch), machine.workers);
      return { ...t, totalSeconds: before + t.trainSeconds };
    }),
  };
}
