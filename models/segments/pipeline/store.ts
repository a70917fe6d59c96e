/** Reading and writing segment runs: segment_runs, customer_segments, segment_profiles (migration 040). */
import { randomBytes } from 'node:crypto';
import { bulkAppend, dropOldRunRows, type RunRetention, type Warehouse } from '../../../warehouse/index.ts';
import type { KCurvePoint, Scaler } from '../index.ts';
import type { SegmentColumn } from './columns.ts';
import { SegmentVersionNotFoundError } from './errors.ts';
import type { AttemptStats, SegmentStats } from './profiles.ts';

/** How this run's segments relate to the previous run's. Stored as segment_runs.movement. */
export interface Movement {
  /** The run whose ids were matched (null on a first run). */
  previousVersion: string | null;
  /** Whether ids were carried over (false: first run, or the feature columns changed). */
  matched: boolean;
  reason: string;
  /** Per segment of this run: how far its centroid moved (previous run's model space), null if new. */
  segments: { segmentId: number; moved: number | null }[];
  newSegments: number[];
  /** Previous ids that matched no new centroid: those segments are retired. */
  retired: number[];
  maxMoved: number | null;
  /** Customers in both runs, and those of them whose segment id stayed the same. */
  customersCompared: number;
  customersKept: number;
}

export interface SegmentSummary {
  segmentId: number;
  name: string;
  size: number;
  share: number;
  /** Centroid movement since the previous run; null for a new segment. */
  moved: number | null;
}

/** A stored run (the run in force is the latest). */
export interface SegmentRunInfo {
  version: string;
  runSeq: number;
  snapshotId: number;
  asOf: Date;
  createdAt: Date;
  previousVersion: string | null;
  k: number;
  rows: number;
  columns: SegmentColumn[];
  featureHash: string;
  curve: KCurvePoint[] | null;
  silhouette: number | null;
  inertia: number | null;
  movement: Movement;
  retired: number[];
  nextSegmentId: number;
  params: Record<string, unknown>;
  fitSeconds: number | null;
  /** Largest first. */
  segments: SegmentSummary[];
}

/** One row of segment_profiles. */
export interface SegmentProfile extends AttemptStats {
  version: string;
  segmentId: number;
  name: string;
  size: number;
  share: number;
  /** Input feature → mean in its own units, or {category: share} for categorical inputs. */
  featureMeans: Record<string, number | null | Record<string, number>>;
  /** Model column → z-score of the segment mean against the whole snapshot. */
  featureZ: Record<string, number>;
  meanDistance: number;
  moved: number | null;
}

/** What the next run needs of a stored run to match its centroids. */
export interface StoredModel {
  version: string;
  columns: SegmentColumn[];
  featureHash: string;
  scaler: Scaler;
  ids: number[];
  /** ids.length × d, model space. */
  centroids: Float32Array;
  nextSegmentId: number;
}

/** `segments-20240610-021500-3fa9c1`: UTC time and a random suffix. */
export function newSegmentVersion(at: Date = new Date()): string {
  const iso = at.toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `segments-${stamp}-${randomBytes(3).toString('hex')}`;
}

const RUN_COLUMNS = `version, run_seq, snapshot_id, as_of, created_at, previous_version, k, rows, features, feature_hash, scaler,
  centroids, curve, silhouette, inertia, movement, retired_segments, next_segment_id, params, fit_seconds`;
const LATEST_RUN = `SELECT ${RUN_COLUMNS} FROM segment_runs ORDER BY run_seq DESC LIMIT 1`;
const RUN_BY_VERSION = `SELECT ${RUN_COLUMNS} FROM segment_runs WHERE version = $version`;
const SUMMARIES = `SELECT segment_id, name, size, share, moved FROM segment_profiles WHERE version = $version ORDER BY size DESC, segment_id`;

interface RunRow {
  version: string;
  run_seq: number;
  snapshot_id: number;
  as_of: Date;
  created_at: Date;
  previous_version: string | null;
  k: number;
  rows: number;
  features: string;
  feature_hash: string;
  scaler: string;
  centroids: string;
  curve: string | null;
  silhouette: number | null;
  inertia: number | null;
  movement: string;
  retired_segments: number[];
  next_segment_id: number;
  params: string;
  fit_seconds: number | null;
}

async function runRow(wh: Warehouse, version?: string): Promise<RunRow | null> {
  const rows = version === undefined ? await wh.query<RunRow>(LATEST_RUN) : await wh.query<RunRow>(RUN_BY_VERSION, { version });
  return rows[0] ?? null;
}

async function toInfo(wh: Warehouse, r: RunRow): Promise<SegmentRunInfo> {
  const summaries = await wh.query<{ segment_id: number; name: string; size: number; share: number; moved: number | null }>(SUMMARIES, {
    version: r.version,
  });
  return {
    version: r.version,
    runSeq: r.run_seq,
    snapshotId: r.snapshot_id,
    asOf: r.as_of,
    createdAt: r.created_at,
    previousVersion: r.previous_version,
    k: r.k,
    rows: r.rows,
    columns: JSON.parse(r.features) as SegmentColumn[],
    featureHash: r.feature_hash,
    curve: r.curve === null ? null : (JSON.parse(r.curve) as KCurvePoint[]),
    silhouette: r.silhouette,
    inertia: r.inertia,
    movement: readMovement(r.movement),
    retired: r.retired_segments,
    nextSegmentId: r.next_segment_id,
    params: JSON.parse(r.params) as Record<string, unknown>,
    fitSeconds: r.fit_seconds,
    segments: summaries.map((s) => ({ segmentId: s.segment_id, name: s.name, size: s.size, share: s.share, moved: s.moved })),
  };
}

/** The segment run in force (the latest written), or null if there is none. */
export async function latestSegments(wh: Warehouse): Promise<SegmentRunInfo | null> {
  const r = await runRow(wh);
  return r ? toInfo(wh, r) : null;
}

/** A stored run by version. */
export async function getSegmentRun(wh: Warehouse, version: string): Promise<SegmentRunInfo> {
  const r = await runRow(wh, version);
  if (!r) throw new SegmentVersionNotFoundError(`no segment run ${version}; list them with listSegmentRuns() or \`dialwise segment runs\``);
  return toInfo(wh, r);
}

/** Every stored run, oldest first. */
export async function listSegmentRuns(wh: Warehouse): Promise<SegmentRunInfo[]> {
  const rows = await wh.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM segment_runs ORDER BY run_seq`);
  return Promise.all(rows.map((r) => toInfo(wh, r)));
}

async function resolveVersion(wh: Warehouse, version: string | undefined): Promise<string> {
  if (version !== undefined) {
    if (!(await runRow(wh, version))) throw new SegmentVersionNotFoundError(`no segment run ${version}`);
    return version;
  }
  const latest = await runRow(wh);
  if (!latest) throw new SegmentVersionNotFoundError('no segments yet; run `dialwise segment` (after `dialwise features --as-of …`)');
  return latest.version;
}

interface ProfileRow {
  version: string;
  segment_id: number;
  name: string;
  size: number;
  share: number;
  feature_means: string;
  feature_z: string;
  attempts: number;
  answered: number;
  conversions: number;
  answer_rate: number | null;
  conversion_rate: number | null;
  best_hours: number[];
  mean_distance: number;
  moved: number | null;
}

/** Profiles of a version (default: the run in force), largest segment first. */
export async function segmentProfiles(wh: Warehouse, version?: string): Promise<SegmentProfile[]> {
  const v = await resolveVersion(wh, version);
  const rows = await wh.query<ProfileRow>(`SELECT * FROM segment_profiles WHERE version = $version ORDER BY size DESC, segment_id`, {
    version: v,
  });
  return rows.map((r) => ({
    version: r.version,
    segmentId: r.segment_id,
    name: r.name,
    size: r.size,
    share: r.share,
    featureMeans: JSON.parse(r.feature_means) as SegmentProfile['featureMeans'],
    featureZ: JSON.parse(r.feature_z) as Record<string, number>,
    attempts: r.attempts,
    answered: r.answered,
    conversions: r.conversions,
    answerRate: r.answer_rate,
    conversionRate: r.conversion_rate,
    bestHours: r.best_hours,
    meanDistance: r.mean_distance,
    moved: r.moved,
  }));
}

/** Every customer's segment in a version (default: the run in force), ordered by customer id. */
export async function segmentAssignments(
  wh: Warehouse,
  version?: string,
): Promise<{ version: string; customerIds: string[]; segmentIds: Int32Array; distances: Float64Array }> {
  const v = await resolveVersion(wh, version);
  const [run] = await wh.query<{ dropped: Date | null }>('SELECT rows_dropped_at AS dropped FROM segment_runs WHERE version = $version', { version: v });
  if (run?.dropped) {
    throw new SegmentVersionNotFoundError(
      `segment run ${v}'s customer rows were dropped by retention on ${run.dropped.toISOString()} (its centroids and profiles remain); the latest runs keep theirs`,
    );
  }
  const cols = await wh.columns(
    `SELECT customer_id, segment_id, distance FROM customer_segments WHERE version = $version ORDER BY customer_id`,
    { version: v },
  );
  return {
    version: v,
    customerIds: (cols.customer_id ?? []) as string[],
    segmentIds: Int32Array.from((cols.segment_id ?? []) as number[]),
    distances: Float64Array.from((cols.distance ?? []) as number[]),
  };
}

/** The latest run's model (columns, scaler, centroids, ids), for matching; null if none. */
export async function loadLatestModel(wh: Warehouse): Promise<StoredModel | null> {
  const r = await runRow(wh);
  if (!r) return null;
  const centroids = JSON.parse(r.centroids) as { segment_id: number; centroid: number[] }[];
  return {
    version: r.version,
    columns: JSON.parse(r.features) as SegmentColumn[],
    featureHash: r.feature_hash,
    scaler: JSON.parse(r.scaler) as Scaler,
    ids: centroids.map((c) => c.segment_id),
    centroids: Float32Array.from(centroids.flatMap((c) => c.centroid)),
    nextSegmentId: r.next_segment_id,
  };
}

/** Customers in both versions, and those whose segment id is the same in both. */
export async function compareAssignments(wh: Warehouse, previous: string, current: string): Promise<{ compared: number; kept: number }> {
  const r = await wh.one<{ compared: number; kept: number | null }>(
    `SELECT count(*) AS compared, count_if(p.segment_id = c.segment_id) AS kept
     FROM customer_segments c JOIN customer_segments p ON p.customer_id = c.customer_id
     WHERE c.version = $current AND p.version = $previous`,
    { previous, current },
  );
  return { compared: r.compared, kept: r.kept ?? 0 };
}

export interface RunRecord {
  version: string;
  snapshotId: number;
  asOf: Date;
  featureSetHash: string | null;
  previousVersion: string | null;
  k: number;
  rows: number;
  columns: readonly SegmentColumn[];
  featureHash: string;
  scaler: Scaler;
  ids: readonly number[];
  centroids: Float32Array;
  curve: KCurvePoint[] | null;
  silhouette: number | null;
  inertia: number;
  movement: Movement;
  nextSegmentId: number;
  params: Record<string, unknown>;
  fitSeconds: number;
}

/** Writes the segment_runs row (call inside the run's transaction). */
export async function insertRun(wh: Warehouse, r: RunRecord): Promise<void> {
  const d = r.columns.length;
  const centroids = r.ids.map((id, j) => ({ segment_id: id, centroid: Array.from(r.centroids.subarray(j * d, (j + 1) * d)) }));
  await wh.run(
    `INSERT INTO segment_runs (version, run_seq, snapshot_id, as_of, previous_version, k, rows, features, feature_hash,
       feature_set_hash, scaler, centroids, curve, silhouette, inertia, movement, retired_segments, next_segment_id, params,
       fit_seconds)
     VALUES ($version, nextval('segment_run_seq'), $snapshot, $as_of, $previous, $k, $rows, $features, $feature_hash,
       $feature_set_hash, $scaler, $centroids, $curve, $silhouette, $inertia, $movement, $retired::JSON::INTEGER[], $next_id,
       $params, $fit_seconds)`,
    {
      version: r.version,
      snapshot: r.snapshotId,
      as_of: r.asOf,
      previous: r.previousVersion,
      k: r.k,
      rows: r.rows,
      features: JSON.stringify(r.columns),
      feature_hash: r.featureHash,
      feature_set_hash: r.featureSetHash,
      scaler: JSON.stringify(r.scaler),
      centroids: JSON.stringify(centroids),
      curve: r.curve === null ? null : JSON.stringify(r.curve.map((p) => ({ ...p, silhouette: finiteOrNull(p.silhouette) }))),
      silhouette: finiteOrNull(r.silhouette),
      inertia: r.inertia,
      movement: JSON.stringify(storeMovement(r.movement)),
      retired: JSON.stringify(r.movement.retired),
      next_id: r.nextSegmentId,
      params: JSON.stringify(r.params),
      fit_seconds: r.fitSeconds,
    },
  );
}

/** Movement as stored (snake_case, like the warehouse's columns; see migration 040). */
interface StoredMovement {
  previous_version: string | null;
  matched: boolean;
  reason: string;
  segments: { segment_id: number; moved: number | null }[];
  new: number[];
  retired: number[];
  max_moved: number | null;
  customers_compared: number;
  customers_kept: number;
  kept_share: number | null;
}

function storeMovement(m: Movement): StoredMovement {
  return {
    previous_version: m.previousVersion,
    matched: m.matched,
    reason: m.reason,
    segments: m.segments.map((s) => ({ segment_id: s.segmentId, moved: s.moved })),
    new: m.newSegments,
    retired: m.retired,
    max_moved: m.maxMoved,
    customers_compared: m.customersCompared,
    customers_kept: m.customersKept,
    kept_share: m.customersCompared > 0 ? m.customersKept / m.customersCompared : null,
  };
}

function readMovement(json: string): Movement {
  const m = JSON.parse(json) as StoredMovement;
  return {
    previousVersion: m.previous_version,
    matched: m.matched,
    reason: m.reason,
    segments: m.segments.map((s) => ({ segmentId: s.segment_id, moved: s.moved })),
    newSegments: m.new,
    retired: m.retired,
    maxMoved: m.max_moved,
    customersCompared: m.customers_compared,
    customersKept: m.customers_kept,
  };
}

const finiteOrNull = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);

/** Appends every customer's segment in bulk (not row by row). */
export async function appendAssignments(
  wh: Warehouse,
  version: string,
  customerIds: readonly string[],
  segmentIds: Int32Array,
  distances: Float64Array,
): Promise<void> {
  await bulkAppend(wh, 'customer_segments', [
    { name: 'version', kind: 'varchar', values: new Array<string>(customerIds.length).fill(version) },
    { name: 'customer_id', kind: 'varchar', values: customerIds },
    { name: 'segment_id', kind: 'integer', values: segmentIds },
    { name: 'distance', kind: 'double', values: distances },
  ]);
}

/** Writes one segment_profiles row per segment. */
export async function insertProfiles(
  wh: Warehouse,
  version: string,
  rows: number,
  stats: readonly SegmentStats[],
  names: ReadonlyMap<number, string>,
  attempts: ReadonlyMap<number, AttemptStats>,
  moved: ReadonlyMap<number, number | null>,
  empty: AttemptStats,
): Promise<void> {
  for (const s of stats) {
    const a = attempts.get(s.segmentId) ?? empty;
    await wh.run(
      `INSERT INTO segment_profiles (version, segment_id, name, size, share, feature_means, feature_z, attempts, answered,
         conversions, answer_rate, conversion_rate, best_hours, mean_distance, moved)
       VALUES ($version, $segment, $name, $size, $share, $means, $z, $attempts, $answered, $conversions, $answer_rate,
         $conversion_rate, $best_hours::JSON::INTEGER[], $mean_distance, $moved)`,
      {
        version,
        segment: s.segmentId,
        name: names.get(s.segmentId)!,
        size: s.size,
        share: rows > 0 ? s.size / rows : 0,
        means: JSON.stringify({ ...s.means, ...s.categoryShares }),
        z: JSON.stringify(s.z),
        attempts: a.attempts,
        answered: a.answered,
        conversions: a.conversions,
        answer_rate: a.answerRate,
        conversion_rate: a.conversionRate,
        best_hours: JSON.stringify(a.bestHours),
        mean_distance: s.meanDistance,
        moved: moved.get(s.segmentId) ?? null,
      },
    );
  }
}

const SEGMENT_RUNS: RunRetention = {
  old: `SELECT version AS id FROM segment_runs
        WHERE rows_dropped_at IS NULL AND run_seq NOT IN (SELECT run_seq FROM segment_runs ORDER BY run_seq DESC LIMIT $keep)
        ORDER BY run_seq`,
  count: 'SELECT count(*)::BIGINT AS n FROM customer_segments WHERE version = $id',
  drop: ['DELETE FROM customer_segments WHERE version = $id'],
  mark: 'UPDATE segment_runs SET rows_dropped_at = now() WHERE version = $id',
};

/**
 * Retention: drops the customer rows of all but the latest `keep` segment runs (by run order);
 * their segment_runs and segment_profiles rows stay, marked with rows_dropped_at (migration 060).
 */
export async function dropOldSegmentRows(wh: Warehouse, keep: number): Promise<{ versions: string[]; rows: number }> {
  const { runs, rows } = await dropOldRunRows<string>(wh, SEGMENT_RUNS, keep);
  return { versions: runs, rows };
}
