import { join } from 'node:path';
import { LEADS_FILE, SCORES_FILE, SEGMENTS_FILE, type PublishedRunRef } from '../../contracts/index.ts';
import { Warehouse, type Row, type SqlParams } from '../../warehouse/index.ts';
import { INDEX_LEADS, INDEX_SCORES, LOAD_CACHED, LOAD_LEADS, LOAD_SCORES, LOAD_SEGMENTS, SEGMENT_HOURS } from '../sql/published.ts';
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
  /** serialised responses by route + query + role */
  readonly responses = new Map<string, unknown>();

  private constructor(
    readonly generation: number,
    private readonly db: Warehouse,
    readonly published: PublishedRunRef | null,
    readonly cache: CacheDir | null,
    /** the last warehouse read failed (e.g. locked by a writer): `cache` is older than the file */
    readonly stale: boolean,
    readonly lastError: string | null,
  ) {}

  static async build(
    generation: number,
    published: PublishedRunRef | null,
    cache: CacheDir | null,
    state: { stale: boolean; lastError: string | null },
  ): Promise<Snapshot> {
    const db = await Warehouse.open(':memory:', { migrate: false, threads: 2 });
    try {
      if (published) {
        await db.run(LOAD_SCORES, { path: join(published.dir, SCORES_FILE) });
        await db.run(LOAD_LEADS, { path: join(published.dir, LEADS_FILE) });
        await db.run(LOAD_SEGMENTS, { path: join(published.dir, SEGMENTS_FILE) });
        await db.run(INDEX_SCORES);
        await db.run(INDEX_LEADS);
        await db.run(SEGMENT_HOURS);
      }
      if (cache) {
        // table names are the fixed list of the extract step, never input
        for (const table of WAREHOUSE_TABLES) await db.run(LOAD_CACHED(table), { path: join(cache.dir, `${table}.parquet`) });
      }
    } catch (error) {
      await db.close();
      throw error;
    }
    return new Snapshot(generation, db, published, cache, state.stale, state.lastError);
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
    await this.db.close();
  }

  query<T extends object = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.db.query<T>(sql, params);
  }

  arrowIpc(sql: string, params?: SqlParams): Promise<import('apache-arrow').Table> {
    return this.db.arrow(sql, params);
  }
}
