export { randomProtocol, subjectKFoldSplit, withinSubjectSplit } from './protocols.js';
export type {
  Fractions,
  ProtocolSplit,
  SplitSample,
  SubjectKFoldOptions,
  WithinSubjectOptions,
} from './protocols.js';
export { checkLeakage, guardSplit, LeakageError } from './leakage.js';
