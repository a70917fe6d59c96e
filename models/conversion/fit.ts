/**
 * The XGBoost part of the conversion model, independent of where rows come from (call
 * attempts with point-in-time features, or any table): encode, train with early stopping on
 * the validation window, pick and fit a calibrator there, and measure everything.
 */
import { availableParallelism } from 'node:os';
import type { FeatureMatrix } from '../../features/index.ts';
import {
  encodeMatrix,
  featureTypesOf,
  fitEncoding,
  modelNamesOf,
  TrainingError,
  type ColumnType,
  type Encoding,
  type IpwResult,
} from '../common/index.ts';
import {
  applyCalibration,
  binaryReport,
  crossFitCalibration,
  fitCalibrator,
  logLoss,
  type BinaryReport,
  type CalibrationMethod,
  type Calibrator,
} from '../metrics/index.ts';
import { Booster, DMatrix, train, type XGBoostParams } from '../xgboost/index.ts';
import { MonotoneConstraintError } from './errors.ts';

/**
 * Defaults. eta 0.05 with early stopping; eta 0.1 reaches the same validation AUC on the
 * generated call centre (±0.003) with about half the trees — half the nightly scoring cost —
 * but ranked worse in the closed-loop simulation test (test/cli/simulate.test.ts), so the
 * slower rate stays the default. Pass `--params '{"eta":0.1}'` to trade.
 */
export const DEFAULT_XGB_PARAMS: XGBoostParams = {
  objective: 'binary:logistic',
  eval_metric: ['auc', 'logloss'],
  tree_method: 'hist',
  max_depth: 4,
  eta: 0.05,
  min_child_weight: 5,
  subsample: 0.8,
  colsample_bytree: 0.8,
  lambda: 1,
  max_cat_to_onehot: 4,
  max_bin: 256,
};

/**
 * Monotone constraints by feature name (-1: p_convert may only fall as the feature grows).
 * Each call answered in the last 7 days makes another sale less likely (contact fatigue), but
 * past campaigns re-called their most promising customers, so raw history shows the opposite
 * sign (simulated history: 9.3 % conversion after a recent answer against 7.4 % without), and
 * inverse propensity weights cannot undo it for imported rows, which carry no propensity.
 */
export const DEFAULT_MONOTONE: Readonly<Record<string, -1 | 1>> = { answered_7d: -1 };

export const DEFAULT_ROUNDS = 2000;
export const DEFAULT_EARLY_STOPPING = 50;
/** Validation rows used for mean |SHAP| (exact TreeSHAP costs depth² per tree per row). */
const SHAP_SAMPLE = 20_000;
const TOP_FEATURES = 15;

export type CalibrationChoice = CalibrationMethod | 'auto';

export interface FitOptions {
  params?: XGBoostParams;
  numBoostRound?: number;
  earlyStoppingRounds?: number;
  calibration?: CalibrationChoice;
  seed?: number;
  maxCategories?: number;
  progress?: boolean;
  /** Monotone constraints by feature name (default DEFAULT_MONOTONE; `{}` for none). Ignored when params set monotone_constraints. */
  monotone?: Readonly<Record<string, -1 | 0 | 1>>;
}

export interface FeatureScore {
  feature: string;
  value: number;
}

export interface ConversionMetrics {
  /** The headline figures: calibrated model on the validation window (cross-fitted calibration). */
  summary: { rocAuc: number; prAuc: number; logLoss: number; brier: number; ece: number };
  /** Calibrated probabilities on the validation window, each row calibrated by a calibrator fitted without it. */
  valid: BinaryReport;
  /** The booster's own probabilities on the validation window (before calibration). */
  validRaw: BinaryReport;
  train: { rows: number; positives: number; baseRate: number };
  calibration: { method: CalibrationMethod; chosenBy: string; crossFittedLogLoss: Partial<Record<CalibrationMethod, number>> };
  bestIteration: number;
  roundsTrained: number;
  topFeaturesByGain: FeatureScore[];
  topFeaturesByShap: FeatureScore[];
  weighting: { ipw: boolean; logged: number; clipped: number; missingPropensity: number; clip: number | null };
  validationHistory: { auc: number[]; logloss: number[] };
}

export interface FitResult {
  booster: Booster;
  encoding: Encoding;
  calibrator: Calibrator;
  /** Rounds to use at scoring: [0, iterationEnd). */
  iterationEnd: number;
  params: XGBoostParams;
  metrics: ConversionMetrics;
}

export interface FitInput {
  matrix: FeatureMatrix;
  label: Float32Array;
  train: Uint32Array;
  valid: Uint32Array;
  /** Normalised sample weights per row (IPW), or null for none. */
  ipw: IpwResult | null;
  ipwClip: number | null;
  types: Record<string, ColumnType>;
  descriptions: Record<string, string>;
}

/** XGBoost's "(0,-1,0,…)" in model column order, or undefined when nothing is constrained. */
export function monotoneConstraints(
  featureNames: readonly string[],
  featureTypes: readonly string[],
  monotone: Readonly<Record<string, -1 | 0 | 1>>,
): string | undefined {
  const signs = featureNames.map((name, i) => {
    const sign = monotone[name] ?? 0;
    if (sign !== 0 && featureTypes[i] === 'c') {
      throw new MonotoneConstraintError(`monotone constraint on ${name}: it is categorical; constraints apply to numeric features only`);
    }
    return sign;
  });
  return signs.some((v) => v !== 0) ? `(${signs.join(',')})` : undefined;
}

function pick(v: ArrayLike<number>, rows: ArrayLike<number>): Float32Array {
  return Float32Array.from(rows as ArrayLike<number>, (r) => v[r] as number);
}

export function fitConversionBooster(input: FitInput, options: FitOptions = {}): FitResult {
  const { matrix, label, train: trainRows, valid: validRows } = input;
  countClasses(label, trainRows, 'training');
  countClasses(label, validRows, 'validation');

  const encoding = fitEncoding(matrix, trainRows, {
    types: input.types,
    descriptions: input.descriptions,
    ...(options.maxCategories ? { maxCategories: options.maxCategories } : {}),
  });
  const featureNames = modelNamesOf(encoding);
  const featureTypes = featureTypesOf(encoding);
  const ncol = featureNames.length;
  const weights = input.ipw?.weights;
  const xTrain = encodeMatrix(encoding, matrix, trainRows);
  const xValid = encodeMatrix(encoding, matrix, validRows);
  const yTrain = pick(label, trainRows);
  const yValid = pick(label, validRows);
  const wTrain = weights ? pick(weights, trainRows) : undefined;
  const wValid = weights ? pick(weights, validRows) : undefined;

  const params: XGBoostParams = {
    ...DEFAULT_XGB_PARAMS,
    nthread: availableParallelism(),
    seed: options.seed ?? 42,
    ...options.params,
  };
  // logloss last: it is what early stopping watches
  params.eval_metric = ['auc', 'logloss'];
  if (params.monotone_constraints === undefined) {
    const constraints = monotoneConstraints(featureNames, featureTypes, options.monotone ?? DEFAULT_MONOTONE);
    if (constraints) params.monotone_constraints = constraints;
  }
  const dtrain = new DMatrix(xTrain, { nrow: trainRows.length, ncol, label: yTrain, ...(wTrain ? { weight: wTrain } : {}), featureNames, featureTypes });
  const dvalid = new DMatrix(xValid, { nrow: validRows.length, ncol, label: yValid, ...(wValid ? { weight: wValid } : {}), featureNames, featureTypes });
  let booster: Booster | undefined;
  try {
    booster = train({
      params,
      dtrain,
      numBoostRound: options.numBoostRound ?? DEFAULT_ROUNDS,
      evals: [[dvalid, 'valid']],
      earlyStoppingRounds: options.earlyStoppingRounds ?? DEFAULT_EARLY_STOPPING,
      ...(options.progress !== undefined ? { progress: options.progress } : {}),
    });
    const best = booster.bestIteration ?? booster.boostedRounds() - 1;
    const iterationEnd = best + 1;
    const raw = booster.predict(dvalid, { iterationRange: [0, iterationEnd] });

    // calibration: the method with the lowest cross-fitted log loss on the validation window
    const choice = options.calibration ?? 'auto';
    const candidates: CalibrationMethod[] = choice === 'auto' ? ['none', 'platt', 'isotonic'] : [choice];
    const crossFitted = new Map<CalibrationMethod, Float32Array>();
    const crossLogLoss: Partial<Record<CalibrationMethod, number>> = {};
    for (const method of candidates) {
      const p = crossFitCalibration(method, raw, yValid, wValid, { folds: 5, seed: options.seed ?? 42 });
      crossFitted.set(method, p);
      crossLogLoss[method] = logLoss(yValid, p, wValid);
    }
    const method = candidates.reduce((a, b) => ((crossLogLoss[b] as number) < (crossLogLoss[a] as number) ? b : a));
    const calibrator = fitCalibrator(method, raw, yValid, wValid);

    const validReport = binaryReport(yValid, crossFitted.get(method)!, wValid);
    const rawReport = binaryReport(yValid, raw, wValid);

    const gain = booster.featureImportance('gain');
    const byModelName = new Map(encoding.columns.map((c) => [c.modelName, c.name]));
    const topFeaturesByGain = Object.entries(gain)
      .map(([k, v]) => ({ feature: byModelName.get(k) ?? k, value: v }))
      .sort((a, b) => b.value - a.value)
      .slice(0, TOP_FEATURES);
    const topFeaturesByShap = meanAbsShap(booster, xValid, validRows.length, encoding, iterationEnd).slice(0, TOP_FEATURES);

    let trainPos = 0;
    let trainW = 0;
    for (let k = 0; k < yTrain.length; k++) {
      const w = wTrain ? (wTrain[k] as number) : 1;
      trainW += w;
      trainPos += (yTrain[k] as number) * w;
    }
    const history = booster.evalHistory.valid ?? {};
    const metrics: ConversionMetrics = {
      summary: {
        rocAuc: validReport.rocAuc,
        prAuc: validReport.prAuc,
        logLoss: validReport.logLoss,
        brier: validReport.brier,
        ece: validReport.ece,
      },
      valid: validReport,
      validRaw: rawReport,
      train: { rows: trainRows.length, positives: trainPos, baseRate: trainW > 0 ? trainPos / trainW : Number.NaN },
      calibration: {
        method,
        chosenBy: choice === 'auto' ? 'lowest 5-fold cross-fitted log loss on the validation window' : 'requested',
        crossFittedLogLoss: crossLogLoss,
      },
      bestIteration: best,
      roundsTrained: booster.boostedRounds(),
      topFeaturesByGain,
      topFeaturesByShap,
      weighting: {
        ipw: input.ipw !== null,
        logged: input.ipw?.logged ?? 0,
        clipped: input.ipw?.clipped ?? 0,
        missingPropensity: input.ipw?.missingPropensity ?? 0,
        clip: input.ipwClip,
      },
      validationHistory: { auc: history.auc ?? [], logloss: history.logloss ?? [] },
    };
    return { booster, encoding, calibrator, iterationEnd, params, metrics };
  } catch (error) {
    booster?.dispose();
    throw error;
  } finally {
    dtrain.dispose();
    dvalid.dispose();
  }
}

function countClasses(label: Float32Array, rows: Uint32Array, what: string): void {
  let pos = 0;
  for (let k = 0; k < rows.length; k++) pos += label[rows[k] as number] as number;
  if (rows.length === 0) throw new TrainingError(`the ${what} window has no rows; widen the history or change --valid-days / --as-of`);
  if (pos === 0 || pos === rows.length) {
    throw new TrainingError(
      `the ${what} window has ${pos === 0 ? 'no positive' : 'only positive'} labels (${rows.length} rows); a classifier needs both outcomes — use a longer window`,
    );
  }
}

/** Mean |SHAP| per input column on (a sample of) the validation rows, highest first. */
export function meanAbsShap(booster: Booster, x: Float32Array, nrow: number, encoding: Encoding, iterationEnd: number): FeatureScore[] {
  const ncol = encoding.columns.length;
  const step = Math.max(1, Math.ceil(nrow / SHAP_SAMPLE));
  const rows = Math.ceil(nrow / step);
  const sample = new Float32Array(rows * ncol);
  for (let k = 0, r = 0; r < nrow; r += step, k++) sample.set(x.subarray(r * ncol, (r + 1) * ncol), k * ncol);
  const d = new DMatrix(sample, { nrow: rows, ncol, featureNames: modelNamesOf(encoding), featureTypes: featureTypesOf(encoding) });
  try {
    const contrib = booster.predictContributions(d, { iterationRange: [0, iterationEnd] });
    const sums = new Float64Array(ncol);
    for (let i = 0; i < rows; i++) for (let j = 0; j < ncol; j++) sums[j]! += Math.abs(contrib[i * (ncol + 1) + j] as number);
    return encoding.columns
      .map((c, j) => ({ feature: c.name, value: (sums[j] as number) / Math.max(1, rows) }))
      .sort((a, b) => b.value - a.value);
  } finally {
    d.dispose();
  }
}

/** Calibrated probabilities for already-encoded rows. */
export function predictCalibrated(booster: Booster, calibrator: Calibrator, d: DMatrix, iterationEnd: number): { raw: Float32Array; p: Float32Array } {
  const raw = booster.predict(d, { iterationRange: [0, iterationEnd] });
  return { raw, p: applyCalibration(calibrator, raw) };
}
