/**
 * The baseline the contact model must beat: the smoothed empirical answer rate of the
 * customer's segment at that local hour-of-week, from the training window.
 *   global        = (answered + 1) / (attempts + 2)
 *   hour h        = (answered_h + 50 · global) / (attempts_h + 50)
 *   segment s, h  = (answered_sh + 20 · hour_h) / (attempts_sh + 20)
 * A segment unseen in training gets the hour rate. The segment is a categorical customer
 * feature (occupation by default: the strongest driver of when people pick up).
 */
import { HOURS_PER_WEEK } from './hours.ts';

export const BASELINE_PRIORS = { hour: 50, segment: 20 } as const;
export const DEFAULT_SEGMENT_COLUMN = 'occupation';
const NONE = '(none)';

export interface SegmentHourBaseline {
  format: 'dialwise-contact-baseline/1';
  segmentColumn: string;
  segments: string[];
  /** (segments + 1) × 168 answer rates, row-major; the last row is everyone (unseen segments). */
  rates: number[];
  globalRate: number;
}

export function fitBaseline(
  segmentColumn: string,
  segment: readonly (string | null)[],
  how: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: ArrayLike<number>,
  w?: ArrayLike<number>,
): SegmentHourBaseline {
  const index = new Map<string, number>();
  for (let k = 0; k < rows.length; k++) {
    const s = segment[rows[k] as number] ?? NONE;
    if (!index.has(s)) index.set(s, index.size);
  }
  const segments = [...index.keys()].sort();
  segments.forEach((s, i) => index.set(s, i));
  const S = segments.length;
  const att = new Float64Array((S + 1) * HOURS_PER_WEEK);
  const ans = new Float64Array((S + 1) * HOURS_PER_WEEK);
  let totalAtt = 0;
  let totalAns = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    const h = how[r] as number;
    const wi = w ? (w[r] as number) : 1;
    const yi = (y[r] as number) * wi;
    const s = index.get(segment[r] ?? NONE) as number;
    att[s * HOURS_PER_WEEK + h]! += wi;
    ans[s * HOURS_PER_WEEK + h]! += yi;
    att[S * HOURS_PER_WEEK + h]! += wi;
    ans[S * HOURS_PER_WEEK + h]! += yi;
    totalAtt += wi;
    totalAns += yi;
  }
  const globalRate = (totalAns + 1) / (totalAtt + 2);
  const rates = new Array<number>((S + 1) * HOURS_PER_WEEK);
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    const all = S * HOURS_PER_WEEK + h;
    const hourRate = ((ans[all] as number) + BASELINE_PRIORS.hour * globalRate) / ((att[all] as number) + BASELINE_PRIORS.hour);
    rates[all] = hourRate;
    for (let s = 0; s < S; s++) {
      const i = s * HOURS_PER_WEEK + h;
      rates[i] = ((ans[i] as number) + BASELINE_PRIORS.segment * hourRate) / ((att[i] as number) + BASELINE_PRIORS.segment);
    }
  }
  return { format: 'dialwise-contact-baseline/1', segmentColumn, segments, rates, globalRate };
}

/** Baseline answer probability of a customer of `segment` at local hour-of-week `how`. */
export function baselineRate(b: SegmentHourBaseline, segment: string | null, how: number): number {
  let s = b.segments.indexOf(segment ?? NONE);
  if (s < 0) s = b.segments.length;
  return b.rates[s * HOURS_PER_WEEK + how] as number;
}

/** Baseline probabilities for rows (segment value and hour per row). */
export function predictBaseline(b: SegmentHourBaseline, segment: readonly (string | null)[], how: ArrayLike<number>, rows: ArrayLike<number>): Float32Array {
  const index = new Map(b.segments.map((s, i) => [s, i]));
  const out = new Float32Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    const s = index.get(segment[r] ?? NONE) ?? b.segments.length;
    out[k] = b.rates[s * HOURS_PER_WEEK + (how[r] as number)] as number;
  }
  return out;
}

const clampLogit = (p: number): number => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

/** Log-odds of the baseline for rows (the network's `prior` input). */
export function baselineLogits(b: SegmentHourBaseline, segment: readonly (string | null)[], how: ArrayLike<number>, rows: ArrayLike<number>): Float32Array {
  return Float32Array.from(predictBaseline(b, segment, how, rows), clampLogit);
}

/**
 * Baseline log-odds for the training rows themselves, cross-fitted: rows are split into
 * `folds` random folds and each fold gets the baseline fitted on the others, so no row's own
 * label is inside the rate it is given (target encoding without the leak).
 */
export function crossFitBaselineLogits(
  segmentColumn: string,
  segment: readonly (string | null)[],
  how: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: ArrayLike<number>,
  w?: ArrayLike<number>,
  options: { folds?: number; seed?: number } = {},
): Float32Array {
  const folds = options.folds ?? 5;
  let s = (options.seed ?? 42) >>> 0 || 1;
  const fold = new Uint8Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    fold[k] = (s >>> 8) % folds;
  }
  const out = new Float32Array(rows.length);
  for (let f = 0; f < folds; f++) {
    const fitRows: number[] = [];
    const predRows: number[] = [];
    const predAt: number[] = [];
    for (let k = 0; k < rows.length; k++) {
      if (fold[k] === f) {
        predRows.push(rows[k] as number);
        predAt.push(k);
      } else fitRows.push(rows[k] as number);
    }
    if (predRows.length === 0) continue;
    const b = fitBaseline(segmentColumn, segment, how, y, fitRows, w);
    const p = baselineLogits(b, segment, how, predRows);
    predAt.forEach((k, j) => {
      out[k] = p[j] as number;
    });
  }
  return out;
}
