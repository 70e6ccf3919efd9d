// Public API of the pipeline engine (see README.md beside this file).
export { defineStage, inputOf, stageTask } from './stage.js';
export type {
  Artifact,
  Inputs,
  ProgressEvent,
  RootedSource,
  RunContext,
  Scope,
  ShardSelector,
  Source,
  ShardsContext,
  SourcesContext,
  Stage,
} from './stage.js';
export {
  PipelineError,
  StageParamsError,
  definePipeline,
  stageParams,
  validateParams,
} from './pipeline.js';
export type { Pipeline, StageParams } from './pipeline.js';
export { canonicalJson, hashJson, sha256, toJsonValue } from './hash.js';
export type { JsonValue } from './hash.js';
export {
  FingerprintMemo,
  codeVersion,
  fingerprintPath,
  hashFile,
  hashTree,
} from './fingerprint.js';
export type { TreeDigest } from './fingerprint.js';
export { KEY_SCHEMA, cacheKey, taskLabel } from './keys.js';
export type { InputRef, KeyMaterial, SourceRef } from './keys.js';
export { DEFAULT_STORE, Store, openStore } from './store.js';
export type { ObjectMeta, Staging } from './store.js';
export { LockTimeoutError, acquireLock, isStale, readLock } from './lock.js';
export type { LockInfo, LockOptions, StoreLock } from './lock.js';
export {
  listRunIds,
  machineInfo,
  newRunId,
  readLatestManifest,
  readManifest,
  writeManifest,
} from './manifest.js';
export type { MachineInfo, RunManifest, RunStatus, TaskRecord, TaskStatus } from './manifest.js';
export { explainMiss, planPipeline, resolveKey } from './plan.js';
export type { Plan, PlanOptions, PlannedTask } from './plan.js';
export { RunInterruptedError, runPipeline, runPipelineToEnd } from './run.js';
export { localExecutor, runTaskHere, taskSpec } from './executor.js';
export type { ExecuteOptions, Executor, Task, TaskInput, TaskSpec } from './executor.js';
export type { RunEvent, RunOptions, RunResult } from './run.js';
export { gc } from './gc.js';
export type { GcOptions, GcReport, RemovedObject } from './gc.js';
