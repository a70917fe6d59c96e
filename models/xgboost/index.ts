// Typed binding to the native XGBoost C API (libxgboost ≥ 1.6) through koffi.
export { DMatrix } from './dmatrix.ts';
export type { DMatrixOptions, FloatInfoField, FloatVector } from './dmatrix.ts';
export { Booster, PREDICTION_TYPE, parseEvalLine } from './booster.ts';
export type {
  BoosterOptions,
  ContributionOptions,
  DumpOptions,
  EvalEntry,
  EvalHistory,
  ImportanceType,
  PredictOptions,
  Prediction,
  PredictionType,
} from './booster.ts';
export { train, isMaximizeMetric } from './train.ts';
export type { IterationInfo, TrainOptions } from './train.ts';
export type { ParamScalar, XGBoostParams } from './params.ts';
export { XGBoostError, XGBoostLibraryMissingError, XGBoostUsageError } from './errors.ts';
export type { LibraryMissingReason } from './errors.ts';
export {
  XGBOOST_LIBRARY_ENV,
  MIN_XGBOOST_VERSION,
  currentPlatform,
  installHint,
  libraryCandidates,
  openXGBoostLibrary,
} from './library.ts';
export type { LibraryLocation, OpenedLibrary, PlatformInfo } from './library.ts';

import { xgboostLibrary } from './native.ts';

/** Path and version of the libxgboost in use (opens it; throws XGBoostLibraryMissingError if absent). */
export function xgboostInfo(): { path: string; version: string } {
  const lib = xgboostLibrary();
  return { path: lib.path, version: `${lib.version.major}.${lib.version.minor}.${lib.version.patch}` };
}
