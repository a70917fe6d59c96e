import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { MigrationError } from './errors.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: number[];
  current: number;
}

/** Migrations are `NNN_name.sql` files, applied in version order. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3,}_[\w-]+\.sql$/.test(f))
    .map((file) => {
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      const match = /^(\d+)_(.+)\.sql$/.exec(file)!;
      return {
        version: Number(match[1]),
        name: match[2]!,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
}

/**
 * Applies pending migrations, each in its own transaction, and records them. Safe to re-run;
 * refuses to run if an applied migration's file has changed since (edit by adding a new one).
 */
export async function migrate(connection: DuckDBConnection, migrations = loadMigrations()): Promise<MigrationReport> {
  await connection.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  const done = new Map<number, string>();
  const reader = await connection.runAndReadAll('SELECT version, checksum FROM schema_migrations');
  for (const row of reader.getRowObjectsJS()) done.set(Number(row.version), String(row.checksum));

  const applied: number[] = [];
  for (const m of migrations) {
    const recorded = done.get(m.version);
    if (recorded !== undefined) {
      if (recorded !== m.checksum) {
        throw new MigrationError(
          `migration ${m.version}_${m.name}.sql changed after it was applied; add a new migration instead of editing it`,
        );
      }
      continue;
    }
    try {
      await connection.run('BEGIN TRANSACTION');
      await connection.run(m.sql);
      await connection.run('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        m.checksum,
      ]);
      await connection.run('COMMIT');
      applied.push(m.version);
    } catch (cause) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw new MigrationError(`migration ${m.version}_${m.name}.sql failed: ${(cause as Error).message}`, { cause });
    }
  }
  const current = migrations.length ? Math.max(...migrations.map((m) => m.version)) : 0;
  return { applied, current };
}
