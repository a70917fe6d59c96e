import { quoteIdent, type Warehouse } from '../warehouse/index.ts';
import { createSpine, dropWorkTables, evaluateSpine, EVALUATION_STEPS, featureSetHash, withFeatureLock } from './engine.ts';
import { FeatureBuildError, SnapshotNotFoundError } from './errors.ts';
import type { OnProgress } from './progress.ts';
import { FEATURES, featureByName, type FeatureDef } from './registry.ts';
import { DEFAULT_PSI_ALARM, psi } from '../contracts/index.ts';
import { alignCategories, binShares, computeStats, withSample, type FeatureStats, type Histogram } from './stats.ts';

export interface SnapshotInfo {
  snapshotId: number;
  asOf: Date;
  createdAt: Date;
  featureSetHash: string;
  rows: number;
  featureCount: number;
  buildSeconds: number | null;
  /** When retention dropped its customer rows (statistics stay); null while they are kept. */
  rowsDroppedAt: Date | null;
}

export interface SnapshotResult extends SnapshotInfo {
  stats: FeatureStats[];
  /** Drift against the previous snapshot (latest earlier as_of with the same feature set), if any. */
  drift: DriftReport | null;
}

export interface DriftFeature {
  feature: string;
  family: string;
  type: string;
  psi: number;
  alarm: boolean;
}

export interface DriftReport {
  baselineSnapshotId: number;
  currentSnapshotId: number;
  threshold: number;
  /** Same feature definitions on both sides? If not, PSI also measures the definition change. */
  sameFeatureSet: boolean;
  /** Highest PSI first. */
  features: DriftFeature[];
  alarms: string[];
  maxPsi: number;
}

export interface BuildSnapshotOptions {
  asOf: Date;
  onProgress?: OnProgress;
  /** PSI alarm level for the drift against the previous snapshot (default 0.1). */
  driftThreshold?: number;
  /** Skip the drift comparison with the previous snapshot. */
  skipDrift?: boolean;
}

const FEATURE_COLUMNS = FEATURES.map((d) => quoteIdent(d.name)).join(', ');
const SNAPSHOT_FROM = 'customer_features WHERE snapshot_id = $snapshot';

/**
 * Builds a feature snapshot as of `asOf`: one row per customer created before it, each
 * feature computed only from rows with time < asOf, plus per-feature statistics. The build is
 * one transaction: if anything fails, earlier snapshots are untouched and nothing is half
 * written.
 */
export async function buildSnapshot(wh: Warehouse, options: BuildSnapshotOptions): Promise<SnapshotResult> {
  const asOf = options.asOf;
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) throw new TypeError('buildSnapshot needs asOf: a valid Date');
  const report = options.onProgress ?? (() => undefined);
  const steps = 1 + EVALUATION_STEPS + 2 + (options.skipDrift ? 0 : 1);
  let step = 0;
  const started = performance.now();
  const hash = featureSetHash();

  const built = await withFeatureLock(wh, async () => {
    try {
      return await wh.transaction(async (tx) => {
        report({ step: ++step, steps, label: 'spine: customers created before as-of' });
        const rows = await createSpine(
          tx,
          `SELECT row_number() OVER (ORDER BY customer_id) AS spine_id, customer_id, $as_of::TIMESTAMPTZ AS as_of
           FROM customers WHERE created_at IS NULL OR created_at < $as_of`,
          { as_of: asOf },
        );
        const select = await evaluateSpine(tx, (label) => report({ step: ++step, steps, label, rows }));

        report({ step: ++step, steps, label: 'write customer_features', rows });
        const { id } = await tx.one<{ id: number }>(`SELECT nextval('feature_snapshot_id_seq') AS id`);
        await tx.run(
          `INSERT INTO customer_features (snapshot_id, customer_id, ${FEATURE_COLUMNS})
           SELECT $snapshot, customer_id, ${FEATURE_COLUMNS} FROM (${select}) ORDER BY spine_id`,
          { snapshot: id },
        );

        report({ step: ++step, steps, label: 'feature statistics', rows });
        const stats = await computeStats(tx, FEATURES, SNAPSHOT_FROM, { snapshot: id });
        await writeStats(tx, id, stats);
        const buildSeconds = (performance.now() - started) / 1000;
        await tx.run(
          `INSERT INTO feature_snapshots (snapshot_id, as_of, feature_set_hash, row_count, feature_count, build_seconds, features)
           VALUES ($id, $as_of, $hash, $rows, $count, $seconds, $features)`,
          {
            id,
            as_of: asOf,
            hash,
            rows,
            count: FEATURES.length,
            seconds: buildSeconds,
            features: JSON.stringify(FEATURES.map((d) => d.name)),
          },
        );
        await dropWorkTables(tx);
        return { id, rows, stats, buildSeconds };
      });
    } catch (error) {
      await dropWorkTables(wh);
      if (error instanceof Error && 'code' in error) throw error;
      throw new FeatureBuildError(`feature snapshot as of ${asOf.toISOString()} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  });

  const info = await getSnapshot(wh, built.id);
  let drift: DriftReport | null = null;
  if (!options.skipDrift) {
    report({ step: ++step, steps, label: 'drift against the previous snapshot', rows: built.rows });
    const previous = await wh.query<{ snapshot_id: number }>(
      `SELECT snapshot_id FROM feature_snapshots
       WHERE feature_set_hash = $hash AND snapshot_id <> $id AND (as_of < $as_of OR (as_of = $as_of AND snapshot_id < $id))
       ORDER BY as_of DESC, snapshot_id DESC LIMIT 1`,
      { hash, id: built.id, as_of: asOf },
    );
    if (previous[0]) drift = await computeDrift(wh, previous[0].snapshot_id, built.id, { threshold: options.driftThreshold });
  }
  return { ...info, stats: built.stats, drift };
}

async function writeStats(wh: Warehouse, snapshotId: number, stats: readonly FeatureStats[]): Promise<void> {
  for (const s of stats) {
    await wh.run(
      `INSERT INTO feature_stats (snapshot_id, feature, family, type, rows, null_share, mean, std, min, p05, p25, p50, p75, p95,
         max, distinct_count, histogram)
       VALUES ($id, $feature, $family, $type, $rows, $null_share, $mean, $std, $min, $p05, $p25, $p50, $p75, $p95, $max, $distinct,
         $histogram)`,
      {
        id: snapshotId,
        feature: s.feature,
        family: s.family,
        type: s.type,
        rows: s.rows,
        null_share: s.nullShare,
        mean: s.mean,
        std: s.std,
        min: s.min,
        p05: s.p05,
        p25: s.p25,
        p50: s.p50,
        p75: s.p75,
        p95: s.p95,
        max: s.max,
        distinct: s.distinctCount,
        histogram: JSON.stringify(s.histogram),
      },
    );
  }
}

interface SnapshotRow {
  snapshot_id: number;
  as_of: Date;
  created_at: Date;
  feature_set_hash: string;
  row_count: number;
  feature_count: number;
  build_seconds: number | null;
  rows_dropped_at: Date | null;
}

const toInfo = (r: SnapshotRow): SnapshotInfo => ({
  snapshotId: r.snapshot_id,
  asOf: r.as_of,
  createdAt: r.created_at,
  featureSetHash: r.feature_set_hash,
  rows: r.row_count,
  featureCount: r.feature_count,
  buildSeconds: r.build_seconds,
  rowsDroppedAt: r.rows_dropped_at,
});

const SNAPSHOT_COLUMNS = 'snapshot_id, as_of, created_at, feature_set_hash, row_count, feature_count, build_seconds, rows_dropped_at';

export async function getSnapshot(wh: Warehouse, snapshotId: number): Promise<SnapshotInfo> {
  const rows = await wh.query<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM feature_snapshots WHERE snapshot_id = $id`, {
    id: snapshotId,
  });
  if (!rows[0]) throw new SnapshotNotFoundError(`no feature snapshot ${snapshotId}; list them with listSnapshots() or build one`);
  return toInfo(rows[0]);
}

/** The snapshot with the latest as_of (the newest build if several share it), or null. */
export async function latestSnapshot(wh: Warehouse, options: { asOfBefore?: Date } = {}): Promise<SnapshotInfo | null> {
  const rows = await wh.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM feature_snapshots
     WHERE $before::TIMESTAMPTZ IS NULL OR as_of <= $before::TIMESTAMPTZ
     ORDER BY as_of DESC, snapshot_id DESC LIMIT 1`,
    { before: options.asOfBefore ?? null },
  );
  return rows[0] ? toInfo(rows[0]) : null;
}

export async function listSnapshots(wh: Warehouse): Promise<SnapshotInfo[]> {
  const rows = await wh.query<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM feature_snapshots ORDER BY as_of, snapshot_id`);
  return rows.map(toInfo);
}

/** The stored statistics of a snapshot, in registry order. */
export async function snapshotStats(wh: Warehouse, snapshotId: number): Promise<FeatureStats[]> {
  await getSnapshot(wh, snapshotId);
  const rows = await wh.query<Record<string, unknown>>(`SELECT * FROM feature_stats WHERE snapshot_id = $id`, { id: snapshotId });
  const order = new Map(FEATURES.map((d, i) => [d.name, i]));
  return rows
    .map(
      (r): FeatureStats => ({
        feature: String(r.feature),
        family: String(r.family),
        type: String(r.type),
        rows: Number(r.rows),
        nullShare: Number(r.null_share),
        mean: r.mean as number | null,
        std: r.std as number | null,
        min: r.min as number | null,
        p05: r.p05 as number | null,
        p25: r.p25 as number | null,
        p50: r.p50 as number | null,
        p75: r.p75 as number | null,
        p95: r.p95 as number | null,
        max: r.max as number | null,
        distinctCount: r.distinct_count === null ? null : Number(r.distinct_count),
        histogram: JSON.parse(String(r.histogram)) as Histogram,
      }),
    )
    .sort((a, b) => (order.get(a.feature) ?? 1e9) - (order.get(b.feature) ?? 1e9));
}

/**
 * PSI per feature of snapshot `current` against snapshot `baseline`: numeric features on the
 * baseline's decile bins, categorical and boolean ones on the baseline's categories; null is
 * a bin in both. Features with PSI ≥ threshold (default 0.1) raise an alarm.
 */
export async function computeDrift(
  wh: Warehouse,
  baseline: number,
  current: number,
  options: { threshold?: number | undefined } = {},
): Promise<DriftReport> {
  // the sample is a connection-scoped temp table: one feature job at a time per warehouse
  return withFeatureLock(wh, () => drift(wh, baseline, current, options.threshold ?? DEFAULT_PSI_ALARM));
}

async function drift(wh: Warehouse, baseline: number, current: number, threshold: number): Promise<DriftReport> {
  const [a, b] = [await getSnapshot(wh, baseline), await getSnapshot(wh, current)];
  const base = await snapshotStats(wh, baseline);
  const defs = base.map((s) => featureByName(s.feature)).filter((d): d is FeatureDef => d !== undefined);
  const numeric = defs.filter((d) => d.type === 'numeric');
  const categorical = defs.filter((d) => d.type !== 'numeric');
  const edges = new Map<string, number[]>();
  for (const s of base) if (s.histogram.kind === 'numeric') edges.set(s.feature, s.histogram.edges);
  const params = { snapshot: current };

  // current side: exact null shares and categories (one scan), numeric bins on its sample
  const parts = ['count(*) AS n'];
  defs.forEach((d, i) => parts.push(`count(${quoteIdent(d.name)}) AS nn${i}`));
  categorical.forEach((d, i) => parts.push(`histogram(${quoteIdent(d.name)}::VARCHAR) AS h${i}`));
  const row = await wh.one<Record<string, unknown>>(`SELECT ${parts.join(', ')} FROM ${SNAPSHOT_FROM}`, params);
  const n = Number(row.n);
  const nullShare = new Map(defs.map((d, i) => [d.name, n === 0 ? 0 : (n - Number(row[`nn${i}`])) / n]));
  const categories = new Map(
    categorical.map((d, i) => {
      const shares: Record<string, number> = {};
      for (const e of (row[`h${i}`] as { key: unknown; value: unknown }[] | null) ?? []) {
        shares[String(e.key)] = n === 0 ? 0 : Number(e.value) / n;
      }
      return [d.name, shares];
    }),
  );
  const bins =
    numeric.length === 0
      ? new Map<string, number[]>()
      : await withSample(wh, numeric, SNAPSHOT_FROM, params, n, 'customer_id', (sample) =>
          binShares(wh, numeric, edges, sample, (f) => nullShare.get(f) ?? 0),
        );

  const features: DriftFeature[] = base.map((s) => {
    let p: number[];
    let q: number[];
    if (s.histogram.kind === 'numeric') {
      p = [s.nullShare, ...s.histogram.shares];
      q = [nullShare.get(s.feature) ?? 0, ...(bins.get(s.feature) ?? [])];
    } else {
      const aligned = alignCategories(s.histogram.shares, categories.get(s.feature) ?? {});
      p = [s.nullShare, ...aligned.p];
      q = [nullShare.get(s.feature) ?? 0, ...aligned.q];
    }
    const value = psi(p, q);
    return { feature: s.feature, family: s.family, type: s.type, psi: value, alarm: value >= threshold };
  });
  features.sort((x, y) => y.psi - x.psi);
  return {
    baselineSnapshotId: baseline,
    currentSnapshotId: current,
    threshold,
    sameFeatureSet: a.featureSetHash === b.featureSetHash,
    features,
    alarms: features.filter((f) => f.alarm).map((f) => f.feature),
    maxPsi: features[0]?.psi ?? 0,
  };
}
