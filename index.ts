/**
 * Dialwise SDK — `import { … } from 'dialwise'` in a script or a notebook (the TypeScript
 * (Dialwise) Jupyter kernel). The same functions the `dialwise` CLI runs: open the warehouse and
 * query it, build point-in-time features, train, evaluate and compare models, run the
 * simulated call centre, and chart results with Vega-Lite.
 */

// XGBoost's OpenMP threads spin while idle by default, which slows a busy two-core machine; as
// in the CLI. Read when libxgboost first loads (on first training), after this line.
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

// --- warehouse: open, query (rows or Arrow), published scores --------------------------------
export { openWarehouse, dataDir, currentRun, publishedScores, type OpenWarehouseOptions } from './notebooks/sdk/warehouse.ts';
export { Warehouse, type Row, type SqlParam, type SqlParams } from './warehouse/index.ts';

// --- features: point-in-time snapshots and training sets -------------------------------------
export {
  buildSnapshot,
  latestSnapshot,
  listSnapshots,
  getSnapshot,
  snapshotStats,
  computeDrift,
  listFeatures,
  buildTrainingRows,
  attemptSpine,
  type BuildSnapshotOptions,
  type SnapshotInfo,
  type SnapshotResult,
  type DriftReport,
  type FeatureDef,
  type Spine,
  type BuildTrainingRowsOptions,
  type TrainingRows,
} from './features/index.ts';

// --- models: train (custom params, any table), evaluate, compare, register, promote ----------
export {
  trainConversion,
  trainContact,
  segmentCustomers,
  segmentProfiles,
  latestSegments,
  listSegmentRuns,
  evaluateOnWindow,
  evaluateVersionsOnWindow,
  promoteIfBetter,
  promote,
  rollback,
  listVersions,
  getVersion,
  listAliases,
  binaryReport,
  calibrationBins,
  liftByDecile,
  rocAuc,
  logLoss,
  bestWindows,
  DEFAULT_ALLOWED_HOURS,
  formatHour,
  DEFAULT_XGB_PARAMS,
  DEFAULT_K_RANGE,
  type XGBoostParams,
  type TrainConversionOptions,
  type TrainResult,
  type ConversionMetrics,
  type TrainContactOptions,
  type TrainContactResult,
  type ContactMetrics,
  type SegmentOptions,
  type SegmentRunResult,
  type SegmentProfile,
  type KCurvePoint,
  type ModelVersion,
  type BinaryReport,
  type DecileRow,
  type CalibrationBin,
  type EvalWindow,
  type WindowEvaluation,
  type GateDecision,
  type HourWindow,
} from './models/index.ts';
export { compareVersions, CompareError, type CompareOptions, type VersionComparison } from './models/index.ts';

// --- the simulated call centre: the closed loop, model vs random vs oracle -------------------
export { runSimulation, summarise as summariseSimulation, type SimulateCliOptions as SimulationOptions } from './cli/commands/simulate.ts';
export type { SimulationResult, SimulationDay } from './cli/simulate/loop.ts';
export { simulationDays } from './notebooks/sdk/simulation.ts';

// --- charts: Vega-Lite, rendered on the server; inline in Jupyter, or saved as SVG/PNG ------
export * from './notebooks/charts/index.ts';

// --- errors ------------------------------------------------------------------------------
export { DialwiseError } from './contracts/index.ts';
export { WarehouseError, QueryError } from './warehouse/index.ts';
export { ChartError, NotInNotebookError } from './notebooks/sdk/errors.ts';
