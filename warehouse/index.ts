export { Warehouse, withWarehouse, WAREHOUSE_FILE, type OpenOptions, type Row } from './warehouse.ts';
export { migrate, loadMigrations, type Migration, type MigrationReport } from './migrate.ts';
export { WarehouseError, MigrationError, QueryError } from './errors.ts';
export type { SqlParam, SqlParams } from './values.ts';
export { quoteIdent, quoteLiteralPath } from './sql.ts';
export { bulkAppend, type BulkColumn } from './bulk.ts';
export { dropOldRunRows, type RunRetention, type DroppedRuns } from './retention.ts';
