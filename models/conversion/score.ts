/**
 * Scoring with a conversion model: calibrated P(convert | answered) per customer, and the
 * top contributions behind each score as reasons ("balance high (+0.41)"). Contributions are
 * SHAP values in log-odds from the booster (exact TreeSHAP, or XGBoost's fast Saabas
 * approximation); calibration is monotone, so the reasons explain the ranking.
 */
import { latestSnapshot, readFeatureMatrix, type FeatureMatrix } from '../../features/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';
import { ModelKindError, type EncodedColumn } from '../common/index.ts';
import { packInputs, type PackedInputs } from '../scoring/inputs.ts';
import { loadConversionModel, type ConversionModel } from './artifact.ts';
import { conversionOutputs, conversionPlan, scoreConversionRows, type ConversionOutputs, type ConversionPlan } from './score-kernel.ts';
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
   * contributions, from the leaves of the trees walked in JS, see paths.ts). Default: exact up to 200,000
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
  const inputs = packInputs(matrix);
  const plan = planFor(model, inputs, options);
  const out = conversionOutputs(inputs.rows, plan.k);
  scoreConversionRows(plan, model.booster, plan.mode === 'approx' ? model.paths() : null, inputs, 0, inputs.rows, out);
  return conversionScores(model, plan, customerIds, out);
}

/** The kernel plan for scoring `inputs` with `model` (resolves the reasons and contribution mode). */
export function planFor(
  model: ConversionModel,
  inputs: PackedInputs,
  options: Pick<ScoreConversionOptions, 'reasons' | 'contributions' | 'chunkRows'> & { dmatrixThreads?: number } = {},
): ConversionPlan {
  const n = inputs.rows;
  const ncol = model.encoding.columns.length;
  const k = Math.min(options.reasons ?? 3, ncol);
  const mode = k === 0 ? 'none' : (options.contributions ?? (n <= EXACT_LIMIT ? 'exact' : 'approx'));
  return conversionPlan(model.encoding, model.calibrator, model.meta.iterationEnd, inputs, {
    k,
    mode,
    ...(options.chunkRows !== undefined ? { chunkRows: options.chunkRows } : {}),
    ...(options.dmatrixThreads !== undefined ? { dmatrixThreads: options.dmatrixThreads } : {}),
  });
}

/** Wraps filled kernel outputs as ConversionScores. */
export function conversionScores(model: ConversionModel, plan: ConversionPlan, customerIds: string[] | null, out: ConversionOutputs): ConversionScores {
  const { k } = plan;
  const { reasonValue, reasonColumn, reasonContribution } = out;
  const columns = model.encoding.columns;
  const reasonsOf = (i: number): Reason[] => {
    const reasons: Reason[] = [];
    for (let r = 0; r < k; r++) {
      const j = reasonColumn[i * k + r] as number;
      if (j < 0) break;
      const c = columns[j]!;
      const contribution = reasonContribution[i * k + r] as number;
      const raw = reasonValue[i * k + r] as number;
      const value = displayValue(c, raw);
      reasons.push({ feature: c.name, contribution, value, phrase: phrase(c, value, raw, contribution) });
    }
    return reasons;
  };
  return {
    version: model.version.version,
    kind: model.version.kind,
    rows: out.pConvert.length,
    customerIds,
    pConvert: out.pConvert,
    pRaw: out.pRaw,
    reasonsPerRow: k,
    reasonColumn,
    reasonContribution,
    columns,
    contributions: plan.mode,
    reasonsOf,
    reasonPhrases: (i) => reasonsOf(i).map((r) => r.phrase),
  };
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
