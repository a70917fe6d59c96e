import { DEFAULT_PSI_ALARM, psi } from '../../contracts/index.ts';
import { quoteIdent, type Warehouse } from '../../warehouse/index.ts';

/**
 * Feature drift of the latest snapshot against the one before, as PSI on the baseline's bins
 * (numeric: the baseline's decile edges; categorical: its categories + the rest), with the
 * null share as a bin of its own — the same definition as `dialwise features` uses. Categorical
 * shares are exact in the stored stats; numeric ones are re-binned on the baseline's edges with
 * one set-based query over the attached warehouse (edges bound as parameters).
 */
export const PSI_ALARM = DEFAULT_PSI_ALARM;

type Histogram = { kind: 'numeric'; edges: number[]; shares: number[] } | { kind: 'categorical'; shares: Record<string, number> };

interface StatRow {
  snapshot_id: number;
  feature: string;
  family: string;
  type: string;
  null_share: number;
  mean: number | null;
  histogram: string;
}

const CREATE_DRIFT = `CREATE TABLE feature_drift (
  baseline_snapshot_id BIGINT, current_snapshot_id BIGINT, feature VARCHAR, family VARCHAR, type VARCHAR,
  psi DOUBLE, null_share_baseline DOUBLE, null_share_current DOUBLE, mean_baseline DOUBLE, mean_current DOUBLE)`;
const INSERT_DRIFT = 'INSERT INTO feature_drift VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)';
const LATEST_TWO = 'SELECT snapshot_id FROM feature_snapshots ORDER BY snapshot_id DESC LIMIT 2';
const STATS_OF = 'SELECT snapshot_id, feature, family, type, null_share, mean, histogram FROM feature_stats WHERE snapshot_id = $1';
const FEATURE_COLUMNS = "SELECT column_name FROM duckdb_columns() WHERE database_name = 'src' AND table_name = 'customer_features'";

/** Fills `feature_drift` in the extract database (`src` = the attached warehouse; feature_* tables already copied). */
export async function computeDrift(db: Warehouse): Promise<void> {
  await db.run(CREATE_DRIFT);
  const ids = (await db.query<{ snapshot_id: number }>(LATEST_TWO)).map((r) => r.snapshot_id);
  if (ids.length < 2) return;
  const [current, baseline] = ids as [number, number];
  const base = await db.query<StatRow>(STATS_OF, [baseline]);
  const cur = new Map((await db.query<StatRow>(STATS_OF, [current])).map((r) => [r.feature, r]));
  const columns = new Set((await db.query<{ column_name: string }>(FEATURE_COLUMNS)).map((r) => r.column_name));

  // numeric features: current shares on the baseline's edges, one aggregate for all of them
  const numeric = base.filter((b) => (JSON.parse(b.histogram) as Histogram).kind === 'numeric' && columns.has(b.feature) && cur.has(b.feature));
  const bound: Record<string, number> = { snapshot: current };
  const parts: string[] = [];
  numeric.forEach((b, i) => {
    const h = JSON.parse(b.histogram) as Extract<Histogram, { kind: 'numeric' }>;
    const c = quoteIdent(b.feature); // a column name read from the warehouse's own catalogue, never from a request
    parts.push(`count(${c}) AS n${i}`);
    h.edges.forEach((edge, j) => {
      bound[`e${i}_${j}`] = edge;
      parts.push(`count_if(${c} <= $e${i}_${j}) AS c${i}_${j}`);
    });
  });
  const counts = parts.length
    ? await db.one<Record<string, number>>(`SELECT ${parts.join(', ')} FROM src.customer_features WHERE snapshot_id = $snapshot`, bound)
    : {};

  const rows: (string | number | null)[][] = [];
  for (const b of base) {
    const c = cur.get(b.feature);
    if (!c) continue;
    const hb = JSON.parse(b.histogram) as Histogram;
    const hc = JSON.parse(c.histogram) as Histogram;
    let p: number[];
    let q: number[];
    if (hb.kind === 'categorical') {
      const known = Object.keys(hb.shares);
      p = known.map((k) => hb.shares[k] ?? 0);
      const cs = hc.kind === 'categorical' ? hc.shares : {};
      q = known.map((k) => cs[k] ?? 0);
      p.push(0);
      q.push(Object.entries(cs).reduce((s, [k, v]) => (known.includes(k) ? s : s + v), 0));
    } else {
      const i = numeric.indexOf(b);
      if (i < 0) continue;
      const n = Number(counts[`n${i}`] ?? 0);
      const scale = n === 0 ? 0 : (1 - c.null_share) / n;
      const cumulative = [...hb.edges.map((_, j) => Number(counts[`c${i}_${j}`] ?? 0)), n];
      p = hb.shares;
      q = cumulative.map((v, j) => (v - (j === 0 ? 0 : cumulative[j - 1]!)) * scale);
    }
    p = [...p, b.null_share];
    q = [...q, c.null_share];
    rows.push([baseline, current, b.feature, b.family, b.type, psi(p, q), b.null_share, c.null_share, b.mean, c.mean]);
  }
  for (const r of rows) await db.run(INSERT_DRIFT, r);
}
