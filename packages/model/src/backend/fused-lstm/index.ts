export { lstmBackward, lstmForward } from './recurrence.js';
export type { LstmDims, LstmGradients, LstmStates, LstmWeights } from './recurrence.js';
