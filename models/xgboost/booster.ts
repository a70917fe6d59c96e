import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { DMatrix } from './dmatrix.ts';
import { XGBoostUsageError } from './errors.ts';
import {
  check,
  copyBytes,
  copyFloats,
  decodeShape,
  decodeStrings,
  native,
  toNumber,
  type Handle,
  type OutInt,
  type OutPtr,
  type OutStr,
  type OutU64,
} from './native.ts';
import { paramPairs, type ParamScalar, type XGBoostParams } from './params.ts';

/** Prediction kinds of XGBoosterPredictFromDMatrix's JSON config ("type"). */
export const PREDICTION_TYPE = {
  value: 0,
  margin: 1,
  contributions: 2,
  approxContributions: 3,
  interactions: 4,
  approxInteractions: 5,
  leaf: 6,
} as const;
export type PredictionType = keyof typeof PREDICTION_TYPE;

export interface PredictOptions {
  /** Raw untransformed margin (log-odds for binary:logistic) instead of the transformed value. */
  outputMargin?: boolean;
  /**
   * Half-open range of boosting rounds [begin, end) to use; [0, 0] (default) means all rounds,
   * as in Python. 'best' means rounds up to and including `bestIteration` (all if there is none).
   */
  iterationRange?: readonly [number, number] | 'best';
  /** Prediction for training (only matters for dart dropout). */
  training?: boolean;
  /** Refuse data whose feature names differ from the model's (default true). */
  validateFeatures?: boolean;
}

export interface ContributionOptions extends Omit<PredictOptions, 'outputMargin'> {
  /** Saabas-style approximate contributions instead of exact TreeSHAP. */
  approximate?: boolean;
}

/** A prediction and its shape as reported by the library (e.g. [nrow, ncol + 1] for contributions). */
export interface Prediction {
  values: Float32Array;
  shape: number[];
}

export type ImportanceType = 'weight' | 'gain' | 'cover' | 'total_gain' | 'total_cover';

/** One evaluation result: `data` is the eval-set name, `metric` the XGBoost metric name. */
export interface EvalEntry {
  data: string;
  metric: string;
  value: number;
}

/** data name → metric name → one value per boosting round (Python's evals_result). */
export type EvalHistory = Record<string, Record<string, number[]>>;

export interface BoosterOptions {
  params?: XGBoostParams;
  /** Matrices the booster caches predictions for (the training matrix and eval sets). */
  cache?: readonly DMatrix[];
}

export interface DumpOptions {
  format?: 'text' | 'json';
  withStats?: boolean;
}

const finalizer = new FinalizationRegistry<Handle>((handle) => {
  native().XGBoosterFree(handle);
});

/**
 * An XGBoost Booster (the model). Create with `train()`, `Booster.loadModel()` or
 * `Booster.fromBuffer()`; call `dispose()` when done (a finaliser frees it otherwise).
 */
export class Booster {
  #handle: Handle | null;
  #evalHistory: EvalHistory = {};

  constructor(options: BoosterOptions = {}) {
    const cache = options.cache ?? [];
    const out: OutPtr = [null];
    const fn = native();
    check('XGBoosterCreate', fn.XGBoosterCreate(cache.map((d) => d.handle), cache.length, out));
    if (out[0] === null) throw new XGBoostUsageError('XGBoosterCreate returned no handle.');
    this.#handle = out[0];
    finalizer.register(this, out[0], this);
    try {
      for (const d of cache) this.#adoptFeatureNames(d);
      // As Python does: unknown parameter names are reported (as a libxgboost warning on stderr).
      this.setParams({ validate_parameters: true, ...options.params });
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Loads an XGBoost JSON (or UBJSON) model file; `params` (e.g. nthread) are applied after loading. */
  static loadModel(path: string, params?: XGBoostParams): Booster {
    return Booster.fromBuffer(readFileSync(path), params);
  }

  /** Loads a model from bytes or a JSON string as produced by `saveModelToBuffer()` / `saveModelToString()`. */
  static fromBuffer(model: Uint8Array | string, params?: XGBoostParams): Booster {
    const bytes = typeof model === 'string' ? Buffer.from(model, 'utf8') : model;
    const booster = new Booster();
    try {
      check('XGBoosterLoadModelFromBuffer', native().XGBoosterLoadModelFromBuffer(booster.handle, bytes, bytes.length));
      if (params) booster.setParams(params);
    } catch (err) {
      booster.dispose();
      throw err;
    }
    return booster;
  }

  /** The native handle; throws once disposed. */
  get handle(): Handle {
    if (this.#handle === null) throw new XGBoostUsageError('This Booster was disposed; load or train a new one.');
    return this.#handle;
  }

  get disposed(): boolean {
    return this.#handle === null;
  }

  /** Frees the native booster now. Idempotent. */
  dispose(): void {
    const handle = this.#handle;
    if (handle === null) return;
    this.#handle = null;
    finalizer.unregister(this);
    check('XGBoosterFree', native().XGBoosterFree(handle));
  }

  setParam(name: string, value: ParamScalar | readonly ParamScalar[]): void {
    this.setParams({ [name]: value });
  }

  setParams(params: XGBoostParams): void {
    const fn = native();
    for (const [name, value] of paramPairs(params)) {
      check('XGBoosterSetParam', fn.XGBoosterSetParam(this.handle, name, value));
    }
  }

  /** One boosting round on `dtrain` (what `train()` calls each iteration). */
  update(dtrain: DMatrix, iteration: number): void {
    this.#adoptFeatureNames(dtrain);
    check('XGBoosterUpdateOneIter', native().XGBoosterUpdateOneIter(this.handle, iteration, dtrain.handle));
  }

  /** The library's evaluation line, e.g. "[3]\ttrain-auc:0.91\tvalid-auc:0.88". */
  evalSet(evals: ReadonlyArray<readonly [DMatrix, string]>, iteration = 0): string {
    for (const [d, name] of evals) {
      if (!/^[^\s:-]+$/.test(name)) {
        throw new XGBoostUsageError(`Eval set name ${JSON.stringify(name)} must be non-empty without '-', ':' or whitespace (XGBoost prints "<name>-<metric>:<value>").`);
      }
      this.#validateFeatures(d);
    }
    const out: OutStr = [null];
    check(
      'XGBoosterEvalOneIter',
      native().XGBoosterEvalOneIter(this.handle, iteration, evals.map(([d]) => d.handle), evals.map(([, n]) => n), evals.length, out),
    );
    return out[0] ?? '';
  }

  /** `evalSet` parsed into (data, metric, value) entries, in the library's order. */
  evaluate(evals: ReadonlyArray<readonly [DMatrix, string]>, iteration = 0): EvalEntry[] {
    return parseEvalLine(this.evalSet(evals, iteration));
  }

  /** Predicted values (probabilities for binary:logistic) or margins; one per row (per class for multi:softprob). */
  predict(data: DMatrix, options: PredictOptions = {}): Float32Array {
    return this.predictWithShape(data, options.outputMargin ? 'margin' : 'value', options).values;
  }

  /**
   * SHAP contributions: for each row, ncol + 1 values (bias last) that sum to the margin.
   * Multi-class models give ngroup such blocks per row.
   */
  predictContributions(data: DMatrix, options: ContributionOptions = {}): Float32Array {
    return this.predictWithShape(data, options.approximate ? 'approxContributions' : 'contributions', options).values;
  }

  /** Any prediction type with the library's output shape. */
  predictWithShape(data: DMatrix, type: PredictionType, options: Omit<PredictOptions, 'outputMargin'> = {}): Prediction {
    if (options.validateFeatures ?? true) this.#validateFeatures(data);
    const [begin, end] = this.#iterationRange(options.iterationRange);
    const config = JSON.stringify({
      type: PREDICTION_TYPE[type],
      training: options.training ?? false,
      iteration_begin: begin,
      iteration_end: end,
      strict_shape: false,
    });
    const shapePtr: OutPtr = [null];
    const dim: OutU64 = [0];
    const result: OutPtr = [null];
    check('XGBoosterPredictFromDMatrix', native().XGBoosterPredictFromDMatrix(this.handle, data.handle, config, shapePtr, dim, result));
    // The library's buffer is reused by the next call: copy now.
    const shape = decodeShape(shapePtr[0], toNumber(dim[0]));
    const n = shape.reduce((a, b) => a * b, 1);
    return { values: copyFloats(result[0], shape.length === 0 ? 0 : n), shape };
  }

  /**
   * Feature importance from XGBoosterFeatureScore (default 'gain' = average gain of the splits
   * on a feature). Features never used in a split are absent, as in Python's get_score().
   */
  featureImportance(type: ImportanceType = 'gain'): Record<string, number> {
    const n: OutU64 = [0];
    const names: OutPtr = [null];
    const dim: OutU64 = [0];
    const shapePtr: OutPtr = [null];
    const scores: OutPtr = [null];
    const config = JSON.stringify({ importance_type: type, feature_map: '' });
    check('XGBoosterFeatureScore', native().XGBoosterFeatureScore(this.handle, config, n, names, dim, shapePtr, scores));
    const features = decodeStrings(names[0], toNumber(n[0]));
    const shape = decodeShape(shapePtr[0], toNumber(dim[0]));
    if (shape.length > 1 && (shape[1] ?? 1) > 1) {
      throw new XGBoostUsageError('Feature scores have one column per class (gblinear multi-class); featureImportance() supports one score per feature.');
    }
    const values = copyFloats(scores[0], features.length);
    const out: Record<string, number> = {};
    features.forEach((f, i) => {
      out[f] = values[i] ?? NaN;
    });
    return out;
  }

  /** The model as bytes: XGBoost JSON (default) or UBJSON. */
  saveModelToBuffer(format: 'json' | 'ubj' = 'json'): Uint8Array {
    const len: OutU64 = [0];
    const ptr: OutPtr = [null];
    check('XGBoosterSaveModelToBuffer', native().XGBoosterSaveModelToBuffer(this.handle, JSON.stringify({ format }), len, ptr));
    return copyBytes(ptr[0], toNumber(len[0]));
  }

  /** The model as an XGBoost JSON string (loadable by Python's `Booster.load_model(bytearray(...))`). */
  saveModelToString(): string {
    return Buffer.from(this.saveModelToBuffer('json')).toString('utf8');
  }

  /**
   * Writes the model as XGBoost JSON whatever the extension (use `.json` so that other
   * XGBoost bindings, which pick the format from the extension, read it back). Atomic: temp file + rename.
   */
  saveModel(path: string): void {
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, this.saveModelToBuffer('json'));
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /** The booster's full internal configuration (parameters) as JSON. */
  saveConfig(): string {
    const len: OutU64 = [0];
    const out: OutStr = [null];
    check('XGBoosterSaveJsonConfig', native().XGBoosterSaveJsonConfig(this.handle, len, out));
    return out[0] ?? '';
  }

  /** One dump per tree (text or JSON), with feature names when the model has them. */
  dumpModel(options: DumpOptions = {}): string[] {
    const len: OutU64 = [0];
    const out: OutPtr = [null];
    check(
      'XGBoosterDumpModelEx',
      native().XGBoosterDumpModelEx(this.handle, '', options.withStats ? 1 : 0, options.format ?? 'text', len, out),
    );
    return decodeStrings(out[0], toNumber(len[0]));
  }

  getAttr(key: string): string | undefined {
    const out: OutStr = [null];
    const success: OutInt = [0];
    check('XGBoosterGetAttr', native().XGBoosterGetAttr(this.handle, key, out, success));
    return success[0] !== 0 && out[0] !== null ? out[0] : undefined;
  }

  /** Sets a string attribute saved with the model; `null` deletes it. */
  setAttr(key: string, value: string | null): void {
    check('XGBoosterSetAttr', native().XGBoosterSetAttr(this.handle, key, value));
  }

  attributes(): Record<string, string> {
    const len: OutU64 = [0];
    const out: OutPtr = [null];
    check('XGBoosterGetAttrNames', native().XGBoosterGetAttrNames(this.handle, len, out));
    const result: Record<string, string> = {};
    for (const key of decodeStrings(out[0], toNumber(len[0]))) {
      const v = this.getAttr(key);
      if (v !== undefined) result[key] = v;
    }
    return result;
  }

  /** Best round found by early stopping (saved with the model as an attribute, as Python does). */
  get bestIteration(): number | undefined {
    const v = this.getAttr('best_iteration');
    return v === undefined ? undefined : Number.parseInt(v, 10);
  }

  /** Score of the early-stopping metric at `bestIteration`. */
  get bestScore(): number | undefined {
    const v = this.getAttr('best_score');
    return v === undefined ? undefined : Number.parseFloat(v);
  }

  /** Evaluation history recorded by `train()` (empty for loaded models). */
  get evalHistory(): EvalHistory {
    return structuredClone(this.#evalHistory);
  }

  /** @internal used by train() */
  recordEvalHistory(history: EvalHistory): void {
    this.#evalHistory = history;
  }

  boostedRounds(): number {
    const out: OutInt = [0];
    check('XGBoosterBoostedRounds', native().XGBoosterBoostedRounds(this.handle, out));
    return out[0];
  }

  numFeatures(): number {
    const out: OutU64 = [0];
    check('XGBoosterGetNumFeature', native().XGBoosterGetNumFeature(this.handle, out));
    return toNumber(out[0]);
  }

  get featureNames(): string[] | undefined {
    const len: OutU64 = [0];
    const out: OutPtr = [null];
    check('XGBoosterGetStrFeatureInfo', native().XGBoosterGetStrFeatureInfo(this.handle, 'feature_name', len, out));
    const names = decodeStrings(out[0], toNumber(len[0]));
    return names.length > 0 ? names : undefined;
  }

  set featureNames(names: readonly string[] | undefined) {
    const list = names ?? [];
    check('XGBoosterSetStrFeatureInfo', native().XGBoosterSetStrFeatureInfo(this.handle, 'feature_name', list, list.length));
  }

  #iterationRange(range: PredictOptions['iterationRange']): [number, number] {
    if (range === undefined) return [0, 0];
    if (range === 'best') {
      const best = this.bestIteration;
      return best === undefined ? [0, 0] : [0, best + 1];
    }
    const [begin, end] = range;
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || (end !== 0 && end <= begin)) {
      throw new XGBoostUsageError(`iterationRange must be [begin, end) with 0 ≤ begin < end, or [0, 0] for all rounds (got [${begin}, ${end}]).`);
    }
    return [begin, end];
  }

  // The C++ learner does not take feature names from the data by itself; Python copies them over.
  #adoptFeatureNames(d: DMatrix): void {
    const names = d.featureNames;
    if (names === undefined) return;
    if (this.featureNames === undefined) this.featureNames = names;
    else this.#validateFeatures(d);
  }

  #validateFeatures(d: DMatrix): void {
    const dataNames = d.featureNames;
    if (dataNames === undefined) return; // positional: the library still checks the column count
    const modelNames = this.featureNames;
    if (modelNames === undefined) return;
    if (modelNames.length !== dataNames.length || modelNames.some((n, i) => n !== dataNames[i])) {
      const missing = modelNames.filter((n) => !dataNames.includes(n));
      const extra = dataNames.filter((n) => !modelNames.includes(n));
      throw new XGBoostUsageError(
        `Feature names of the data differ from the model's (missing: [${missing.join(', ')}], unexpected: [${extra.join(', ')}]${
          missing.length === 0 && extra.length === 0 ? ', same names in another order' : ''
        }). Build the DMatrix with the model's columns in the model's order, or pass validateFeatures: false.`,
      );
    }
  }
}

/** Parses "[3]\ttrain-auc:0.91\tvalid-logloss:0.3" (data name before the first '-', as Python does). */
export function parseEvalLine(line: string): EvalEntry[] {
  const fields = line.trim().split(/\s+/).slice(1);
  return fields.map((field) => {
    const colon = field.lastIndexOf(':');
    const dash = field.indexOf('-');
    if (colon < 0 || dash < 0 || dash > colon) {
      throw new XGBoostUsageError(`Unexpected evaluation output from libxgboost: ${JSON.stringify(line)}`);
    }
    return { data: field.slice(0, dash), metric: field.slice(dash + 1, colon), value: Number.parseFloat(field.slice(colon + 1)) };
  });
}
