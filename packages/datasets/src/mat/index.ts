// MAT-file readers (level 5 and v7.3) and the level-5 writer.
export type {
  MatCell,
  MatChar,
  MatFile,
  MatNumeric,
  MatNumericClass,
  MatStruct,
  MatValue,
} from './types.js';
export {
  asCell,
  asChar,
  asDouble,
  asNumeric,
  asString,
  asStruct,
  describeMatValue,
  getField,
  getVar,
  isEmptyMat,
  matVersion,
  readMat,
  readMat73,
  toFloat64,
} from './reader.js';
export { readMat5 } from './v5-reader.js';
export type { ReadMatOptions } from './v5-reader.js';
export { writeMat5 } from './v5-writer.js';
export type { WriteMat5Options } from './v5-writer.js';
