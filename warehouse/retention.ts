/**
 * Retention of per-run customer rows (feature snapshots, graph runs, segment runs): the runs a
 * kind's `old` query lists lose their customer-level rows and are marked as such, in one
 * transaction; their summary rows stay. Each caller describes its kind by its SQL.
 */
import type { Warehouse } from './warehouse.ts';

export interface RunRetention {
  /** SELECT id … of the runs whose rows go, oldest first (parameter $keep: runs kept) */
  old: string;
  /** SELECT count(*) AS n of one run's customer rows (parameter $id) */
  count: string;
  /** DELETEs of one run's rows (parameter $id) */
  drop: string[];
  /** UPDATE marking one run as dropped (parameter $id) */
  mark: string;
}

export interface DroppedRuns<Id> {
  /** runs whose customer rows were dropped now */
  runs: Id[];
  rows: number;
}

export async function dropOldRunRows<Id extends string | number>(wh: Warehouse, kind: RunRetention, keep: number): Promise<DroppedRuns<Id>> {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`retention must keep at least the latest run (keep ≥ 1), got ${keep}`);
  return wh.transaction(async (tx) => {
    const ids = (await tx.query<{ id: Id }>(kind.old, { keep })).map((r) => r.id);
    let rows = 0;
    for (const id of ids) {
      rows += Number((await tx.one<{ n: number }>(kind.count, { id })).n);
      for (const sql of kind.drop) await tx.run(sql, { id });
      await tx.run(kind.mark, { id });
    }
    return { runs: ids, rows };
  });
}
