import type { FastifyInstance } from 'fastify';
import { AGGREGATES, maskFor } from '../auth/roles.ts';
import { PSI_ALARM } from '../server/drift.ts';
import { NotFoundError } from '../server/errors.ts';
import { cached, fin, iso, needWarehouse, type ApiDeps } from './context.ts';
import { arr, bool, int, MetaSchema, nint, nnum, nstr, num, obj, query, responses, str } from './schemas.ts';

/** Pipeline runs, the feedback-loop simulation, and feature statistics and drift. */
const RUNS = `SELECT run_id, kind, as_of, started_at, finished_at, status, published, error FROM runs
              WHERE ($kind::VARCHAR IS NULL OR kind = $kind) ORDER BY started_at DESC LIMIT $limit`;
const STEPS = `SELECT run_id, step, attempt, status, started_at, seconds, rows, error FROM steps
               WHERE list_contains($ids::VARCHAR[], run_id) ORDER BY run_id, position, attempt`;
const SIMULATIONS = `SELECT sim_id, count(DISTINCT day) AS days, min(day_start) AS first_day FROM simulation_days
                     GROUP BY sim_id ORDER BY max(day_start) DESC, sim_id DESC`;
const SIM_DAYS = `SELECT day, day_start, policy, dials, answered, contact_rate, conversions, conversions_per_1000_dials,
                         abandoned_share, opt_outs, compliance_violations, published_run
                  FROM simulation_days WHERE sim_id = $sim ORDER BY day, policy`;
const LATEST_SNAPSHOT = 'SELECT snapshot_id, as_of FROM feature_snapshots ORDER BY snapshot_id DESC LIMIT 1';
const STATS = `SELECT feature, family, type, rows, null_share, mean, std, min, max, distinct_count, histogram
               FROM feature_stats WHERE snapshot_id = $snapshot ORDER BY feature`;
const DRIFT = `SELECT baseline_snapshot_id, current_snapshot_id, feature, family, type, psi, null_share_baseline, null_share_current, mean_baseline, mean_current
               FROM feature_drift ORDER BY psi DESC, feature`;

const StepSchema = obj({ step: str, attempt: int, status: str, started_at: nstr, seconds: nnum, rows: nint, error: nstr });
const RunSchema = obj({ run_id: str, kind: str, as_of: str, started_at: str, finished_at: nstr, status: str, published: bool, error: nstr, steps: arr(StepSchema) });
const SimDay = obj({
  day: int, day_start: str, policy: { type: 'string', enum: ['model', 'random', 'oracle'] }, dials: int, answered: int, contact_rate: nnum, conversions: int,
  conversions_per_1000_dials: nnum, abandoned_share: nnum, opt_outs: int, compliance_violations: int, published_run: nstr,
});
const Histogram = {
  oneOf: [
    obj({ kind: { type: 'string', enum: ['numeric'] }, edges: arr(num), shares: arr(num) }),
    obj({ kind: { type: 'string', enum: ['categorical'] }, shares: { type: 'object', additionalProperties: num } }),
  ],
};

export function operationsRoutes(api: FastifyInstance, deps: ApiDeps): void {
  api.get(
    '/runs',
    {
      config: { roles: AGGREGATES },
      schema: {
        tags: ['runs'],
        summary: 'Pipeline runs with their steps, newest first',
        querystring: query({ limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, kind: { type: 'string', pattern: '^[a-z_-]{1,32}$' } }),
        response: responses(obj({ meta: MetaSchema, runs: arr(RunSchema) })),
      },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needWarehouse(snap);
          const { limit, kind } = request.query as { limit: number; kind?: string };
          const mask = maskFor(request.principal);
          const runs = await snap.query<Record<string, unknown>>(RUNS, { limit, kind: kind ?? null });
          const steps = runs.length ? await snap.query<Record<string, unknown>>(STEPS, { ids: runs.map((r) => String(r.run_id)) }) : [];
          return {
            meta: snap.meta,
            runs: runs.map((r) => ({
              run_id: String(r.run_id),
              kind: String(r.kind),
              as_of: iso(r.as_of) ?? '',
              started_at: iso(r.started_at) ?? '',
              finished_at: iso(r.finished_at),
              status: String(r.status),
              published: Boolean(r.published),
              error: mask((r.error as string | null) ?? null),
              steps: steps
                .filter((s) => s.run_id === r.run_id)
                .map((s) => ({
                  step: String(s.step), attempt: Number(s.attempt), status: String(s.status), started_at: iso(s.started_at),
                  seconds: fin(s.seconds), rows: fin(s.rows), error: mask((s.error as string | null) ?? null),
                })),
            })),
          };
        }),
      ),
  );

  api.get(
    '/simulation',
    {
      config: { roles: AGGREGATES },
      schema: {
        tags: ['simulation'],
        summary: 'Feedback loop: per simulated day, model vs random vs oracle',
        querystring: query({ sim: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,80}$', description: 'simulation id (default: the latest)' } }),
        response: responses(obj({ meta: MetaSchema, simulations: arr(obj({ sim_id: str, days: int, first_day: str })), sim_id: nstr, days: arr(SimDay) }), [404]),
      },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needWarehouse(snap);
          const sims = await snap.query<Record<string, unknown>>(SIMULATIONS);
          const asked = (request.query as { sim?: string }).sim;
          const simId = asked ?? (sims[0] ? String(sims[0].sim_id) : null);
          if (asked && !sims.some((s) => s.sim_id === asked)) {
            throw new NotFoundError(`no simulation "${asked}"`);
          }
          const days = simId ? await snap.query<Record<string, unknown>>(SIM_DAYS, { sim: simId }) : [];
          return {
            meta: snap.meta,
            simulations: sims.map((s) => ({ sim_id: String(s.sim_id), days: Number(s.days), first_day: iso(s.first_day) ?? '' })),
            sim_id: simId,
            days: days.map((d) => ({
              day: Number(d.day), day_start: iso(d.day_start) ?? '', policy: String(d.policy) as 'model', dials: Number(d.dials), answered: Number(d.answered),
              contact_rate: fin(d.contact_rate), conversions: Number(d.conversions), conversions_per_1000_dials: fin(d.conversions_per_1000_dials),
              abandoned_share: fin(d.abandoned_share), opt_outs: Number(d.opt_outs), compliance_violations: Number(d.compliance_violations),
              published_run: (d.published_run as string | null) ?? null,
            })),
          };
        }),
      ),
  );

  api.get(
    '/features',
    {
      config: { roles: AGGREGATES },
      schema: {
        tags: ['features'],
        summary: 'Statistics of every feature in the latest snapshot',
        querystring: query({}),
        response: responses(
          obj({
            meta: MetaSchema, snapshot_id: nint, as_of: nstr,
            features: arr(obj({ feature: str, family: str, type: str, rows: int, null_share: num, mean: nnum, std: nnum, min: nnum, max: nnum, distinct_count: nint, histogram: Histogram })),
          }),
        ),
      },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needWarehouse(snap);
          const [latest] = await snap.query<{ snapshot_id: number; as_of: Date }>(LATEST_SNAPSHOT);
          const rows = latest ? await snap.query<Record<string, unknown>>(STATS, { snapshot: latest.snapshot_id }) : [];
          return {
            meta: snap.meta,
            snapshot_id: latest?.snapshot_id ?? null,
            as_of: iso(latest?.as_of),
            features: rows.map((r) => ({
              feature: String(r.feature), family: String(r.family), type: String(r.type), rows: Number(r.rows), null_share: Number(r.null_share),
              mean: fin(r.mean), std: fin(r.std), min: fin(r.min), max: fin(r.max), distinct_count: fin(r.distinct_count),
              histogram: JSON.parse(String(r.histogram)) as object,
            })),
          };
        }),
      ),
  );

  api.get(
    '/features/drift',
    {
      config: { roles: AGGREGATES },
      schema: {
        tags: ['features'],
        summary: 'PSI of every feature: latest snapshot against the one before',
        querystring: query({}),
        response: responses(
          obj({
            meta: MetaSchema, baseline_snapshot_id: nint, current_snapshot_id: nint, threshold: num,
            features: arr(obj({ feature: str, family: str, type: str, psi: num, alarm: bool, null_share_baseline: num, null_share_current: num, mean_baseline: nnum, mean_current: nnum })),
          }),
        ),
      },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needWarehouse(snap);
          const rows = await snap.query<Record<string, unknown>>(DRIFT);
          return {
            meta: snap.meta,
            baseline_snapshot_id: fin(rows[0]?.baseline_snapshot_id),
            current_snapshot_id: fin(rows[0]?.current_snapshot_id),
            threshold: PSI_ALARM,
            features: rows.map((r) => ({
              feature: String(r.feature), family: String(r.family), type: String(r.type), psi: Number(r.psi), alarm: Number(r.psi) >= PSI_ALARM,
              null_share_baseline: Number(r.null_share_baseline), null_share_current: Number(r.null_share_current), mean_baseline: fin(r.mean_baseline), mean_current: fin(r.mean_current),
            })),
          };
        }),
      ),
  );
}
