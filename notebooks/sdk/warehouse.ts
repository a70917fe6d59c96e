import { join, resolve } from 'node:path';
import { readCurrentRun, SCORES_FILE, type PublishedRunRef } from '../../contracts/index.ts';
import { defaultDataDir } from '../../cli/context.ts';
import { Warehouse, type Row } from '../../warehouse/index.ts';

export interface OpenWarehouseOptions {
  /** Data folder (default: `DIALWISE_HOME`, else `./data`, as for the CLI). */
  dataDir?: string;
  /**
   * Open for writing (training, segmenting, building snapshots register results in the
   * warehouse). Default false: a read-only open can never change the data. Only one process can
   * hold a warehouse open for writing; close it (`await wh.close()`) to let the CLI in again.
   */
  write?: boolean;
}

/** The data folder the CLI would use: `DIALWISE_HOME`, else `./data`, as an absolute path. */
export function dataDir(dir?: string): string {
  return resolve(dir ?? defaultDataDir());
}

/** Opens the warehouse, read-only unless `{ write: true }`. Query it with `wh.query(sql, params)` or `wh.arrow(sql, params)`. */
export async function openWarehouse(options: OpenWarehouseOptions = {}): Promise<Warehouse> {
  return Warehouse.open(dataDir(options.dataDir), { readOnly: !options.write });
}

/** The published run in force (`published/CURRENT`), with its manifest and folder. */
export function currentRun(dir?: string): PublishedRunRef & { scoresPath: string } {
  const ref = readCurrentRun(dataDir(dir));
  return { ...ref, scoresPath: join(ref.dir, SCORES_FILE) };
}

/**
 * Rows of the published scores in force (p_convert, p_answer by local hour-of-week, best hours,
 * segment …), for the given customers, or the first `limit` by customer id.
 */
export async function publishedScores(wh: Warehouse, options: { customers?: readonly string[]; limit?: number; dataDir?: string } = {}): Promise<Row[]> {
  const { scoresPath } = currentRun(options.dataDir);
  if (options.customers) {
    return wh.query('SELECT * FROM read_parquet($path) WHERE list_contains($ids, customer_id) ORDER BY customer_id', {
      path: scoresPath,
      ids: [...options.customers],
    });
  }
  return wh.query('SELECT * FROM read_parquet($path) ORDER BY customer_id LIMIT $limit', { path: scoresPath, limit: options.limit ?? 100 });
}
