/**
 * JSON schemas shared by the routes: they validate requests (fastify's ajv), validate responses
 * (server/validate.ts) and describe the API in OpenAPI (/docs). dashboards/API.md is the prose.
 */
type Schema = Record<string, unknown>;

export const num = { type: 'number' } as const;
export const int = { type: 'integer' } as const;
export const str = { type: 'string' } as const;
export const bool = { type: 'boolean' } as const;
export const nullable = (s: Schema): Schema => ({ ...s, type: [s.type as string, 'null'] });
export const nnum = nullable(num);
export const nint = nullable(int);
export const nstr = nullable(str);

export function obj(properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema {
  return { type: 'object', additionalProperties: false, properties, required };
}
export const arr = (items: Schema): Schema => ({ type: 'array', items });

export const ErrorSchema = obj({ code: str, message: str });

export const MetaSchema = obj({ run_id: nstr, as_of: nstr, warehouse_read_at: nstr, stale: bool });

/** Query filters shared by the campaign routes. */
export const filterProps = {
  campaign: { type: 'string', minLength: 1, maxLength: 64, description: 'campaign id' },
  from: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'first UTC day, YYYY-MM-DD (inclusive)' },
  to: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'last UTC day, YYYY-MM-DD (inclusive)' },
  segment: { type: 'integer', minimum: 0, maximum: 100000, description: 'segment id' },
} as const;

export function query(properties: Record<string, Schema>): Schema {
  return { type: 'object', additionalProperties: false, properties };
}

export const KpiProps = {
  dials: int,
  answered: int,
  converted: int,
  abandoned: int,
  connect_rate: nnum,
  conversion_rate: nnum,
  conversions_per_1000_dials: nnum,
  avg_talk_seconds: nnum,
  abandoned_share: nnum,
} as const;

/** 200 plus the error statuses every protected route can answer. */
export function responses(ok: Schema, extra: number[] = []): Record<string, Schema> {
  const out: Record<string, Schema> = { 200: ok };
  for (const status of [400, 401, 403, 503, ...extra]) out[status] = ErrorSchema;
  return out;
}

export const ARROW_TYPE = 'application/vnd.apache.arrow.stream';

/** A 200 that is JSON by default and an Arrow IPC stream on request. */
export function jsonOrArrow(json: Schema): Schema {
  return {
    content: {
      'application/json': { schema: json },
      [ARROW_TYPE]: { schema: { type: 'string', format: 'binary', description: 'Arrow IPC stream of the rows' } },
    },
  };
}
