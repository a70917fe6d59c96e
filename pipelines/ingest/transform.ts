import type { Mapping } from '../../contracts/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';
import type { FieldSpec, KindSpec } from './fields.ts';
import type { Resolution } from './mapping.ts';
import { ParamBag } from './params.ts';
import { buildPhoneMap, PHONE_TABLE } from './phones.ts';
import { col, STAGE_TABLE } from './stage.ts';
import { ZONE_TABLE } from './zones.ts';

export const TYPED_TABLE = '__typed';

export interface TransformContext {
  spec: KindSpec;
  mapping: Mapping;
  resolution: Resolution;
  phoneSalt: string;
  /** rows after this instant are "in the future" (a few minutes of clock skew allowed) */
  now: Date;
}

/** Values a boolean field accepts, after value maps. */
const TRUE_TOKENS = ['true', 't', 'yes', 'y', '1'];
const FALSE_TOKENS = ['false', 'f', 'no', 'n', '0'];
/** A time-of-day followed by Z or an offset: the source says which instant it means. */
const ZONED_TIME_RE = '[0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\\s*(Z|z|UTC|GMT|[+-][0-9]{2}(:?[0-9]{2})?)$';

function literalTarget(value: string | number | boolean | null): string | null {
  if (value === null) return null;
  return String(value);
}

/**
 * Builds `__typed`: one row per staged record with every canonical field coerced to its type
 * and `__errors`, the list of reasons the row is unusable ("field: reason"). All set-based SQL.
 */
export async function buildTyped(wh: Warehouse, ctx: TransformContext): Promise<void> {
  const { spec, mapping, resolution } = ctx;
  const params = new ParamBag();
  const nulls = mapping.nulls.map((n) => n.trim().toLowerCase());
  const nullsParam = params.bindList(nulls);
  const has = (field: string) => resolution.fieldColumn.has(field);

  /** The source text of a field after trimming, null tokens and the mapping's value map. */
  const clean = (field: string): string => {
    const index = resolution.fieldColumn.get(field);
    if (index === undefined) return 'NULL::VARCHAR';
    const trimmed = `trim(s.${col(index)})`;
    let expr = nulls.length ? `CASE WHEN list_contains(${nullsParam}, lower(${trimmed})) THEN NULL ELSE ${trimmed} END` : trimmed;
    const valueMap = mapping.values[field];
    if (valueMap && Object.keys(valueMap).length) {
      const whens = Object.entries(valueMap)
        .map(([from, to]) => {
          const target = literalTarget(to);
          return `WHEN ${params.bind(from.trim().toLowerCase())} THEN ${target === null ? 'NULL' : params.bind(target)}`;
        })
        .join(' ');
      expr = `CASE lower(${expr}) ${whens} ELSE ${expr} END`;
    }
    return expr;
  };

  const cleanCols = [...resolution.fieldColumn.keys()].map((f) => `${clean(f)} AS c_${f}`);
  const refersToCustomer = spec.kind !== 'customers';
  const defaultTz = params.bind(mapping.defaultTimezone);
  const defaultRegion = params.bind(mapping.defaultRegion.toUpperCase());

  // The zone a naive time is read in: the row's own zone, else its customer's, else the default.
  const tzExpr = refersToCustomer ? `coalesce(z.name, cu.timezone, ${defaultTz})` : `coalesce(z.name, ${defaultTz})`;
  const regionExpr = refersToCustomer
    ? `coalesce(upper(c.c_country), cu.country, z.country, zc.country, ${defaultRegion})`
    : `coalesce(upper(c.c_country), z.country, ${defaultRegion})`;

  const customerJoin = refersToCustomer
    ? `LEFT JOIN customers cu ON cu.customer_id = c.c_customer_id LEFT JOIN ${ZONE_TABLE} zc ON zc.name = cu.timezone`
    : '';
  const fromClause = `FROM clean c
    LEFT JOIN ${ZONE_TABLE} z ON z.name = c.c_timezone
    ${customerJoin}`;
  const cleanCte = `clean AS (SELECT s.__line${cleanCols.length ? ', ' + cleanCols.join(', ') : ''}
      ${!has('timezone') ? ', NULL::VARCHAR AS c_timezone' : ''}${!has('country') ? ', NULL::VARCHAR AS c_country' : ''}
      FROM ${STAGE_TABLE} s)`;

  if (has('phone')) {
    await buildPhoneMap(
      wh,
      `WITH ${cleanCte} SELECT DISTINCT c.c_phone AS raw, ${regionExpr} AS region ${fromClause} WHERE c.c_phone IS NOT NULL`,
      params.values,
    );
  } else {
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${PHONE_TABLE} (raw VARCHAR, region VARCHAR, e164 VARCHAR, error VARCHAR)`);
  }

  const values: string[] = [];
  const errors: string[] = [];
  const nowParam = params.bind(new Date(ctx.now.getTime() + 5 * 60_000).toISOString());
  for (const field of spec.fields) {
    const formats = mapping.timestampFormats[field.name] ?? [];
    const { value, checks } = fieldSql(field, has(field.name), params, tzExpr, nowParam, formats);
    values.push(`${value} AS ${field.name}`);
    errors.push(...checks);
  }
  if (refersToCustomer) {
    errors.push(`CASE WHEN c.c_customer_id IS NOT NULL AND cu.customer_id IS NULL
      THEN 'customer_id: unknown customer ''' || left(c.c_customer_id, 60) || ''' (ingest the customers file first)' END`);
  }
  if (spec.kind === 'call-attempts') {
    errors.push(`CASE WHEN lower(c.c_converted) IN ('true','t','yes','y','1') AND lower(c.c_disposition) <> 'answered'
      THEN 'converted: a conversion needs an answered call (disposition ' || c.c_disposition || ')' END`);
  }
  // the salted hash is the only form of the number analytics keep
  const salt = params.bind(ctx.phoneSalt);
  const phoneHash = `CASE WHEN pm.e164 IS NOT NULL THEN sha256(${salt} || pm.e164) END`;
  const extras: string[] = [];
  if (spec.kind === 'customers') {
    extras.push(`pm.e164 AS phone_e164`, `${phoneHash} AS phone_hash`);
    const extra = resolution.extraColumns;
    extras.push(
      extra.length
        ? `to_json(map(${params.bindList(extra.map((i) => resolution.columnNames[i]!))}, [${extra.map((i) => `s.${col(i)}`).join(', ')}])) AS attributes`
        : 'NULL::JSON AS attributes',
    );
  } else if (spec.kind === 'call-attempts') {
    extras.push(`coalesce(${has('phone_hash') ? 'c.c_phone_hash' : 'NULL'}, ${phoneHash}, cu.phone_hash) AS __phone_hash`);
  }

  const phoneJoin = has('phone')
    ? `LEFT JOIN ${PHONE_TABLE} pm ON pm.raw = c.c_phone AND pm.region = ${regionExpr}`
    : `LEFT JOIN ${PHONE_TABLE} pm ON false`;
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE ${TYPED_TABLE} AS
     WITH ${cleanCte}
     SELECT c.__line, ${values.join(', ')}${extras.length ? ', ' + extras.join(', ') : ''},
            list_filter([${errors.join(',\n ')}], x -> x IS NOT NULL) AS __errors
     FROM clean c JOIN ${STAGE_TABLE} s ON s.__line = c.__line
     LEFT JOIN ${ZONE_TABLE} z ON z.name = c.c_timezone
     ${customerJoin}
     ${phoneJoin}`,
    params.values,
  );
}

function fieldSql(
  field: FieldSpec,
  present: boolean,
  params: ParamBag,
  tzExpr: string,
  nowParam: string,
  formats: readonly string[],
): { value: string; checks: string[] } {
  const c = `c.c_${field.name}`;
  const name = field.name;
  const shown = `'''' || left(${c}, 60) || ''''`;
  const checks: string[] = [];
  if (!present) {
    const value = field.defaultSql ?? 'NULL';
    return { value: `${value}::${sqlType(field)}`, checks };
  }
  if (field.required) checks.push(`CASE WHEN ${c} IS NULL THEN '${name}: required value is missing' END`);
  let value: string;
  switch (field.type) {
    case 'string':
      value = c;
      break;
    case 'country':
      value = `upper(${c})`;
      checks.push(`CASE WHEN ${c} IS NOT NULL AND NOT regexp_full_match(${c}, '[A-Za-z]{2}') THEN '${name}: not a two-letter country code: ' || ${shown} END`);
      break;
    case 'integer':
    case 'double': {
      const num = `try_cast(${c} AS DOUBLE)`;
      value = field.type === 'integer' ? `CAST(${num} AS BIGINT)` : num;
      checks.push(`CASE WHEN ${c} IS NOT NULL AND (${num} IS NULL OR NOT isfinite(${num})) THEN '${name}: not a number: ' || ${shown} END`);
      if (field.type === 'integer') {
        checks.push(`CASE WHEN ${num} IS NOT NULL AND ${num} <> floor(${num}) THEN '${name}: not a whole number: ' || ${shown} END`);
      }
      if (field.min !== undefined) {
        const op = field.minExclusive ? '<=' : '<';
        checks.push(`CASE WHEN ${num} ${op} ${Number(field.min)} THEN '${name}: must be ${field.minExclusive ? '>' : '≥'} ${field.min}, got ' || ${c} END`);
      }
      if (field.max !== undefined) {
        checks.push(`CASE WHEN ${num} > ${Number(field.max)} THEN '${name}: must be ≤ ${field.max}, got ' || ${c} END`);
      }
      break;
    }
    case 'boolean':
      value = `CASE WHEN lower(${c}) IN (${TRUE_TOKENS.map((t) => `'${t}'`).join(',')}) THEN true
                    WHEN lower(${c}) IN (${FALSE_TOKENS.map((t) => `'${t}'`).join(',')}) THEN false END`;
      checks.push(`CASE WHEN ${c} IS NOT NULL AND (${value}) IS NULL THEN '${name}: not a yes/no value: ' || ${shown} END`);
      if (field.defaultSql) value = `coalesce(${value}, ${field.defaultSql})`;
      break;
    case 'enum': {
      const allowed = params.bindList(field.values ?? []);
      value = `CASE WHEN list_contains(${allowed}, lower(${c})) THEN lower(${c}) END`;
      checks.push(
        `CASE WHEN ${c} IS NOT NULL AND NOT list_contains(${allowed}, lower(${c})) THEN '${name}: unknown value ' || ${shown} || ' (expected ${(field.values ?? []).join(', ')})' END`,
      );
      break;
    }
    case 'timestamp': {
      const zoned = `regexp_matches(${c}, '${ZONED_TIME_RE}')`;
      const naive = formats.length
        ? `coalesce(try_cast(${c} AS TIMESTAMP), try_strptime(${c}, ${params.bindList(formats)}))`
        : `try_cast(${c} AS TIMESTAMP)`;
      value = `CASE WHEN ${c} IS NULL THEN NULL WHEN ${zoned} THEN try_cast(${c} AS TIMESTAMPTZ) ELSE timezone(${tzExpr}, ${naive}) END`;
      checks.push(`CASE WHEN ${c} IS NOT NULL AND (${value}) IS NULL THEN '${name}: not a date/time: ' || ${shown} END`);
      if (field.notFuture) {
        checks.push(`CASE WHEN (${value}) > ${nowParam}::TIMESTAMPTZ THEN '${name}: in the future: ' || ${shown} END`);
      }
      checks.push(`CASE WHEN (${value}) < TIMESTAMPTZ '1900-01-01 00:00:00+00' THEN '${name}: implausibly old: ' || ${shown} END`);
      break;
    }
    case 'phone':
      value = 'pm.e164';
      checks.push(`CASE WHEN ${c} IS NOT NULL AND pm.e164 IS NULL THEN '${name}: ' || coalesce(pm.error, 'not a phone number') END`);
      break;
    case 'timezone':
      value = 'z.name';
      checks.push(`CASE WHEN ${c} IS NOT NULL AND z.name IS NULL THEN '${name}: unknown IANA time zone ' || ${shown} END`);
      break;
    case 'json':
      value = `CASE WHEN json_valid(${c}) THEN ${c}::JSON END`;
      checks.push(`CASE WHEN ${c} IS NOT NULL AND NOT json_valid(${c}) THEN '${name}: not valid JSON' END`);
      break;
  }
  if (field.defaultSql && field.type !== 'boolean') value = `coalesce(${value}, ${field.defaultSql})`;
  return { value, checks };
}

function sqlType(field: FieldSpec): string {
  switch (field.type) {
    case 'integer':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'json':
      return 'JSON';
    default:
      return 'VARCHAR';
  }
}
