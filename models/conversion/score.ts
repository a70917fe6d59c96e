/**
 * Scoring with a conversion model: calibrated P(convert | answered) per customer, and the
 * top contributions behind each score as reasons ("balance high (+0.41)"). Contributions are
 * SHAP values in log-odds from the booster (exact TreeSHAP, or XGBoost's fast Saabas
 * approximation); calibration is monotone, so the reasons explain the ranking.
 */
import { latestSnapshot, readFeatureMatrix, type FeatureMatrix } from '../../features/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';
import { encodeMatrix, featureTypesOf, modelNamesOf, ModelKindError, type EncodedColumn } from '../common/index.ts';
import { calibrate, sigmoid } from '../metrics/index.ts';
import { DMatrix } from '../xgboost/index.ts';
import { loadConversionModel, type ConversionModel } from './artifact.ts';
import { readTableRows, type TableColumnPlan } from './table.ts';

export interface ScoreConversionOptions {
  /** Version id or alias (default `champion`). */
  version?: string;
  /** Kind an alias belongs to (default `conversion`; e.g. `conversion@<table>`). */
  kind?: string;
  /** A feature snapshot to score (`latest` = the newest). */
  snapshotId?: number | 'latest';
  /** Customer feature rows (e.g. from readFeatureMatrix); customer ids from `extra.customer_id` if present. */
  matrix?: FeatureMatrix;
  /** For `conversion@<table>` models: the table to score (default: the training table). */
  table?: string;
  /** Reasons per row (default 3; 0 for none). */
  reasons?: number;
  /**
   * 'exact' TreeSHAP, or 'approx': Saabas path attributions (XGBoost's approximate
   * contributions, computed from leaf indices, see paths.ts). Default: exact up to 200,000
   * rows, approx above (exact costs depth² per tree per row; approx keeps a million rows within
   * the nightly budget and names the same strongest reason for most rows).
   */
  contributions?: 'exact' | 'approx';
  modelsDir?: string;
  /** A model already loaded with loadConversionModel (not disposed here). */
  model?: ConversionModel;
  /** Rows per DMatrix (bounds memory; default 250,000). */
  chunkRows?: number;
}

export interface Reason {
  feature: string;
  /** SHAP contribution to the log-odds. */
  contribution: number;
  /** The customer's value (category level, number, yes/no) or null when missing. */
  value: string | number | boolean | null;
  /** e.g. "balance high (+0.41)" */
  phrase: string;
}

export interface ConversionScores {
  version: string;
  kind: string;
  rows: number;
  customerIds: string[] | null;
  /** Calibrated P(convert | answered). */
  pConvert: Float32Array;
  /** The booster's own probability before calibration. */
  pRaw: Float32Array;
  reasonsPerRow: number;
  /** rows × reasonsPerRow model-column indices, strongest |contribution| first (-1: none). */
  reasonColumn: Int16Array;
  /** rows × reasonsPerRow contributions (log-odds). */
  reasonContribution: Float32Array;
  columns: readonly EncodedColumn[];
  contributions: 'exact' | 'approx' | 'none';
  /** Structured reasons of row i. */
  reasonsOf(i: number): Reason[];
  /** Reason phrases of row i, as published (ScoreRow.reasons). */
  reasonPhrases(i: number): string[];
}

const EXACT_LIMIT = 200_000;

/** Scores customers (a snapshot, feature rows, or a table) with a conversion model. */
export async function scoreConversion(wh: Warehouse, options: ScoreConversionOptions = {}): Promise<ConversionScores> {
  const model = options.model ?? (await loadConversionModel(wh, options.version ?? 'champion', {
    ...(options.kind ? { kind: options.kind } : {}),
    ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
  }));
  try {
    const { matrix, customerIds } = await inputRows(wh, model, options);
    return scoreMatrix(model, matrix, customerIds, options);
  } finally {
    if (!options.model) model.dispose();
  }
}

async function inputRows(
  wh: Warehouse,
  model: ConversionModel,
  options: ScoreConversionOptions,
): Promise<{ matrix: FeatureMatrix; customerIds: string[] | null }> {
  if (options.matrix) {
    const ids = options.matrix.extra.customer_id;
    return { matrix: options.matrix, customerIds: ids ? ids.map(String) : null };
  }
  const source = model.meta.source;
  if (source.type === 'table') {
    const plan: TableColumnPlan[] = model.encoding.columns.map((c) => ({ name: c.name, duckType: '', use: c.type }));
    const data = await readTableRows(wh, { table: options.table ?? source.table, label: source.label, timeColumn: null }, plan, source.positive);
    return { matrix: data.matrix, customerIds: null };
  }
  let snapshotId = options.snapshotId ?? 'latest';
  if (snapshotId === 'latest') {
    const latest = await latestSnapshot(wh);
    if (!latest) throw new ModelKindError('no feature snapshot to score; build one (features buildSnapshot / dialwise features snapshot) or pass matrix');
    snapshotId = latest.snapshotId;
  }
  const m = await readFeatureMatrix(wh, { snapshotId }, { features: model.encoding.columns.map((c) => c.name), extra: ['customer_id'] });
  return { matrix: m, customerIds: (m.extra.customer_id ?? []).map(String) };
}

/** Scores an in-memory FeatureMatrix with a loaded model (no warehouse needed). */
export function scoreMatrix(
  model: ConversionModel,
  matrix: FeatureMatrix,
  customerIds: string[] | null,
  options: Pick<ScoreConversionOptions, 'reasons' | 'contributions' | 'chunkRows'> = {},
): ConversionScores {
  const { encoding, booster, calibrator } = model;
  const n = matrix.rows;
  const ncol = encoding.columns.length;
  const k = Math.min(options.reasons ?? 3, ncol);
  const mode = k === 0 ? 'none' : (options.contributions ?? (n <= EXACT_LIMIT ? 'exact' : 'approx'));
  const chunk = options.chunkRows ?? 250_000;
  const names = modelNamesOf(encoding);
  const types = featureTypesOf(encoding);
  const pRaw = new Float32Array(n);
  const pConvert = new Float32Array(n);
  const reasonColumn = new Int16Array(n * k).fill(-1);
  const reasonContribution = new Float32Array(n * k);
  const x = encodeMatrix(encoding, matrix);
  const range: [number, number] = [0, model.meta.iterationEnd];
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    const d = new DMatrix(x.subarray(start * ncol, (start + rows) * ncol), { nrow: rows, ncol, featureNames: names, featureTypes: types });
    try {
      if (mode === 'approx') {
        const leaves = booster.predictWithShape(d, 'leaf', { iterationRange: range }).values;
        const margin = new Float64Array(rows);
        model.paths().accumulate(leaves, rows, k, margin, reasonColumn.subarray(start * k), reasonContribution.subarray(start * k));
        for (let i = 0; i < rows; i++) pRaw[start + i] = sigmoid(margin[i] as number);
      } else {
        pRaw.set(booster.predict(d, { iterationRange: range }), start);
        if (mode === 'exact') {
          const contrib = booster.predictContributions(d, { iterationRange: range });
          topK(contrib, rows, ncol, k, reasonColumn.subarray(start * k), reasonContribution.subarray(start * k));
        }
      }
    } finally {
      d.dispose();
    }
  }
  for (let i = 0; i < n; i++) pConvert[i] = calibrate(calibrator, pRaw[i] as number);

  const columns = encoding.columns;
  const reasonsOf = (i: number): Reason[] => {
    const out: Reason[] = [];
    for (let r = 0; r < k; r++) {
      const j = reasonColumn[i * k + r] as number;
      if (j < 0) break;
      const c = columns[j]!;
      const contribution = reasonContribution[i * k + r] as number;
      const value = displayValue(c, x[i * ncol + j] as number);
      out.push({ feature: c.name, contribution, value, phrase: phrase(c, value, x[i * ncol + j] as number, contribution) });
    }
    return out;
  };
  return {
    version: model.version.version,
    kind: model.version.kind,
    rows: n,
    customerIds,
    pConvert,
    pRaw,
    reasonsPerRow: k,
    reasonColumn,
    reasonContribution,
    columns,
    contributions: mode,
    reasonsOf,
    reasonPhrases: (i) => reasonsOf(i).map((r) => r.phrase),
  };
}

/** The k largest |contribution| columns of each row (bias excluded), strongest first. */
function topK(contrib: Float32Array, rows: number, ncol: number, k: number, outCol: Int16Array, outVal: Float32Array): void {
  const stride = ncol + 1;
  const bestAbs = new Float64Array(k);
  const bestCol = new Int32Array(k);
  for (let i = 0; i < rows; i++) {
    bestAbs.fill(-1);
    bestCol.fill(-1);
    const base = i * stride;
    for (let j = 0; j < ncol; j++) {
      const a = Math.abs(contrib[base + j] as number);
      if (a === 0 || a <= (bestAbs[k - 1] as number)) continue;
      let pos = k - 1;
      while (pos > 0 && a > (bestAbs[pos - 1] as number)) {
        bestAbs[pos] = bestAbs[pos - 1] as number;
        bestCol[pos] = bestCol[pos - 1] as number;
        pos--;
      }
      bestAbs[pos] = a;
      bestCol[pos] = j;
    }
    for (let r = 0; r < k; r++) {
      const j = bestCol[r] as number;
      outCol[i * k + r] = j;
      outVal[i * k + r] = j < 0 ? 0 : (contrib[base + j] as number);
    }
  }
}

function displayValue(c: EncodedColumn, v: number): string | number | boolean | null {
  if (Number.isNaN(v)) return null;
  if (c.type === 'categorical') return c.categories?.[v] ?? null;
  if (c.type === 'boolean') return v !== 0;
  return v;
}

function phrase(c: EncodedColumn, value: string | number | boolean | null, raw: number, contribution: number): string {
  const signed = `${contribution >= 0 ? '+' : '−'}${Math.abs(contribution).toFixed(2)}`;
  let what: string;
  if (value === null) what = `${c.name} unknown`;
  else if (c.type === 'categorical') what = `${c.name} ${String(value)}`;
  else if (c.type === 'boolean') what = `${c.name} ${value ? 'yes' : 'no'}`;
  else {
    const q = c.quartiles;
    const level = !q ? '' : raw >= q[2] && raw > q[0] ? ' high' : raw <= q[0] && raw < q[2] ? ' low' : ' typical';
    what = `${c.name}${level}`;
  }
  return `${what} (${signed})`;
}
