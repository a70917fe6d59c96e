import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildServer, type Role } from '../../dashboards/index.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { copyFixture, dashboardFixture, type DashboardFixture } from './fixture.ts';

/**
 * Every /api route through fastify's inject over the shared fixture: 401 without a token, 403
 * for a role that may not call it, 200 (and a schema-valid body) for one that may; then what
 * the numbers are, checked against the warehouse itself.
 */
const ALL: Role[] = ['viewer', 'analyst', 'dialer', 'admin'];
const AGG: Role[] = ['viewer', 'analyst', 'admin'];
const LEAD: Role[] = ['analyst', 'dialer', 'admin'];

let fixture: DashboardFixture;
let app: Awaited<ReturnType<typeof buildServer>>;
let cacheDir: string;
let customerId: string;
let championVersion: string;

/** route pattern (as in OpenAPI) → an example URL and the roles allowed */
function routeTable(): Record<string, { url: string; roles: Role[] }> {
  return {
    '/api/me': { url: '/api/me', roles: ALL },
    '/api/status': { url: '/api/status', roles: ALL },
    '/api/segments': { url: '/api/segments', roles: AGG },
    '/api/segments/profiles': { url: '/api/segments/profiles', roles: AGG },
    '/api/segments/best-hours': { url: '/api/segments/best-hours?segment=1', roles: AGG },
    '/api/campaigns': { url: '/api/campaigns', roles: AGG },
    '/api/campaigns/summary': { url: '/api/campaigns/summary', roles: AGG },
    '/api/campaigns/daily': { url: '/api/campaigns/daily?campaign=UPSELL', roles: AGG },
    '/api/campaigns/hourly': { url: '/api/campaigns/hourly?segment=1', roles: AGG },
    '/api/models': { url: '/api/models?kind=conversion', roles: AGG },
    '/api/models/{version}/calibration': { url: `/api/models/${championVersion}/calibration`, roles: AGG },
    '/api/models/{version}/lift': { url: '/api/models/champion/lift?kind=contact', roles: AGG },
    '/api/models/{version}/features': { url: '/api/models/champion/features', roles: AGG },
    '/api/runs': { url: '/api/runs?limit=5', roles: AGG },
    '/api/simulation': { url: '/api/simulation', roles: AGG },
    '/api/features': { url: '/api/features', roles: AGG },
    '/api/features/drift': { url: '/api/features/drift', roles: AGG },
    '/api/scores/{customer_id}': { url: `/api/scores/${customerId}`, roles: LEAD },
    '/api/scores': { url: '/api/scores?limit=5', roles: LEAD },
    '/api/leads/{customer_id}': { url: `/api/leads/${customerId}`, roles: LEAD },
    '/api/leads': { url: '/api/leads?limit=5', roles: LEAD },
    '/api/audit': { url: '/api/audit', roles: ['admin'] },
  };
}

const get = (url: string, role?: Role, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { ...(role ? { authorization: `Bearer ${fixture.tokens[role]}` } : {}), ...headers } });

async function warehouse<T>(fn: (wh: Warehouse) => Promise<T>): Promise<T> {
  const wh = await Warehouse.open(fixture.dataDir, { readOnly: true });
  try {
    return await fn(wh);
  } finally {
    await wh.close();
  }
}

beforeAll(async () => {
  fixture = await dashboardFixture();
  cacheDir = mkdtempSync(join(tmpdir(), 'dialwise-api-cache-'));
  // read what the assertions compare against before the server reads the file (no lock clash)
  ({ customerId, championVersion } = await warehouse(async (wh) => ({
    customerId: (await wh.one<{ id: string }>('SELECT min(customer_id) AS id FROM customers')).id,
    championVersion: (await wh.one<{ v: string }>("SELECT version AS v FROM model_aliases WHERE kind = 'conversion' AND alias = 'champion'")).v,
  })));
  app = await buildServer({ dataDir: fixture.dataDir, tokensFile: fixture.tokensFile, cacheDir, pollMs: 0, env: {} });
}, 180_000);

afterAll(async () => {
  await app?.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('every route: 401, 403, 200', () => {
  it('the table covers every /api route in the OpenAPI description', async () => {
    const doc = JSON.parse((await app.inject({ url: '/docs/json' })).body) as { paths: Record<string, unknown> };
    const documented = Object.keys(doc.paths).filter((p) => p.startsWith('/api/')).sort();
    expect(documented).toEqual(Object.keys(routeTable()).sort());
  });

  it.each(Object.keys({ ...routeTableKeys() }))('%s', async (pattern) => {
    const { url, roles } = routeTable()[pattern]!;
    const none = await get(url);
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    const bad = await get(url, undefined, { authorization: 'Bearer not-a-token' });
    expect(bad.statusCode).toBe(401);
    for (const role of ALL.filter((r) => !roles.includes(r))) {
      const forbidden = await get(url, role);
      expect(forbidden.statusCode, `${role} on ${url}`).toBe(403);
      expect(forbidden.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    for (const role of roles) {
      const ok = await get(url, role);
      expect(ok.statusCode, `${role} on ${url}: ${ok.body.slice(0, 300)}`).toBe(200);
    }
  });
});

/** Route patterns without needing the fixture (it.each is evaluated before beforeAll). */
function routeTableKeys(): Record<string, true> {
  const keys = [
    '/api/me', '/api/status', '/api/segments', '/api/segments/profiles', '/api/segments/best-hours', '/api/campaigns', '/api/campaigns/summary',
    '/api/campaigns/daily', '/api/campaigns/hourly', '/api/models', '/api/models/{version}/calibration', '/api/models/{version}/lift',
    '/api/models/{version}/features', '/api/runs', '/api/simulation', '/api/features', '/api/features/drift', '/api/scores/{customer_id}',
    '/api/scores', '/api/leads/{customer_id}', '/api/leads', '/api/audit',
  ];
  return Object.fromEntries(keys.map((k) => [k, true]));
}

describe('validation', () => {
  it.each([
    ['/api/scores?limit=0', 'limit'],
    ['/api/scores?limit=5001', 'limit'],
    ['/api/scores?order=phone', 'order'],
    ['/api/scores?format=csv', 'format'],
    ['/api/models?kind=sales', 'kind'],
    ['/api/campaigns/daily?from=2024-1-1', 'from'],
    ['/api/campaigns/daily?from=2024-02-30', 'from'],
    ['/api/campaigns/daily?from=2024-03-02&to=2024-03-01', 'from'],
    ['/api/campaigns/hourly?segment=-1', 'segment'],
    ['/api/campaigns/hourly?segment=one', 'segment'],
    ['/api/runs?limit=101', 'limit'],
    ['/api/segments?campaign=x', 'campaign'],
    ["/api/models/x'y/lift", 'version'],
  ])('%s → 400 naming %s', async (url, name) => {
    const res = await get(url, 'admin');
    expect(res.statusCode).toBe(400);
    const body = res.json() as { code: string; message: string };
    expect(body.code).toBe('BAD_REQUEST');
    expect(body.message).toContain(name);
  });

  it('a parameter that looks like SQL is data, not code', async () => {
    const res = await get(`/api/campaigns/daily?campaign=${encodeURIComponent("x' OR '1'='1")}`, 'viewer');
    expect(res.statusCode).toBe(200);
    expect(res.json().rows).toEqual([]);
    const score = await get(`/api/scores/${encodeURIComponent("' OR 1=1 --")}`, 'analyst');
    expect(score.statusCode).toBe(404);
    expect(score.json().code).toBe('NOT_FOUND');
  });

  it('another spelling of a path reaches no /api route unchecked', async () => {
    for (const url of ['/%61pi/scores', '/./api/scores', '/api/%73cores']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(401);
      expect((await get(url, 'viewer')).statusCode, url).toBe(403);
    }
  });

  it('unknown routes and versions are 404 JSON', async () => {
    expect((await get('/api/nope', 'admin')).json()).toMatchObject({ code: 'NOT_FOUND' });
    const res = await get('/api/models/conversion-19990101-000000-abcdef/lift', 'viewer');
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toContain('conversion-19990101-000000-abcdef');
  });
});

describe('what the routes say', () => {
  it('/api/me names the caller and what its role may call', async () => {
    const me = (await get('/api/me', 'dialer')).json() as { name: string; role: string; routes: string[] };
    expect(me).toMatchObject({ name: 'test-dialer', role: 'dialer' });
    expect(me.routes).toContain('GET /api/scores/:customer_id');
    expect(me.routes).not.toContain('GET /api/segments');
  });

  it('segments match the published run; best hours are 168 cells per segment', async () => {
    const body = (await get('/api/segments', 'viewer')).json() as { meta: { run_id: string }; segments: { size: number; segment_id: number }[] };
    const n = await warehouse(async (wh) => (await wh.one<{ n: number }>('SELECT count(*) AS n FROM customer_segments WHERE version = (SELECT version FROM segment_runs ORDER BY run_seq DESC LIMIT 1)')).n);
    expect(body.segments.length).toBe(3);
    expect(body.segments.reduce((s, x) => s + x.size, 0)).toBe(n);
    const hours = (await get('/api/segments/best-hours', 'viewer')).json() as { cells: { segment_id: number; weekday: number; hour: number; p_answer: number }[] };
    expect(hours.cells.length).toBe(3 * 168);
    expect(hours.cells.every((c) => c.weekday >= 0 && c.weekday <= 6 && c.hour >= 0 && c.hour <= 23 && c.p_answer > 0 && c.p_answer < 1)).toBe(true);
    const one = (await get(`/api/segments/best-hours?segment=${body.segments[0]!.segment_id}`, 'viewer')).json() as { cells: unknown[] };
    expect(one.cells.length).toBe(168);
    const profiles = (await get('/api/segments/profiles', 'viewer')).json() as { features: string[]; cells: unknown[] };
    expect(profiles.features.length).toBeGreaterThan(3);
    expect(profiles.cells.length).toBe(3 * profiles.features.length);
  });

  it('campaign KPIs add up to the call log, filters narrow them, targets come from the campaign or all campaigns', async () => {
    const truth = await warehouse((wh) =>
      wh.one<{ dials: number; answered: number; converted: number; upsell: number; day: string }>(
        `SELECT count(*) AS dials, count(*) FILTER (WHERE disposition = 'answered') AS answered,
                count(*) FILTER (WHERE disposition = 'answered' AND converted) AS converted,
                count(*) FILTER (WHERE campaign_id = 'UPSELL') AS upsell,
                strftime(max(CAST(started_at AS DATE)), '%Y-%m-%d') AS day
         FROM call_attempts`,
      ),
    );
    const all = (await get('/api/campaigns/summary', 'viewer')).json();
    expect(all.total).toMatchObject({ dials: truth.dials, answered: truth.answered, converted: truth.converted });
    expect(all.funnel).toEqual([
      { stage: 'dialed', count: truth.dials },
      { stage: 'answered', count: truth.answered },
      { stage: 'converted', count: truth.converted },
    ]);
    expect(all.total.connect_rate).toBeCloseTo(truth.answered / truth.dials, 12);
    const upsell = all.campaigns.find((c: { campaign_id: string }) => c.campaign_id === 'UPSELL');
    expect(upsell.dials).toBe(truth.upsell);
    expect(upsell.target_source).toBe('campaign');
    expect(upsell.targets).toEqual({ connect_rate: 0.35, conversion_rate: 0.1 });
    expect(upsell.deviation.connect_rate).toBeCloseTo(upsell.connect_rate - 0.35, 12);
    const other = all.campaigns.find((c: { campaign_id: string }) => c.campaign_id !== 'UPSELL');
    expect(other.target_source).toBe('all_campaigns');
    expect(other.targets.connect_rate).toBeCloseTo(all.total.connect_rate, 12);

    const filtered = (await get('/api/campaigns/summary?campaign=UPSELL', 'viewer')).json();
    expect(filtered.total.dials).toBe(truth.upsell);
    expect(filtered.campaigns).toHaveLength(1);
    const daily = (await get(`/api/campaigns/daily?from=${truth.day}&to=${truth.day}`, 'viewer')).json() as { rows: { day: string; dials: number }[] };
    expect(daily.rows.length).toBeGreaterThan(0);
    expect(daily.rows.every((r) => r.day === truth.day)).toBe(true);
    const hourly = (await get('/api/campaigns/hourly', 'viewer')).json() as { rows: { hour: number; dials: number }[] };
    expect(hourly.rows.reduce((s, r) => s + r.dials, 0)).toBe(truth.dials);
    const seg = (await get('/api/campaigns/hourly?segment=1', 'viewer')).json() as { rows: { dials: number }[] };
    const segDials = seg.rows.reduce((s, r) => s + r.dials, 0);
    expect(segDials).toBeGreaterThan(0);
    expect(segDials).toBeLessThan(truth.dials);
  });

  it('models: versions with metrics, the champion flagged, calibration and lift from the stored report', async () => {
    const models = (await get('/api/models', 'viewer')).json() as { models: { version: string; kind: string; champion: boolean; roc_auc: number | null; log_loss: number | null }[] };
    expect(models.models.filter((m) => m.kind === 'conversion').length).toBeGreaterThanOrEqual(2);
    expect(models.models.find((m) => m.champion && m.kind === 'conversion')!.version).toBe(championVersion);
    expect(models.models.every((m) => m.log_loss !== null && m.log_loss > 0)).toBe(true);
    const cal = (await get('/api/models/champion/calibration', 'viewer')).json() as { version: string; bins: { rows: number }[] };
    expect(cal.version).toBe(championVersion);
    expect(cal.bins).toHaveLength(10);
    const lift = (await get('/api/models/champion/lift', 'viewer')).json() as { deciles: { decile: number; cumulative_gain: number }[] };
    expect(lift.deciles.map((d) => d.decile)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(lift.deciles.at(-1)!.cumulative_gain).toBeCloseTo(1, 9);
    const features = (await get('/api/models/champion/features', 'viewer')).json() as { by_shap: { value: number }[] };
    expect(features.by_shap.length).toBeGreaterThan(0);
  });

  it('runs, simulation days (model vs random vs oracle), feature stats and drift', async () => {
    const runs = (await get('/api/runs?kind=nightly', 'analyst')).json() as { runs: { status: string; steps: unknown[] }[] };
    expect(runs.runs.filter((r) => r.status === 'succeeded').length).toBe(2);
    expect(runs.runs.find((r) => r.status === 'succeeded')!.steps.length).toBeGreaterThan(3);
    const sim = (await get('/api/simulation', 'viewer')).json() as { sim_id: string; days: { policy: string; dials: number }[] };
    expect(sim.days).toHaveLength(6);
    expect(new Set(sim.days.map((d) => d.policy))).toEqual(new Set(['model', 'random', 'oracle']));
    expect(sim.days.every((d) => d.dials === 150)).toBe(true);
    expect((await get('/api/simulation?sim=sim-none', 'viewer')).statusCode).toBe(404);
    const features = (await get('/api/features', 'viewer')).json() as { snapshot_id: number; features: { feature: string }[] };
    expect(features.features.length).toBeGreaterThan(50);
    const drift = (await get('/api/features/drift', 'viewer')).json() as { current_snapshot_id: number; baseline_snapshot_id: number; features: { psi: number; alarm: boolean }[] };
    expect(drift.current_snapshot_id).toBe(features.snapshot_id);
    expect(drift.baseline_snapshot_id).toBeLessThan(drift.current_snapshot_id);
    expect(drift.features.length).toBeGreaterThan(50);
    expect(drift.features.every((f) => f.psi >= 0 && f.alarm === f.psi >= 0.1)).toBe(true);
  });

  it('viewers see phone numbers masked; analysts see the text as stored', async () => {
    const viewer = (await get('/api/runs?limit=100', 'viewer')).json() as { runs: { run_id: string; error: string | null }[] };
    const failed = viewer.runs.find((r) => r.run_id === 'nightly-fixture-failed')!;
    expect(failed.error).not.toContain('7700 900123');
    expect(failed.error).toContain('23: unknown customer');
    const analyst = (await get('/api/runs?limit=100', 'analyst')).json() as { runs: { run_id: string; error: string | null }[] };
    expect(analyst.runs.find((r) => r.run_id === 'nightly-fixture-failed')!.error).toContain('+44 7700 900123');
  });
});

describe('aggregate responses, serialised once per generation', () => {
  it('concurrent first requests share one computation; later ones get the same bytes without a query', async () => {
    const snap = app.dialwise.source.current!;
    snap.responses.clear();
    const query = vi.spyOn(snap, 'query');
    try {
      const first = await Promise.all(Array.from({ length: 10 }, () => get('/api/segments', 'analyst')));
      const again = await get('/api/segments', 'admin');
      expect(query).toHaveBeenCalledTimes(1);
      expect(new Set([...first, again].map((r) => r.body)).size).toBe(1);
      expect(again.statusCode).toBe(200);
      expect(again.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = again.json() as { meta: { run_id: string }; segments: { segment_id: number }[] };
      expect(body.meta.run_id).toBe(snap.meta.run_id);
      expect(body.segments.map((s) => s.segment_id)).toEqual([...body.segments.map((s) => s.segment_id)].sort((a, b) => a - b));
    } finally {
      query.mockRestore();
    }
  });

  it('a cached route still validates its response, and a failure is not kept', async () => {
    const snap = app.dialwise.source.current!;
    snap.responses.clear();
    // a segment row missing its fields, as a broken segments.parquet would give
    const query = vi.spyOn(snap, 'query').mockResolvedValueOnce([{ segment_id: 1 }]);
    try {
      const bad = await get('/api/segments', 'analyst');
      expect(bad.statusCode).toBe(500);
      expect(bad.json()).toMatchObject({ code: 'RESPONSE_INVALID' });
      const good = await get('/api/segments', 'analyst');
      expect(good.statusCode).toBe(200);
      expect((good.json() as { segments: unknown[] }).segments).toHaveLength(3);
    } finally {
      query.mockRestore();
    }
  });
});

describe('lead-level routes', () => {
  it('one customer: the published scores, identical to scores.parquet', async () => {
    const body = (await get(`/api/scores/${customerId}`, 'dialer')).json() as { meta: { run_id: string }; score: Record<string, unknown> & { p_answer: number[]; model_versions: Record<string, string> } };
    expect(body.score.customer_id).toBe(customerId);
    expect(body.score.p_answer).toHaveLength(168);
    expect(body.score.model_versions.conversion).toBeTruthy();
    // the same row, read from the run's own scores.parquet
    const mem = await Warehouse.open(':memory:', { migrate: false });
    try {
      const [row] = await mem.query<Record<string, unknown>>(
        'SELECT p_convert, p_answer, best_hours, segment_id, segment_name, expected_value, reasons, model_versions::VARCHAR AS mv FROM read_parquet($path) WHERE customer_id = $id',
        { path: join(fixture.dataDir, 'published', body.meta.run_id, 'scores.parquet'), id: customerId },
      );
      expect(body.score).toMatchObject({ p_convert: row!.p_convert, best_hours: row!.best_hours, segment_id: row!.segment_id, segment_name: row!.segment_name, expected_value: row!.expected_value, reasons: row!.reasons });
      expect(body.score.p_answer).toEqual(row!.p_answer);
      expect(body.score.model_versions).toEqual(JSON.parse(String(row!.mv)));
    } finally {
      await mem.close();
    }
    const lead = (await get(`/api/leads/${customerId}`, 'analyst')).json() as { lead: { phone_e164: string; variables: Record<string, unknown> } };
    expect(lead.lead.phone_e164).toMatch(/^\+\d{8,15}$/);
    expect(lead.lead.variables).toHaveProperty('customer_name');
  });

  it('concurrent lookups each get their own customer; pages are slices of one ranking', async () => {
    const ids = ((await get('/api/scores?limit=60&order=customer_id', 'analyst')).json() as { rows: { customer_id: string }[] }).rows.map((r) => r.customer_id);
    const answers = await Promise.all(ids.map((id) => get(`/api/scores/${id}`, 'dialer')));
    expect(answers.map((a) => (a.json() as { score: { customer_id: string } }).score.customer_id)).toEqual(ids);
    const big = (await get('/api/scores?limit=40', 'analyst')).json() as { rows: { customer_id: string }[] };
    const second = (await get('/api/scores?limit=20&offset=20', 'analyst')).json() as { rows: { customer_id: string }[] };
    expect(second.rows.map((r) => r.customer_id)).toEqual(big.rows.slice(20).map((r) => r.customer_id));
    const past = (await get('/api/scores?limit=20&offset=590', 'analyst')).json() as { rows: unknown[] };
    expect(past.rows).toHaveLength(10);
  });

  it('pages by expected value; Arrow IPC on request carries the same rows', async () => {
    const json = (await get('/api/scores?limit=50&offset=10', 'analyst')).json() as { total: number; rows: { customer_id: string; expected_value: number; p_answer: number[] }[] };
    expect(json.total).toBe(600);
    expect(json.rows).toHaveLength(50);
    for (let i = 1; i < json.rows.length; i++) expect(json.rows[i - 1]!.expected_value).toBeGreaterThanOrEqual(json.rows[i]!.expected_value);
    for (const req of [get('/api/scores?limit=50&offset=10&format=arrow', 'analyst'), get('/api/scores?limit=50&offset=10', 'analyst', { accept: 'application/vnd.apache.arrow.stream' })]) {
      const res = await req;
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/vnd.apache.arrow.stream');
      expect(res.headers['x-dialwise-total']).toBe('600');
      const table = tableFromIPC(res.rawPayload);
      expect(table.numRows).toBe(50);
      expect(table.getChild('customer_id')!.toArray()).toEqual(json.rows.map((r) => r.customer_id));
      const pAnswer = table.getChild('p_answer')!.get(0)!.toArray() as Float32Array;
      expect(pAnswer.length).toBe(168);
      expect(pAnswer[5]).toBeCloseTo(json.rows[0]!.p_answer[5]!, 6);
    }
    const leads = tableFromIPC((await get('/api/leads?limit=7&format=arrow', 'dialer')).rawPayload);
    expect(leads.numRows).toBe(7);
    expect(String(leads.getChild('phone_e164')!.get(0))).toMatch(/^\+\d+$/);
    const bySegment = (await get('/api/scores?limit=5000&segment=1&order=customer_id', 'analyst')).json() as { total: number; rows: { segment_id: number }[] };
    expect(bySegment.rows.length).toBe(bySegment.total);
    expect(bySegment.rows.every((r) => r.segment_id === 1)).toBe(true);
  });

  it('every lead-level read is in the audit log with who, what and how many rows', async () => {
    const isolated = copyFixture(fixture);
    const cache = mkdtempSync(join(tmpdir(), 'dialwise-audit-cache-'));
    const own = await buildServer({ dataDir: isolated.dataDir, tokensFile: isolated.tokensFile, cacheDir: cache, pollMs: 0, env: {} });
    try {
      const auth = (role: Role) => ({ authorization: `Bearer ${isolated.tokens[role]}` });
      expect((await own.inject({ url: '/api/scores?limit=3', headers: auth('dialer') })).statusCode).toBe(200);
      expect((await own.inject({ url: `/api/leads/${customerId}`, headers: auth('analyst') })).statusCode).toBe(200);
      // refused and aggregate reads are not lead-level reads
      expect((await own.inject({ url: '/api/scores?limit=3', headers: auth('viewer') })).statusCode).toBe(403);
      expect((await own.inject({ url: '/api/segments', headers: auth('analyst') })).statusCode).toBe(200);
      const audit = (await own.inject({ url: '/api/audit', headers: auth('admin') })).json() as { entries: { token_name: string; role: string; route: string; params: Record<string, unknown>; rows: number }[] };
      expect(audit.entries).toHaveLength(2);
      expect(audit.entries[0]).toMatchObject({ token_name: 'test-analyst', role: 'analyst', route: 'GET /api/leads/:customer_id', params: { customer_id: customerId }, rows: 1 });
      expect(audit.entries[1]).toMatchObject({ token_name: 'test-dialer', role: 'dialer', route: 'GET /api/scores', rows: 3 });
      expect(audit.entries[1]!.params).toMatchObject({ limit: 3 });
    } finally {
      await own.close();
      rmSync(cache, { recursive: true, force: true });
      isolated.cleanup();
    }
  });
});
