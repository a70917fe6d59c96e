import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api';
import { tableFromArrays, type Table } from 'apache-arrow';
import { QueryError, WarehouseError } from './errors.ts';
import { loadMigrations, migrate, type MigrationReport } from './migrate.ts';
import { normaliseValue, toDuckParams, type SqlParams } from './values.ts';

export const WAREHOUSE_FILE = 'warehouse.duckdb';

export interface OpenOptions {
  /** Read-only opens share the file with other readers and can never change it. */
  readOnly?: boolean;
  /** Apply pending schema migrations on open (default: true unless read-only). */
  migrate?: boolean;
  /** DuckDB threads (default: DuckDB's own choice, all cores). */
  threads?: number;
  memoryLimit?: string;
  /**
   * How long to keep retrying while another process holds the file's lock (default 15 s).
   * Readers such as `dialwise serve` hold it for well under a second; a nightly run holds it
   * for minutes, and then the open still fails, naming the cause.
   */
  lockWaitMs?: number;
}

/** DuckDB's message when another process holds the database file. */
const LOCK_CONFLICT = /Could not set lock on file|Conflicting lock/i;
const LOCK_RETRY_MS = 200;

export type Row = Record<string, unknown>;

/**
 * The one owner of a DuckDB database and its connection. Every query goes through here with
 * bound parameters; `close()` releases the file lock.
 */
export class Warehouse {
  private closed = false;

  private constructor(
    readonly path: string,
    readonly readOnly: boolean,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly migrations: MigrationReport,
  ) {}

  /** Opens (or creates) `<dataDir>/warehouse.duckdb`. `:memory:` gives a throwaway warehouse. */
  static async open(dataDir: string, options: OpenOptions = {}): Promise<Warehouse> {
    const readOnly = options.readOnly ?? false;
    let path = ':memory:';
    if (dataDir !== ':memory:') {
      const dir = resolve(dataDir);
      if (!readOnly) mkdirSync(dir, { recursive: true });
      path = join(dir, WAREHOUSE_FILE);
    }
    const config: Record<string, string> = {};
    if (readOnly) config.access_mode = 'READ_ONLY';
    if (options.threads) config.threads = String(options.threads);
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    let instance: DuckDBInstance;
    try {
      instance = await createWaitingForLock(path, config, options.lockWaitMs ?? 15_000);
    } catch (cause) {
      const hint = readOnly ? ' (does it exist? run `dialwise ingest` or `dialwise generate` first)' : ' (is another dialwise process writing to it?)';
      throw new WarehouseError(`cannot open warehouse ${path}${hint}: ${(cause as Error).message}`, { cause });
    }
    const connection = await instance.connect();
    // Timestamps are stored UTC; local times are always computed with an explicit zone.
    await connection.run("SET TimeZone = 'UTC'");
    const shouldMigrate = options.migrate ?? !readOnly;
    const report = shouldMigrate ? await migrate(connection) : { applied: [], current: -1 };
    if (readOnly && path !== ':memory:') await assertCurrentSchema(connection, path);
    return new Warehouse(path, readOnly, instance, connection, report);
  }

  private ensureOpen(): DuckDBConnection {
    if (this.closed) throw new WarehouseError(`warehouse ${this.path} is closed`);
    return this.connection;
  }

  private async read(sql: string, params?: SqlParams): Promise<DuckDBResultReader> {
    const connection = this.ensureOpen();
    try {
      return await connection.runAndReadAll(sql, toDuckParams(params, sql));
    } catch (cause) {
      throw new QueryError(sql, `${(cause as Error).message}\n  in: ${firstLine(sql)}`, { cause });
    }
  }

  /** Runs a statement that returns nothing of interest (DDL, INSERT …). */
  async run(sql: string, params?: SqlParams): Promise<void> {
    const connection = this.ensureOpen();
    try {
      await connection.run(sql, toDuckParams(params, sql));
    } catch (cause) {
      throw new QueryError(sql, `${(cause as Error).message}\n  in: ${firstLine(sql)}`, { cause });
    }
  }

  /** Rows as plain objects; BIGINTs become numbers when they fit. */
  async query<T extends object = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const reader = await this.read(sql, params);
    const rows = reader.getRowObjectsJS();
    for (const row of rows) {
      for (const key of Object.keys(row)) (row as Row)[key] = normaliseValue(row[key]);
    }
    return rows as unknown as T[];
  }

  /** The single row of a query that must return exactly one. */
  async one<T extends object = Row>(sql: string, params?: SqlParams): Promise<T> {
    const rows = await this.query<T>(sql, params);
    if (rows.length !== 1) throw new QueryError(sql, `expected one row, got ${rows.length}\n  in: ${firstLine(sql)}`);
    return rows[0] as T;
  }

  /** Column-wise results, handy for numeric work and charts. */
  async columns(sql: string, params?: SqlParams): Promise<Record<string, unknown[]>> {
    const reader = await this.read(sql, params);
    const cols = reader.getColumnsObjectJS() as Record<string, unknown[]>;
    for (const key of Object.keys(cols)) cols[key] = (cols[key] ?? []).map(normaliseValue);
    return cols;
  }

  /** Results as an Apache Arrow table (types inferred from the JS values). */
  async arrow(sql: string, params?: SqlParams): Promise<Table> {
    const cols = await this.columns(sql, params);
    const arrays: Record<string, unknown[] | Float64Array> = {};
    for (const [name, values] of Object.entries(cols)) {
      arrays[name] = values.every((v) => typeof v === 'number') ? Float64Array.from(values as number[]) : values;
    }
    return tableFromArrays(arrays as Parameters<typeof tableFromArrays>[0]);
  }

  /**
   * Runs `fn` inside a transaction: commits if it resolves, rolls back if it throws, so a
   * failed load leaves the warehouse exactly as it was.
   */
  async transaction<T>(fn: (tx: Warehouse) => Promise<T>): Promise<T> {
    await this.run('BEGIN TRANSACTION');
    try {
      const result = await fn(this);
      await this.run('COMMIT');
      return result;
    } catch (error) {
      try {
        await this.run('ROLLBACK');
      } catch {
        // the transaction may already be aborted; the original error is what matters
      }
      throw error;
    }
  }

  /** Direct access for code that needs appenders or streaming; stays owned by this object. */
  get rawConnection(): DuckDBConnection {
    return this.ensureOpen();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** Opens the database, retrying while another process briefly holds the file's lock. */
async function createWaitingForLock(path: string, config: Record<string, string>, waitMs: number): Promise<DuckDBInstance> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await DuckDBInstance.create(path, config);
    } catch (error) {
      if (!LOCK_CONFLICT.test((error as Error).message) || Date.now() + LOCK_RETRY_MS > deadline) throw error;
      await new Promise((done) => setTimeout(done, LOCK_RETRY_MS));
    }
  }
}

/** A read-only open cannot migrate: refuse an outdated schema with the fix, rather than fail later. */
async function assertCurrentSchema(connection: DuckDBConnection, path: string): Promise<void> {
  const known = new Set<number>();
  try {
    const reader = await connection.runAndReadAll('SELECT version FROM schema_migrations');
    for (const row of reader.getRowObjectsJS()) known.add(Number(row.version));
  } catch {
    // no schema_migrations table: a file that was never a Dialwise warehouse, or empty
  }
  const pending = loadMigrations().filter((m) => !known.has(m.version));
  if (pending.length) {
    throw new WarehouseError(
      `warehouse ${path} needs schema migrations ${pending.map((m) => `${m.version}_${m.name}`).join(', ')}; run \`dialwise migrate\` (or any command that writes) first`,
    );
  }
}

function firstLine(sql: string): string {
  const line = sql.trim().split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}…` : line;
}

/** Opens a warehouse, runs `fn`, and always closes it. */
export async function withWarehouse<T>(
  dataDir: string,
  options: OpenOptions,
  fn: (wh: Warehouse) => Promise<T>,
): Promise<T> {
  const wh = await Warehouse.open(dataDir, options);
  try {
    return await fn(wh);
  } finally {
    await wh.close();
  }
}
