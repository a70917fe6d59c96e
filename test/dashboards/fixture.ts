import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../cli/simulate/loop.ts';
import { addToken, buildServer, type Role } from '../../dashboards/index.ts';
import { loadMigrations, Warehouse } from '../../warehouse/index.ts';

/**
 * A real small data dir for the dashboards tests (API and browser): a generated call centre
 * (600 customers, 30 days of history) run through the closed loop for 2 days — nightly runs
 * publish, the dialer dials, simulation_days is filled — plus one campaign with its own targets,
 * a failed run whose error holds a phone number (masking), and a token per role.
 *
 * Built once (~15 s) and cached under os.tmpdir(), keyed by the migrations' checksums, so every test
 * file and worker shares it. Tests must treat it as read-only: copy it (copyFixture) to write.
 */
export interface DashboardFixture {
  dataDir: string;
  tokensFile: string;
  tokens: Record<Role, string>;
}

const FIXTURE_VERSION = 1;
const READY = 'fixture-ready.json';

function fixtureRoot(): string {
  // keyed by each migration's checksum, not just its number: a migration edited before it
  // lands must not meet a cached warehouse that applied its earlier text
  const schema = createHash('sha256').update(loadMigrations().map((m) => `${m.version}:${m.checksum}`).join('\n')).digest('hex').slice(0, 16);
  return join(tmpdir(), `dialwise-dashboards-fixture-v${FIXTURE_VERSION}-s${schema}`);
}

export async function dashboardFixture(): Promise<DashboardFixture> {
  const root = fixtureRoot();
  const ready = join(root, READY);
  if (existsSync(ready)) return JSON.parse(readFileSync(ready, 'utf8')) as DashboardFixture;
  const lock = `${root}.lock`;
  // one builder at a time across workers: mkdir is atomic; the others wait for READY
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(ready)) return JSON.parse(readFileSync(ready, 'utf8')) as DashboardFixture;
      const held = statSync(lock, { throwIfNoEntry: false });
      // a builder that died leaves its lock behind: take over after five minutes
      if (held && Date.now() - held.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (existsSync(ready)) return JSON.parse(readFileSync(ready, 'utf8')) as DashboardFixture;
    const building = `${root}.building`;
    rmSync(building, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
    await build(building);
    renameSync(building, root);
    const fixture = tokensFor(root);
    writeFileSync(ready, JSON.stringify(fixture));
    return fixture;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function build(dir: string): Promise<void> {
  const wh = await Warehouse.open(dir);
  try {
    await simulate(wh, { dataDir: dir, customers: 600, days: 2, seed: 11, historyDays: 30, dialsPerDay: 150, lines: 5, exploration: 0.1, k: 3 });
    await wh.run(`UPDATE campaigns SET objective = 'upsell', attributes = '{"targets": {"connect_rate": 0.35, "conversion_rate": 0.1}}'::JSON WHERE campaign_id = 'UPSELL'`);
    await wh.run(
      `INSERT INTO pipeline_runs (run_id, kind, as_of, started_at, finished_at, status, published, error)
       VALUES ('nightly-fixture-failed', 'nightly', TIMESTAMPTZ '2024-01-01 00:00:00+00', TIMESTAMPTZ '2024-01-01 00:00:00+00',
               TIMESTAMPTZ '2024-01-01 00:01:00+00', 'failed', false, 'ingest refused row for +44 7700 900123: unknown customer')`,
    );
  } finally {
    await wh.close();
  }
  const tokensFile = join(dir, 'tokens.json');
  const tokens = {} as Record<Role, string>;
  for (const role of ['viewer', 'analyst', 'dialer', 'admin'] as const) tokens[role] = addToken(tokensFile, `test-${role}`, role);
  writeFileSync(join(dir, 'fixture-tokens.json'), JSON.stringify(tokens));
}

function tokensFor(root: string): DashboardFixture {
  return {
    dataDir: root,
    tokensFile: join(root, 'tokens.json'),
    tokens: JSON.parse(readFileSync(join(root, 'fixture-tokens.json'), 'utf8')) as Record<Role, string>,
  };
}

/** A private, writable copy of the fixture (for tests that lock or change the warehouse). */
export function copyFixture(fixture: DashboardFixture): DashboardFixture & { cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'dialwise-dashboards-copy-'));
  for (const entry of ['warehouse.duckdb', 'published', 'tokens.json', 'fixture-tokens.json']) {
    const from = join(fixture.dataDir, entry);
    if (existsSync(from)) cpSync(from, join(dir, entry), { recursive: true });
  }
  return { ...tokensFor(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The dashboards server on 127.0.0.1 and a free port, over the fixture, with its own
 * warehouse cache folder. `close()` stops it and removes that folder.
 */
export async function startServer(fixture: DashboardFixture, options: { pollMs?: number } = {}) {
  const cacheDir = mkdtempSync(join(tmpdir(), 'dialwise-dashboards-cache-'));
  const app = await buildServer({ dataDir: fixture.dataDir, tokensFile: fixture.tokensFile, cacheDir, pollMs: options.pollMs ?? 0, logger: false, env: {} });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    app,
    close: async () => {
      await app.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}
