import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadMigrations, migrate, MigrationError, QueryError, Warehouse, WarehouseError } from '../../warehouse/index.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('warehouse', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  it('creates the file, applies migrations once, and re-opens without re-applying', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const first = await Warehouse.open(dir);
    expect(first.migrations.applied.length).toBe(loadMigrations().length);
    const tables = await first.query<{ name: string }>(`SELECT table_name AS name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1`);
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['customers', 'events', 'call_attempts', 'campaigns', 'consents', 'quarantine', 'ingest_runs', 'schema_migrations']),
    );
    await first.close();
    const second = await Warehouse.open(dir);
    expect(second.migrations.applied).toEqual([]);
    await second.close();
  });

  it('waits while another process briefly holds the file, and names the cause when it holds it too long', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    await (await Warehouse.open(dir)).close();
    // another process (as `dialwise serve` does when it copies) holds the file for a moment
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api';
         const db = await DuckDBInstance.create(process.argv[1]);
         process.stdout.write('held\\n');
         process.stdin.once('data', () => setTimeout(() => { db.closeSync(); process.exit(0); }, 1000));`,
        join(dir, 'warehouse.duckdb'),
      ],
      { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const exited = new Promise((done) => holder.once('exit', done));
    await new Promise<void>((held) => holder.stdout!.once('data', () => held()));
    await expect(Warehouse.open(dir, { lockWaitMs: 0 })).rejects.toThrow(WarehouseError);
    await expect(Warehouse.open(dir, { lockWaitMs: 0 })).rejects.toThrow(/is another dialwise process writing to it\?/);
    // released a second after we start waiting (the timing is the holder's, so a loaded machine cannot reorder it)
    holder.stdin!.write('release\n');
    const waited = await Warehouse.open(dir, { lockWaitMs: 20_000 });
    expect((await waited.one<{ n: number }>('SELECT count(*) AS n FROM customers')).n).toBe(0);
    await waited.close();
    await exited;
  });

  it('binds parameters (positional, named, dates) instead of pasting them', async () => {
    const wh = await Warehouse.open(':memory:');
    const hostile = "x'); DROP TABLE customers; --";
    const [row] = await wh.query<{ s: string; n: number; t: Date }>('SELECT $1 AS s, $2 AS n, $3::TIMESTAMPTZ AS t', [hostile, 42, new Date('2024-05-01T10:00:00Z')]);
    expect(row).toEqual({ s: hostile, n: 42, t: new Date('2024-05-01T10:00:00Z') });
    const named = await wh.one<{ a: number }>('SELECT $a + 1 AS a', { a: 1, unused: 'ignored' });
    expect(named.a).toBe(2);
    expect((await wh.query('SELECT count(*) AS n FROM customers'))[0]).toEqual({ n: 0 });
    await wh.close();
  });

  it('returns Arrow tables and typed errors', async () => {
    const wh = await Warehouse.open(':memory:');
    const table = await wh.arrow('SELECT range AS i, range * 0.5 AS x, $1 AS s FROM range(3)', ['a']);
    expect(table.numRows).toBe(3);
    expect(table.getChild('x')?.toArray()).toEqual(Float64Array.from([0, 0.5, 1]));
    await expect(wh.query('SELECT * FROM no_such_table')).rejects.toBeInstanceOf(QueryError);
    await wh.close();
    await expect(wh.query('SELECT 1')).rejects.toThrow(/closed/);
  });

  it('rolls a failed transaction back completely', async () => {
    const wh = await Warehouse.open(':memory:');
    await expect(
      wh.transaction(async (tx) => {
        await tx.run(`INSERT INTO campaigns (campaign_id, name) VALUES ('c1', 'one')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await wh.one('SELECT count(*) AS n FROM campaigns')).toEqual({ n: 0 });
    await wh.close();
  });

  it('refuses an applied migration whose file changed', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '001_a.sql'), 'CREATE TABLE a (x INTEGER);');
    const wh = await Warehouse.open(':memory:', { migrate: false });
    const conn = wh.rawConnection;
    expect((await migrate(conn, loadMigrations(migrations))).applied).toEqual([1]);
    expect((await migrate(conn, loadMigrations(migrations))).applied).toEqual([]);
    writeFileSync(join(migrations, '001_a.sql'), 'CREATE TABLE a (x BIGINT);');
    await expect(migrate(conn, loadMigrations(migrations))).rejects.toBeInstanceOf(MigrationError);
    await wh.close();
  });

  it('keeps every row and constraint when a later migration rebuilds a table (070 and 090 call attempts, 080 events)', async () => {
    const wh = await Warehouse.open(':memory:', { migrate: false });
    const conn = wh.rawConnection;
    const all = loadMigrations();
    await migrate(conn, all.filter((m) => m.version < 70));
    await wh.run(
      `INSERT INTO call_attempts (attempt_id, customer_id, phone_hash, started_at, disposition, talk_seconds, converted, source)
       VALUES ('a1', 'c1', 'h1', TIMESTAMPTZ '2024-03-10 09:00:00+00', 'answered', 42, true, 'crm'),
              ('a2', 'c2', NULL, TIMESTAMPTZ '2024-03-10 10:00:00+00', 'no_answer', 0, false, 'crm')`,
    );
    await wh.run(
      `INSERT INTO events (event_id, customer_id, ts, type, value, source, ingest_run_id)
       VALUES ('e1', 'c1', TIMESTAMPTZ '2024-03-01 12:00:00+00', 'purchase', 19.5, 'crm', 'run1'),
              ('e2', 'c2', TIMESTAMPTZ '2024-03-02 12:00:00+00', 'visit', NULL, 'crm', 'run1')`,
    );
    const before = {
      attempts: await wh.query('SELECT * FROM call_attempts ORDER BY attempt_id'),
      events: await wh.query('SELECT * FROM events ORDER BY event_id'),
    };
    expect((await migrate(conn, all)).applied).toEqual(expect.arrayContaining([70, 80, 90]));
    expect(await wh.query('SELECT * FROM call_attempts ORDER BY attempt_id')).toEqual(before.attempts);
    expect(await wh.query('SELECT * FROM events ORDER BY event_id')).toEqual(before.events);
    // the rebuilt tables keep their NOT NULL and CHECK constraints
    await expect(wh.run(`INSERT INTO events (event_id, customer_id, ts, type) VALUES ('e3', NULL, now(), 'visit')`)).rejects.toThrow(QueryError);
    await expect(
      wh.run(`INSERT INTO call_attempts (attempt_id, customer_id, started_at, disposition) VALUES ('a3', 'c1', now(), 'maybe')`),
    ).rejects.toThrow(QueryError);
    await wh.close();
  });
});
