// models/common: what the conversion and contact trainers share (deny-list, IPW, windows, encoding).
export { DENIED_FEATURES, CURRENT_ATTEMPT_FIELDS, isDenied, modelFeatureDefs, assertNoLeakage } from './denylist.ts';
export { ipwWeights, DEFAULT_IPW_CLIP, type IpwResult } from './ipw.ts';
export { planWindows, splitRows, trainingEnd, outOfTimeWindow, timeMs, DAY_MS, type WindowOptions, type Windows } from './windows.ts';
export {
  fitEncoding,
  encodeMatrix,
  featureTypesOf,
  modelNamesOf,
  modelSafeName,
  OTHER_LEVEL,
  DEFAULT_MAX_CATEGORIES,
  type ColumnType,
  type EncodedColumn,
  type Encoding,
  type FitEncodingOptions,
} from './encoding.ts';
export { LeakageError, TrainingError, ModelKindError } from './errors.ts';
export { loadAttemptDataset, subsetDataset, newestAttempt, defaultAsOf, BEGINNING, type AttemptDataset, type AttemptLabel } from './dataset.ts';
