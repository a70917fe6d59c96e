import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const HERE = import.meta.dirname;

/** The statements that copy what the dashboards need out of the warehouse (attached as `src`), in file order. */
export function extractStatements(): { name: string; sql: string }[] {
  const dir = join(HERE, 'extract');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}

/** Tables the extract step leaves behind (and the cache holds as parquet). */
export const WAREHOUSE_TABLES = ['kpi_cube', 'campaigns', 'models', 'runs', 'steps', 'simulation_days', 'feature_snapshots', 'feature_stats', 'feature_drift'] as const;
