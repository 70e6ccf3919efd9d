export {
  holdsOutStimuli,
  randomProtocol,
  SPLIT_DEFAULTS,
  subjectKFoldSplit,
  summariseProtocol,
  withinSubjectSplit,
} from './protocols.js';
export type {
  Fractions,
  HoldOutStimuli,
  ProtocolSplit,
  SplitSample,
  SubjectFolds,
  SubjectKFoldOptions,
  WithinSubjectOptions,
} from './protocols.js';
export { readSplit, splitArtifactSchema, writeSplit } from './split-file.js';
export type { SplitArtifact, SplitFold } from './split-file.js';
export { checkLeakage, guardSplit, LeakageError } from './leakage.js';
