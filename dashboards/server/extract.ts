import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quoteLiteralPath, Warehouse, WAREHOUSE_FILE } from '../../warehouse/index.ts';
import { extractStatements, WAREHOUSE_TABLES } from '../sql/index.ts';
import { computeDrift } from './drift.ts';

/**
 * The warehouse half of what the dashboards serve. DuckDB lets no other process open the file
 * (not even read-only) while a writer such as the nightly run holds it, so the server never
 * keeps it open: when the file changes it attaches it read-only for the few set-based queries
 * below, detaches at once, and keeps the result as parquet in a cache folder. If the file is
 * locked, the last good cache keeps being served (marked stale) and the next poll retries.
 */
export const CACHE_DIR = 'dashboards-cache';
const META_FILE = 'meta.json';
const KEEP = 2;

export interface CacheMeta {
  read_at: string;
  /** size and mtime of the warehouse files when read: unchanged stamp = nothing new to read */
  stamp: string;
}

export interface CacheDir {
  dir: string;
  meta: CacheMeta;
}

/** Size + mtime of the warehouse file and its WAL: cheap to poll, changes on every commit or checkpoint. */
export function warehouseStamp(dataDir: string): string | null {
  const file = join(dataDir, WAREHOUSE_FILE);
  if (!existsSync(file)) return null;
  const parts = [file, `${file}.wal`].map((p) => {
    try {
      const s = statSync(p);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return '-';
    }
  });
  return parts.join('|');
}

/** The newest complete cache folder, if any (a crash mid-write leaves only a hidden temp folder). */
export function latestCache(cacheRoot: string): CacheDir | null {
  if (!existsSync(cacheRoot)) return null;
  const dirs = readdirSync(cacheRoot)
    .filter((d) => d.startsWith('wh-') && existsSync(join(cacheRoot, d, META_FILE)))
    .sort();
  const last = dirs.at(-1);
  if (!last) return null;
  const dir = join(cacheRoot, last);
  return { dir, meta: JSON.parse(readFileSync(join(dir, META_FILE), 'utf8')) as CacheMeta };
}

/** Reads the warehouse into a new cache folder; throws (e.g. the file is locked by a writer) without touching the old one. */
export async function extractWarehouse(dataDir: string, cacheRoot: string): Promise<CacheDir> {
  const stamp = warehouseStamp(dataDir);
  if (stamp === null) throw new Error(`no warehouse at ${join(dataDir, WAREHOUSE_FILE)}`);
  const readAt = new Date();
  const db = await Warehouse.open(':memory:', { migrate: false, threads: 2 });
  mkdirSync(cacheRoot, { recursive: true });
  const name = `wh-${readAt.toISOString().replace(/[-:.]/g, '')}-${process.pid}`;
  const tmp = join(cacheRoot, `.tmp-${name}`);
  try {
    // the path is the server's own configuration, never request input; ATTACH takes no parameters
    await db.run(`ATTACH ${quoteLiteralPath(join(dataDir, WAREHOUSE_FILE))} AS src (READ_ONLY)`);
    try {
      for (const { sql } of extractStatements()) await db.run(sql);
      await computeDrift(db);
    } finally {
      await db.run('DETACH src');
    }
    mkdirSync(tmp, { recursive: true });
    for (const table of WAREHOUSE_TABLES) {
      await db.run(`COPY ${table} TO ${quoteLiteralPath(join(tmp, `${table}.parquet`))} (FORMAT parquet)`);
    }
    const meta: CacheMeta = { read_at: readAt.toISOString(), stamp };
    writeFileSync(join(tmp, META_FILE), JSON.stringify(meta));
    const dir = join(cacheRoot, name);
    renameSync(tmp, dir);
    prune(cacheRoot, name);
    return { dir, meta };
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  } finally {
    await db.close();
  }
}

function prune(cacheRoot: string, keep: string): void {
  const dirs = readdirSync(cacheRoot).filter((d) => d.startsWith('wh-') && d !== keep).sort();
  for (const d of dirs.slice(0, Math.max(0, dirs.length - (KEEP - 1)))) rmSync(join(cacheRoot, d), { recursive: true, force: true });
}
