import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_FILE, MANIFEST_FILE, PUBLISHED_DIR } from '../../contracts/index.ts';
import { buildServer } from '../../dashboards/index.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { copyFixture, dashboardFixture } from './fixture.ts';

/**
 * The server keeps answering while another process (a nightly run) holds the warehouse —
 * DuckDB then refuses every other open, even read-only — and switches to a newly published run
 * at once, to the new warehouse data once the writer lets go.
 */
const ROOT = resolve(import.meta.dirname, '../..');

function holdWarehouse(dataDir: string, runId: string): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/run-ts.js'), join(ROOT, 'test/dashboards/helpers/hold-warehouse.child.ts'), dataDir, runId], { cwd: ROOT });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((res, rej) => {
    child.stdout.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) res(child);
    });
    child.once('exit', (code) => rej(new Error(`writer exited early (${code}): ${stderr}`)));
  });
}

function release(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((res) => {
    child.once('exit', () => res());
    child.stdin.write('close\n');
  });
}

/** A copy of the run in force under a new id, made current the way publish does it (rename). */
function republish(dataDir: string, newRunId: string): void {
  const root = join(dataDir, PUBLISHED_DIR);
  const current = readFileSync(join(root, CURRENT_FILE), 'utf8').trim();
  cpSync(join(root, current), join(root, newRunId), { recursive: true });
  const manifestPath = join(root, newRunId, MANIFEST_FILE);
  writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(readFileSync(manifestPath, 'utf8')), run_id: newRunId }));
  writeFileSync(join(root, `${CURRENT_FILE}.tmp`), `${newRunId}\n`);
  renameSync(join(root, `${CURRENT_FILE}.tmp`), join(root, CURRENT_FILE));
}

describe('serving while a nightly run writes', () => {
  let data: ReturnType<typeof copyFixture>;
  let cacheDir: string;
  let writer: ChildProcessWithoutNullStreams | null = null;

  beforeAll(async () => {
    data = copyFixture(await dashboardFixture());
    cacheDir = mkdtempSync(join(tmpdir(), 'dialwise-refresh-cache-'));
  }, 180_000);
  afterAll(async () => {
    if (writer && writer.exitCode === null) writer.kill('SIGKILL');
    data?.cleanup();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('keeps the last good data while the warehouse is locked, switches run at once, catches up when the writer is done; a restart while locked serves the cache', async () => {
    const app = await buildServer({ dataDir: data.dataDir, tokensFile: data.tokensFile, cacheDir, pollMs: 0, env: {} });
    const headers = { authorization: `Bearer ${data.tokens.analyst}` };
    const get = (url: string) => app.inject({ url, headers });
    try {
      const before = (await get('/api/campaigns/summary')).json();
      expect(before.meta.stale).toBe(false);
      const runBefore = before.meta.run_id as string;

      writer = await holdWarehouse(data.dataDir, 'nightly-while-serving');
      const locked = await app.dialwise.source.refresh();
      expect(locked.warehouse).toBe('failed');
      expect(locked.error).toMatch(/lock/i);
      const during = await get('/api/campaigns/summary');
      expect(during.statusCode).toBe(200);
      expect(during.json().meta.stale).toBe(true);
      expect(during.json().total).toEqual(before.total);
      const status = (await get('/api/status')).json();
      expect(status.warehouse.stale).toBe(true);
      expect(status.warehouse.last_error).toMatch(/lock/i);
      expect((await get('/api/runs?limit=100')).json().runs.map((r: { run_id: string }) => r.run_id)).not.toContain('nightly-while-serving');

      // the nightly run publishes before it lets go of the warehouse: the new run is served at once
      republish(data.dataDir, 'nightly-republished');
      await app.dialwise.source.refresh();
      const switched = (await get('/api/segments')).json();
      expect(switched.meta.run_id).toBe('nightly-republished');
      expect(switched.meta.run_id).not.toBe(runBefore);
      expect(switched.meta.stale).toBe(true);
      expect((await get('/api/scores?limit=1')).json().meta.run_id).toBe('nightly-republished');

      // a server started now (e.g. after a crash) serves the cached warehouse read instead of failing
      const second = await buildServer({ dataDir: data.dataDir, tokensFile: data.tokensFile, cacheDir, pollMs: 0, env: {} });
      try {
        const res = await second.inject({ url: '/api/campaigns/summary', headers });
        expect(res.statusCode).toBe(200);
        expect(res.json().meta.stale).toBe(true);
        expect(res.json().total).toEqual(before.total);
      } finally {
        await second.close();
      }

      await release(writer);
      const after = await app.dialwise.source.refresh();
      expect(after.warehouse).toBe('read');
      const fresh = (await get('/api/runs?limit=100')).json();
      expect(fresh.meta.stale).toBe(false);
      expect(fresh.runs.map((r: { run_id: string }) => r.run_id)).toContain('nightly-while-serving');
      // nothing changed since: a refresh does not rebuild
      expect((await app.dialwise.source.refresh()).changed).toBe(false);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('requests in flight finish on the generation they started with', async () => {
    const app = await buildServer({ dataDir: data.dataDir, tokensFile: data.tokensFile, cacheDir, pollMs: 0, env: {} });
    try {
      const headers = { authorization: `Bearer ${data.tokens.dialer}` };
      const inFlight = Array.from({ length: 20 }, (_, i) => app.inject({ url: `/api/scores?limit=20&offset=${i * 20}`, headers }));
      republish(data.dataDir, 'nightly-under-load');
      const refreshed = app.dialwise.source.refresh();
      const results = await Promise.all(inFlight);
      await refreshed;
      expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
      expect((await app.inject({ url: '/api/scores?limit=1', headers })).json().meta.run_id).toBe('nightly-under-load');
    } finally {
      await app.close();
    }
  }, 120_000);

  it('reads a changed warehouse only after it settled, flagging the served data stale meanwhile', async () => {
    const app = await buildServer({ dataDir: data.dataDir, tokensFile: data.tokensFile, cacheDir, pollMs: 0, settleMs: 400, env: {} });
    const headers = { authorization: `Bearer ${data.tokens.viewer}` };
    try {
      await app.dialwise.source.refresh(); // whatever the earlier test left: read it now
      await new Promise((r) => setTimeout(r, 450));
      await app.dialwise.source.refresh();
      expect((await app.inject({ url: '/api/runs', headers })).json().meta.stale).toBe(false);
      const wh = await Warehouse.open(data.dataDir);
      await wh.run(`INSERT INTO pipeline_runs (run_id, kind, as_of, started_at, status, published) VALUES ('nightly-settling', 'nightly', now(), now(), 'succeeded', true)`);
      await wh.close();
      const first = await app.dialwise.source.refresh();
      expect(first.warehouse).toBe('unchanged');
      const during = (await app.inject({ url: '/api/runs', headers })).json();
      expect(during.meta.stale).toBe(true);
      expect(during.runs.map((r: { run_id: string }) => r.run_id)).not.toContain('nightly-settling');
      await new Promise((r) => setTimeout(r, 450));
      expect((await app.dialwise.source.refresh()).warehouse).toBe('read');
      const after = (await app.inject({ url: '/api/runs', headers })).json();
      expect(after.meta.stale).toBe(false);
      expect(after.runs.map((r: { run_id: string }) => r.run_id)).toContain('nightly-settling');
    } finally {
      await app.close();
    }
  }, 120_000);
});
