// models/evaluation: versions scored on a window of history, and the champion/challenger gate.
export {
  evaluateOnWindow,
  evaluateVersionsOnWindow,
  promoteIfBetter,
  summaryOf,
  EvaluationError,
  GATE_DEFAULTS,
  GATE_METRICS,
  type EvalWindow,
  type EvaluateOptions,
  type GateDecision,
  type GateMetric,
  type GateOptions,
  type WindowEvaluation,
} from './evaluate.ts';
export { compareVersions, CompareError, type CompareOptions, type VersionComparison } from './compare.ts';
