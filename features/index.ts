// features/: SQL feature definitions, point-in-time snapshots, training rows, drift, graph features.
export {
  listFeatures,
  featuresOf,
  featureByName,
  formatFeatureList,
  hourOfWeekFeature,
  FAMILIES,
  FEATURES,
  FEATURE_TYPES,
  FAMILY_NAMES,
  PRIORS,
  HOUR_OF_WEEK_BLOCKS,
  type FeatureDef,
  type FeatureFamily,
  type FeatureType,
  type FamilyName,
} from './registry.ts';
export { familySql, featureSetHash } from './engine.ts';
export {
  buildSnapshot,
  latestSnapshot,
  listSnapshots,
  getSnapshot,
  snapshotStats,
  computeDrift,
  type BuildSnapshotOptions,
  type SnapshotInfo,
  type SnapshotResult,
  type DriftReport,
  type DriftFeature,
} from './snapshot.ts';
export { buildTrainingRows, attemptSpine, type Spine, type BuildTrainingRowsOptions, type TrainingRows } from './training.ts';
export { toFeatureMatrix, readFeatureMatrix, type FeatureMatrix } from './matrix.ts';
export { psi, DEFAULT_PSI_ALARM } from '../contracts/index.ts';
export type { FeatureStats, Histogram } from './stats.ts';
export {
  buildGraph,
  householdGraph,
  latestGraphRun,
  componentRoots,
  componentRootsGraphology,
  type BuildGraphOptions,
  type GraphResult,
  type GraphEngine,
  type GraphRunInfo,
} from './graph.ts';
export { dropOldSnapshotRows, dropOldGraphRows, type RetentionResult } from './retention.ts';
export { FeatureDefinitionError, FeatureBuildError, SpineError, SnapshotNotFoundError } from './errors.ts';
export type { Progress, OnProgress } from './progress.ts';
