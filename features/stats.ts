import { quoteIdent, type SqlParams, type Warehouse } from '../warehouse/index.ts';
import type { FeatureDef } from './registry.ts';

/**
 * Per-feature distribution statistics of a set of feature rows, and the Population Stability
 * Index between two of them. Numeric features are binned on the baseline's deciles (bins
 * (-inf,e1], (e1,e2], …, (ek,inf), repeated edges merged, none on a point mass: see
 * binEdges), categorical and boolean features
 * by value; null is a bin of its own in both, so a feature that starts arriving empty drifts.
 */

const DECILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/** Every quantile computed: the reported ones and the deciles (bin edges), in one aggregate. */
const QUANTILE_PROBS = [0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95];
/** Categories kept by name in a histogram; the rest are pooled as OTHER. */
const MAX_CATEGORIES = 100;
export const OTHER = '__other__';

export type Histogram =
  | { kind: 'numeric'; edges: number[]; shares: number[] }
  | { kind: 'categorical'; shares: Record<string, number> };

export interface FeatureStats {
  feature: string;
  family: string;
  type: string;
  rows: number;
  nullShare: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  p05: number | null;
  p25: number | null;
  p50: number | null;
  p75: number | null;
  p95: number | null;
  max: number | null;
  /** Distinct values (categorical and boolean features; null for numeric ones). */
  distinctCount: number | null;
  /** Shares over all rows; with nullShare they sum to 1. */
  histogram: Histogram;
}

const isNumeric = (d: FeatureDef) => d.type === 'numeric';
const col = (d: FeatureDef) => quoteIdent(d.name);

function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'bigint' ? Number(v) : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** DuckDB MAP values arrive as [{key, value}]. */
function mapEntries(v: unknown): [string, number][] {
  if (!Array.isArray(v)) return [];
  return v.map((e: { key: unknown; value: unknown }) => [String(e.key), Number(e.value)]);
}

/** Rows the quantiles (and so the PSI bin edges) are computed on; beyond this, a sample. */
export const QUANTILE_SAMPLE_ROWS = 50_000;
const STATS_SAMPLE = '__stats_sample';

/**
 * Statistics of `features` over `fromSql` (a FROM clause body, e.g.
 * `customer_features WHERE snapshot_id = $snapshot`). Counts, null shares, moments and
 * category shares are exact (one scan); quantiles and the decile bin edges come from a
 * deterministic sample of about 50,000 rows (rows whose hash(sampleKey) falls in the
 * lowest 50,000/n of the range) — DuckDB's quantile aggregates cost ~0.2 s per column per
 * million rows, and drift bins need no more precision; the bin shares are then exact again.
 */
export async function computeStats(
  wh: Warehouse,
  features: readonly FeatureDef[],
  fromSql: string,
  params?: SqlParams,
  options: { sampleKey?: string } = {},
): Promise<FeatureStats[]> {
  const parts = ['count(*) AS n'];
  features.forEach((d, i) => {
    const c = col(d);
    parts.push(`count(${c}) AS nn${i}`);
    if (isNumeric(d)) {
      parts.push(
        `avg(${c})::DOUBLE AS mean${i}`,
        `stddev_samp(${c})::DOUBLE AS std${i}`,
        `min(${c})::DOUBLE AS min${i}`,
        `max(${c})::DOUBLE AS max${i}`,
      );
    } else {
      parts.push(`histogram(${c}::VARCHAR) AS h${i}`);
    }
  });
  const row = await wh.one<Record<string, unknown>>(`SELECT ${parts.join(', ')} FROM ${fromSql}`, params);
  const rows = num(row.n) ?? 0;

  const numeric = features.filter(isNumeric);
  const nullShareOf = (name: string) => {
    const i = features.findIndex((d) => d.name === name);
    return rows === 0 ? 0 : (rows - (num(row[`nn${i}`]) ?? 0)) / rows;
  };
  const quantiles = new Map<string, (number | null)[]>();
  const at = (name: string, p: number) => quantiles.get(name)?.[QUANTILE_PROBS.indexOf(p)] ?? null;
  const edges = new Map<string, number[]>();
  let binned = new Map<string, number[]>();
  if (numeric.length > 0) {
    await withSample(wh, numeric, fromSql, params, rows, options.sampleKey, async (sample) => {
      // one query per column: many quantile aggregates in one statement are several times slower
      const deciles = new Map<string, number[]>();
      for (const d of numeric) {
        const q = await wh.one<{ q: unknown }>(`SELECT quantile_disc(${col(d)}, [${QUANTILE_PROBS.join(', ')}]) AS q FROM ${sample}`);
        quantiles.set(d.name, Array.isArray(q.q) ? q.q.map(num) : QUANTILE_PROBS.map(() => null));
        const e = DECILES.map((p) => quantiles.get(d.name)?.[QUANTILE_PROBS.indexOf(p)] ?? null).filter((x): x is number => x !== null);
        deciles.set(d.name, [...new Set(e)].sort((a, b) => a - b));
      }
      const spreadOf = (name: string) => {
        const i = features.findIndex((d) => d.name === name);
        const [p05, p95] = [at(name, 0.05), at(name, 0.95)];
        const wide = p05 !== null && p95 !== null ? p95 - p05 : 0;
        return wide > 0 ? wide : (num(row[`max${i}`]) ?? 0) - (num(row[`min${i}`]) ?? 0);
      };
      for (const [name, e] of await binEdges(wh, numeric, deciles, spreadOf, sample)) edges.set(name, e);
      binned = await binShares(wh, numeric, edges, sample, nullShareOf);
    });
  }
  return features.map((d, i): FeatureStats => {
    const nonNull = num(row[`nn${i}`]) ?? 0;
    const nullShare = rows === 0 ? 0 : (rows - nonNull) / rows;
    const base = { feature: d.name, family: d.family, type: d.type, rows, nullShare };
    if (isNumeric(d)) {
      return {
        ...base,
        mean: num(row[`mean${i}`]),
        std: num(row[`std${i}`]),
        min: num(row[`min${i}`]),
        p05: at(d.name, 0.05),
        p25: at(d.name, 0.25),
        p50: at(d.name, 0.5),
        p75: at(d.name, 0.75),
        p95: at(d.name, 0.95),
        max: num(row[`max${i}`]),
        distinctCount: null,
        histogram: { kind: 'numeric', edges: edges.get(d.name)!, shares: binned.get(d.name)! },
      };
    }
    const entries = mapEntries(row[`h${i}`]);
    return {
      ...base,
      mean: null,
      std: null,
      min: null,
      p05: null,
      p25: null,
      p50: null,
      p75: null,
      p95: null,
      max: null,
      distinctCount: entries.length,
      histogram: { kind: 'categorical', shares: categoryShares(entries, rows) },
    };
  });
}

function categoryShares(entries: [string, number][], rows: number): Record<string, number> {
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shares: Record<string, number> = {};
  let other = 0;
  entries.forEach(([k, n], i) => {
    if (i < MAX_CATEGORIES && k !== OTHER) shares[k] = n / rows;
    else other += n;
  });
  if (other > 0) shares[OTHER] = other / rows;
  return shares;
}

/**
 * Runs `fn` over a temp table of the numeric columns of `fromSql`: every row up to
 * QUANTILE_SAMPLE_ROWS rows, else the rows whose hash(sampleKey) falls in the lowest
 * QUANTILE_SAMPLE_ROWS / rows of the range — deterministic, so the same rows give the same
 * sample (and identical snapshots a PSI of exactly 0).
 */
export async function withSample<T>(
  wh: Warehouse,
  numeric: readonly FeatureDef[],
  fromSql: string,
  params: SqlParams | undefined,
  rows: number,
  sampleKey: string | undefined,
  fn: (table: string) => Promise<T>,
): Promise<T> {
  const sampled = rows > QUANTILE_SAMPLE_ROWS;
  const key = quoteIdent(sampleKey ?? 'customer_id');
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE ${STATS_SAMPLE} AS
     SELECT ${numeric.map((d) => `${col(d)}::DOUBLE AS ${col(d)}`).join(', ')}
     FROM (SELECT * FROM ${fromSql}) ${sampled ? `WHERE hash(${key}) % $stats_rows < ${QUANTILE_SAMPLE_ROWS}` : ''}`,
    { ...paramsAsRecord(params), ...(sampled ? { stats_rows: rows } : {}) } as SqlParams,
  );
  try {
    return await fn(STATS_SAMPLE);
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${STATS_SAMPLE}`);
  }
}

/** Share of rows at one value above which a decile value counts as a point mass. */
const MASS_SHARE = 0.01;
/** A mass's guard band: ±0.5 % of the feature's p05–p95 spread… */
const MASS_GUARD_SPREAD = 0.005;
/** …or ±5 % of the mass's own value, whichever is wider. */
const MASS_GUARD_RELATIVE = 0.05;

/**
 * PSI bin edges from the distinct deciles of each numeric feature. A decile value often
 * carries a point mass (every customer never called in a block has the same shrunk
 * hour-of-week rate, most counts are 0). An edge on the mass sends all of it to the next bin
 * when the value moves by a hair: PSI ≈ 18 for a population prior that moved in its third
 * decimal, an alarm every night. So around each mass (≥ 1 % of rows on one value) a guard band
 * (±5 % of its value or ±0.5 % of the p05–p95 spread, the wider) stays free of edges: the
 * mass gets an edge on each side, halfway to the next value seen beyond it (at least past the
 * band), and any edge inside a band is dropped (masses that close share a bin). Continuous
 * deciles keep their edges, so ordinary features bin as before; a mass moving by more than its
 * band, either way, or a changed shape, still shows.
 */
async function binEdges(
  wh: Warehouse,
  features: readonly FeatureDef[],
  deciles: ReadonlyMap<string, readonly number[]>,
  spreadOf: (feature: string) => number,
  sampleTable: string,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const bound: Record<string, number> = {};
  const parts: string[] = [];
  features.forEach((d, i) => {
    const c = col(d);
    parts.push(`count(${c}) AS n${i}`);
    (deciles.get(d.name) ?? []).forEach((value, j) => {
      bound[`d_${i}_${j}`] = value;
      // CASE, not FILTER: DuckDB's cost grows with the square of the FILTER clauses in one
      // aggregate (≈ 60 features × 9 deciles × 2 took 16–17 s on 50,000 rows; this form 1 s)
      parts.push(
        `count_if(${c} = $d_${i}_${j}) AS eq${i}_${j}`,
        `min(CASE WHEN ${c} > $d_${i}_${j} THEN ${c} END)::DOUBLE AS up${i}_${j}`,
        `max(CASE WHEN ${c} < $d_${i}_${j} THEN ${c} END)::DOUBLE AS dn${i}_${j}`,
      );
    });
  });
  const row = await wh.one<Record<string, unknown>>(`SELECT ${parts.join(', ')} FROM ${sampleTable}`, bound);
  features.forEach((d, i) => {
    const values = deciles.get(d.name) ?? [];
    const n = num(row[`n${i}`]) ?? 0;
    const masses = values.filter((_, j) => n > 0 && (num(row[`eq${i}_${j}`]) ?? 0) / n >= MASS_SHARE);
    const spread = spreadOf(d.name);
    const guard = (m: number) => Math.max(MASS_GUARD_SPREAD * spread, MASS_GUARD_RELATIVE * Math.abs(m)) || Number.MIN_VALUE;
    const candidates: number[] = [];
    values.forEach((value, j) => {
      if (!masses.includes(value)) {
        candidates.push(value);
        return;
      }
      const [up, down] = [num(row[`up${i}_${j}`]), num(row[`dn${i}_${j}`])];
      candidates.push(up === null ? value + guard(value) : Math.max((value + up) / 2, value + guard(value)));
      candidates.push(down === null ? value - guard(value) : Math.min((value + down) / 2, value - guard(value)));
    });
    const clear = candidates.filter((e) => masses.every((m) => Math.abs(e - m) >= guard(m)));
    out.set(d.name, [...new Set(clear)].sort((a, b) => a - b));
  });
  return out;
}

/**
 * Shares of rows in the bins of `edges` for each numeric feature of a sample table: the
 * non-null rows' distribution scaled by (1 − nullShare), so with the null share the bins
 * sum to 1. Edges are bound as parameters, never written into the SQL text.
 */
export async function binShares(
  wh: Warehouse,
  features: readonly FeatureDef[],
  edges: ReadonlyMap<string, readonly number[]>,
  sampleTable: string,
  nullShare: (feature: string) => number,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  if (features.length === 0) return out;
  const bound: Record<string, number> = {};
  const parts: string[] = [];
  features.forEach((d, i) => {
    const c = col(d);
    parts.push(`count(${c}) AS n${i}`);
    // cumulative: rows at or below each edge; bins are the differences
    (edges.get(d.name) ?? []).forEach((value, j) => {
      bound[`edge_${i}_${j}`] = value;
      parts.push(`count_if(${c} <= $edge_${i}_${j}) AS c${i}_${j}`);
    });
  });
  const row = await wh.one<Record<string, unknown>>(`SELECT ${parts.join(', ')} FROM ${sampleTable}`, bound);
  features.forEach((d, i) => {
    const e = edges.get(d.name) ?? [];
    const n = num(row[`n${i}`]) ?? 0;
    const scale = n === 0 ? 0 : (1 - nullShare(d.name)) / n;
    const cumulative = [...e.map((_, j) => num(row[`c${i}_${j}`]) ?? 0), n];
    out.set(
      d.name,
      cumulative.map((c, j) => (c - (j === 0 ? 0 : cumulative[j - 1]!)) * scale),
    );
  });
  return out;
}

function paramsAsRecord(params: SqlParams | undefined): Record<string, unknown> {
  if (params === undefined) return {};
  if (Array.isArray(params)) throw new TypeError('binShares needs named parameters');
  return params as Record<string, unknown>;
}

/** Categorical shares aligned on the baseline's categories (+ OTHER for the rest). */
export function alignCategories(
  baseline: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
): { p: number[]; q: number[] } {
  const keys = Object.keys(baseline).filter((k) => k !== OTHER);
  const known = new Set(keys);
  const p = keys.map((k) => baseline[k] ?? 0);
  const q = keys.map((k) => current[k] ?? 0);
  p.push(baseline[OTHER] ?? 0);
  q.push(Object.entries(current).reduce((s, [k, v]) => (known.has(k) ? s : s + v), 0));
  return { p, q };
}
