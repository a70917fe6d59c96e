import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LEAD_LEVEL } from '../auth/roles.ts';
import { ArrowTypes, rowsToArrow, sendArrow, wantsArrow, type ColumnTypes } from '../server/arrow.ts';
import { NotFoundError } from '../server/errors.ts';
import { needPublished, type ApiDeps } from './context.ts';
import { arr, bool, int, jsonOrArrow, MetaSchema, nint, nstr, num, obj, query, responses, str } from './schemas.ts';

/**
 * Lead-level data from the published run in force: what the dialer asks for, and what analysts
 * inspect. Every read is written to the audit log (who, which route and parameters, how many rows).
 */
const SCORE_COLUMNS = 'customer_id, p_convert, p_answer, best_hours, segment_id, segment_name, expected_value, reasons, model_versions';
const LEAD_COLUMNS = 'customer_id, phone_e164, timezone, country, name, consent, dnc, blocked_reason, variables';
const SCORE_ONE = `SELECT ${SCORE_COLUMNS} FROM scores WHERE customer_id = $1`;
const LEAD_ONE = `SELECT ${LEAD_COLUMNS} FROM leads WHERE customer_id = $id`;
const SEGMENT_FILTER = 'WHERE ($segment::INTEGER IS NULL OR segment_id = $segment)';
// ORDER BY cannot be a parameter: one constant per allowed order (the `order` enum). Without a
// segment filter a page is a range of the precomputed rank (sql/published.ts).
const SCORE_PAGE = {
  expected_value: `SELECT ${SCORE_COLUMNS} FROM scores WHERE ev_rank > $offset AND ev_rank <= $offset + $limit ORDER BY ev_rank`,
  customer_id: `SELECT ${SCORE_COLUMNS} FROM scores WHERE id_rank > $offset AND id_rank <= $offset + $limit ORDER BY id_rank`,
} as const;
const SCORE_SEGMENT_PAGE = {
  expected_value: `SELECT ${SCORE_COLUMNS} FROM scores ${SEGMENT_FILTER} ORDER BY ev_rank LIMIT $limit OFFSET $offset`,
  customer_id: `SELECT ${SCORE_COLUMNS} FROM scores ${SEGMENT_FILTER} ORDER BY id_rank LIMIT $limit OFFSET $offset`,
} as const;
const SCORE_COUNT = `SELECT count(*) AS n FROM scores ${SEGMENT_FILTER}`;
const LEAD_PAGE = `SELECT ${LEAD_COLUMNS} FROM leads ORDER BY customer_id LIMIT $limit OFFSET $offset`;
const LEAD_COUNT = 'SELECT count(*) AS n FROM leads';

const ScoreSchema = obj({
  customer_id: str, p_convert: num, p_answer: arr(num), best_hours: arr(int), segment_id: nint, segment_name: nstr,
  expected_value: num, reasons: arr(str), model_versions: { type: 'object', additionalProperties: str },
});
const LeadSchema = obj({
  customer_id: str, phone_e164: str, timezone: str, country: nstr, name: nstr, consent: bool, dnc: bool, blocked_reason: nstr,
  variables: { type: 'object', additionalProperties: true },
});
const idParams = { type: 'object', additionalProperties: false, required: ['customer_id'], properties: { customer_id: { type: 'string', minLength: 1, maxLength: 128 } } };
const pageProps = {
  limit: { type: 'integer', minimum: 1, maximum: 5000, default: 100 },
  offset: { type: 'integer', minimum: 0, maximum: 100_000_000, default: 0 },
  format: { type: 'string', enum: ['json', 'arrow'], description: 'arrow: an Arrow IPC stream (also with Accept: application/vnd.apache.arrow.stream)' },
};

const SCORE_ARROW: ColumnTypes = {
  customer_id: ArrowTypes.utf8(), p_convert: ArrowTypes.float(), p_answer: ArrowTypes.floatList(), best_hours: ArrowTypes.intList(),
  segment_id: ArrowTypes.int(), segment_name: ArrowTypes.utf8(), expected_value: ArrowTypes.float(), reasons: ArrowTypes.utf8List(), model_versions: ArrowTypes.utf8(),
};
const LEAD_ARROW: ColumnTypes = {
  customer_id: ArrowTypes.utf8(), phone_e164: ArrowTypes.utf8(), timezone: ArrowTypes.utf8(), country: ArrowTypes.utf8(), name: ArrowTypes.utf8(),
  consent: ArrowTypes.bool(), dnc: ArrowTypes.bool(), blocked_reason: ArrowTypes.utf8(), variables: ArrowTypes.utf8(),
};

type Row = Record<string, unknown>;
const json = (v: unknown): object => (typeof v === 'string' ? (JSON.parse(v) as object) : ((v as object | null) ?? {}));
const scoreJson = (r: Row) => ({ ...r, model_versions: json(r.model_versions), reasons: r.reasons ?? [], best_hours: r.best_hours ?? [], p_answer: r.p_answer ?? [] });
const leadJson = (r: Row) => ({ ...r, variables: json(r.variables) });
/** Arrow keeps the JSON columns as text: readers parse them if they need them. */
const asText = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));

function audit(deps: ApiDeps, request: FastifyRequest, rows: number): void {
  deps.audit.record(request.principal!, `${request.method} ${request.routeOptions.url}`, { ...(request.params as object), ...(request.query as object) }, rows);
}

export function leadRoutes(api: FastifyInstance, deps: ApiDeps): void {
  api.get(
    '/scores/:customer_id',
    {
      config: { roles: LEAD_LEVEL },
      schema: { tags: ['lead-level'], summary: "One customer's published scores (audited)", params: idParams, querystring: query({}), response: responses(obj({ meta: MetaSchema, score: ScoreSchema }), [404]) },
    },
    (request) =>
      deps.source.use(async (snap) => {
        needPublished(snap);
        const [row] = await snap.queryPrepared<Row>(SCORE_ONE, [(request.params as { customer_id: string }).customer_id]);
        audit(deps, request, row ? 1 : 0);
        if (!row) throw new NotFoundError(`customer "${(request.params as { customer_id: string }).customer_id}" is not in published run ${snap.meta.run_id}`);
        return { meta: snap.meta, score: scoreJson(row) };
      }),
  );

  api.get(
    '/scores',
    {
      config: { roles: LEAD_LEVEL },
      schema: {
        tags: ['lead-level'],
        summary: 'A page of published scores (audited); JSON or Arrow',
        querystring: query({ ...pageProps, order: { type: 'string', enum: ['expected_value', 'customer_id'], default: 'expected_value' }, segment: { type: 'integer', minimum: 0, maximum: 100000 } }),
        response: responses(jsonOrArrow(obj({ meta: MetaSchema, total: int, offset: int, limit: int, rows: arr(ScoreSchema) })), [406]),
      },
    },
    (request, reply) =>
      deps.source.use(async (snap) => {
        needPublished(snap);
        const q = request.query as { limit: number; offset: number; order: keyof typeof SCORE_PAGE; segment?: number };
        const params = { limit: q.limit, offset: q.offset, segment: q.segment ?? null };
        const rows = await snap.query<Row>(q.segment === undefined ? SCORE_PAGE[q.order] : SCORE_SEGMENT_PAGE[q.order], params);
        const [count] = await snap.query<{ n: number }>(SCORE_COUNT, params);
        audit(deps, request, rows.length);
        if (wantsArrow(request)) {
          const table = rowsToArrow(rows.map((r) => ({ ...r, model_versions: asText(r.model_versions) })), SCORE_ARROW);
          return arrowReply(reply, table, snap.meta.run_id, count?.n ?? 0);
        }
        return { meta: snap.meta, total: count?.n ?? 0, offset: q.offset, limit: q.limit, rows: rows.map(scoreJson) };
      }),
  );

  api.get(
    '/leads/:customer_id',
    {
      config: { roles: LEAD_LEVEL },
      schema: { tags: ['lead-level'], summary: "One customer's lead row: number, zone, script variables (audited)", params: idParams, querystring: query({}), response: responses(obj({ meta: MetaSchema, lead: LeadSchema }), [404]) },
    },
    (request) =>
      deps.source.use(async (snap) => {
        needPublished(snap);
        const [row] = await snap.query<Row>(LEAD_ONE, { id: (request.params as { customer_id: string }).customer_id });
        audit(deps, request, row ? 1 : 0);
        if (!row) throw new NotFoundError(`customer "${(request.params as { customer_id: string }).customer_id}" is not a lead of published run ${snap.meta.run_id}`);
        return { meta: snap.meta, lead: leadJson(row) };
      }),
  );

  api.get(
    '/leads',
    {
      config: { roles: LEAD_LEVEL },
      schema: {
        tags: ['lead-level'],
        summary: 'A page of published leads (audited); JSON or Arrow',
        querystring: query({ ...pageProps }),
        response: responses(jsonOrArrow(obj({ meta: MetaSchema, total: int, offset: int, limit: int, rows: arr(LeadSchema) })), [406]),
      },
    },
    (request, reply) =>
      deps.source.use(async (snap) => {
        needPublished(snap);
        const q = request.query as { limit: number; offset: number };
        const rows = await snap.query<Row>(LEAD_PAGE, { limit: q.limit, offset: q.offset });
        const [count] = await snap.query<{ n: number }>(LEAD_COUNT);
        audit(deps, request, rows.length);
        if (wantsArrow(request)) {
          const table = rowsToArrow(rows.map((r) => ({ ...r, variables: asText(r.variables) })), LEAD_ARROW);
          return arrowReply(reply, table, snap.meta.run_id, count?.n ?? 0);
        }
        return { meta: snap.meta, total: count?.n ?? 0, offset: q.offset, limit: q.limit, rows: rows.map(leadJson) };
      }),
  );
}

function arrowReply(reply: FastifyReply, table: ReturnType<typeof rowsToArrow>, runId: string | null, total: number): FastifyReply {
  return sendArrow(reply, table, { 'x-dialwise-run': runId ?? '', 'x-dialwise-total': String(total) });
}
