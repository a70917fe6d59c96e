/**
 * Scoring registered versions on a window of history, and the champion/challenger gate: a
 * candidate becomes champion only if it beats the champion on the same fresh out-of-time
 * window by the configured margin (or there is no champion).
 */
import type { Warehouse } from '../../warehouse/index.ts';
import { DialwiseError } from '../../contracts/index.ts';
import { DEFAULT_IPW_CLIP, ipwWeights, loadAttemptDataset, type AttemptDataset } from '../common/index.ts';
import { CONTACT_KIND, loadContactModel, predictAttempts, predictBaseline } from '../contact/index.ts';
import { CONVERSION_KIND, isConversionKind, loadConversionModel, readTableRows, scoreMatrix, type TableColumnPlan } from '../conversion/index.ts';
import { binaryReport, type BinaryReport } from '../metrics/index.ts';
import {
  aliasVersion,
  getVersion,
  promote,
  recordEvaluation,
  recordGateDecision,
  type ModelVersion,
} from '../registry/index.ts';

export class EvaluationError extends DialwiseError {
  constructor(message: string) {
    super('MODEL_EVALUATION', message);
  }
}

export interface EvalWindow {
  from: Date;
  to: Date;
}

export interface WindowEvaluation {
  version: string;
  kind: string;
  window: EvalWindow;
  rows: number;
  /** Weighted positives. */
  positives: number;
  metrics: BinaryReport;
  /** Contact models: their segment × hour baseline on the same rows. */
  baseline: BinaryReport | null;
  /** Whether the version's training or validation window overlaps this one (so it is not fresh for it). */
  overlapsTraining: boolean;
}

export interface EvaluateOptions {
  modelsDir?: string;
  /** Inverse-propensity weights on the rows, as in training (default true). */
  ipw?: boolean;
  /** Store the evaluations in model_evaluations (default false). */
  record?: boolean;
  purpose?: 'gate' | 'manual';
}

function overlaps(v: ModelVersion, w: EvalWindow): boolean {
  const end = v.window.validTo ?? v.window.trainTo;
  const start = v.window.trainFrom;
  if (!end) return v.window.split === 'random'; // a random split has no time bounds: assume it saw everything
  return end.getTime() > w.from.getTime() && (start === null || start.getTime() < w.to.getTime());
}

function weightsOf(data: AttemptDataset, ipw: boolean): Float32Array | undefined {
  if (!ipw) return undefined;
  const r = ipwWeights(data.arm, data.propensity, { clip: DEFAULT_IPW_CLIP });
  return r.logged > 0 ? r.weights : undefined;
}

/** Evaluates one version on a window (rows built as in training: point-in-time features per attempt). */
export async function evaluateOnWindow(wh: Warehouse, version: string, window: EvalWindow, options: EvaluateOptions = {}): Promise<WindowEvaluation> {
  const [result] = await evaluateVersionsOnWindow(wh, [version], window, options);
  return result!;
}

/** Evaluates several versions of one kind on the same rows of a window (rows are built once). */
export async function evaluateVersionsOnWindow(
  wh: Warehouse,
  versions: readonly string[],
  window: EvalWindow,
  options: EvaluateOptions = {},
): Promise<WindowEvaluation[]> {
  if (!(window.from < window.to)) throw new EvaluationError(`evaluation window is empty: ${window.from.toISOString()} … ${window.to.toISOString()}`);
  const resolved = await Promise.all(versions.map((v) => getVersion(wh, v)));
  const kinds = new Set(resolved.map((v) => v.kind));
  if (kinds.size !== 1) throw new EvaluationError(`versions of different kinds (${[...kinds].join(', ')}) cannot share an evaluation window`);
  const kind = resolved[0]!.kind;
  const ipw = options.ipw ?? true;
  const out: WindowEvaluation[] = [];
  if (kind === CONTACT_KIND) {
    const data = await loadAttemptDataset(wh, { label: 'answered', from: window.from, to: window.to });
    requireRows(data.rows, kind, window);
    const w = weightsOf(data, ipw);
    const all = Uint32Array.from({ length: data.rows }, (_, i) => i);
    for (const v of resolved) {
      const model = await loadContactModel(wh, v.version, options.modelsDir ? { modelsDir: options.modelsDir } : {});
      try {
        const p = predictAttempts(model, data);
        const segment = data.matrix.categorical[model.baseline.segmentColumn] ?? [];
        const b = predictBaseline(model.baseline, segment, data.localHow!, all);
        out.push(result(v, window, data.label, p, w, binaryReport(data.label, b, w)));
      } finally {
        model.dispose();
      }
    }
  } else if (kind === CONVERSION_KIND) {
    const data = await loadAttemptDataset(wh, { label: 'converted', from: window.from, to: window.to });
    requireRows(data.rows, kind, window);
    const w = weightsOf(data, ipw);
    for (const v of resolved) {
      const model = await loadConversionModel(wh, v.version, options.modelsDir ? { modelsDir: options.modelsDir } : {});
      try {
        const scores = scoreMatrix(model, data.matrix, null, { reasons: 0 });
        out.push(result(v, window, data.label, scores.pConvert, w, null));
      } finally {
        model.dispose();
      }
    }
  } else if (isConversionKind(kind)) {
    for (const v of resolved) {
      const model = await loadConversionModel(wh, v.version, options.modelsDir ? { modelsDir: options.modelsDir } : {});
      try {
        const source = model.meta.source;
        if (source.type !== 'table' || !source.timeColumn) {
          throw new EvaluationError(`${v.version} was trained on a table without a time column; it has no out-of-time window to be evaluated on`);
        }
        const plan: TableColumnPlan[] = model.encoding.columns.map((c) => ({ name: c.name, duckType: '', use: c.type }));
        const data = await readTableRows(wh, { table: source.table, label: source.label, timeColumn: source.timeColumn }, plan, source.positive, window);
        requireRows(data.rows, kind, window);
        const scores = scoreMatrix(model, data.matrix, null, { reasons: 0 });
        out.push(result(v, window, data.label, scores.pConvert, undefined, null));
      } finally {
        model.dispose();
      }
    }
  } else {
    throw new EvaluationError(`no evaluator for model kind ${kind}`);
  }
  if (options.record) {
    for (const e of out) {
      await recordEvaluation(wh, {
        version: e.version,
        kind: e.kind,
        windowFrom: e.window.from,
        windowTo: e.window.to,
        rows: e.rows,
        metrics: { ...summaryOf(e.metrics), baseline: e.baseline ? summaryOf(e.baseline) : null, overlapsTraining: e.overlapsTraining },
        purpose: options.purpose ?? 'manual',
      });
    }
  }
  return out;
}

function requireRows(rows: number, kind: string, w: EvalWindow): void {
  if (rows === 0) {
    throw new EvaluationError(`no ${kind} rows between ${w.from.toISOString()} and ${w.to.toISOString()} to evaluate on; choose another window`);
  }
}

function result(v: ModelVersion, window: EvalWindow, y: Float32Array, p: Float32Array, w: Float32Array | undefined, baseline: BinaryReport | null): WindowEvaluation {
  const metrics = binaryReport(y, p, w);
  return { version: v.version, kind: v.kind, window, rows: y.length, positives: metrics.positives, metrics, baseline, overlapsTraining: overlaps(v, window) };
}

export function summaryOf(r: BinaryReport): Record<GateMetric, number> {
  return { log_loss: r.logLoss, roc_auc: r.rocAuc, pr_auc: r.prAuc, brier: r.brier, ece: r.ece };
}

export const GATE_METRICS = ['log_loss', 'roc_auc', 'pr_auc', 'brier', 'ece'] as const;
export type GateMetric = (typeof GATE_METRICS)[number];
const HIGHER_IS_BETTER: Record<GateMetric, boolean> = { log_loss: false, roc_auc: true, pr_auc: true, brier: false, ece: false };

/** Defaults of the gate: log loss (ranking and calibration at once), better by at least 0.001. */
export const GATE_DEFAULTS = { metric: 'log_loss' as GateMetric, margin: 0.001 };

export interface GateOptions extends Omit<EvaluateOptions, 'record' | 'purpose'> {
  /** Fresh out-of-time window (default: the candidate's held-back gate window). */
  window?: EvalWindow;
  metric?: GateMetric;
  /** How much better than the champion the candidate must be, in the metric's units. */
  margin?: number;
}

export interface GateDecision {
  kind: string;
  candidate: WindowEvaluation;
  champion: WindowEvaluation | null;
  metric: GateMetric;
  margin: number;
  /** Candidate improvement over the champion, positive = better (null without a champion). */
  improvement: number | null;
  promoted: boolean;
  reason: string;
  window: EvalWindow;
}

/**
 * The gate. Evaluates the candidate and the current champion on the same fresh window and
 * promotes the candidate if it is better by `margin` (or if there is no champion). Both
 * evaluations and the decision are recorded.
 */
export async function promoteIfBetter(wh: Warehouse, candidateRef: string, options: GateOptions = {}): Promise<GateDecision> {
  const candidate = await getVersion(wh, candidateRef);
  const metric = options.metric ?? GATE_DEFAULTS.metric;
  if (!GATE_METRICS.includes(metric)) throw new EvaluationError(`unknown gate metric ${metric}; use one of ${GATE_METRICS.join(', ')}`);
  const margin = options.margin ?? GATE_DEFAULTS.margin;
  const window =
    options.window ??
    (candidate.window.gateFrom && candidate.window.gateTo ? { from: candidate.window.gateFrom, to: candidate.window.gateTo } : null);
  if (!window) {
    throw new EvaluationError(
      `${candidate.version} has no held-back gate window; train with --gate-days (or pass a window) so it can be compared on data it has not seen`,
    );
  }
  if (overlaps(candidate, window)) {
    throw new EvaluationError(
      `the gate window ${window.from.toISOString()} … ${window.to.toISOString()} overlaps ${candidate.version}'s training or validation window; it is not fresh for the candidate`,
    );
  }
  const championVersion = await aliasVersion(wh, candidate.kind, 'champion');
  const refs = championVersion && championVersion !== candidate.version ? [candidate.version, championVersion] : [candidate.version];
  const evals = await evaluateVersionsOnWindow(wh, refs, window, { ...options, record: true, purpose: 'gate' });
  const cand = evals[0]!;
  const champ = evals[1] ?? null;
  const value = (e: WindowEvaluation) => summaryOf(e.metrics)[metric];
  let promoted: boolean;
  let improvement: number | null = null;
  let reason: string;
  if (!champ) {
    promoted = true;
    reason = `no ${candidate.kind} champion yet`;
  } else {
    const c = value(cand);
    const h = value(champ);
    improvement = HIGHER_IS_BETTER[metric] ? c - h : h - c;
    promoted = Number.isFinite(improvement) && improvement > 0 && improvement >= margin;
    const fmt = (x: number) => x.toFixed(5);
    reason = promoted
      ? `${metric} ${fmt(c)} beats champion ${champ.version} (${fmt(h)}) by ${fmt(improvement)} ≥ margin ${margin}`
      : `${metric} ${fmt(c)} does not beat champion ${champ.version} (${fmt(h)}) by the margin ${margin} (improvement ${fmt(improvement)})`;
    if (champ.overlapsTraining) reason += `; note: the champion had seen part of this window`;
  }
  await recordGateDecision(wh, {
    kind: candidate.kind,
    candidate: candidate.version,
    champion: champ?.version ?? null,
    windowFrom: window.from,
    windowTo: window.to,
    metric,
    margin,
    candidateValue: value(cand),
    championValue: champ ? value(champ) : null,
    promoted,
    reason,
  });
  if (promoted) {
    await promote(wh, candidate.version, {
      reason: `gate: ${reason}`,
      details: { metric, margin, window: { from: window.from.toISOString(), to: window.to.toISOString() }, candidate: value(cand), champion: champ ? value(champ) : null },
    });
  }
  return { kind: candidate.kind, candidate: cand, champion: champ, metric, margin, improvement, promoted, reason, window };
}
