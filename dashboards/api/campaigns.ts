import type { FastifyInstance } from 'fastify';
import { AGGREGATES } from '../auth/roles.ts';
import { cached, filters, fin, needWarehouse, type ApiDeps, type FilterQuery, type Filters } from './context.ts';
import { arr, filterProps, int, KpiProps, MetaSchema, nnum, nstr, num, obj, query, responses, str } from './schemas.ts';

/** Ofcom's (and the dialer's) abandoned-call ceiling, drawn as a line on the page. */
export const ABANDONED_LIMIT = 0.03;

const KPI = `
  CAST(sum(dials) AS BIGINT) AS dials, CAST(sum(answered) AS BIGINT) AS answered,
  CAST(sum(converted) AS BIGINT) AS converted, CAST(sum(abandoned) AS BIGINT) AS abandoned,
  sum(answered) / nullif(sum(dials), 0) AS connect_rate,
  sum(converted) / nullif(sum(answered), 0) AS conversion_rate,
  1000.0 * sum(converted) / nullif(sum(dials), 0) AS conversions_per_1000_dials,
  sum(talk_seconds) / nullif(sum(answered), 0) AS avg_talk_seconds,
  sum(abandoned) / nullif(sum(answered) + sum(abandoned), 0) AS abandoned_share`;
const WHERE = `
  WHERE ($campaign::VARCHAR IS NULL OR campaign_id = $campaign)
    AND ($from::DATE IS NULL OR day >= $from::DATE) AND ($to::DATE IS NULL OR day <= $to::DATE)
    AND ($segment::INTEGER IS NULL OR segment_id = $segment)`;
// campaign name and targets joined after the aggregation (the cube and campaigns share campaign_id)
const BY_CAMPAIGN = `SELECT k.*, c.name, c.attributes
  FROM (SELECT campaign_id, ${KPI} FROM kpi_cube ${WHERE} GROUP BY campaign_id) k
  LEFT JOIN campaigns c ON c.campaign_id = k.campaign_id ORDER BY k.campaign_id`;
const TOTAL = `SELECT ${KPI} FROM kpi_cube ${WHERE}`;
const BY_DAY = `SELECT strftime(day, '%Y-%m-%d') AS day, campaign_id, ${KPI} FROM kpi_cube ${WHERE} GROUP BY day, campaign_id ORDER BY day, campaign_id`;
const BY_HOUR = `SELECT local_hour AS hour, ${KPI} FROM kpi_cube ${WHERE} GROUP BY local_hour ORDER BY local_hour`;
const CAMPAIGNS = `SELECT campaign_id, name, objective, strftime(first_day, '%Y-%m-%d') AS first_day, strftime(last_day, '%Y-%m-%d') AS last_day, CAST(dials AS BIGINT) AS dials
  FROM campaigns ORDER BY campaign_id`;

interface Kpi {
  dials: number;
  answered: number;
  converted: number;
  abandoned: number;
  connect_rate: number | null;
  conversion_rate: number | null;
  conversions_per_1000_dials: number | null;
  avg_talk_seconds: number | null;
  abandoned_share: number | null;
}

function kpi(r: Record<string, unknown>): Kpi {
  return {
    dials: Number(r.dials ?? 0),
    answered: Number(r.answered ?? 0),
    converted: Number(r.converted ?? 0),
    abandoned: Number(r.abandoned ?? 0),
    connect_rate: fin(r.connect_rate),
    conversion_rate: fin(r.conversion_rate),
    conversions_per_1000_dials: fin(r.conversions_per_1000_dials),
    avg_talk_seconds: fin(r.avg_talk_seconds),
    abandoned_share: fin(r.abandoned_share),
  };
}

/** A campaign's own targets, from `campaigns.attributes.targets`, if it has any. */
function ownTargets(attributes: unknown): { connect_rate: number | null; conversion_rate: number | null } | null {
  if (typeof attributes !== 'string') return null;
  try {
    const t = (JSON.parse(attributes) as { targets?: Record<string, unknown> }).targets;
    if (!t) return null;
    return { connect_rate: fin(t.connect_rate), conversion_rate: fin(t.conversion_rate) };
  } catch {
    return null;
  }
}

const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
const params = (f: Filters) => ({ campaign: f.campaign, from: f.from, to: f.to, segment: f.segment });
const Kpi = obj({ ...KpiProps });
const Rates = obj({ connect_rate: nnum, conversion_rate: nnum });
const filterQuery = query({ ...filterProps });

export function campaignRoutes(api: FastifyInstance, deps: ApiDeps): void {
  api.get(
    '/campaigns',
    {
      config: { roles: AGGREGATES },
      schema: {
        tags: ['campaigns'],
        summary: 'Campaigns with calls',
        querystring: query({}),
        response: responses(obj({ meta: MetaSchema, campaigns: arr(obj({ campaign_id: str, name: str, objective: nstr, first_day: str, last_day: str, dials: int })) })),
      },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needWarehouse(snap);
          const rows = await snap.query<Record<string, unknown>>(CAMPAIGNS);
          return { meta: snap.meta, campaigns: rows.map((r) => ({ ...r, dials: Number(r.dials) })) };
        }),
      ),
  );

  api.get(
    '/campaigns/summary',
    {
      config: { roles: AGGREGATES },
      schema: {
        tags: ['campaigns'],
        summary: 'KPIs per campaign and in total, the funnel, and target vs actual with the deviation',
        querystring: filterQuery,
        response: responses(
          obj({
            meta: MetaSchema,
            abandoned_limit: num,
            campaigns: arr(obj({ campaign_id: str, name: str, ...KpiProps, targets: Rates, deviation: Rates, target_source: { type: 'string', enum: ['campaign', 'all_campaigns'] } })),
            total: Kpi,
            funnel: arr(obj({ stage: { type: 'string', enum: ['dialed', 'answered', 'converted'] }, count: int })),
          }),
        ),
      },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needWarehouse(snap);
          const f = filters(request.query as FilterQuery);
          const rows = await snap.query<Record<string, unknown>>(BY_CAMPAIGN, params(f));
          const [totalRow] = await snap.query<Record<string, unknown>>(TOTAL, params(f));
          // the benchmark a campaign without targets is held to: all campaigns, same days and segment
          const [allRow] = f.campaign ? await snap.query<Record<string, unknown>>(TOTAL, params({ ...f, campaign: null })) : [totalRow];
          const total = kpi(totalRow ?? {});
          const all = kpi(allRow ?? {});
          return {
            meta: snap.meta,
            abandoned_limit: ABANDONED_LIMIT,
            campaigns: rows.map((r) => {
              const k = kpi(r);
              const own = ownTargets(r.attributes);
              const targets = own ?? { connect_rate: all.connect_rate, conversion_rate: all.conversion_rate };
              return {
                campaign_id: String(r.campaign_id),
                name: String(r.name ?? r.campaign_id),
                ...k,
                targets,
                deviation: { connect_rate: minus(k.connect_rate, targets.connect_rate), conversion_rate: minus(k.conversion_rate, targets.conversion_rate) },
                target_source: own ? ('campaign' as const) : ('all_campaigns' as const),
              };
            }),
            total,
            funnel: [
              { stage: 'dialed' as const, count: total.dials },
              { stage: 'answered' as const, count: total.answered },
              { stage: 'converted' as const, count: total.converted },
            ],
          };
        }),
      ),
  );

  api.get(
    '/campaigns/daily',
    {
      config: { roles: AGGREGATES },
      schema: { tags: ['campaigns'], summary: 'KPIs by UTC day and campaign', querystring: filterQuery, response: responses(obj({ meta: MetaSchema, rows: arr(obj({ day: str, campaign_id: str, ...KpiProps })) })) },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needWarehouse(snap);
          const f = filters(request.query as FilterQuery);
          const rows = await snap.query<Record<string, unknown>>(BY_DAY, params(f));
          return { meta: snap.meta, rows: rows.map((r) => ({ day: String(r.day), campaign_id: String(r.campaign_id), ...kpi(r) })) };
        }),
      ),
  );

  api.get(
    '/campaigns/hourly',
    {
      config: { roles: AGGREGATES },
      schema: { tags: ['campaigns'], summary: "KPIs by the callee's local hour of day", querystring: filterQuery, response: responses(obj({ meta: MetaSchema, rows: arr(obj({ hour: int, ...KpiProps })) })) },
    },
    (request, reply) =>
      deps.source.use((snap) =>
        cached(snap, request, reply, deps.checkResponse, async () => {
          needWarehouse(snap);
          const f = filters(request.query as FilterQuery);
          const rows = await snap.query<Record<string, unknown>>(BY_HOUR, params(f));
          return { meta: snap.meta, rows: rows.map((r) => ({ hour: Number(r.hour), ...kpi(r) })) };
        }),
      ),
  );
}
