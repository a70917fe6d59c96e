import { listValue, timestampTZValue, type DuckDBValue } from '@duckdb/node-api';

/** What callers may bind to a `$1` / `$name` placeholder. */
export type SqlParam = null | boolean | number | bigint | string | Date | readonly string[] | DuckDBValue;
export type SqlParams = readonly SqlParam[] | Readonly<Record<string, SqlParam>>;

function toDuckValue(value: SqlParam): DuckDBValue {
  // a list of strings binds as VARCHAR[] (cast it in SQL when it may be empty: $ids::VARCHAR[])
  if (Array.isArray(value)) return listValue(value as string[]);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('cannot bind an invalid Date');
    return timestampTZValue(BigInt(value.getTime()) * 1000n);
  }
  return value as DuckDBValue;
}

/**
 * Converts parameters for DuckDB. Named parameters the statement does not use are dropped
 * (DuckDB refuses unknown names), so one parameter set can serve several related statements.
 */
export function toDuckParams(params: SqlParams | undefined, sql: string): DuckDBValue[] | Record<string, DuckDBValue> | undefined {
  if (params === undefined) return undefined;
  if (Array.isArray(params)) return params.map(toDuckValue);
  const used = new Set([...sql.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
  const out: Record<string, DuckDBValue> = {};
  for (const [key, value] of Object.entries(params)) if (used.has(key)) out[key] = toDuckValue(value as SqlParam);
  return out;
}

/**
 * DuckDB returns BIGINT/HUGEINT as bigint; callers almost always want a number (counts, sums).
 * Values past 2^53 stay bigint so nothing is silently rounded.
 */
export function normaliseValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(normaliseValue);
  return value;
}
