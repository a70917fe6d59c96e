/**
 * models/: segments (K-Means), the conversion model (XGBoost), the best-time-to-call model
 * (TensorFlow.js), their metrics, the registry and the promotion gate.
 */
export * from './xgboost/index.ts';
export * from './segments/index.ts';
// both bindings name their per-round callback info IterationInfo; the XGBoost one keeps the name
export type { IterationInfo } from './xgboost/index.ts';
export type { IterationInfo as KMeansIterationInfo } from './segments/index.ts';
export * from './metrics/index.ts';
export * from './registry/index.ts';
export * from './conversion/index.ts';
export * from './contact/index.ts';
export * from './evaluation/index.ts';
export {
  DENIED_FEATURES,
  CURRENT_ATTEMPT_FIELDS,
  isDenied,
  modelFeatureDefs,
  assertNoLeakage,
  ipwWeights,
  DEFAULT_IPW_CLIP,
  planWindows,
  splitRows,
  fitEncoding,
  encodeMatrix,
  loadAttemptDataset,
  LeakageError,
  TrainingError,
  ModelKindError,
  type IpwResult,
  type WindowOptions,
  type Windows,
  type Encoding,
  type EncodedColumn,
  type ColumnType,
  type AttemptDataset,
} from './common/index.ts';
export { initTf, TfBackendError, type TfInfo } from './tf-backend.ts';
export {
  scoreModels,
  scoreSnapshot,
  packInputs,
  warmUpScoringWorkers,
  shutdownScoringWorkers,
  ScoringWorkerError,
  type ScoreModelsOptions,
  type ScoreSnapshotOptions,
  type ScoredModels,
  type PackedInputs,
} from './scoring/index.ts';
