/** Per-segment profiles: size, feature means and z-scores, answer and conversion rates, best hours. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Warehouse } from '../../../warehouse/index.ts';
import type { InputDef, InputValues, SegmentColumn } from './columns.ts';

const ATTEMPT_STATS_SQL = readFileSync(fileURLToPath(new URL('./sql/attempt_stats.sql', import.meta.url)), 'utf8');

/** Hours listed in a profile's best_hours. */
export const BEST_HOURS = 5;
/**
 * Pseudo-attempts of the prior that shrinks each hour's answer rate towards the segment's
 * overall rate, so an hour with one lucky answer does not top the list.
 */
export const HOUR_PRIOR = 10;
export const MISSING_CATEGORY = '(missing)';

export interface AttemptStats {
  attempts: number;
  answered: number;
  conversions: number;
  /** answered / attempts; null when the segment was never called. */
  answerRate: number | null;
  /** conversions / answered; null when nobody answered. */
  conversionRate: number | null;
  /** Local hours-of-week with the highest smoothed answer rate, best first. */
  bestHours: number[];
}

/** Attempt statistics per segment of a stored version, from attempts before `asOf`. */
export async function attemptStats(wh: Warehouse, version: string, asOf: Date): Promise<Map<number, AttemptStats>> {
  const rows = await wh.query<{ segment_id: number; how: number; attempts: number; answered: number; conversions: number }>(
    ATTEMPT_STATS_SQL,
    { version, as_of: asOf },
  );
  const bySegment = new Map<number, typeof rows>();
  for (const r of rows) bySegment.set(r.segment_id, [...(bySegment.get(r.segment_id) ?? []), r]);
  const out = new Map<number, AttemptStats>();
  for (const [segment, hours] of bySegment) {
    let attempts = 0;
    let answered = 0;
    let conversions = 0;
    for (const h of hours) {
      attempts += h.attempts;
      answered += h.answered;
      conversions += h.conversions;
    }
    const rate = attempts > 0 ? answered / attempts : 0;
    const bestHours = hours
      .map((h) => ({ how: h.how, smoothed: (h.answered + HOUR_PRIOR * rate) / (h.attempts + HOUR_PRIOR) }))
      .sort((a, b) => b.smoothed - a.smoothed || a.how - b.how)
      .slice(0, BEST_HOURS)
      .map((h) => h.how);
    out.set(segment, {
      attempts,
      answered,
      conversions,
      answerRate: attempts > 0 ? answered / attempts : null,
      conversionRate: answered > 0 ? conversions / answered : null,
      bestHours,
    });
  }
  return out;
}

export const NO_ATTEMPTS: AttemptStats = {
  attempts: 0,
  answered: 0,
  conversions: 0,
  answerRate: null,
  conversionRate: null,
  bestHours: [],
};

/** What the matrix says about one segment. */
export interface SegmentStats {
  segmentId: number;
  size: number;
  meanDistance: number;
  /** Model column → z of the segment's mean (unweighted standardised units). */
  z: Record<string, number>;
  /** Input → mean in its own units (numeric, boolean as a share, dayparts). */
  means: Record<string, number | null>;
  /** Categorical input → category → share of the segment (missing values as "(missing)"). */
  categoryShares: Record<string, Record<string, number>>;
}

/**
 * Sizes, z-scores and means per segment in one pass over the rows. `Z` is the weighted
 * standardised matrix K-Means saw; dividing by each column's weight gives plain z units.
 */
export function segmentStats(
  ids: readonly number[],
  labels: Int32Array,
  distances: Float32Array | Float64Array,
  columns: readonly SegmentColumn[],
  Z: Float32Array,
  inputs: readonly InputDef[],
  values: InputValues,
): SegmentStats[] {
  const n = labels.length;
  const d = columns.length;
  const slot = new Map(ids.map((id, s) => [id, s]));
  const k = ids.length;
  const size = new Float64Array(k);
  const dist = new Float64Array(k);
  const zSum = new Float64Array(k * d);
  const seg = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = slot.get(labels[i] as number)!;
    seg[i] = s;
    size[s] = (size[s] as number) + 1;
    dist[s] = (dist[s] as number) + (distances[i] as number);
    for (let q = 0; q < d; q++) zSum[s * d + q] = (zSum[s * d + q] as number) + (Z[i * d + q] as number);
  }
  const means = ids.map(() => ({}) as Record<string, number | null>);
  const shares = ids.map(() => ({}) as Record<string, Record<string, number>>);
  for (const input of inputs) {
    const numeric = values.numeric.get(input.name);
    if (numeric) {
      const sum = new Float64Array(k);
      const count = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        const v = numeric[i] as number;
        if (!Number.isFinite(v)) continue;
        sum[seg[i] as number] = (sum[seg[i] as number] as number) + v;
        count[seg[i] as number] = (count[seg[i] as number] as number) + 1;
      }
      for (let s = 0; s < k; s++) means[s]![input.name] = (count[s] as number) > 0 ? (sum[s] as number) / (count[s] as number) : null;
      continue;
    }
    const raw = values.categorical.get(input.name);
    if (!raw) continue;
    const counts = ids.map(() => new Map<string, number>());
    for (let i = 0; i < n; i++) {
      const m = counts[seg[i] as number]!;
      const v = raw[i] ?? MISSING_CATEGORY;
      m.set(v, (m.get(v) ?? 0) + 1);
    }
    counts.forEach((m, s) => {
      const out: Record<string, number> = {};
      for (const [v, c] of [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) out[v] = c / (size[s] as number);
      shares[s]![input.name] = out;
    });
  }
  return ids.map((segmentId, s) => {
    const z: Record<string, number> = {};
    columns.forEach((c, q) => {
      z[c.name] = (size[s] as number) > 0 ? (zSum[s * d + q] as number) / (size[s] as number) / c.weight : 0;
    });
    return {
      segmentId,
      size: size[s] as number,
      meanDistance: (size[s] as number) > 0 ? (dist[s] as number) / (size[s] as number) : 0,
      z,
      means: means[s]!,
      categoryShares: shares[s]!,
    };
  });
}
