import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CURRENT_FILE, PUBLISHED_DIR, readRun, type PublishedRunRef } from '../../contracts/index.ts';
import { CACHE_DIR, extractWarehouse, latestCache, warehouseStamp, type CacheDir } from './extract.ts';
import { Snapshot } from './snapshot.ts';
import { UnavailableError } from './errors.ts';

export interface SourceOptions {
  dataDir: string;
  /** where warehouse reads are cached (default `<data-dir>/dashboards-cache`) */
  cacheDir?: string;
  /** how often to look at `published/CURRENT` and the warehouse file (ms; 0 = only on refresh()) */
  pollMs?: number;
  /**
   * Read a changed warehouse only once its file has stayed unchanged this long (ms; default 5000
   * when polling, 0 otherwise). The read holds DuckDB's file lock for about half a second, and a
   * writer that opens the file meanwhile fails: waiting out a burst of commands (ingest, then
   * nightly, …) makes that much less likely.
   */
  settleMs?: number;
  /** told about refreshes and failed warehouse reads */
  log?: { info: (o: object, msg: string) => void; warn: (o: object, msg: string) => void };
}

export interface RefreshResult {
  changed: boolean;
  generation: number;
  warehouse: 'read' | 'unchanged' | 'failed' | 'absent';
  error?: string;
}

/**
 * Keeps the current Snapshot: polls `published/CURRENT` and the warehouse file, and builds a new
 * generation when either changed. Never blocks requests: they keep using the generation in force
 * until the next one is complete; a failed read of either source keeps the last good data.
 */
export class DataSource {
  private snapshot: Snapshot | null = null;
  private generation = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RefreshResult> | null = null;
  private readonly cacheRoot: string;
  private cache: CacheDir | null = null;
  private runId: string | null = null;
  private lastError: string | null = null;
  /** a changed stamp seen but not read yet, and since when */
  private seen: { stamp: string; since: number } | null = null;

  constructor(private options: SourceOptions) {
    this.cacheRoot = options.cacheDir ?? join(options.dataDir, CACHE_DIR);
  }

  /** Logs through the server's pino logger once it exists. */
  setLogger(log: NonNullable<SourceOptions['log']>): void {
    this.options.log = log;
  }

  async start(): Promise<void> {
    // a cache from a previous server process lets a restart serve while a writer holds the file
    this.cache = latestCache(this.cacheRoot);
    await this.refresh();
    const poll = this.options.pollMs ?? 2000;
    if (poll > 0) {
      this.timer = setInterval(() => {
        this.refresh().catch((error: unknown) => this.options.log?.warn({ err: error }, 'dashboards refresh failed'));
      }, poll);
      this.timer.unref();
    }
  }

  /** One look at both sources; concurrent callers share the refresh in flight. */
  refresh(): Promise<RefreshResult> {
    this.running ??= this.doRefresh().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private currentRunId(): string | null {
    const path = join(this.options.dataDir, PUBLISHED_DIR, CURRENT_FILE);
    return existsSync(path) ? readFileSync(path, 'utf8').trim() || null : null;
  }

  private async doRefresh(): Promise<RefreshResult> {
    const { dataDir } = this.options;
    let published: PublishedRunRef | null = this.snapshot?.published ?? null;
    const runId = this.currentRunId();
    let runChanged = false;
    if (runId && runId !== this.runId) {
      try {
        published = readRun(dataDir, runId);
        runChanged = true;
      } catch (error) {
        // a CURRENT naming a broken run: keep serving the previous one
        this.options.log?.warn({ runId, err: (error as Error).message }, 'published run unreadable; keeping the previous one');
      }
    }

    let warehouse: RefreshResult['warehouse'] = 'unchanged';
    const stamp = warehouseStamp(dataDir);
    if (stamp === null) warehouse = 'absent';
    else if (stamp !== this.cache?.meta.stamp && this.settled(stamp)) {
      try {
        this.cache = await extractWarehouse(dataDir, this.cacheRoot);
        this.lastError = null;
        warehouse = 'read';
      } catch (error) {
        const previous = this.lastError;
        this.lastError = (error as Error).message.split('\n')[0] ?? 'warehouse read failed';
        warehouse = 'failed';
        // once per episode, not on every poll while a long nightly run holds the file
        if (previous === null) this.options.log?.warn({ err: this.lastError }, 'warehouse not readable now (a writer holds it?); serving the last good read');
      }
    }

    // stale: the file holds newer data than what is served (a read failed or waits to settle)
    const stale = stamp !== null && this.cache !== null && stamp !== this.cache.meta.stamp;
    if (this.snapshot !== null && !runChanged && warehouse !== 'read') {
      this.snapshot.setWarehouseState(stale, this.lastError);
      return { changed: false, generation: this.generation, warehouse, ...(this.lastError ? { error: this.lastError } : {}) };
    }
    const next = await Snapshot.build(this.generation + 1, published, this.cache, { stale, lastError: this.lastError });
    this.generation = next.generation;
    if (runChanged) this.runId = runId;
    const previous = this.snapshot;
    this.snapshot = next;
    await previous?.retire();
    this.options.log?.info(
      { generation: next.generation, run: next.meta.run_id, warehouse, stale, ...(this.lastError ? { error: this.lastError } : {}) },
      'dashboards data refreshed',
    );
    return { changed: true, generation: next.generation, warehouse, ...(this.lastError ? { error: this.lastError } : {}) };
  }

  private settled(stamp: string): boolean {
    const settle = this.options.settleMs ?? ((this.options.pollMs ?? 2000) > 0 ? 5000 : 0);
    // nothing to serve yet: read at once
    if (settle === 0 || this.cache === null) return true;
    const now = Date.now();
    if (this.seen?.stamp !== stamp) this.seen = { stamp, since: now };
    return now - this.seen.since >= settle;
  }

  /** Runs `fn` against the generation in force, which stays open until `fn` is done. */
  async use<T>(fn: (snapshot: Snapshot) => Promise<T>): Promise<T> {
    const snapshot = this.snapshot;
    if (!snapshot) throw new UnavailableError('WAREHOUSE_UNAVAILABLE', 'the server is still loading its data; retry in a moment');
    snapshot.acquire();
    try {
      return await fn(snapshot);
    } finally {
      await snapshot.release();
    }
  }

  get current(): Snapshot | null {
    return this.snapshot;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    await this.snapshot?.retire();
    this.snapshot = null;
  }
}
