// models/conversion: P(convert | answered) with XGBoost — training, artifacts, scoring with reasons.
export { trainConversion, randomSplit, type TrainConversionOptions, type TrainResult, type TrainProgress } from './train.ts';
export {
  fitConversionBooster,
  monotoneConstraints,
  meanAbsShap,
  DEFAULT_XGB_PARAMS,
  DEFAULT_MONOTONE,
  DEFAULT_ROUNDS,
  DEFAULT_EARLY_STOPPING,
  type CalibrationChoice,
  type ConversionMetrics,
  type FeatureScore,
  type FitInput,
  type FitOptions,
  type FitResult,
} from './fit.ts';
export {
  loadConversionModel,
  writeConversionArtifacts,
  isConversionKind,
  tableKind,
  CONVERSION_KIND,
  CONVERSION_ARTIFACT_FORMAT,
  type ConversionMeta,
  type ConversionModel,
} from './artifact.ts';
export { scoreConversion, scoreMatrix, planFor, conversionScores, type ScoreConversionOptions, type ConversionScores, type Reason } from './score.ts';
export {
  conversionPlan,
  conversionOutputs,
  encodeConversionRows,
  scoreConversionRows,
  type ConversionPlan,
  type ConversionOutputs,
  type ContributionMode,
} from './score-kernel.ts';
export { TreePaths } from './paths.ts';
export { planTable, loadTableDataset, readTableRows, type TableSource, type TableColumnPlan, type TableDataset } from './table.ts';
export { TableModelError, MonotoneConstraintError } from './errors.ts';
