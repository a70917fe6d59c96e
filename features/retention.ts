/**
 * Retention of the customer-level rows of feature snapshots and graph runs: the latest `keep`
 * runs of each keep theirs, older ones keep only their summary rows (feature_snapshots with
 * per-feature statistics, graph_runs) and record when their rows were dropped (migration 060).
 */
import { dropOldRunRows, type DroppedRuns, type RunRetention, type Warehouse } from '../warehouse/index.ts';
import { withFeatureLock } from './engine.ts';

export type RetentionResult = DroppedRuns<number>;

const SNAPSHOTS: RunRetention = {
  // kept: the latest built and the latest as of (a backfill builds an old night last)
  old: `SELECT snapshot_id AS id FROM feature_snapshots
        WHERE rows_dropped_at IS NULL
          AND snapshot_id NOT IN (SELECT snapshot_id FROM feature_snapshots ORDER BY snapshot_id DESC LIMIT $keep)
          AND snapshot_id NOT IN (SELECT snapshot_id FROM feature_snapshots ORDER BY as_of DESC, snapshot_id DESC LIMIT $keep)
        ORDER BY snapshot_id`,
  count: 'SELECT count(*)::BIGINT AS n FROM customer_features WHERE snapshot_id = $id',
  drop: ['DELETE FROM customer_features WHERE snapshot_id = $id'],
  mark: 'UPDATE feature_snapshots SET rows_dropped_at = now() WHERE snapshot_id = $id',
};

const GRAPH_RUNS: RunRetention = {
  old: `SELECT graph_run_id AS id FROM graph_runs
        WHERE rows_dropped_at IS NULL
          AND graph_run_id NOT IN (SELECT graph_run_id FROM graph_runs ORDER BY graph_run_id DESC LIMIT $keep)
        ORDER BY graph_run_id`,
  count: 'SELECT count(*)::BIGINT AS n FROM customer_graph WHERE graph_run_id = $id',
  drop: ['DELETE FROM customer_graph WHERE graph_run_id = $id', 'DELETE FROM blocked_numbers WHERE graph_run_id = $id'],
  mark: 'UPDATE graph_runs SET rows_dropped_at = now() WHERE graph_run_id = $id',
};

/** Drops the customer rows of all but the latest `keep` feature snapshots. */
export function dropOldSnapshotRows(wh: Warehouse, keep: number): Promise<RetentionResult> {
  return dropOldRuns(wh, SNAPSHOTS, keep);
}

/** Drops the customer and blocked-number rows of all but the latest `keep` graph runs. */
export function dropOldGraphRows(wh: Warehouse, keep: number): Promise<RetentionResult> {
  return dropOldRuns(wh, GRAPH_RUNS, keep);
}

function dropOldRuns(wh: Warehouse, kind: RunRetention, keep: number): Promise<RetentionResult> {
  return withFeatureLock(wh, () => dropOldRunRows<number>(wh, kind, keep));
}
