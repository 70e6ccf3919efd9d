// Safe pickle reader (numpy arrays, DEAP sXX.dat) and the DEAP pickle writer.
export { readPickle, asDict, asNdArray, describeValue } from './reader.js';
export type { PickleValue, PickleTuple, PickleDict } from './reader.js';
export { writeDeapPickle } from './writer.js';
export type { DeapPickleArrays, DeapPickleOptions } from './writer.js';
