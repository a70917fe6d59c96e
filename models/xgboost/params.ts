import { XGBoostUsageError } from './errors.ts';

export type ParamScalar = string | number | boolean;

/**
 * Any XGBoost parameter (https://xgboost.readthedocs.io/en/release_1.7.0/parameter.html).
 * The common ones are typed; everything else passes through as a string. `eval_metric` may be a
 * list (one XGBoosterSetParam call per metric, as Python does); the last one drives early stopping.
 */
export interface XGBoostParams {
  objective?: string;
  eval_metric?: string | readonly string[];
  booster?: 'gbtree' | 'gblinear' | 'dart';
  tree_method?: 'auto' | 'exact' | 'approx' | 'hist' | 'gpu_hist';
  max_depth?: number;
  max_leaves?: number;
  max_bin?: number;
  eta?: number;
  learning_rate?: number;
  gamma?: number;
  min_child_weight?: number;
  subsample?: number;
  colsample_bytree?: number;
  colsample_bylevel?: number;
  colsample_bynode?: number;
  lambda?: number;
  alpha?: number;
  scale_pos_weight?: number;
  base_score?: number;
  num_class?: number;
  nthread?: number;
  seed?: number;
  verbosity?: 0 | 1 | 2 | 3;
  validate_parameters?: boolean;
  /** Per feature: 1 increasing, -1 decreasing, 0 free; or XGBoost's own "(1,-1,0)" string. */
  monotone_constraints?: string | readonly number[];
  /** Groups of feature indices allowed to interact, or XGBoost's own "[[0,1],[2,3]]" string. */
  interaction_constraints?: string | readonly (readonly number[])[];
  [name: string]: ParamScalar | readonly ParamScalar[] | readonly (readonly number[])[] | undefined;
}

/** Flattens params into the (name, value) string pairs XGBoosterSetParam takes, in order. */
export function paramPairs(params: XGBoostParams): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (name === 'eval_metric' && Array.isArray(value)) {
      for (const metric of value) pairs.push([name, scalar(name, metric)]);
    } else if (name === 'monotone_constraints' && Array.isArray(value)) {
      pairs.push([name, `(${value.map((v) => scalar(name, v)).join(',')})`]);
    } else if (Array.isArray(value)) {
      pairs.push([name, JSON.stringify(value)]);
    } else {
      pairs.push([name, scalar(name, value)]);
    }
  }
  return pairs;
}

function scalar(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new XGBoostUsageError(`XGBoost param ${name} must be a finite number (got ${value}).`);
    return String(value);
  }
  throw new XGBoostUsageError(`XGBoost param ${name} has an unsupported value ${JSON.stringify(value)}; use a string, number or boolean.`);
}
