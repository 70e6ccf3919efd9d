export { lstmBackward, lstmForward } from './recurrence.js';
export type { LstmDims, LstmStates } from './recurrence.js';
