/**
 * Retention of the customer-level rows of feature snapshots and graph runs: the latest `keep`
 * runs of each keep theirs, older ones keep only their summary rows (feature_snapshots with
 * per-feature statistics, graph_runs) and record when their rows were dropped (migration 060).
 */
import type { Warehouse } from '../warehouse/index.ts';
import { withFeatureLock } from './engine.ts';

export interface RetentionResult {
  /** runs whose customer rows were dropped now */
  runs: number[];
  rows: number;
}

// kept: the latest built and the latest as of (a backfill builds an old night last)
const OLD_SNAPSHOTS = `
  SELECT snapshot_id AS id FROM feature_snapshots
  WHERE rows_dropped_at IS NULL
    AND snapshot_id NOT IN (SELECT snapshot_id FROM feature_snapshots ORDER BY snapshot_id DESC LIMIT $keep)
    AND snapshot_id NOT IN (SELECT snapshot_id FROM feature_snapshots ORDER BY as_of DESC, snapshot_id DESC LIMIT $keep)
  ORDER BY snapshot_id`;
const OLD_GRAPH_RUNS = `
  SELECT graph_run_id AS id FROM graph_runs
  WHERE rows_dropped_at IS NULL
    AND graph_run_id NOT IN (SELECT graph_run_id FROM graph_runs ORDER BY graph_run_id DESC LIMIT $keep)
  ORDER BY graph_run_id`;

/** Drops the customer rows of all but the latest `keep` feature snapshots. */
export async function dropOldSnapshotRows(wh: Warehouse, keep: number): Promise<RetentionResult> {
  checkKeep(keep);
  return withFeatureLock(wh, () =>
    wh.transaction(async (tx) => {
      const ids = (await tx.query<{ id: number }>(OLD_SNAPSHOTS, { keep })).map((r) => r.id);
      let rows = 0;
      for (const id of ids) {
        rows += (await tx.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM customer_features WHERE snapshot_id = $id', { id })).n;
        await tx.run('DELETE FROM customer_features WHERE snapshot_id = $id', { id });
        await tx.run('UPDATE feature_snapshots SET rows_dropped_at = now() WHERE snapshot_id = $id', { id });
      }
      return { runs: ids, rows: Number(rows) };
    }),
  );
}

/** Drops the customer and blocked-number rows of all but the latest `keep` graph runs. */
export async function dropOldGraphRows(wh: Warehouse, keep: number): Promise<RetentionResult> {
  checkKeep(keep);
  return withFeatureLock(wh, () =>
    wh.transaction(async (tx) => {
      const ids = (await tx.query<{ id: number }>(OLD_GRAPH_RUNS, { keep })).map((r) => r.id);
      let rows = 0;
      for (const id of ids) {
        rows += (await tx.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM customer_graph WHERE graph_run_id = $id', { id })).n;
        await tx.run('DELETE FROM customer_graph WHERE graph_run_id = $id', { id });
        await tx.run('DELETE FROM blocked_numbers WHERE graph_run_id = $id', { id });
        await tx.run('UPDATE graph_runs SET rows_dropped_at = now() WHERE graph_run_id = $id', { id });
      }
      return { runs: ids, rows: Number(rows) };
    }),
  );
}

function checkKeep(keep: number): void {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`retention must keep at least the latest run (keep ≥ 1), got ${keep}`);
}
