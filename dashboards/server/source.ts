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
    else if (stamp !== this.cache?.meta.stamp) {
      try {
        this.cache = await extractWarehouse(dataDir, this.cacheRoot);
        this.lastError = null;
        warehouse = 'read';
      } catch (error) {
        this.lastError = (error as Error).message.split('\n')[0] ?? 'warehouse read failed';
        warehouse = 'failed';
      }
    }

    const stale = warehouse === 'failed';
    const changed =
      this.snapshot === null || runChanged || warehouse === 'read' || stale !== this.snapshot.stale;
    if (!changed) return { changed: false, generation: this.generation, warehouse };
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
    return { changed: true, generation: next.generation, warehouse, ...(stale && this.lastError ? { error: this.lastError } : {}) };
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
