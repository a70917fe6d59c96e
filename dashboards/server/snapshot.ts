import { join } from 'node:path';
import { LEADS_FILE, SCORES_FILE, SEGMENTS_FILE, type PublishedRunRef } from '../../contracts/index.ts';
import type { DuckDBPreparedStatement } from '@duckdb/node-api';
import { Warehouse, type Row, type SqlParams } from '../../warehouse/index.ts';
import { INDEX_LEADS, LOAD_CACHED, LOAD_LEADS, LOAD_SEGMENTS, SEGMENT_HOURS } from '../sql/published.ts';
import { ScoresIndex } from './scores-index.ts';
import { WAREHOUSE_TABLES } from '../sql/index.ts';
import type { CacheDir } from './extract.ts';

/**
 * One immutable generation of what the server serves: the published run in force and the last
 * good read of the warehouse, loaded into a private in-memory DuckDB. Requests hold a reference
 * while they query; a newer generation replaces it and the old one closes when the last
 * request using it is done. Responses are cached per generation (the data cannot change).
 */
export class Snapshot {
  private refs = 0;
  private retired = false;
  private closed = false;
  /** serialised (validated) responses by role class + URL; see api/context.ts `cached` */
  readonly responses = new Map<string, Promise<Buffer>>();

  private constructor(
    readonly generation: number,
    private readonly db: Warehouse,
    readonly published: PublishedRunRef | null,
    /** the published scores (null: nothing published) */
    readonly scores: ScoresIndex | null,
    readonly cache: CacheDir | null,
    /** the warehouse file changed since `cache` was read (a read failed, or is waiting to settle) */
    private staleFlag: boolean,
    private lastErrorText: string | null,
  ) {}

  get stale(): boolean {
    return this.staleFlag;
  }

  get lastError(): string | null {
    return this.lastErrorText;
  }

  /** Flags the warehouse data as older than the file (or not); cached responses carry the flag, so they go. */
  setWarehouseState(stale: boolean, lastError: string | null): void {
    if (stale === this.staleFlag && lastError === this.lastErrorText) return;
    this.staleFlag = stale;
    this.lastErrorText = lastError;
    this.responses.clear();
  }

  static async build(
    generation: number,
    published: PublishedRunRef | null,
    cache: CacheDir | null,
    state: { stale: boolean; lastError: string | null },
  ): Promise<Snapshot> {
    // one thread: requests are small and many; DuckDB's parallelism only adds scheduling to each
    const db = await Warehouse.open(':memory:', { migrate: false, threads: 1 });
    let scores: ScoresIndex | null = null;
    try {
      if (published) {
        scores = await ScoresIndex.load(db, join(published.dir, SCORES_FILE));
        await db.run(LOAD_LEADS, { path: join(published.dir, LEADS_FILE) });
        await db.run(LOAD_SEGMENTS, { path: join(published.dir, SEGMENTS_FILE) });
        await db.run(INDEX_LEADS);
        await db.run(SEGMENT_HOURS, { path: join(published.dir, SCORES_FILE) });
      }
      if (cache) {
        // table names are the fixed list of the extract step, never input
        for (const table of WAREHOUSE_TABLES) await db.run(LOAD_CACHED(table), { path: join(cache.dir, `${table}.parquet`) });
      }
    } catch (error) {
      await db.close();
      throw error;
    }
    return new Snapshot(generation, db, published, scores, cache, state.stale, state.lastError);
  }

  get meta(): { run_id: string | null; as_of: string | null; warehouse_read_at: string | null; stale: boolean } {
    return {
      run_id: this.published?.runId ?? null,
      as_of: this.published?.manifest.as_of ?? null,
      warehouse_read_at: this.cache?.meta.read_at ?? null,
      stale: this.stale,
    };
  }

  acquire(): void {
    this.refs++;
  }

  async release(): Promise<void> {
    this.refs--;
    if (this.retired && this.refs === 0) await this.close();
  }

  /** No new requests will use it; closes now or when the last one finishes. */
  async retire(): Promise<void> {
    this.retired = true;
    if (this.refs === 0) await this.close();
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.responses.clear();
    for (const statement of this.prepared.values()) (await statement.catch(() => null))?.destroySync();
    await this.db.close();
  }

  query<T extends object = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.db.query<T>(sql, params);
  }

  private readonly prepared = new Map<string, Promise<DuckDBPreparedStatement>>();
  private preparedQueue: Promise<unknown> = Promise.resolve();

  /**
   * A hot point query (a lead lookup) as a prepared statement, planned once
   * per generation. Calls are queued: a statement's bound values belong to one execution at a
   * time, and the connection runs one query at a time anyway.
   */
  queryPrepared<T extends object = Row>(sql: string, params: readonly (string | number)[]): Promise<T[]> {
    const run = async (): Promise<T[]> => {
      let statement = this.prepared.get(sql);
      if (!statement) {
        statement = this.db.rawConnection.prepare(sql);
        this.prepared.set(sql, statement);
      }
      const s = await statement;
      s.bind([...params]);
      const rows = (await s.runAndReadAll()).getRowObjectsJS();
      for (const row of rows) for (const key of Object.keys(row)) row[key] = toNumber(row[key]) as never;
      return rows as unknown as T[];
    };
    const result = this.preparedQueue.then(run, run);
    this.preparedQueue = result.catch(() => undefined);
    return result;
  }

  arrowIpc(sql: string, params?: SqlParams): Promise<import('apache-arrow').Table> {
    return this.db.arrow(sql, params);
  }
}

/** BIGINTs as numbers where they fit, as Warehouse.query does (its helper is internal to warehouse/). */
function toNumber(value: unknown): unknown {
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(toNumber);
  return value;
}
