import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../auth/audit.ts';
import type { RouteDirectory } from '../auth/roles.ts';
import { BadRequestError, UnavailableError } from '../server/errors.ts';
import type { Snapshot } from '../server/snapshot.ts';
import type { DataSource } from '../server/source.ts';
import type { ResponseCheck } from '../server/validate.ts';

export interface ApiDeps {
  source: DataSource;
  audit: AuditLog;
  directory: RouteDirectory;
  /** the response-schema check (server/validate.ts), for responses serialised here */
  checkResponse: ResponseCheck;
}

/** Cached responses per generation; a bound keeps many distinct URLs from growing it forever. */
const MAX_CACHED = 5000;
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The response for this URL from the generation's cache, computed, validated against the
 * route's schema and serialised by the route's serialiser once: a hit costs a Map lookup and
 * sends the same bytes (a Buffer: not even the UTF-8 encoding is repeated). Concurrent first
 * requests share one computation; a failed one is not kept. Viewers get their own entries
 * because their responses are masked.
 */
export async function cached(snapshot: Snapshot, request: FastifyRequest, reply: FastifyReply, check: ResponseCheck, compute: () => Promise<object>): Promise<Buffer> {
  const key = `${request.principal?.role === 'viewer' ? 'v' : 'a'}|${request.url}`;
  let body = snapshot.responses.get(key);
  if (body === undefined) {
    body = compute().then((value) => {
      check(request, 200, value);
      return Buffer.from(reply.serialize(value) as string, 'utf8');
    });
    if (snapshot.responses.size >= MAX_CACHED) snapshot.responses.clear();
    snapshot.responses.set(key, body);
    body.catch(() => {
      if (snapshot.responses.get(key) === body) snapshot.responses.delete(key);
    });
  }
  const bytes = await body;
  reply.type(JSON_TYPE);
  return bytes;
}

export function needPublished(snapshot: Snapshot): void {
  if (!snapshot.published) throw new UnavailableError('NO_PUBLISHED_RUN', 'nothing is published yet: run `dialwise nightly` (or `dialwise demo`) first');
}

export function needWarehouse(snapshot: Snapshot): void {
  if (!snapshot.cache) {
    throw new UnavailableError(
      'WAREHOUSE_UNAVAILABLE',
      snapshot.lastError ? `the warehouse could not be read yet (${snapshot.lastError}); retry when the running job finishes` : 'no warehouse in the data dir: run `dialwise demo` or `dialwise ingest` first',
    );
  }
}

export interface Filters {
  campaign: string | null;
  from: string | null;
  to: string | null;
  segment: number | null;
}

function validDay(name: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  const d = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) throw new BadRequestError(`querystring/${name} must be a real date YYYY-MM-DD, got "${value}"`);
  return value;
}

/** The shared filters, checked beyond what the schema can say (real dates, from ≤ to). */
export interface FilterQuery {
  campaign?: string;
  from?: string;
  to?: string;
  segment?: number;
}

export function filters(q: FilterQuery): Filters {
  const from = validDay('from', q.from);
  const to = validDay('to', q.to);
  if (from && to && from > to) throw new BadRequestError(`querystring/from (${from}) is after querystring/to (${to})`);
  return { campaign: q.campaign ?? null, from, to, segment: q.segment ?? null };
}

/** ISO string of a timestamp read from DuckDB (or null). */
export function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/** A finite number or null (JSON has no NaN). */
export function fin(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}
