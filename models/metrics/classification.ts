/**
 * Binary-classification metrics as pure functions on typed arrays. `y` holds 0/1 labels (any
 * value > 0.5 counts as positive), `p` predicted probabilities, `w` optional non-negative
 * sample weights (e.g. inverse-propensity weights). Every metric accepts the weights, so the
 * figures stored with a model are the ones its training targeted.
 */
import { MetricsInputError } from './errors.ts';

export type Numbers = ArrayLike<number>;

function check(y: Numbers, p: Numbers, w: Numbers | undefined, what: string): void {
  if (y.length !== p.length) throw new MetricsInputError(`${what}: ${y.length} labels but ${p.length} predictions; pass one prediction per label`);
  if (w !== undefined && w.length !== y.length) {
    throw new MetricsInputError(`${what}: ${w.length} weights for ${y.length} rows; pass one weight per row or none`);
  }
}

const weightOf = (w: Numbers | undefined, i: number): number => (w === undefined ? 1 : (w[i] as number));
const isPos = (v: number): boolean => v > 0.5;

/** Row indices ordered by descending score (stable, NaN last). */
export function orderByScoreDesc(p: Numbers): Uint32Array {
  const idx = new Uint32Array(p.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  const key = Float64Array.from(p as ArrayLike<number>, (v) => (Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v));
  idx.sort((a, b) => (key[b] as number) - (key[a] as number) || a - b);
  return idx;
}

/**
 * Area under the ROC curve, tie-aware: tied scores count one half (the Mann–Whitney U with
 * mid-ranks, the same value as scikit-learn's roc_auc_score). NaN when a class is absent.
 */
export function rocAuc(y: Numbers, p: Numbers, w?: Numbers): number {
  check(y, p, w, 'rocAuc');
  const order = orderByScoreDesc(p);
  let totalPos = 0;
  let totalNeg = 0;
  for (let i = 0; i < y.length; i++) {
    if (isPos(y[i] as number)) totalPos += weightOf(w, i);
    else totalNeg += weightOf(w, i);
  }
  if (totalPos <= 0 || totalNeg <= 0) return Number.NaN;
  // Walk groups of equal score from the top: every positive outranks the negatives below it.
  let negAbove = 0;
  let area = 0;
  let k = 0;
  while (k < order.length) {
    const score = p[order[k] as number] as number;
    let pos = 0;
    let neg = 0;
    while (k < order.length && sameScore(p[order[k] as number] as number, score)) {
      const i = order[k] as number;
      if (isPos(y[i] as number)) pos += weightOf(w, i);
      else neg += weightOf(w, i);
      k++;
    }
    // positives in this group beat every negative in groups below; ties count one half
    area += pos * (totalNeg - negAbove - neg) + 0.5 * pos * neg;
    negAbove += neg;
  }
  return area / (totalPos * totalNeg);
}

function sameScore(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Area under the precision–recall curve as average precision: Σ (Rₖ − Rₖ₋₁) · Pₖ over the
 * distinct score thresholds, highest first (scikit-learn's average_precision_score; no
 * trapezoids, which overstate it). NaN when there are no positives.
 */
export function prAuc(y: Numbers, p: Numbers, w?: Numbers): number {
  check(y, p, w, 'prAuc');
  const order = orderByScoreDesc(p);
  let totalPos = 0;
  for (let i = 0; i < y.length; i++) if (isPos(y[i] as number)) totalPos += weightOf(w, i);
  if (totalPos <= 0) return Number.NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  let k = 0;
  while (k < order.length) {
    const score = p[order[k] as number] as number;
    while (k < order.length && sameScore(p[order[k] as number] as number, score)) {
      const i = order[k] as number;
      if (isPos(y[i] as number)) tp += weightOf(w, i);
      else fp += weightOf(w, i);
      k++;
    }
    const recall = tp / totalPos;
    const precision = tp + fp > 0 ? tp / (tp + fp) : 1;
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return ap;
}

/** Mean negative log-likelihood; probabilities are clipped to [eps, 1 − eps] as scikit-learn does. */
export function logLoss(y: Numbers, p: Numbers, w?: Numbers, eps = 1e-15): number {
  check(y, p, w, 'logLoss');
  let sum = 0;
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - eps, Math.max(eps, p[i] as number));
    const wi = weightOf(w, i);
    sum -= wi * (isPos(y[i] as number) ? Math.log(q) : Math.log(1 - q));
    total += wi;
  }
  return total > 0 ? sum / total : Number.NaN;
}

/** Mean squared difference between probability and outcome. */
export function brier(y: Numbers, p: Numbers, w?: Numbers): number {
  check(y, p, w, 'brier');
  let sum = 0;
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const d = (p[i] as number) - (isPos(y[i] as number) ? 1 : 0);
    const wi = weightOf(w, i);
    sum += wi * d * d;
    total += wi;
  }
  return total > 0 ? sum / total : Number.NaN;
}

export interface CalibrationBin {
  /** [lower, upper) except the last bin, which includes 1. */
  lower: number;
  upper: number;
  /** Weighted share of rows in the bin. */
  share: number;
  rows: number;
  meanPredicted: number;
  observedRate: number;
}

/** Reliability table over equal-width probability bins (empty bins have NaN means). */
export function calibrationBins(y: Numbers, p: Numbers, options: { bins?: number; w?: Numbers } = {}): CalibrationBin[] {
  const bins = options.bins ?? 10;
  const w = options.w;
  check(y, p, w, 'calibrationBins');
  const sumW = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const rows = new Uint32Array(bins);
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const q = p[i] as number;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(q * bins)));
    const wi = weightOf(w, i);
    sumW[b]! += wi;
    sumP[b]! += wi * q;
    sumY[b]! += wi * (isPos(y[i] as number) ? 1 : 0);
    rows[b]!++;
    total += wi;
  }
  return Array.from({ length: bins }, (_, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    share: total > 0 ? (sumW[b] as number) / total : 0,
    rows: rows[b] as number,
    meanPredicted: (sumW[b] as number) > 0 ? (sumP[b] as number) / (sumW[b] as number) : Number.NaN,
    observedRate: (sumW[b] as number) > 0 ? (sumY[b] as number) / (sumW[b] as number) : Number.NaN,
  }));
}

/**
 * Expected calibration error over equal-width bins (10 by default):
 * Σ_b share_b · |observed rate_b − mean predicted_b|.
 */
export function ece(y: Numbers, p: Numbers, options: { bins?: number; w?: Numbers } = {}): number {
  let e = 0;
  for (const b of calibrationBins(y, p, options)) if (b.share > 0) e += b.share * Math.abs(b.observedRate - b.meanPredicted);
  return e;
}

export interface DecileRow {
  /** 1 = highest scores. */
  decile: number;
  rows: number;
  /** Weighted rows. */
  weight: number;
  positives: number;
  rate: number;
  meanPredicted: number;
  /** rate / overall rate. */
  lift: number;
  /** Share of all positives captured by deciles 1..this one. */
  cumulativeGain: number;
  /** Cumulative rate / overall rate. */
  cumulativeLift: number;
}

/**
 * Lift and gain by decile of the score, highest first. Rows are ranked by score (ties keep
 * input order) and cut into ten groups of equal row count (the first `n mod 10` get one more).
 */
export function liftByDecile(y: Numbers, p: Numbers, w?: Numbers, groups = 10): DecileRow[] {
  check(y, p, w, 'liftByDecile');
  const order = orderByScoreDesc(p);
  let totalW = 0;
  let totalPos = 0;
  for (let i = 0; i < y.length; i++) {
    totalW += weightOf(w, i);
    if (isPos(y[i] as number)) totalPos += weightOf(w, i);
  }
  const overall = totalW > 0 ? totalPos / totalW : Number.NaN;
  const out: DecileRow[] = [];
  const n = order.length;
  let start = 0;
  let cumW = 0;
  let cumPos = 0;
  for (let g = 0; g < groups; g++) {
    const size = Math.floor(n / groups) + (g < n % groups ? 1 : 0);
    let wSum = 0;
    let pos = 0;
    let pSum = 0;
    for (let k = start; k < start + size; k++) {
      const i = order[k] as number;
      const wi = weightOf(w, i);
      wSum += wi;
      pSum += wi * (p[i] as number);
      if (isPos(y[i] as number)) pos += wi;
    }
    start += size;
    cumW += wSum;
    cumPos += pos;
    const rate = wSum > 0 ? pos / wSum : Number.NaN;
    out.push({
      decile: g + 1,
      rows: size,
      weight: wSum,
      positives: pos,
      rate,
      meanPredicted: wSum > 0 ? pSum / wSum : Number.NaN,
      lift: rate / overall,
      cumulativeGain: totalPos > 0 ? cumPos / totalPos : Number.NaN,
      cumulativeLift: cumW > 0 ? cumPos / cumW / overall : Number.NaN,
    });
  }
  return out;
}

export interface BinaryReport {
  rows: number;
  /** Weighted positives. */
  positives: number;
  baseRate: number;
  weighted: boolean;
  rocAuc: number;
  prAuc: number;
  logLoss: number;
  brier: number;
  ece: number;
  deciles: DecileRow[];
  calibration: CalibrationBin[];
}

/** Every metric at once, for storing with a model. */
export function binaryReport(y: Numbers, p: Numbers, w?: Numbers): BinaryReport {
  check(y, p, w, 'binaryReport');
  let total = 0;
  let pos = 0;
  for (let i = 0; i < y.length; i++) {
    total += weightOf(w, i);
    if (isPos(y[i] as number)) pos += weightOf(w, i);
  }
  return {
    rows: y.length,
    positives: pos,
    baseRate: total > 0 ? pos / total : Number.NaN,
    weighted: w !== undefined,
    rocAuc: rocAuc(y, p, w),
    prAuc: prAuc(y, p, w),
    logLoss: logLoss(y, p, w),
    brier: brier(y, p, w),
    ece: ece(y, p, w === undefined ? {} : { w }),
    deciles: liftByDecile(y, p, w),
    calibration: calibrationBins(y, p, w === undefined ? {} : { w }),
  };
}
