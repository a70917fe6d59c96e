import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LEAD_LEVEL } from '../auth/roles.ts';
import { ArrowTypes, rowsToArrow, sendArrow, wantsArrow, type ColumnTypes } from '../server/arrow.ts';
import { NotFoundError } from '../server/errors.ts';
import type { ScoreOrder } from '../server/scores-index.ts';
import { needPublished, type ApiDeps } from './context.ts';
import { arr, bool, int, jsonOrArrow, MetaSchema, nint, nstr, num, obj, query, responses, str } from './schemas.ts';

/**
 * Lead-level data from the published run in force: what the dialer asks for, and what analysts
 * inspect. Every read is written to the audit log (who, which route and parameters, how many rows).
 */
const LEAD_COLUMNS = 'customer_id, phone_e164, timezone, country, name, consent, dnc, blocked_reason, variables';
const LEAD_ONE = `SELECT ${LEAD_COLUMNS} FROM leads WHERE customer_id = $1`;
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
const leadJson = (r: Row) => ({ ...r, variables: json(r.variables) });
/** Arrow keeps the JSON columns as text: readers parse them if they need them. */
const asText = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));

/** Resolves once the entry is written: the routes answer only after that. */
function audit(deps: ApiDeps, request: FastifyRequest, rows: number): Promise<void> {
  return deps.audit.record(request.principal!, `${request.method} ${request.routeOptions.url}`, { ...(request.params as object), ...(request.query as object) }, rows);
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
        const id = (request.params as { customer_id: string }).customer_id;
        const score = snap.scores!.get(id);
        await audit(deps, request, score ? 1 : 0);
        if (!score) throw new NotFoundError(`customer "${id}" is not in published run ${snap.meta.run_id}`);
        return { meta: snap.meta, score };
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
        response: responses(jsonOrArrow(obj({ meta: MetaSchema, total: int, offset: int, limit: int, rows: arr(ScoreSchema) }))),
      },
    },
    (request, reply) =>
      deps.source.use(async (snap) => {
        needPublished(snap);
        const q = request.query as { limit: number; offset: number; order: ScoreOrder; segment?: number };
        const { total, rows } = snap.scores!.page(q.order, q.offset, q.limit, q.segment ?? null);
        await audit(deps, request, rows.length);
        if (wantsArrow(request)) {
          const table = rowsToArrow(rows.map((r) => ({ ...r, model_versions: asText(r.model_versions) })), SCORE_ARROW);
          return arrowReply(reply, table, snap.meta.run_id, total);
        }
        return { meta: snap.meta, total, offset: q.offset, limit: q.limit, rows };
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
        const [row] = await snap.queryPrepared<Row>(LEAD_ONE, [(request.params as { customer_id: string }).customer_id]);
        await audit(deps, request, row ? 1 : 0);
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
        response: responses(jsonOrArrow(obj({ meta: MetaSchema, total: int, offset: int, limit: int, rows: arr(LeadSchema) }))),
      },
    },
    (request, reply) =>
      deps.source.use(async (snap) => {
        needPublished(snap);
        const q = request.query as { limit: number; offset: number };
        const rows = await snap.query<Row>(LEAD_PAGE, { limit: q.limit, offset: q.offset });
        const [count] = await snap.query<{ n: number }>(LEAD_COUNT);
        await audit(deps, request, rows.length);
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
